"""Import throughput: a large Fingertips CSV into a throwaway copy of a store.

Run from the project root (this is the child :mod:`benchmarks.bench_scale` starts):

    .venv/bin/python benchmarks/import_run.py --db STORE --csv FILE [--mapping MAP.csv]

It imports FILE into STORE (which it changes: give it a copy) with the same calls
the CLI and the Data page make (:func:`metrics.io.formats.open_source` then
:func:`metrics.io.core.import_source`) and prints one JSON line: seconds, rows read,
rows/s, what the merge did, and the process's own peak RSS. It runs as a child
process so that peak is the import's alone, not the benchmark's pages and stores
held by the parent. The file comes from ``tests/io/make_big_fingertips.py``, the
same generator the streaming tests use, so it is valid for any demo-derived store.
A script, not a test.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without install

#: The generated file's Fingertips indicator and the catalogue indicator it is
#: imported as. A scaled store copies every indicator with its ``fingertips_id``,
#: so without an explicit mapping which copy receives the rows would depend on
#: the catalogue's row order; the mapping file pins it to the real one.
FINGERTIPS_ID, INDICATOR_ID = "90284", "NI70"


def _vm_kb(field: str) -> int | None:
    """A ``VmRSS``/``VmHWM`` line of this process's /proc status, in KiB (Linux only)."""
    status = Path("/proc/self/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return None


def make_csv(path: Path, rows: int) -> dict[str, Any]:
    """Write the ``rows``-row Fingertips file (deterministic: fixed seed) and say how long it took."""
    from tests.io.make_big_fingertips import write_big_fingertips

    start = time.perf_counter()
    write_big_fingertips(path, rows, seed=1)
    return {"rows": rows, "seconds": round(time.perf_counter() - start, 2), "bytes": path.stat().st_size}


def write_mapping(path: Path) -> Path:
    """The one-line mapping file that sends the generated rows to :data:`INDICATOR_ID`."""
    path.write_text(f"fingertips_id,indicator_id\n{FINGERTIPS_ID},{INDICATOR_ID}\n", encoding="utf-8")
    return path


def _reset_peak() -> bool:
    """Reset this process's VmHWM to its current RSS (Linux 4.0+); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return _vm_kb("VmHWM") is not None


def import_once(db: Path, csv_path: Path, mapping: Path | None) -> dict[str, Any]:
    """Import ``csv_path`` into ``db`` in this process; the figures the child prints."""
    from metrics.io.core import import_source
    from metrics.io.formats import open_source
    from metrics.store import Store

    rss_before_kb = _vm_kb("VmRSS")  # interpreter + libraries, before any row is read
    # The peak from here on: a child forked from a large parent (the benchmark has
    # just built a 50x store) inherits the parent's high-water mark, which
    # ru_maxrss then reports; resetting VmHWM measures the import alone.
    peak_is_own = _reset_peak()
    with Store(db) as store:
        start = time.perf_counter()
        source = open_source(store, csv_path, "fingertips", mapping)
        result = import_source(store, source, user="benchmark")
        seconds = time.perf_counter() - start
    peak_kb = _vm_kb("VmHWM") if peak_is_own else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB
    return {
        "seconds": round(seconds, 2),
        "rows_read": result.rows_read,
        "rows_per_s": round(result.rows_read / seconds) if seconds else None,
        "new": result.new,
        "replaced": result.replaced,
        "unchanged": result.unchanged,
        "skipped": result.skipped,
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "rss_before_import_mb": round(rss_before_kb / 1024, 1) if rss_before_kb else None,
    }


def run_child(store: Path, csv_path: Path, work: Path, timeout: float = 3600) -> dict[str, Any]:
    """Copy ``store`` into ``work``, import ``csv_path`` into the copy in a child process, delete the copy.

    The copy keeps the benchmarked store as it was (the pages and the browser run
    on it afterwards, and ``--reuse`` reads it again next time). Copying is not timed.
    """
    with tempfile.TemporaryDirectory(prefix="ecm-import-", dir=work) as tmp:
        copy = Path(tmp) / "store.duckdb"
        shutil.copyfile(store, copy)
        mapping = write_mapping(Path(tmp) / "mapping.csv")
        proc = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--db", str(copy), "--csv", str(csv_path),
             "--mapping", str(mapping)],
            cwd=ROOT, capture_output=True, text=True, timeout=timeout,
        )
    if proc.returncode:
        raise RuntimeError(f"import child failed (exit {proc.returncode}): {proc.stderr.strip()[-1500:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="the store to import into (it is changed)")
    parser.add_argument("--csv", type=Path, required=True, help="a Fingertips CSV")
    parser.add_argument("--mapping", type=Path, help="fingertips_id,indicator_id mapping file")
    args = parser.parse_args(argv)
    print(json.dumps(import_once(args.db, args.csv, args.mapping)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
