"""Statistical disclosure control for small counts of children.

Small counts of children (say, 3 looked-after children in a cluster with a particular outcome) can
identify individuals, so published tables suppress them. This follows the approach of DfE's
statistics publications and the Government Statistical Service guidance on disclosure control:

- primary suppression: a count from 1 up to (not including) the threshold (default 5) is hidden;
  0 is shown, because "none" identifies no one and hiding zeros would hide good news too;
- secondary (complementary) suppression: when a group's total is published (the clusters of one
  local authority, the client groups of one area), a single hidden cell could be recovered by
  subtraction, so one more cell is hidden;
- everything derived from a hidden count (its value and confidence limits) is hidden with it, since
  a rate and its denominator give the count back.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ._arrays import to_float

__all__ = ["DEFAULT_THRESHOLD", "apply_suppression", "secondary_suppression", "suppress"]

#: Counts from 1 to this minus 1 are suppressed.
DEFAULT_THRESHOLD = 5

_DEFAULT_VALUE_COLS = (
    "value",
    "lower",
    "upper",
    "lower95",
    "upper95",
    "lower998",
    "upper998",
    "lower_95",
    "upper_95",
    "lower_99_8",
    "upper_99_8",
)


def suppress(counts: ArrayLike, threshold: ArrayLike = DEFAULT_THRESHOLD) -> bool | np.ndarray:
    """Primary suppression mask: True where ``0 < count < threshold``.

    DfE / GSS small-number convention (see the module docstring): counts 1-4 hidden at the default
    threshold of 5; zero and missing counts are not flagged (a zero is published; a missing count
    has nothing to hide). ``threshold`` may be an array (one per row) and broadcasts. Scalars in
    give a bool; otherwise a boolean ndarray.
    """
    c, t = np.broadcast_arrays(to_float(counts), to_float(threshold))
    with np.errstate(invalid="ignore"):
        mask = np.isfinite(c) & (c > 0) & (c < t)
    return bool(mask) if mask.ndim == 0 else mask


def secondary_suppression(
    df: pd.DataFrame, group_col: str | Sequence[str], count_col: str, primary_col: str
) -> pd.Series:
    """Mask (aligned to ``df``) of primary plus complementary suppression within each group.

    Complementary suppression as in the GSS disclosure-control guidance: where a group's total is
    published, a group with exactly one hidden cell would give that cell away by subtraction, so
    the smallest other cell of the group is hidden too, preferring a non-zero cell (hiding a
    published-looking zero protects less) and, on ties, the first row. A cell whose count is
    missing already counts as hidden. A group whose only cell is suppressed has no partner: its
    total must be suppressed by the caller. Protection is one-dimensional (one grouping at a time).
    """
    keys = [group_col] if isinstance(group_col, str) else list(group_col)
    work = df[keys].copy()
    work.index = pd.RangeIndex(len(df))
    primary = df[primary_col].fillna(False).astype(bool).to_numpy()
    count = to_float(df[count_col])
    hidden = primary | ~np.isfinite(count)
    work["_hidden"] = hidden
    work["_primary"] = primary
    grouped = work.groupby(keys, dropna=False, sort=False)
    n_hidden = grouped["_hidden"].transform("sum").to_numpy()
    n_primary = grouped["_primary"].transform("sum").to_numpy()
    needs = (n_hidden == 1) & (n_primary == 1)
    candidates = needs & ~hidden
    result = primary.copy()
    if candidates.any():
        cand = work.loc[candidates, keys].copy()
        cand["_count"] = count[candidates]
        cand["_zero"] = cand["_count"] <= 0
        cand["_pos"] = np.flatnonzero(candidates)
        cand = cand.sort_values(["_zero", "_count", "_pos"], kind="mergesort")
        chosen = cand.groupby(keys, dropna=False, sort=False).head(1)["_pos"].to_numpy()
        result[chosen] = True
    return pd.Series(result, index=df.index, name="suppressed")


def apply_suppression(
    df: pd.DataFrame,
    threshold: int | float | str = DEFAULT_THRESHOLD,
    *,
    count_col: str = "count",
    value_cols: Sequence[str] | None = None,
    group_col: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Copy of ``df`` with suppressed counts, values and limits set to NaN and a ``suppressed`` column.

    Applies :func:`suppress` with ``threshold`` (a number, or the name of a column holding each
    row's threshold), then, when ``group_col`` is given, :func:`secondary_suppression` within each
    group. The count and every column in ``value_cols`` (default: those of value, lower, upper,
    lower95, upper95, lower998, upper998, lower_95, upper_95, lower_99_8, upper_99_8 present) are
    blanked on suppressed rows, because a value and its denominator give the count back.
    Denominators are left alone: cohort sizes are published.
    """
    out = df.copy()
    thresholds = out[threshold] if isinstance(threshold, str) else threshold
    mask = suppress(out[count_col], thresholds)
    if group_col is not None:
        out["_primary"] = mask
        mask = secondary_suppression(out, group_col, count_col, "_primary").to_numpy()
        out = out.drop(columns="_primary")
    if value_cols is None:
        cols = [c for c in _DEFAULT_VALUE_COLS if c in out.columns]
    else:
        missing = [c for c in value_cols if c not in out.columns]
        if missing:
            raise KeyError(f"value columns not in the frame: {missing}")
        cols = list(value_cols)
    for col in [count_col, *cols]:
        if mask.any():
            if not pd.api.types.is_float_dtype(out[col]):
                out[col] = out[col].astype(float)
            out.loc[mask, col] = np.nan
    out["suppressed"] = mask
    return out
