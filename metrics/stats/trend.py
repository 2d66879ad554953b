"""Recent trend of an indicator over its latest five valid values (Fingertips "recent trend").

OHID Fingertips marks an indicator's recent trend (increasing / decreasing / no significant change,
coloured getting better / getting worse by polarity) only when the latest five valid points show a
change that is significant at the 99.8% level, so that a board is not told a service is "getting
worse" on the strength of one bad year. This module follows Fingertips' rules as its trend
calculator publishes them (FingertipsNext, ``trend-analysis``: ``TrendRequest`` and
``TrendMarkerCalculator``):

* the points are the five most recent *valid* ones, not necessarily consecutive: a year with no
  value (suppressed, not collected) is passed over, not a break in the series;
* the trend cannot be calculated when any of those points has a count equal to its denominator
  (Fingertips' ``IsPossibleDivideByZeroErrors``);
* a weighted least-squares slope through the points, each weighted by the inverse of its variance
  as recovered from its 95% interval, tested with a one-degree-of-freedom chi-square statistic,
  plus a robustness rule that the slope keeps its sign when any single point is left out.

:func:`recent_trends` is the one implementation; :func:`recent_trend` is it for one series, and
every caller (pages, weak areas, the data pack) goes through one or the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from ._arrays import to_float
from .enums import RATIO_TYPES, Polarity, ValueType, as_polarity, as_value_type

__all__ = [
    "TREND_CHI2_THRESHOLD",
    "TREND_POINTS",
    "Trend",
    "TrendSeries",
    "recent_trend",
    "recent_trends",
    "valid_points",
]

#: Number of latest valid points the trend is computed on.
TREND_POINTS = 5

#: Chi-square (1 df) critical value at 99.8%: 9.5495.
TREND_CHI2_THRESHOLD: float = float(stats.chi2.ppf(0.998, 1))

#: Width of a 95% interval in standard errors (2 x 1.96), as Fingertips recovers the variance.
CI95_WIDTH_IN_SE = 3.92



@dataclass(frozen=True)
class Trend:
    """Result of :func:`recent_trend`.

    direction: "increasing", "decreasing", "no_significant_change" or "cannot_be_calculated".
    label: direction read through polarity: "getting_better"/"getting_worse" for high/low-is-good
    indicators, "increasing"/"decreasing" when the polarity makes no judgement; otherwise the
    direction itself. slope is per point (per period for annual data), in the value's units.
    points: positions in the given series of the points the test used, oldest first (empty when
    too few were valid), so a page can say which periods the trend is over.
    """

    direction: str
    label: str
    slope: float
    chi2: float
    significant: bool
    n_points: int
    reason: str = ""
    points: tuple[int, ...] = ()


@dataclass(frozen=True)
class TrendSeries:
    """One area's series for one indicator, oldest point first.

    ``counts`` and ``denominators`` may be None when the source gives only values and limits;
    then neither the count rules nor the count-equals-denominator rule can apply.
    """

    values: ArrayLike
    lower95: ArrayLike
    upper95: ArrayLike
    polarity: Polarity | str
    value_type: ValueType | str
    counts: ArrayLike | None = None
    denominators: ArrayLike | None = None


def _wls_slopes(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least-squares slopes of each row and their variances (weights: inverse variances)."""
    sw = w.sum(axis=1)
    xbar = (w * x).sum(axis=1) / sw
    ybar = (w * y).sum(axis=1) / sw
    dx = x - xbar[:, None]
    sxx = (w * dx**2).sum(axis=1)
    slope = (w * dx * (y - ybar[:, None])).sum(axis=1) / sxx
    return slope, 1.0 / sxx


def _cannot(n_points: int, reason: str, points: tuple[int, ...] = ()) -> Trend:
    return Trend(
        direction="cannot_be_calculated",
        label="cannot_be_calculated",
        slope=np.nan,
        chi2=np.nan,
        significant=False,
        n_points=n_points,
        reason=reason,
        points=points,
    )


def _arrays(s: TrendSeries) -> tuple[np.ndarray, ...]:
    y = np.atleast_1d(to_float(s.values)).astype(float)
    lo = np.atleast_1d(to_float(s.lower95)).astype(float)
    hi = np.atleast_1d(to_float(s.upper95)).astype(float)
    if not (y.shape == lo.shape == hi.shape) or y.ndim != 1:
        raise ValueError("values, lower95 and upper95 must be 1-D and of the same length")
    extra = []
    for e in (s.counts, s.denominators):
        if e is None:
            extra.append(None)
            continue
        a = np.atleast_1d(to_float(e)).astype(float)
        if a.shape != y.shape:
            raise ValueError("counts and denominators must match the length of values")
        extra.append(a)
    return y, lo, hi, extra[0], extra[1]  # type: ignore[return-value]


def valid_points(
    values: np.ndarray, lower95: np.ndarray, upper95: np.ndarray,
    counts: np.ndarray | None = None, denominators: np.ndarray | None = None,
) -> np.ndarray:
    """Which points a trend may use: value and 95% limits present, an interval of positive
    width (its width gives the point's weight) and, where given, a count present and not
    negative and a positive denominator (Fingertips' ``IsDataValid``)."""
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(values) & np.isfinite(lower95) & np.isfinite(upper95) & (upper95 > lower95)
        if counts is not None:
            ok &= np.isfinite(counts) & (counts >= 0)
        if denominators is not None:
            ok &= np.isfinite(denominators) & (denominators > 0)
    return ok


def recent_trends(series: Sequence[TrendSeries]) -> list[Trend]:
    """Fingertips-style recent trend of each series (see the module docstring for the rules).

    Only proportions and crude rates have a trend; other value types, fewer than
    :data:`TREND_POINTS` valid points, or a point used with count equal to denominator give
    "cannot_be_calculated" with the reason. On the five points used (equally spaced, as
    Fingertips numbers them 1 to 5 whatever the gaps between their periods) a weighted
    least-squares slope is fitted with weights 1/SE^2, SE = (U95 - L95)/3.92;
    chi2 = slope^2 / var(slope). The change is significant when chi2 > 9.5495 (99.8%, 1 df)
    and the slope keeps its sign when each point is left out in turn. All series that reach
    the test are fitted together, so a page with hundreds of trends pays numpy's cost once.
    """
    out: list[Trend | None] = [None] * len(series)
    fit_rows: list[int] = []
    fit_points: list[np.ndarray] = []
    fit_y: list[np.ndarray] = []
    fit_w: list[np.ndarray] = []
    for k, s in enumerate(series):
        y, lo, hi, count, den = _arrays(s)
        ok = valid_points(y, lo, hi, count, den)
        used = np.flatnonzero(ok)[-TREND_POINTS:]
        points = tuple(int(i) for i in used)
        vt = as_value_type(s.value_type)
        if vt not in RATIO_TYPES:
            out[k] = _cannot(len(used), f"recent trend is only calculated for proportions and crude rates, "
                                        f"not {vt.value}")
            continue
        if len(used) < TREND_POINTS:
            out[k] = _cannot(len(used), f"needs {TREND_POINTS} valid points, has {len(used)}")
            continue
        if count is not None and den is not None and bool(np.any(count[used] == den[used])):
            out[k] = _cannot(TREND_POINTS, "a count equals its denominator", points)
            continue
        fit_rows.append(k)
        fit_points.append(used)
        fit_y.append(y[used])
        se = (hi[used] - lo[used]) / CI95_WIDTH_IN_SE
        fit_w.append(1.0 / se**2)
    if fit_rows:
        yy = np.stack(fit_y)
        w = np.stack(fit_w)
        x = np.broadcast_to(np.arange(TREND_POINTS, dtype=float), yy.shape)
        slope, var = _wls_slopes(x, yy, w)
        chi2 = slope * slope / var
        sign = np.sign(slope)
        stable = sign != 0
        for i in range(TREND_POINTS):
            keep = np.arange(TREND_POINTS) != i
            s_i, _ = _wls_slopes(x[:, keep], yy[:, keep], w[:, keep])
            stable &= np.sign(s_i) == sign
        significant = (chi2 > TREND_CHI2_THRESHOLD) & stable
        for j, k in enumerate(fit_rows):
            pol = as_polarity(series[k].polarity)
            sig = bool(significant[j])
            if not sig:
                direction = label = "no_significant_change"
            else:
                direction = "increasing" if slope[j] > 0 else "decreasing"
                if pol is Polarity.NO_JUDGEMENT:
                    label = direction
                else:
                    better = (slope[j] > 0) == (pol is Polarity.HIGH_IS_GOOD)
                    label = "getting_better" if better else "getting_worse"
            out[k] = Trend(
                direction=direction,
                label=label,
                slope=float(slope[j]),
                chi2=float(chi2[j]),
                significant=sig,
                n_points=TREND_POINTS,
                points=tuple(int(i) for i in fit_points[j]),
            )
    return out  # type: ignore[return-value]


def recent_trend(
    counts: ArrayLike | None,
    denominators: ArrayLike | None,
    values: ArrayLike,
    lower95: ArrayLike,
    upper95: ArrayLike,
    polarity: Polarity | str,
    value_type: ValueType | str,
) -> Trend:
    """:func:`recent_trends` of one series, oldest point first (NaN for a period with no value)."""
    return recent_trends(
        [TrendSeries(values, lower95, upper95, polarity, value_type, counts, denominators)]
    )[0]
