"""Time the pre-inspection data pack for one LA on the national demo (target: under 10 s).

Run from the project root: ``.venv/bin/python benchmarks/bench_pack.py [--area CODE] [--runs K]``.
Builds a fresh demo store in a temporary folder, then prints the median of K runs
(default 5) of collecting the figures, writing the PDF and writing the XLSX. A
script, not a test: timings depend on the machine. :func:`time_pack` is also what
:mod:`benchmarks.bench_scale` runs on each store size.
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


def time_pack(store: Store, area: str, runs: int, out_dir: Path) -> tuple[dict[str, float], int]:
    """Median seconds of each step of the pack over ``runs`` runs, and the PDF's page count.

    No warm-up run: the pack is built once per request in the app, so its first run
    is the one a user waits for, and the median of a few runs is what it typically costs.
    """
    timings: dict[str, list[float]] = {"collect figures": [], "write PDF": [], "write XLSX": [], "total PDF": []}
    for _ in range(runs):
        t0 = time.perf_counter()
        data = collect_pack(store, area)
        t1 = time.perf_counter()
        write_pack_pdf(data, out_dir / "pack.pdf")
        t2 = time.perf_counter()
        write_pack_xlsx(data, out_dir / "pack.xlsx")
        t3 = time.perf_counter()
        timings["collect figures"].append(t1 - t0)
        timings["write PDF"].append(t2 - t1)
        timings["write XLSX"].append(t3 - t2)
        timings["total PDF"].append(t2 - t0)
    from pypdf import PdfReader

    pages = len(PdfReader(str(out_dir / "pack.pdf")).pages)
    return {name: statistics.median(values) for name, values in timings.items()}, pages


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--area", default="E06000020")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.duckdb"
        summary = build_demo(db)
        store = Store(db, read_only=True)
        try:
            medians, pages = time_pack(store, args.area, args.runs, Path(tmp))
        finally:
            store.close()
        print(f"store: national demo, {summary.observations:,} observations; area {args.area}; "
              f"runs: {args.runs} (median); PDF pages: {pages}")
        print(f"python {platform.python_version()}   {platform.machine()} x{os.cpu_count()}   {platform.system()}")
        for name, seconds in medians.items():
            print(f"{name:<16} {seconds:>7.2f} s")


if __name__ == "__main__":
    main()
