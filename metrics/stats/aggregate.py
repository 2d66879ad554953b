"""Aggregating areas (clusters to a local authority, authorities to a region) and neighbour averages.

A parent area's proportion or rate is the sum of its members' numerators over the sum of their
denominators, never an average of the members' rates (which would weight a village like a city);
its confidence interval is recomputed from those totals by the same method as any other area, so
the parent's figures equal what would be computed from its own counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ._arrays import FloatOrArray, to_float
from .enums import ValueType, as_value_type
from .intervals import proportion_ci, rate_ci

__all__ = ["Aggregate", "aggregate", "aggregate_frame", "group_means", "interval_for", "neighbour_average"]

_AGGREGABLE = (ValueType.PROPORTION, ValueType.CRUDE_RATE, ValueType.COUNT)


@dataclass(frozen=True)
class Aggregate:
    """Totals of the members and the parent's value and interval recomputed from them."""

    count: float
    denominator: float
    value: float
    lower: float
    upper: float


def interval_for(
    value_type: ValueType | str,
    count: ArrayLike,
    denominator: ArrayLike,
    multiplier: float | np.ndarray,
    confidence: float = 0.95,
) -> tuple[FloatOrArray, FloatOrArray, FloatOrArray]:
    """Value and interval from a count and denominator by the method the value type calls for.

    Proportions: Wilson score; crude rates: exact Poisson under 10 events, Byar's from 10
    (PHE Technical Guide: Confidence intervals, 2018). Counts: the count itself with its Poisson
    interval (the same exact/Byar's limits on a denominator of 1, times ``multiplier``), as for
    numbers of events. Means, ratios and scores cannot be rebuilt from a count and a denominator
    alone and raise ``ValueError``.
    """
    vt = as_value_type(value_type)
    if vt is ValueType.PROPORTION:
        return proportion_ci(count, denominator, confidence, multiplier)
    if vt is ValueType.CRUDE_RATE:
        return rate_ci(count, denominator, confidence, multiplier)
    if vt is ValueType.COUNT:
        return rate_ci(count, np.ones(np.shape(to_float(count))), confidence, multiplier)
    raise ValueError(
        f"a {vt.value} cannot be recomputed from counts and denominators; "
        f"aggregate only {', '.join(v.value for v in _AGGREGABLE)}"
    )


def aggregate(
    counts: ArrayLike,
    denominators: ArrayLike,
    value_type: ValueType | str,
    multiplier: float = 1.0,
    confidence: float = 0.95,
    *,
    skipna: bool = False,
) -> Aggregate:
    """Sum member counts and denominators and recompute the parent's value and interval.

    Summing then recomputing is the only way the parent's figure equals one computed from its own
    records (PHE Technical Guide: Confidence intervals, 2018, on combining areas). A missing member
    count or denominator makes that total and the parent's value missing unless ``skipna=True``
    (which drops incomplete members), since a total with a hole in it would understate the parent. For counts the denominators are not needed and may be missing.
    """
    vt = as_value_type(value_type)
    c = np.atleast_1d(to_float(counts)).astype(float).ravel()
    d = np.atleast_1d(to_float(denominators)).astype(float).ravel()
    if vt is ValueType.COUNT:
        d = np.ones_like(c)  # a count needs no denominator
    if c.size != d.size:
        raise ValueError("counts and denominators must be the same length")
    if skipna:
        keep = np.isfinite(c) & np.isfinite(d)
        c, d = c[keep], d[keep]
    # plain sums: one missing member makes that total (and so the value) missing
    total_c = float(c.sum()) if c.size else np.nan
    total_d = float(d.sum()) if d.size else np.nan
    value, lower, upper = interval_for(vt, total_c, total_d, multiplier, confidence)
    if vt is ValueType.COUNT:
        total_d = np.nan
    return Aggregate(float(total_c), float(total_d), float(value), float(lower), float(upper))


def aggregate_frame(
    df: pd.DataFrame,
    by: Sequence[str] | str,
    *,
    count_col: str = "count",
    denominator_col: str = "denominator",
    value_type_col: str = "value_type",
    multiplier_col: str = "multiplier",
    skipna: bool = False,
) -> pd.DataFrame:
    """Group ``df`` by ``by``, sum counts and denominators, recompute value and both intervals.

    As :func:`aggregate`, per group; each group must be one indicator (a single value type and
    multiplier, read from ``value_type_col`` and ``multiplier_col``), otherwise ``ValueError``.
    Returns one row per group: the ``by`` columns, the summed count and denominator, ``value``,
    ``lower95``, ``upper95``, ``lower998``, ``upper998``, the value type, the multiplier and
    ``n_members`` (rows summed). A missing member count (or denominator) makes the group's count
    (or denominator) and its value missing, unless ``skipna`` drops the incomplete rows first.
    """
    keys = [by] if isinstance(by, str) else list(by)
    work = df[keys].copy()
    work["_count"] = to_float(df[count_col])
    work["_denom"] = to_float(df[denominator_col])
    work["_vt"] = df[value_type_col].astype(str).str.strip().str.lower()
    work["_mult"] = to_float(df[multiplier_col])
    is_count = work["_vt"] == ValueType.COUNT.value
    work.loc[is_count & work["_denom"].isna(), "_denom"] = 0.0
    if skipna:  # drop incomplete members from both totals, not just from the column with the hole
        incomplete = work["_count"].isna() | work["_denom"].isna()
        work.loc[incomplete, ["_count", "_denom"]] = np.nan
    work["_count_missing"] = work["_count"].isna()
    work["_denom_missing"] = work["_denom"].isna()
    grouped = work.groupby(keys, dropna=False, sort=True)
    summary = grouped.agg(
        _count=("_count", "sum"),
        _denom=("_denom", "sum"),
        _count_missing=("_count_missing", "any"),
        _denom_missing=("_denom_missing", "any"),
        _vt_n=("_vt", "nunique"),
        _mult_n=("_mult", "nunique"),
        _vt=("_vt", "first"),
        _mult=("_mult", "first"),
        n_members=("_count", "size"),
    )
    mixed = summary[(summary["_vt_n"] > 1) | (summary["_mult_n"] > 1)]
    if len(mixed):
        raise ValueError(
            f"groups mix value types or multipliers (aggregate one indicator at a time): {list(mixed.index[:5])}"
        )
    if not skipna:
        summary.loc[summary["_count_missing"], "_count"] = np.nan
        summary.loc[summary["_denom_missing"], "_denom"] = np.nan

    out = summary.reset_index()[keys].copy()
    out[count_col] = summary["_count"].to_numpy()
    out[denominator_col] = summary["_denom"].to_numpy()
    for col in ("value", "lower95", "upper95", "lower998", "upper998"):
        out[col] = np.nan
    vts = summary["_vt"].to_numpy()
    for vt_text in pd.unique(vts):
        rows = vts == vt_text
        vt = as_value_type(vt_text)
        mult = summary["_mult"].to_numpy()[rows]
        c = summary["_count"].to_numpy()[rows]
        d = summary["_denom"].to_numpy()[rows]
        value, lo95, hi95 = (np.asarray(a) for a in interval_for(vt, c, d, mult, 0.95))
        _, lo998, hi998 = (np.asarray(a) for a in interval_for(vt, c, d, mult, 0.998))
        out.loc[rows, "value"] = value
        out.loc[rows, "lower95"] = lo95
        out.loc[rows, "upper95"] = hi95
        out.loc[rows, "lower998"] = lo998
        out.loc[rows, "upper998"] = hi998
        if vt is ValueType.COUNT:
            out.loc[rows, denominator_col] = np.nan
    out[value_type_col] = vts
    out[multiplier_col] = summary["_mult"].to_numpy()
    out["n_members"] = summary["n_members"].to_numpy()
    return out


def neighbour_average(values: ArrayLike) -> tuple[float, int]:
    """Simple mean of the statistical neighbours' values and how many were available.

    DfE's statistical-neighbour benchmark (LAIT) is the unweighted mean of the ten neighbours'
    published values: each neighbour counts once because the comparison is of like authorities,
    not of pooled children. Missing neighbours are left out and the number used is returned so a
    page can say "average of 8 of 10 neighbours"; with none, the mean is NaN.
    """
    v = np.atleast_1d(to_float(values)).astype(float).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return (np.nan, 0)
    return (float(v.mean()), int(v.size))


def group_means(keys: Sequence[object], values: ArrayLike) -> tuple[list[object], np.ndarray, np.ndarray]:
    """Mean and count of the non-missing ``values`` per key, keys in sorted order.

    The sum is compensated (Kahan) in row order, exactly as pandas'
    ``groupby().mean()`` sums, so a neighbour mean computed here equals, to the
    last bit, the one the area pages take from pandas
    (tests/stats/test_aggregate.py holds it to pandas). For the few dozen rows
    of one chart, pandas' groupby machinery costs more than the page's query.
    """
    v = np.asarray(to_float(values), dtype=float).ravel()
    sums: dict[object, list[float]] = {}  # key -> [sum, compensation, count]
    for key, x in zip(keys, v.tolist(), strict=True):
        acc = sums.setdefault(key, [0.0, 0.0, 0.0])
        if x == x:  # not NaN
            y = x - acc[1]
            t = acc[0] + y
            acc[1] = t - acc[0] - y
            acc[0] = t
            acc[2] += 1
    order = sorted(sums)
    counts = np.array([sums[k][2] for k in order], dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.array([sums[k][0] for k in order], dtype=float) / counts
    means[counts == 0] = np.nan  # a plain NaN, as pandas gives (0/0 sets the sign bit)
    return order, means, counts
