"""National rank and quartile bands, as DfE's Local Authority Interactive Tool (LAIT) shows them.

LAIT places each local authority by rank (1 = best) and by quartile band A (best quarter) to D
(worst quarter). Bands are relative positions, not significance tests: they say where an area
sits among all areas, whatever the size of the differences.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from ._arrays import to_float
from .enums import Polarity, as_polarity

__all__ = ["QUARTILE_BANDS", "national_rank", "quartile_band", "quartile_band_from_cuts", "quartile_cut_points"]

#: Band labels from best to worst.
QUARTILE_BANDS: tuple[str, str, str, str] = ("A", "B", "C", "D")

#: Fewer non-missing values than this and no bands are given (a quartile of 3 areas means nothing).
MIN_VALUES_FOR_BANDS = 4


def national_rank(values: ArrayLike, polarity: Polarity | str) -> np.ndarray:
    """Rank of each value among all non-missing values, 1 = best by polarity.

    DfE LAIT ranking: ties share the best (minimum) rank, as in "joint 3rd" ("competition"
    ranking, so the next rank after two joint 3rds is 5th). Missing values get a NaN rank.
    ``high_is_good`` ranks the highest value 1, ``low_is_good`` the lowest. ``no_judgement``
    gives no rank at all (every element NaN): LAIT shows "-" for measures with no polarity,
    since a rank 1 would read as "best" where nothing is better.
    """
    pol = as_polarity(polarity)
    v = np.atleast_1d(to_float(values)).astype(float)
    ranks = np.full(v.shape, np.nan)
    ok = np.isfinite(v)
    if pol is Polarity.NO_JUDGEMENT:
        return ranks
    if ok.any():
        key = v[ok] if pol is Polarity.LOW_IS_GOOD else -v[ok]
        ranks[ok] = stats.rankdata(key, method="min")
    return ranks


def quartile_cut_points(values: ArrayLike) -> tuple[float, float, float]:
    """Q1, Q2, Q3 of the non-missing values, interpolated linearly between order statistics.

    numpy's "linear" percentile, the same as Excel PERCENTILE.INC and R ``quantile(type = 7)``,
    which is what LAIT's spreadsheet used, so bands match the published ones.
    """
    v = to_float(values).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return (np.nan, np.nan, np.nan)
    q1, q2, q3 = np.percentile(v, [25.0, 50.0, 75.0], method="linear")
    return float(q1), float(q2), float(q3)


def quartile_band(values: ArrayLike, polarity: Polarity | str) -> np.ndarray:
    """Quartile band "A" (best) to "D" (worst) for each value, as an object array of str or None.

    DfE LAIT quartile banding (``calculate_quartile_band`` in the LAIT rebuild's
    ``R/fn_analysis.R``) against Q1, Q2, Q3 of the non-missing values (see
    :func:`quartile_cut_points`). Intervals are closed on the right for both polarities:
    ``high_is_good`` gives D for [min, Q1], C for (Q1, Q2], B for (Q2, Q3], A for (Q3, max];
    ``low_is_good`` gives A for [min, Q1], B for (Q1, Q2], C for (Q2, Q3], D for (Q3, max].
    So a value on a cut point takes the lower-valued band, and when every value is equal a
    high-is-good indicator puts everyone in D, as LAIT does. Every element is None when the
    polarity is ``no_judgement`` (LAIT shows "-") or fewer than 4 values are present (a
    quartile of 3 areas means nothing); a missing value is None.
    """
    pol = as_polarity(polarity)
    v = np.atleast_1d(to_float(values)).astype(float)
    out = np.full(v.shape, None, dtype=object)
    ok = np.isfinite(v)
    if pol is Polarity.NO_JUDGEMENT or int(ok.sum()) < MIN_VALUES_FOR_BANDS:
        return out
    out[ok] = quartile_band_from_cuts(v[ok], quartile_cut_points(v[ok]), pol)
    return out


def quartile_band_from_cuts(
    values: ArrayLike, cut_points: tuple[float, float, float], polarity: Polarity | str
) -> np.ndarray:
    """LAIT's band of each value given the cut points Q1, Q2, Q3 (right-closed intervals).

    The rule of :func:`quartile_band` without computing the cut points, so LAIT's own
    published cases (cut points 25, 50, 75) can be checked as LAIT states them.
    """
    pol = as_polarity(polarity)
    v = np.atleast_1d(to_float(values)).astype(float)
    out = np.full(v.shape, None, dtype=object)
    ok = np.isfinite(v)
    if pol is Polarity.NO_JUDGEMENT:
        return out
    q1, q2, q3 = cut_points
    # Position of the value's right-closed interval: 0 for [min, Q1] ... 3 for (Q3, max].
    position = np.select([v <= q1, v <= q2, v <= q3], [0, 1, 2], default=3)
    index = 3 - position if pol is Polarity.HIGH_IS_GOOD else position
    labels = np.array(QUARTILE_BANDS, dtype=object)[index]
    out[ok] = labels[ok]
    return out
