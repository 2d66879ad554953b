"""An import killed with SIGKILL (power cut, OOM killer, a user's kill -9) leaves a
store that opens and holds either the state before the import or the state after
it: never a half-written batch.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from metrics.framework import REPO_ROOT
from metrics.io.core import store_checksum
from metrics.store import Store
from tests.io.conftest import import_file
from tests.io.make_big_fingertips import write_big_fingertips

ROWS = 60_000
# import_batch records when: equal between two runs only in its row count. The audit log
# is the CLI's record of being asked (written after the import commits), not imported data.
VOLATILE = ("import_batch",)
IGNORED = ("audit_log",)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def state(path: Path) -> dict[str, object]:
    """The store's checksum, less what differs between two runs of the same import:
    import_batch's time and user (its row count is kept) and the time a value was
    superseded (the rest of each history row is kept)."""
    with Store(path) as s:
        sums: dict[str, object] = dict(store_checksum(s))
        columns = [c for c in s.df("DESCRIBE observation_history")["column_name"] if c != "superseded_at"]
        sums["observation_history"] = s.cursor().execute(
            f"SELECT count(*), coalesce(sum(hash({', '.join(columns)})), 0) FROM observation_history"
        ).fetchone()
    return {t: (v[0] if t in VOLATILE else v) for t, v in sums.items() if t not in IGNORED}  # type: ignore[index]


def run_and_kill(store_path: Path, big: Path, wait_for: str, delay: float) -> tuple[list[str], bool]:
    """Start ``python -m metrics import``; SIGKILL it ``delay`` s after it prints ``wait_for``.

    Returns what it printed, and whether the kill found it still running.
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "metrics", "import", str(big), "--db", str(store_path)],
        cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    seen: list[str] = []
    deadline = time.monotonic() + 120
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            seen.append(line.strip())
            if line.strip().startswith(wait_for):
                time.sleep(delay)
                break
            assert time.monotonic() < deadline, "import never reached the kill point"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        seen += [line.strip() for line in proc.stderr.read().splitlines()]  # what it said before dying
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode in (0, -signal.SIGKILL), f"the import failed: {seen}"
    return seen, proc.returncode == -signal.SIGKILL


@pytest.fixture(scope="module")
def big_import(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    """The big file, and the store's state before and after importing it (in-process)."""
    folder = tmp_path_factory.mktemp("kill")
    big = write_big_fingertips(folder / "big.csv", ROWS)
    reference = folder / "reference.duckdb"
    shutil.copyfile(demo_db, reference)
    old = state(reference)
    with Store(reference) as s:
        import_file(s, big)
    new = state(reference)
    assert new != old
    return big, old, new


@pytest.mark.parametrize(
    ("wait_for", "delay"),
    [("writing", 0.05), ("writing", 0.4), ("validated", 0.0)],
    ids=["mid-write", "around-commit", "after-validation"],
)
def test_sigkill_leaves_old_or_new_state(
    demo_db: Path, tmp_path: Path, big_import: tuple[Path, dict, dict], wait_for: str, delay: float
) -> None:
    big, old, new = big_import
    store_path = tmp_path / "store.duckdb"
    shutil.copyfile(demo_db, store_path)
    assert state(store_path) == old

    seen, killed = run_and_kill(store_path, big, wait_for, delay)
    assert any(line.startswith(wait_for) for line in seen)

    after = state(store_path)  # it opens: DuckDB replays a committed WAL or discards an open one
    assert after in (old, new), "the store holds a state between before and after the import"
    if not killed or any(line.startswith("committed") for line in seen):
        assert after == new  # it finished, or said it had committed before it died
    if wait_for == "writing" and delay < 0.1:
        assert killed
    if wait_for == "validated":
        assert after == old  # killed before the write began
