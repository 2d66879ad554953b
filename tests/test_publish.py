"""Publishing snapshots for read-only replicas: atomic, complete, pruned, followed without restart."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from metrics.io.core import store_checksum
from metrics.publish import POINTER, PublishError, publish, resolve_store
from metrics.store import Store, StoreError


@pytest.fixture()
def authoring(demo_db: Path, tmp_path: Path) -> Path:
    db = tmp_path / "authoring.duckdb"
    shutil.copy(demo_db, db)
    return db


def _bump(db: Path) -> None:
    """A write to the authoring store (any write moves the data version on)."""
    with Store(db) as s, s.transaction() as cur:
        cur.execute("UPDATE observation SET note = 'revised' WHERE indicator_id = 'NI117' AND area_code = 'E06000020'")


def test_snapshot_is_a_complete_copy_and_current(authoring: Path, tmp_path: Path) -> None:
    folder = tmp_path / "publish"
    snap = publish(authoring, folder)
    assert (folder / POINTER).read_text().strip() == snap.name
    assert resolve_store(folder) == snap
    with Store(authoring, read_only=True) as a, Store(folder, read_only=True) as p:
        assert store_checksum(a) == store_checksum(p)
        assert p.path == str(snap)


def test_a_publish_folder_is_never_opened_for_writing(authoring: Path, tmp_path: Path) -> None:
    folder = tmp_path / "publish"
    publish(authoring, folder)
    with pytest.raises(StoreError, match="read-only"):
        Store(folder)


def test_new_publish_moves_current_and_prunes_old_snapshots(authoring: Path, tmp_path: Path) -> None:
    folder = tmp_path / "publish"
    names = []
    for _ in range(4):
        _bump(authoring)
        names.append(publish(authoring, folder, keep=2).name)
    assert names == sorted(names)  # versioned names sort in publish order
    left = sorted(p.name for p in folder.glob("store-v*.duckdb"))
    assert left == names[-2:]
    assert resolve_store(folder).name == names[-1]
    with Store(folder, read_only=True) as p, Store(authoring, read_only=True) as a:
        assert p.data_version() == a.data_version()
    assert not list(folder.glob(".*"))  # no partial files or pointer temporaries left behind


def test_bad_folders_and_sources_are_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(PublishError, match="not a publish folder"):
        resolve_store(tmp_path / "empty")
    with pytest.raises(PublishError, match="no such store"):
        publish(tmp_path / "absent.duckdb", tmp_path / "out")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / POINTER).write_text("../../etc/passwd\n")
    with pytest.raises(PublishError, match="not a snapshot"):
        resolve_store(tmp_path / "bad")


def test_cli_publish(authoring: Path, tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "metrics", "publish", "--db", str(authoring), "--to",
                        str(tmp_path / "pub")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "now current" in r.stdout
    r = subprocess.run([sys.executable, "-m", "metrics", "info", "--db", str(tmp_path / "pub"), "--json"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert '"dataset": "synthetic demo data"' in r.stdout  # `jar info` reads the current snapshot of the folder
