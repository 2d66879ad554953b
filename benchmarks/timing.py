"""The one timing rule every benchmark script uses: median of N runs after a warm-up."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(fn: Callable[[], object], runs: int) -> float:
    """Median wall time of ``runs`` calls after one warm-up call (first-call costs excluded)."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def median_ms(fn: Callable[[], object], runs: int) -> float:
    return median_seconds(fn, runs) * 1000


def paired_median_ms(first: Callable[[], object], second: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median ms of two calls timed in turn (one warm-up each, then first, second, first, ...).

    For a ratio between them: on a shared virtual machine the speed drifts over
    seconds, and timing one call's runs after the other's put that drift into the ratio.
    """
    first()
    second()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for fn, out in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return statistics.median(times[0]) * 1000, statistics.median(times[1]) * 1000
