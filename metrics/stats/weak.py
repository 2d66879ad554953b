"""Weak-area flags: where an area's figures are worse than the benchmark, in band D, getting worse, or both.

Joint area reviews and improvement boards ask which Every Child Matters outcome is weakest. A
count per outcome of indicators that are significantly worse than the benchmark, in the bottom
quartile, getting worse, and both worse and getting worse ("red-red", the Fingertips colour pair
that most needs attention) gives that answer without inventing a composite score whose weights
nobody agreed. :mod:`metrics.weak_areas` lists the flagged figures and :mod:`metrics.scorecard`
counts them per outcome; both read the flags from :func:`weak_flags`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

__all__ = ["WeakFlags", "weak_flags"]


class WeakFlags(NamedTuple):
    """Per indicator result: the four reasons an outcome reads as weak (bool arrays)."""

    worse: np.ndarray
    band_d: np.ndarray
    getting_worse: np.ndarray
    red_red: np.ndarray


def weak_flags(comparison: Iterable[object], band: Iterable[object], trend: Iterable[object]) -> WeakFlags:
    """Worse than the benchmark (any ``worse*`` label), in band D, getting worse, and both
    worse and getting worse ("red-red"): the one rule the weak-areas list and the score count."""
    comparison = np.asarray(list(comparison), dtype=object)
    worse = np.fromiter((isinstance(c, str) and c.startswith("worse") for c in comparison), dtype=bool,
                        count=len(comparison))
    band_d = np.fromiter((b == "D" for b in band), dtype=bool)
    getting_worse = np.fromiter((t == "getting_worse" for t in trend), dtype=bool)
    return WeakFlags(worse, band_d, getting_worse, worse & getting_worse)
