"""Funnel-plot control limits and each area's position against them.

A funnel plot compares every area with the pooled average of all areas, allowing for the extra
chance variation of small populations: the limits fan out as the denominator shrinks. Limits are
drawn at 2 sigma (95%, p = 0.025 each side) and 3 sigma (99.8%, p = 0.001 each side), following
Spiegelhalter DJ (2005) Stat Med 24:1185-1202 and the Fingertips technical guidance, and reproduce
PHEindicatormethods (R: ``calculate_funnel_limits``, formerly ``phe_funnels``) and PHStatsMethods
(Python) so a funnel drawn here matches one drawn by a public-health analyst:

- proportions: the limits are the proportions whose Wilson score interval just reaches the pooled
  average (the closed form the reference calls ``sigma_adjustment``), clipped to 0-100%;
- rates and ratios: exact Poisson limits for the observed events, located by the reference's
  bisection (see :func:`poisson_funnel`), from which the population (or expected count) at which a
  given number of events would sit on the limit follows.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from ._arrays import to_float
from .intervals import rate_ci

__all__ = [
    "FUNNEL_LABELS",
    "funnel_limits",
    "funnel_significance",
    "poisson_funnel",
    "wilson_funnel_limit",
]

Statistic = Literal["proportion", "rate", "ratio"]

HIGH_001 = "High (0.001)"
HIGH_025 = "High (0.025)"
LOW_001 = "Low (0.001)"
LOW_025 = "Low (0.025)"
NOT_SIGNIFICANT = "Not significant"
#: Significance labels, worded as PHEindicatormethods and PHStatsMethods word them.
FUNNEL_LABELS: tuple[str, ...] = (HIGH_001, HIGH_025, NOT_SIGNIFICANT, LOW_025, LOW_001)

#: One-sided tail probabilities of the 2-sigma (95%) and 3-sigma (99.8%) limits.
_LEVELS: tuple[tuple[str, float], ...] = (("2s", 0.025), ("3s", 0.001))

_DEFAULT_MULTIPLIER = {"proportion": 100.0, "rate": 100_000.0}
_GRID_ROWS = 100
_BISECTION_TOLERANCE = 1e-7


def _check_statistic(statistic: str) -> str:
    if statistic not in ("proportion", "rate", "ratio"):
        raise ValueError(f"statistic must be 'proportion', 'rate' or 'ratio', got {statistic!r}")
    return statistic


def wilson_funnel_limit(
    p: float,
    population: ArrayLike,
    average: float,
    side: Literal["low", "high"],
    multiplier: float = 1.0,
) -> np.ndarray:
    """Proportion at which an area of ``population`` sits on a funnel limit around ``average``.

    The observed proportion whose Wilson score interval at normal quantile ``qnorm(p)`` just
    touches the pooled ``average`` (solving the Wilson quadratic for the observed value), the
    limits of the Fingertips / PHEindicatormethods proportion funnel. Inverting the interval rather
    than using a normal approximation keeps the limits asymmetric and inside 0-1 for small areas.
    """
    n = np.asarray(to_float(population), dtype=float)
    z2 = float(stats.norm.ppf(p)) ** 2
    a = float(average)
    with np.errstate(invalid="ignore", divide="ignore"):
        first = a * (n / z2 + 1.0)
        disc = (-8.0 * a * (n / z2 + 1.0)) ** 2 - 64.0 * (1.0 / z2 + 1.0 / n) * a * (
            n * (a * (n / z2 + 2.0) - 1.0) + z2 * (a - 1.0)
        )
        adj = np.sqrt(disc)
        last = 1.0 / z2 + 1.0 / n
        sign = -1.0 if side == "low" else 1.0
        return (first + sign * adj / 8.0) / last / n * multiplier


def _bisection_grid(v_star: np.ndarray) -> np.ndarray:
    """Where the reference's interval-halving search on (0, 1) stops for a root at ``v_star``.

    The reference halves a step from 0.5 until it is below 1e-7 (23 steps), moving down when the
    trial lies above the root and up otherwise. Replaying those comparisons against the exact root
    gives the reference's published figures (to about 1e-9) rather than the exact ones (which
    differ by up to ~5e-5 relative for 1 event, more than the 1e-6 tolerance of the oracle).
    """
    v = np.full(v_star.shape, 0.5)
    dv = 0.5
    while dv > _BISECTION_TOLERANCE:
        dv /= 2.0
        v = np.where(v > v_star, v - dv, v + dv)
    return v


def poisson_funnel(
    observed: ArrayLike, p: float, side: Literal["low", "high"], exact: bool = False
) -> np.ndarray:
    """Poisson mean at which ``observed`` events sit on a funnel limit with tail probability ``p``.

    ``side="high"``: the mean whose P(X <= observed) = p, i.e. the exact upper limit of the count
    (the area's expected events on the *lower* funnel line); ``side="low"``: the mean whose
    P(X >= observed) = p (the exact lower limit). Exact Poisson (chi-square) limits as in
    Armitage, Berry & Matthews (2002); with ``exact=False`` (default) the root is rounded to the
    reference implementation's bisection grid so the results agree with PHEindicatormethods.
    """
    x = np.asarray(to_float(observed), dtype=float)
    with np.errstate(invalid="ignore"):
        if side == "low":
            mu = np.where(x > 0, stats.chi2.ppf(p, 2.0 * np.where(x > 0, x, 1.0)) / 2.0, 0.0)
        elif side == "high":
            mu = stats.chi2.ppf(1.0 - p, 2.0 * x + 2.0) / 2.0
        else:
            raise ValueError(f"side must be 'low' or 'high', got {side!r}")
        if exact:
            return np.where(np.isfinite(x) & (x >= 0), mu, np.nan)
        v = _bisection_grid(mu / (1.0 + x + mu))
        out = (1.0 + x) * v / (1.0 - v)
    return np.where(np.isfinite(x) & (x >= 0), out, np.nan)


def _signif_floor(x: float, percentage_down: float = 0.95) -> float:
    """Round 95% of ``x`` down to one significant figure (neat axis start)."""
    if x == 0:
        return 0.0
    n = len(str(math.floor(x * percentage_down))) - 1
    return float(math.floor(x * percentage_down / 10**n) * 10**n)


def _signif_ceiling(x: float, percentage_up: float = 1.05) -> float:
    """Round 105% of ``x`` up to two significant figures (neat axis end)."""
    if x == 0:
        return 0.0
    n = len(str(math.ceil(x * percentage_up))) - 2
    return float(math.ceil(x * percentage_up / 10**n) * 10**n)


def _grid(axis_min: float, axis_max: float, ratio: bool) -> np.ndarray:
    """100 roughly geometric, strictly increasing integer x positions from the axis minimum (>= 1)."""
    points = [max(1.0, axis_min)]
    for j in range(2, _GRID_ROWS + 1):
        offset = j - 1 if ratio else j
        prev = points[-1]
        points.append(
            float(max(round((axis_max / prev) ** (1.0 / (101 - offset)) * prev), prev + 1))
        )
    return np.array(points)


def _valid_pairs(numerators: ArrayLike, denominators: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    x, n = np.broadcast_arrays(
        np.atleast_1d(to_float(numerators)).astype(float),
        np.atleast_1d(to_float(denominators)).astype(float),
    )
    ok = np.isfinite(x) & np.isfinite(n) & (x >= 0) & (n > 0)
    if not ok.any():
        raise ValueError(
            "funnel limits need at least one row with a numerator >= 0 and a denominator > 0"
        )
    return x[ok], n[ok]


def funnel_limits(
    numerators: ArrayLike,
    denominators: ArrayLike,
    statistic: Statistic = "proportion",
    multiplier: float | None = None,
    points: ArrayLike | None = None,
    *,
    years_of_data: float = 1,
    ratio_type: Literal["count", "isr"] = "count",
    exact: bool = False,
) -> pd.DataFrame:
    """Control limits of a funnel plot around the pooled average, one row per x position.

    Reproduces PHEindicatormethods ``calculate_funnel_limits`` / PHStatsMethods (see the module
    docstring for the methods and sources); rows with a missing numerator or denominator are left
    out of the pooled average. Columns, named as the reference names them:

    - ``statistic="proportion"`` (denominators = populations; ``multiplier`` default 100):
      ``Population, lower_2s_limit, upper_2s_limit, lower_3s_limit, upper_3s_limit, baseline``.
      Limits are clipped to 0..multiplier (the reference clips to 0..100 whatever the multiplier).
    - ``statistic="rate"`` (denominators = person-years of all the years pooled; ``multiplier``
      default 100,000): ``Events`` and, per limit, ``*_population_1_year`` (the one-year
      population at which that many events over ``years_of_data`` years sit on the limit) and
      ``*_limit`` (the rate on the limit), then ``baseline``.
    - ``statistic="ratio"`` (numerators observed, denominators expected events):
      ``Observed_events`` and, per limit, ``*_exp_events`` and ``*_limit``, expressed as
      ratio - 1 (``ratio_type="count"``) or x 100 (``"isr"``).

    ``points`` replaces the reference's 100-point axis (populations for proportions, events for
    rates and ratios). ``exact=True`` uses closed-form Poisson limits instead of the reference's
    bisection (differences below ~5e-5 relative, largest for 1 event).
    """
    stat = _check_statistic(statistic)
    x, n = _valid_pairs(numerators, denominators)
    mult = float(_DEFAULT_MULTIPLIER.get(stat, 1.0) if multiplier is None else multiplier)
    years = float(years_of_data)
    if years <= 0:
        raise ValueError("years_of_data must be positive")

    average = float(x.sum() / n.sum())
    min_den, max_den = float(n.min()), float(n.max())
    if points is None:
        if stat == "rate":
            axis_min = 0.0 if max_den > 2 * min_den else _signif_floor(min_den / years) * years
            axis_max = _signif_ceiling(max_den / years) * years
            axis_min = float(math.floor(axis_min * average))
            axis_max = float(math.ceil(axis_max * average))
        else:
            axis_min = 0.0 if max_den > 2 * min_den else _signif_floor(min_den)
            axis_max = _signif_ceiling(max_den)
        grid = _grid(axis_min, axis_max, ratio=stat == "ratio")
    else:
        grid = np.atleast_1d(to_float(points)).astype(float)

    if stat == "proportion":
        table: dict[str, np.ndarray] = {"Population": grid}
        for level, tail in _LEVELS:
            p = 1.0 - tail
            low = wilson_funnel_limit(p, grid, average, "low", mult)
            high = wilson_funnel_limit(p, grid, average, "high", mult)
            table[f"lower_{level}_limit"] = np.fmax(0.0, low)
            table[f"upper_{level}_limit"] = np.fmin(mult, high)
        table["baseline"] = np.full(grid.shape, average * mult)
        order = ["Population"] + [
            f"{s}_{lv}_limit" for lv, _ in _LEVELS for s in ("lower", "upper")
        ]
        return _frame(table, order + ["baseline"], integer_col="Population")

    if stat == "rate":
        table = {"Events": grid}
        order = ["Events"]
        for level, tail in _LEVELS:
            for side, poisson_side in (("lower", "high"), ("upper", "low")):
                population = poisson_funnel(grid, tail, poisson_side, exact) / average
                with np.errstate(divide="ignore", invalid="ignore"):
                    limit = grid / population * mult
                table[f"{side}_{level}_population_1_year"] = population / years
                table[f"{side}_{level}_limit"] = limit
                order += [f"{side}_{level}_population_1_year", f"{side}_{level}_limit"]
        table["baseline"] = np.full(grid.shape, average * mult)
        return _frame(table, order + ["baseline"], integer_col="Events")

    if ratio_type not in ("count", "isr"):
        raise ValueError(f"ratio_type must be 'count' or 'isr', got {ratio_type!r}")
    table = {"Observed_events": grid}
    order = ["Observed_events"]
    for level, tail in _LEVELS:
        for side, poisson_side in (("lower", "high"), ("upper", "low")):
            expected = poisson_funnel(grid, tail, poisson_side, exact)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = grid / expected
            table[f"{side}_{level}_exp_events"] = expected
            table[f"{side}_{level}_limit"] = ratio - 1.0 if ratio_type == "count" else ratio * 100.0
            order += [f"{side}_{level}_exp_events", f"{side}_{level}_limit"]
    return _frame(table, order, integer_col="Observed_events")


def _frame(table: dict[str, np.ndarray], order: list[str], integer_col: str) -> pd.DataFrame:
    df = pd.DataFrame({c: table[c] for c in order})
    col = df[integer_col]
    if bool(np.all(np.isfinite(col))) and bool(np.all(col == np.round(col))):
        df[integer_col] = col.astype("int64")
    return df


def funnel_significance(
    numerators: ArrayLike,
    denominators: ArrayLike,
    statistic: Statistic = "proportion",
    multiplier: float | None = None,
) -> np.ndarray:
    """Each area's position against the funnel limits: an object array of labels.

    Labels (PHEindicatormethods / PHStatsMethods wording): "High (0.001)" above the 99.8% limit,
    "High (0.025)" above the 95% limit only, "Low (0.025)", "Low (0.001)" likewise below, and
    "Not significant" inside both; None where a row cannot be placed (missing or non-positive
    denominator, negative numerator, numerator above denominator for a proportion), where the
    reference would stop with an error. Rows that cannot be placed are left out of the pooled
    average, as are rows with a missing denominator.

    Proportions: the observed proportion against the Wilson-inverted limits at the area's own
    population (:func:`wilson_funnel_limit`). Rates: the pooled rate against the area's exact
    (under 10 events) or Byar's (10 and over) interval, as in :func:`metrics.stats.rate_ci`;
    ratios (numerators observed, denominators expected): 1 against that interval of
    observed/expected. ``multiplier`` does not change the labels; it is accepted so the call
    mirrors :func:`funnel_limits`.
    """
    stat = _check_statistic(statistic)
    del multiplier  # labels are scale-free
    x, n = np.broadcast_arrays(
        np.atleast_1d(to_float(numerators)).astype(float),
        np.atleast_1d(to_float(denominators)).astype(float),
    )
    ok = np.isfinite(x) & np.isfinite(n) & (x >= 0) & (n > 0)
    if stat == "proportion":
        ok &= x <= n
    out = np.full(x.shape, None, dtype=object)
    if not ok.any():
        return out
    xs, ns = np.where(ok, x, 0.0), np.where(ok, n, 1.0)

    if stat == "proportion":
        average = float(xs[ok].sum() / ns[ok].sum())
        obs = xs / ns
        with np.errstate(invalid="ignore"):
            low3 = obs < wilson_funnel_limit(0.999, ns, average, "low")
            low2 = obs < wilson_funnel_limit(0.975, ns, average, "low")
            high3 = obs > wilson_funnel_limit(0.999, ns, average, "high")
            high2 = obs > wilson_funnel_limit(0.975, ns, average, "high")
        labels = np.select(
            [low3, low2, high3, high2], [LOW_001, LOW_025, HIGH_001, HIGH_025], NOT_SIGNIFICANT
        )
    else:
        benchmark = float(xs[ok].sum() / ns[ok].sum()) if stat == "rate" else 1.0
        _, lo95, hi95 = rate_ci(xs, ns, 0.95, multiplier=1.0)
        _, lo998, hi998 = rate_ci(xs, ns, 0.998, multiplier=1.0)
        labels = np.select(
            [benchmark < lo998, benchmark < lo95, benchmark > hi998, benchmark > hi95],
            [HIGH_001, HIGH_025, LOW_001, LOW_025],
            NOT_SIGNIFICANT,
        )
    out[ok] = labels[ok].astype(object)
    return out
