"""Time the pre-inspection data pack for one LA on the national demo (target: under 10 s).

Run from the project root: ``.venv/bin/python benchmarks/bench_pack.py [--area CODE] [--runs K]``.
Builds a fresh demo store in a temporary folder, then prints the median of K runs
(default 5) of collecting the figures, writing the PDF and writing the XLSX. A
script, not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install

from metrics.demo import build_demo  # noqa: E402
from metrics.pack import collect_pack, write_pack_pdf, write_pack_xlsx  # noqa: E402
from metrics.store import Store  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--area", default="E06000020")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.duckdb"
        summary = build_demo(db)
        store = Store(db, read_only=True)
        timings: dict[str, list[float]] = {"collect figures": [], "write PDF": [], "write XLSX": [], "total PDF": []}
        pages = 0
        for _ in range(args.runs):
            t0 = time.perf_counter()
            data = collect_pack(store, args.area)
            t1 = time.perf_counter()
            write_pack_pdf(data, Path(tmp) / "pack.pdf")
            t2 = time.perf_counter()
            write_pack_xlsx(data, Path(tmp) / "pack.xlsx")
            t3 = time.perf_counter()
            timings["collect figures"].append(t1 - t0)
            timings["write PDF"].append(t2 - t1)
            timings["write XLSX"].append(t3 - t2)
            timings["total PDF"].append(t2 - t0)
        from pypdf import PdfReader

        pages = len(PdfReader(str(Path(tmp) / "pack.pdf")).pages)
        print(f"store: national demo, {summary.observations:,} observations; area {args.area}; "
              f"runs: {args.runs} (median); PDF pages: {pages}")
        print(f"python {platform.python_version()}   {platform.machine()} x{os.cpu_count()}   {platform.system()}")
        for name, values in timings.items():
            print(f"{name:<16} {statistics.median(values):>7.2f} s")
        store.close()


if __name__ == "__main__":
    main()
