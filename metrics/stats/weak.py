"""Weak-area score: where an area's outcomes are both worse than England and getting worse.

Joint area reviews and improvement boards ask which Every Child Matters outcome is weakest. A
count per outcome of indicators that are significantly worse than the benchmark, in the bottom
quartile, getting worse, and both worse and getting worse ("red-red", the Fingertips colour pair
that most needs attention) gives that answer without inventing a composite score whose weights
nobody agreed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = ["WeakFlags", "weak_area_score", "weak_flags"]


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


def weak_area_score(
    df: pd.DataFrame,
    *,
    outcome_col: str = "outcome_id",
    comparison_col: str = "comparison",
    band_col: str = "band",
    trend_col: str = "trend",
) -> pd.DataFrame:
    """Per outcome: n_indicators, n_worse, n_band_d, n_getting_worse, n_red_red.

    ``df`` holds one row per indicator result for one area (and period): its outcome, its
    benchmark comparison label (from :func:`metrics.stats.compare_to_benchmark`, or the two-level
    labels, where any ``worse_*`` counts as worse), its quartile band and its recent-trend label
    (from :func:`metrics.stats.recent_trend`). Red-red = worse AND getting_worse. Returns one row
    per outcome, sorted by outcome, with integer counts.
    """
    flags = weak_flags(df[comparison_col].to_numpy(dtype=object), df[band_col].to_numpy(dtype=object),
                       df[trend_col].to_numpy(dtype=object))
    work = pd.DataFrame(
        {
            outcome_col: df[outcome_col].to_numpy(),
            "n_indicators": np.ones(len(df), dtype=np.int64),
            "n_worse": flags.worse.astype(np.int64),
            "n_band_d": flags.band_d.astype(np.int64),
            "n_getting_worse": flags.getting_worse.astype(np.int64),
            "n_red_red": flags.red_red.astype(np.int64),
        }
    )
    columns = ["n_indicators", "n_worse", "n_band_d", "n_getting_worse", "n_red_red"]
    if work.empty:
        return pd.DataFrame(
            {
                outcome_col: pd.Series(dtype=object),
                **{c: pd.Series(dtype=np.int64) for c in columns},
            }
        )
    out = work.groupby(outcome_col, sort=True, dropna=False)[columns].sum().reset_index()
    return out.astype({c: np.int64 for c in columns})
