"""Weak-area score: where an area's outcomes are both worse than England and getting worse.

Joint area reviews and improvement boards ask which Every Child Matters outcome is weakest. A
count per outcome of indicators that are significantly worse than the benchmark, in the bottom
quartile, getting worse, and both worse and getting worse ("red-red", the Fingertips colour pair
that most needs attention) gives that answer without inventing a composite score whose weights
nobody agreed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["weak_area_score"]


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
    comparison = df[comparison_col].astype("string").fillna("")
    worse = comparison.str.startswith("worse").to_numpy(dtype=bool)
    band_d = (df[band_col].astype("string") == "D").fillna(False).to_numpy(dtype=bool)
    getting_worse = (
        (df[trend_col].astype("string") == "getting_worse").fillna(False).to_numpy(dtype=bool)
    )
    work = pd.DataFrame(
        {
            outcome_col: df[outcome_col].to_numpy(),
            "n_indicators": np.ones(len(df), dtype=np.int64),
            "n_worse": worse.astype(np.int64),
            "n_band_d": band_d.astype(np.int64),
            "n_getting_worse": getting_worse.astype(np.int64),
            "n_red_red": (worse & getting_worse).astype(np.int64),
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
