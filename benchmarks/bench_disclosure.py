"""Time the store-wide disclosure control (:func:`metrics.derived.hidden_cells`).

Run from the project root: ``.venv/bin/python benchmarks/bench_disclosure.py [--db STORE] [--runs K]``.
Without ``--db`` it builds the national demo in a temporary folder first (half a
minute). Prints the median wall time of K runs (default 3) of deciding every hidden
cell over the whole observation table, and how many cells are hidden, primary and
secondary. A script, not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import median_seconds  # noqa: E402

from metrics.derived import hidden_cells  # noqa: E402
from metrics.store import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an existing store (default: build the demo)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            from metrics.demo import build_demo

            db = Path(tmp) / "demo.duckdb"
            build_demo(db)
        with Store(db, read_only=True) as store:
            cur = store.cursor()
            rows = int(store.scalar("SELECT count(*) FROM observation"))
            seconds = median_seconds(lambda: hidden_cells(cur), args.runs)
            reasons = hidden_cells(cur)["reason"].value_counts().to_dict()
    print(f"{rows:,} observations: hidden_cells median {seconds:.2f} s over {args.runs} runs; "
          f"{reasons.get('primary', 0):,} primary, {reasons.get('secondary', 0):,} secondary")


if __name__ == "__main__":
    main()
