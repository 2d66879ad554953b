"""Recent trend of an indicator over its latest five annual values (Fingertips "recent trend").

OHID Fingertips marks an indicator's recent trend (increasing / decreasing / no significant change,
coloured getting better / getting worse by polarity) only when the latest five consecutive points
show a change that is significant at the 99.8% level, so that a board is not told a service is
"getting worse" on the strength of one bad year. This module follows that approach: a weighted
least-squares slope through the last five points, each weighted by the inverse of its variance as
recovered from its 95% interval, tested with a one-degree-of-freedom chi-square statistic, plus a
robustness rule that the slope keeps its sign when any single point is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from ._arrays import to_float
from .enums import Polarity, ValueType, as_polarity, as_value_type

__all__ = ["TREND_CHI2_THRESHOLD", "TREND_POINTS", "Trend", "recent_trend"]

#: Number of latest consecutive points the trend is computed on.
TREND_POINTS = 5

#: Chi-square (1 df) critical value at 99.8%: 9.5495.
TREND_CHI2_THRESHOLD: float = float(stats.chi2.ppf(0.998, 1))

#: Width of a 95% interval in standard errors (2 x 1.96).
_CI95_WIDTH_IN_SE = 3.92

_TREND_VALUE_TYPES = frozenset({ValueType.PROPORTION, ValueType.CRUDE_RATE})


@dataclass(frozen=True)
class Trend:
    """Result of :func:`recent_trend`.

    direction: "increasing", "decreasing", "no_significant_change" or "cannot_be_calculated".
    label: direction read through polarity: "getting_better"/"getting_worse" for high/low-is-good
    indicators, "increasing"/"decreasing" when the polarity makes no judgement; otherwise the
    direction itself. slope is per period (per year for annual data), in the value's units.
    """

    direction: str
    label: str
    slope: float
    chi2: float
    significant: bool
    n_points: int
    reason: str = ""


def _wls_slope(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Weighted least-squares slope and its variance when weights are known inverse variances."""
    sw = w.sum()
    xbar = (w * x).sum() / sw
    ybar = (w * y).sum() / sw
    sxx = (w * (x - xbar) ** 2).sum()
    slope = (w * (x - xbar) * (y - ybar)).sum() / sxx
    return float(slope), float(1.0 / sxx)


def _cannot(n_points: int, reason: str) -> Trend:
    return Trend(
        direction="cannot_be_calculated",
        label="cannot_be_calculated",
        slope=np.nan,
        chi2=np.nan,
        significant=False,
        n_points=n_points,
        reason=reason,
    )


def recent_trend(
    counts: ArrayLike | None,
    denominators: ArrayLike | None,
    values: ArrayLike,
    lower95: ArrayLike,
    upper95: ArrayLike,
    polarity: Polarity | str,
    value_type: ValueType | str,
) -> Trend:
    """Fingertips-style recent trend of one area's annual series, oldest point first.

    Approach of the OHID Fingertips "recent trend" (PHE Fingertips technical guidance): only for
    proportions and crude rates, only when the latest 5 points are all valid (value and 95% limits
    present, interval of positive width and, when counts and denominators are given, a finite
    count and a positive denominator); fewer, e.g. 4, gives "cannot_be_calculated". On those 5
    points a weighted least-squares slope is fitted with weights 1/SE^2, SE = (U95 - L95)/3.92,
    so precise years count for more; chi2 = slope^2 / var(slope). The change is significant when
    chi2 > 9.5495 (99.8%, 1 df) and the slope keeps its sign when each point is left out in turn,
    so a single outlying year cannot make a trend. The series should be annual and consecutive;
    callers pass NaN for a missing year, which breaks the run.
    """
    pol = as_polarity(polarity)
    vt = as_value_type(value_type)
    y = np.atleast_1d(to_float(values)).astype(float)
    lo = np.atleast_1d(to_float(lower95)).astype(float)
    hi = np.atleast_1d(to_float(upper95)).astype(float)
    if not (y.shape == lo.shape == hi.shape) or y.ndim != 1:
        raise ValueError("values, lower95 and upper95 must be 1-D and of the same length")
    valid = np.isfinite(y) & np.isfinite(lo) & np.isfinite(hi)
    with np.errstate(invalid="ignore"):
        valid &= hi > lo
    for extra, positive in ((counts, False), (denominators, True)):
        if extra is None:
            continue
        e = np.atleast_1d(to_float(extra)).astype(float)
        if e.shape != y.shape:
            raise ValueError("counts and denominators must match the length of values")
        with np.errstate(invalid="ignore"):
            valid &= np.isfinite(e) & ((e > 0) if positive else (e >= 0))

    # length of the run of valid points ending at the latest period
    run = 0
    for ok in valid[::-1]:
        if not ok:
            break
        run += 1

    if vt not in _TREND_VALUE_TYPES:
        return _cannot(
            run, f"recent trend is only calculated for proportions and crude rates, not {vt.value}"
        )
    if run < TREND_POINTS:
        return _cannot(run, f"needs {TREND_POINTS} consecutive valid latest points, has {run}")

    yy = y[-TREND_POINTS:]
    se = (hi[-TREND_POINTS:] - lo[-TREND_POINTS:]) / _CI95_WIDTH_IN_SE
    w = 1.0 / se**2
    x = np.arange(TREND_POINTS, dtype=float)
    slope, var = _wls_slope(x, yy, w)
    chi2 = slope * slope / var
    sign = np.sign(slope)
    stable = sign != 0
    if stable:
        for i in range(TREND_POINTS):
            keep = np.arange(TREND_POINTS) != i
            s_i, _ = _wls_slope(x[keep], yy[keep], w[keep])
            if np.sign(s_i) != sign:
                stable = False
                break
    significant = bool(chi2 > TREND_CHI2_THRESHOLD and stable)
    if not significant:
        direction = "no_significant_change"
        label = direction
    else:
        direction = "increasing" if slope > 0 else "decreasing"
        if pol is Polarity.NO_JUDGEMENT:
            label = direction
        else:
            better = (slope > 0) == (pol is Polarity.HIGH_IS_GOOD)
            label = "getting_better" if better else "getting_worse"
    return Trend(
        direction=direction,
        label=label,
        slope=slope,
        chi2=float(chi2),
        significant=significant,
        n_points=TREND_POINTS,
    )
