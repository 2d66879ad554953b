"""Confidence intervals for proportions, crude rates and means, and for a gap between two proportions.

These are the methods of the PHE/OHID technical guide "Confidence intervals" (2018) as implemented
by PHEindicatormethods (R) and PHStatsMethods (Python), so that a "significantly worse than England"
flag drawn here is the one a public-health analyst would draw from the same counts.

Every function takes scalars or array-likes (numpy, pandas, lists) that broadcast together; it returns
floats for scalar input and float ndarrays otherwise, with NaN wherever the statistic is undefined
(missing, zero or negative denominator; negative count; count above denominator for a proportion).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from ._arrays import FloatOrArray, check_confidence, finish, is_scalar_input, to_float, z_value

__all__ = [
    "byars_lower",
    "byars_upper",
    "ClientGroupGap",
    "client_group_gap",
    "exact_poisson_lower",
    "exact_poisson_upper",
    "mean_ci",
    "mean_ci_from_summary",
    "proportion_ci",
    "proportion_difference_ci",
    "rate_ci",
    "wilson_limits",
]

#: Counts below this use the exact Poisson interval; from here up Byar's approximation.
BYARS_MIN_COUNT = 10


def wilson_limits(
    count: ArrayLike, denominator: ArrayLike, confidence: float = 0.95
) -> tuple[FloatOrArray, FloatOrArray]:
    """Wilson score limits of ``count / denominator`` on the 0-1 scale, with no validity checks.

    Wilson EB (1927) J Am Stat Assoc 22:209-212; Newcombe RG & Altman DG in *Statistics with
    confidence* (2000) pp 46-48. Wilson is used rather than the normal ("Wald") interval because it
    stays inside 0-1 and keeps close to its nominal coverage for small counts and extreme
    proportions, which is where small local authorities sit. Exposed separately because
    Newcombe's difference interval and the Byar/Wilson oracle use the raw limits.
    """
    scalar = is_scalar_input(count, denominator)
    x, n = np.broadcast_arrays(to_float(count), to_float(denominator))
    z = z_value(confidence)
    z2 = z * z
    with np.errstate(invalid="ignore", divide="ignore"):
        root = z * np.sqrt(z2 + 4.0 * x * (1.0 - x / n))
        denom = 2.0 * (n + z2)
        lower = (2.0 * x + z2 - root) / denom
        upper = (2.0 * x + z2 + root) / denom
    return finish(scalar, lower, upper)  # type: ignore[return-value]


def _proportion_valid(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    return np.isfinite(x) & np.isfinite(n) & (n > 0) & (x >= 0) & (x <= n)


def proportion_ci(
    count: ArrayLike,
    denominator: ArrayLike,
    confidence: float = 0.95,
    multiplier: float | np.ndarray = 1.0,
) -> tuple[FloatOrArray, FloatOrArray, FloatOrArray]:
    """Proportion with its Wilson score interval, returned as ``(value, lower, upper)``.

    Wilson EB (1927); PHE Technical Guide: Confidence intervals (2018). The interval is the one
    Fingertips publishes for proportions, so benchmark comparisons made from it agree with OHID.
    ``multiplier`` scales value and limits alike (100 for a percentage).
    """
    scalar = is_scalar_input(count, denominator, multiplier)
    mult = to_float(multiplier)
    x, n = np.broadcast_arrays(to_float(count), to_float(denominator))
    ok = _proportion_valid(x, n)
    lower, upper = wilson_limits(x, n, confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(ok, x / n, np.nan) * mult
    lower = np.where(ok, lower, np.nan) * mult
    upper = np.where(ok, upper, np.nan) * mult
    return finish(scalar, value, lower, upper)  # type: ignore[return-value]


def exact_poisson_lower(count: ArrayLike, confidence: float = 0.95) -> FloatOrArray:
    """Exact lower limit of a Poisson count from the chi-square distribution (0 for a count of 0).

    Armitage P, Berry G & Matthews JNS, *Statistical methods in medical research* (4th edn, 2002).
    Used below 10 events because Byar's approximation loses accuracy there.
    """
    scalar = is_scalar_input(count)
    x = to_float(count)
    alpha = 1.0 - check_confidence(confidence)
    with np.errstate(invalid="ignore"):
        lower = np.where(
            x > 0, stats.chi2.ppf(alpha / 2.0, 2.0 * np.where(x > 0, x, 1.0)) / 2.0, 0.0
        )
    lower = np.where(np.isfinite(x) & (x >= 0), lower, np.nan)
    return finish(scalar, lower)[0]


def exact_poisson_upper(count: ArrayLike, confidence: float = 0.95) -> FloatOrArray:
    """Exact upper limit of a Poisson count from the chi-square distribution.

    Armitage, Berry & Matthews (2002); the counterpart of :func:`exact_poisson_lower`.
    """
    scalar = is_scalar_input(count)
    x = to_float(count)
    alpha = 1.0 - check_confidence(confidence)
    ok = np.isfinite(x) & (x >= 0)
    with np.errstate(invalid="ignore"):
        upper = stats.chi2.ppf(1.0 - alpha / 2.0, 2.0 * np.where(ok, x, 0.0) + 2.0) / 2.0
    return finish(scalar, np.where(ok, upper, np.nan))[0]


def byars_lower(count: ArrayLike, confidence: float = 0.95) -> FloatOrArray:
    """Byar's approximate lower limit of a Poisson count (raw, whatever the count).

    Breslow NE & Day NE (1987) *Statistical methods in cancer research* vol II, IARC. A closed form
    that is accurate from about 10 events and cheap on millions of rows. Where the approximation
    breaks down completely (the cubed term turns negative, e.g. 1 event at 99.8%) the result is
    NaN rather than a negative count, as in the PHEindicatormethods test data.
    """
    scalar = is_scalar_input(count)
    x = to_float(count)
    z = z_value(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        base = 1.0 - 1.0 / (9.0 * x) - z / (3.0 * np.sqrt(x))
        lower = np.where(base >= 0, x * base**3, np.nan)
    lower = np.where(x == 0, 0.0, lower)
    lower = np.where(np.isfinite(x) & (x >= 0), lower, np.nan)
    return finish(scalar, lower)[0]


def byars_upper(count: ArrayLike, confidence: float = 0.95) -> FloatOrArray:
    """Byar's approximate upper limit of a Poisson count (raw, whatever the count).

    Breslow NE & Day NE (1987), as :func:`byars_lower`.
    """
    scalar = is_scalar_input(count)
    x = to_float(count)
    z = z_value(confidence)
    with np.errstate(invalid="ignore"):
        x1 = x + 1.0
        upper = x1 * (1.0 - 1.0 / (9.0 * x1) + z / (3.0 * np.sqrt(x1))) ** 3
    return finish(scalar, np.where(np.isfinite(x) & (x >= 0), upper, np.nan))[0]


def _poisson_limits(x: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact limits below :data:`BYARS_MIN_COUNT` events, Byar's from there up."""
    x = np.asarray(x, dtype=float)
    small = x < BYARS_MIN_COUNT
    lower = np.array(byars_lower(x, confidence), dtype=float, ndmin=1).reshape(x.shape)
    upper = np.array(byars_upper(x, confidence), dtype=float, ndmin=1).reshape(x.shape)
    if small.any():  # chi-square quantiles are slow: only where the exact method is needed,
        xs = x[small]  # and from a 10-entry table for whole counts 0-9
        whole = xs == np.floor(xs)
        table = np.arange(BYARS_MIN_COUNT, dtype=float)
        lo_small = np.empty_like(xs)
        hi_small = np.empty_like(xs)
        idx = xs[whole].astype(np.intp)
        lo_small[whole] = np.asarray(exact_poisson_lower(table, confidence))[idx]
        hi_small[whole] = np.asarray(exact_poisson_upper(table, confidence))[idx]
        lo_small[~whole] = exact_poisson_lower(xs[~whole], confidence)
        hi_small[~whole] = exact_poisson_upper(xs[~whole], confidence)
        lower[small] = lo_small
        upper[small] = hi_small
    return lower, upper


def rate_ci(
    count: ArrayLike,
    denominator: ArrayLike,
    confidence: float = 0.95,
    multiplier: float | np.ndarray = 100_000,
) -> tuple[FloatOrArray, FloatOrArray, FloatOrArray]:
    """Crude rate per ``multiplier`` with its Poisson interval, returned as ``(value, lower, upper)``.

    Exact Poisson limits (chi-square; Armitage, Berry & Matthews 2002) when the count is under 10,
    Byar's approximation (Breslow & Day 1987) from 10 up: the PHE Technical Guide: Confidence
    intervals (2018) and PHEindicatormethods ``phe_rate``. Events, not people, carry the sampling
    error, so the limits come from the count and are divided by the denominator. A count may
    exceed its denominator (more events than people), unlike a proportion.
    """
    scalar = is_scalar_input(count, denominator, multiplier)
    mult = to_float(multiplier)
    x, n = np.broadcast_arrays(to_float(count), to_float(denominator))
    ok = np.isfinite(x) & np.isfinite(n) & (n > 0) & (x >= 0)
    xs = np.where(ok, x, 0.0)
    ns = np.where(ok, n, 1.0)
    lo, hi = _poisson_limits(xs, confidence)
    value = np.where(ok, xs / ns * mult, np.nan)
    lower = np.where(ok, lo / ns * mult, np.nan)
    upper = np.where(ok, hi / ns * mult, np.nan)
    return finish(scalar, value, lower, upper)  # type: ignore[return-value]


def mean_ci_from_summary(
    total: ArrayLike, n: ArrayLike, sd: ArrayLike, confidence: float = 0.95
) -> tuple[FloatOrArray, FloatOrArray, FloatOrArray]:
    """Mean with its Student's t interval from stored aggregates ``(sum, n, sample sd)``.

    Student (1908); PHE Technical Guide: Confidence intervals (2018), PHEindicatormethods
    ``phe_mean``. The store keeps sums, counts and standard deviations rather than raw
    observations, so the interval is rebuilt from them. ``sd`` is the sample standard deviation
    (n - 1 divisor). The value needs n >= 1, the interval n >= 2.
    """
    scalar = is_scalar_input(total, n, sd)
    t_, n_, s_ = np.broadcast_arrays(to_float(total), to_float(n), to_float(sd))
    alpha = 1.0 - check_confidence(confidence)
    ok_value = np.isfinite(t_) & np.isfinite(n_) & (n_ >= 1)
    ok_ci = ok_value & (n_ >= 2) & np.isfinite(s_) & (s_ >= 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(ok_value, t_ / np.where(ok_value, n_, 1.0), np.nan)
        df = np.where(ok_ci, n_ - 1.0, 1.0)
        half = stats.t.ppf(1.0 - alpha / 2.0, df) * s_ / np.sqrt(np.where(ok_ci, n_, 1.0))
    lower = np.where(ok_ci, value - half, np.nan)
    upper = np.where(ok_ci, value + half, np.nan)
    return finish(scalar, value, lower, upper)  # type: ignore[return-value]


def mean_ci(values: ArrayLike, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean of one sample of observations with its Student's t interval: ``(value, lower, upper)``.

    Student's t (PHE Technical Guide: Confidence intervals, 2018; PHEindicatormethods
    ``phe_mean``): the t rather than the normal quantile because local samples can be small and
    their variance is estimated. Missing observations (NaN) are left out, as a survey return
    with a blank is not a zero.
    """
    v = to_float(values).ravel()
    v = v[np.isfinite(v)]
    n = v.size
    if n == 0:
        return (np.nan, np.nan, np.nan)
    sd = float(np.std(v, ddof=1)) if n >= 2 else np.nan
    value, lower, upper = mean_ci_from_summary(float(v.sum()), float(n), sd, confidence)
    return float(value), float(lower), float(upper)


def proportion_difference_ci(
    count1: ArrayLike,
    denom1: ArrayLike,
    count2: ArrayLike,
    denom2: ArrayLike,
    confidence: float = 0.95,
    multiplier: float = 1.0,
) -> tuple[FloatOrArray, FloatOrArray, FloatOrArray]:
    """Difference ``p1 - p2`` of two independent proportions with Newcombe's hybrid score interval.

    Newcombe RG (1998) Stat Med 17:873-890, method 10: the square-and-add of each group's Wilson
    score limits. Chosen over the simple Wald difference because it respects the 0-1 bounds and
    keeps its coverage for the small counts of client groups (looked-after children, children with
    a plan). The gap is significant when the interval excludes 0. Returns ``(diff, lower, upper)``
    scaled by ``multiplier`` (100 gives percentage points).
    """
    scalar = is_scalar_input(count1, denom1, count2, denom2, multiplier)
    mult = to_float(multiplier)
    x1, n1, x2, n2 = np.broadcast_arrays(
        to_float(count1), to_float(denom1), to_float(count2), to_float(denom2)
    )
    ok = _proportion_valid(x1, n1) & _proportion_valid(x2, n2)
    l1, u1 = wilson_limits(x1, n1, confidence)
    l2, u2 = wilson_limits(x2, n2, confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        p1 = x1 / n1
        p2 = x2 / n2
        diff = p1 - p2
        lower = diff - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
        upper = diff + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return finish(
        scalar,
        np.where(ok, diff, np.nan) * mult,
        np.where(ok, lower, np.nan) * mult,
        np.where(ok, upper, np.nan) * mult,
    )  # type: ignore[return-value]


@dataclass(frozen=True)
class ClientGroupGap:
    """A client group's gap from its reference group: ``diff`` = group minus reference."""

    diff: FloatOrArray
    lower: FloatOrArray
    upper: FloatOrArray
    significant: bool | np.ndarray


def client_group_gap(
    group_count: ArrayLike,
    group_denom: ArrayLike,
    all_count: ArrayLike,
    all_denom: ArrayLike,
    confidence: float = 0.95,
    multiplier: float = 1.0,
    versus: Literal["all", "rest"] = "all",
) -> ClientGroupGap:
    """Gap between a client group's proportion and all children's in the same area.

    Newcombe RG (1998) method 10 via :func:`proportion_difference_ci`; significant when the
    interval excludes 0 (an edge on 0 is not significant). ``versus="all"`` (the published
    convention: "looked-after children against all children") compares with the whole cohort.
    The group is part of that cohort, so the two proportions are not independent and the interval
    is somewhat conservative (wider) for large groups; ``versus="rest"`` compares with the children
    outside the group instead, which are independent of it and meet Newcombe's assumption exactly.
    """
    if versus not in ("all", "rest"):
        raise ValueError(f"versus must be 'all' or 'rest', got {versus!r}")
    ref_count: ArrayLike = all_count
    ref_denom: ArrayLike = all_denom
    if versus == "rest":
        ref_count = to_float(all_count) - to_float(group_count)
        ref_denom = to_float(all_denom) - to_float(group_denom)
    diff, lower, upper = proportion_difference_ci(
        group_count, group_denom, ref_count, ref_denom, confidence, multiplier
    )
    with np.errstate(invalid="ignore"):
        sig = (np.asarray(lower) > 0) | (np.asarray(upper) < 0)
    significant: bool | np.ndarray = bool(sig) if np.ndim(sig) == 0 else sig
    return ClientGroupGap(diff=diff, lower=lower, upper=upper, significant=significant)
