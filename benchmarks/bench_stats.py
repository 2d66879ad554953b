"""Time the statistics engine's hot paths over a million rows.

Run from the project root: ``.venv/bin/python benchmarks/bench_stats.py [--rows N] [--runs K]``.
Prints the median wall time of K runs (default 5) for proportion_ci, rate_ci,
compare_to_benchmark and quartile_band on N rows (default 1,000,000), with the machine's Python
and numpy versions. A script, not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import scipy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import median_seconds  # noqa: E402

from metrics.stats import (  # noqa: E402
    compare_to_benchmark,
    proportion_ci,
    quartile_band,
    rate_ci,
)


def cases(n: int) -> list[tuple[str, Callable[[], object]]]:
    """(name, call) for each hot path on ``n`` rows of fixed pseudo-random data (same seed every run).

    Shared with :mod:`benchmarks.bench_scale`, which times the same calls for its report.
    """
    rng = np.random.default_rng(20240601)
    denominators = rng.integers(1, 50_000, n).astype(float)
    counts = np.floor(rng.uniform(0, 1, n) * denominators)
    events = rng.poisson(rng.uniform(0.5, 500, n)).astype(float)  # ~1% under 10: exact branch
    value, lower, upper = proportion_ci(counts, denominators, 0.95, 100)
    benchmark = np.full(n, 50.0)
    polarities = rng.choice(["high_is_good", "low_is_good", "no_judgement"], n)
    return [
        ("proportion_ci (Wilson, 95%)", lambda: proportion_ci(counts, denominators, 0.95, 100)),
        ("rate_ci (exact <10, Byar's, 95%)", lambda: rate_ci(events, denominators, 0.95, 100_000)),
        (
            "compare_to_benchmark (one polarity)",
            lambda: compare_to_benchmark(value, lower, upper, benchmark, "high_is_good"),
        ),
        (
            "compare_to_benchmark (polarity per row)",
            lambda: compare_to_benchmark(value, lower, upper, benchmark, polarities),
        ),
        ("quartile_band (high_is_good)", lambda: quartile_band(value, "high_is_good")),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    n, runs = args.rows, args.runs
    timed = cases(n)

    print(f"rows: {n:,}   runs: {runs} (median reported, after one warm-up)")
    print(
        f"python {platform.python_version()}   numpy {np.__version__}   scipy {scipy.__version__}   "
        f"pandas {pd.__version__}   {platform.machine()} x{os.cpu_count()}   {platform.system()}"
    )
    width = max(len(name) for name, _ in timed)
    print(f"{'function':<{width}}  {'median s':>9}  {'M rows/s':>9}")
    print(f"{'-' * width}  {'-' * 9}  {'-' * 9}")
    for name, fn in timed:
        seconds = median_seconds(fn, runs)
        print(f"{name:<{width}}  {seconds:>9.3f}  {n / seconds / 1e6:>9.1f}")


if __name__ == "__main__":
    main()
