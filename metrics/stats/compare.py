"""Benchmark comparison labels ("better / similar / worse than England").

OHID Fingertips compares an area with a benchmark by asking whether the benchmark's point value
lies inside the area's own confidence interval (PHE Technical Guide: Confidence intervals, 2018;
Fingertips "Compared with benchmark" legend). The benchmark is treated as fixed because England
(or the region) is so much larger than one area that its own sampling error is negligible.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ._arrays import to_float
from .enums import Comparison, Polarity, TwoLevelComparison, as_polarity

__all__ = ["compare_to_benchmark", "compare_to_benchmark_two_level", "interval_at_level", "polarity_codes"]

_HIGH, _LOW, _NONE = 0, 1, 2
_CODE = {Polarity.HIGH_IS_GOOD: _HIGH, Polarity.LOW_IS_GOOD: _LOW, Polarity.NO_JUDGEMENT: _NONE}


def polarity_codes(polarity: Polarity | str | ArrayLike) -> np.ndarray:
    """Integer codes (0 high_is_good, 1 low_is_good, 2 no_judgement) for a polarity or an array of them.

    Validates every distinct value once, so a column of a million polarities costs one ``unique``.
    """
    if isinstance(polarity, str | Polarity) or np.ndim(polarity) == 0:
        return np.asarray(_CODE[as_polarity(polarity)])  # type: ignore[arg-type]
    arr = pd.Series(np.asarray(polarity, dtype=object).ravel())
    codes, uniques = pd.factorize(arr, use_na_sentinel=False)
    table = np.array([_CODE[as_polarity(u)] for u in uniques], dtype=np.int8)
    return table[codes].reshape(np.shape(polarity))


def _direction(
    value: np.ndarray, lower: np.ndarray, upper: np.ndarray, benchmark: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(comparable, area_higher, area_lower) masks: edges count as containing the benchmark."""
    comparable = (
        np.isfinite(value) & np.isfinite(lower) & np.isfinite(upper) & np.isfinite(benchmark)
    )
    with np.errstate(invalid="ignore"):
        higher = comparable & (lower > benchmark)
        lower_ = comparable & (upper < benchmark)
    return comparable, higher, lower_


def _labels(table: list[str], index: np.ndarray, scalar: bool) -> str | np.ndarray:
    labels = np.array(table, dtype=object)[index]
    return str(np.asarray(labels, dtype=object).item()) if scalar else labels


def compare_to_benchmark(
    value: ArrayLike,
    lower: ArrayLike,
    upper: ArrayLike,
    benchmark: ArrayLike,
    polarity: Polarity | str | ArrayLike,
) -> str | np.ndarray:
    """Label each area against a benchmark from the area's own confidence interval.

    Method: PHE Technical Guide: Confidence intervals (2018), as used for the Fingertips
    "compared with England" colours. The benchmark inside the interval, edges included, is
    "similar" (no evidence of a difference); outside it, "better" or "worse" by the indicator's
    polarity, or "higher"/"lower" when the polarity makes no judgement (activity measures such as
    referral rates). A missing value, interval limit or benchmark gives "not_compared" rather than
    a guess. Scalars in give a str; arrays (and an array of polarities) broadcast to an object array.
    """
    arrays = (value, lower, upper, benchmark, polarity)
    scalar = all(np.ndim(a) == 0 or isinstance(a, str) for a in arrays)
    codes = polarity_codes(polarity)
    v, lo, hi, b, pc = np.broadcast_arrays(
        to_float(value), to_float(lower), to_float(upper), to_float(benchmark), codes
    )
    comparable, higher, lower_ = _direction(v, lo, hi, b)
    # table rows: 0 not_compared, 1 similar, then (higher, lower) outcome by polarity
    index = np.where(comparable, 1, 0)
    # higher -> better/worse/higher ; lower -> worse/better/lower
    higher_label = np.array([2, 3, 4])[pc]
    lower_label = np.array([3, 2, 5])[pc]
    index = np.where(higher, higher_label, index)
    index = np.where(lower_, lower_label, index)
    table = [
        Comparison.NOT_COMPARED.value,
        Comparison.SIMILAR.value,
        Comparison.BETTER.value,
        Comparison.WORSE.value,
        Comparison.HIGHER.value,
        Comparison.LOWER.value,
    ]
    return _labels(table, index, scalar)


def compare_to_benchmark_two_level(
    value: ArrayLike,
    lower95: ArrayLike,
    upper95: ArrayLike,
    lower998: ArrayLike,
    upper998: ArrayLike,
    benchmark: ArrayLike,
    polarity: Polarity | str | ArrayLike,
) -> str | np.ndarray:
    """Label each area at two levels of confidence, 95% and 99.8%.

    Fingertips shows both levels because with ~150 local authorities a 95% flag alone marks about
    7 areas by chance; 99.8% (roughly 3 standard errors) separates the strong signals (PHE
    Technical Guide: Confidence intervals, 2018). Labels (see :class:`TwoLevelComparison`):

    - ``better_99_8`` / ``worse_99_8``: benchmark outside the 99.8% interval (hence also the 95%);
    - ``better_95`` / ``worse_95``: outside the 95% interval but inside the 99.8% one;
    - ``similar``: inside the 95% interval (edges included);
    - ``higher_99_8``, ``higher_95``, ``lower_95``, ``lower_99_8`` replace better/worse when the
      polarity is ``no_judgement``;
    - ``not_compared``: value, benchmark or any of the four limits missing.
    """
    arrays = (value, lower95, upper95, lower998, upper998, benchmark, polarity)
    scalar = all(np.ndim(a) == 0 or isinstance(a, str) for a in arrays)
    codes = polarity_codes(polarity)
    v, l95, u95, l998, u998, b, pc = np.broadcast_arrays(
        to_float(value),
        to_float(lower95),
        to_float(upper95),
        to_float(lower998),
        to_float(upper998),
        to_float(benchmark),
        codes,
    )
    ok95, hi95, lo95 = _direction(v, l95, u95, b)
    ok998, hi998, lo998 = _direction(v, l998, u998, b)
    comparable = ok95 & ok998
    table = [
        TwoLevelComparison.NOT_COMPARED.value,  # 0
        TwoLevelComparison.SIMILAR.value,  # 1
        TwoLevelComparison.BETTER_95.value,  # 2
        TwoLevelComparison.BETTER_99_8.value,  # 3
        TwoLevelComparison.WORSE_95.value,  # 4
        TwoLevelComparison.WORSE_99_8.value,  # 5
        TwoLevelComparison.HIGHER_95.value,  # 6
        TwoLevelComparison.HIGHER_99_8.value,  # 7
        TwoLevelComparison.LOWER_95.value,  # 8
        TwoLevelComparison.LOWER_99_8.value,  # 9
    ]
    # rows: polarity code; columns: (higher 95, higher 99.8, lower 95, lower 99.8)
    outcome = np.array([[2, 3, 4, 5], [4, 5, 2, 3], [6, 7, 8, 9]])
    index = np.where(comparable, 1, 0)
    index = np.where(comparable & hi95, outcome[pc, 0], index)
    index = np.where(comparable & hi998, outcome[pc, 1], index)
    index = np.where(comparable & lo95, outcome[pc, 2], index)
    index = np.where(comparable & lo998, outcome[pc, 3], index)
    return _labels(table, index, scalar)


def interval_at_level(
    lower95: ArrayLike, upper95: ArrayLike, lower998: ArrayLike, upper998: ArrayLike, level: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """The limits a comparison uses at each row's confidence level (95 or 99.8, in per cent).

    Fingertips sets the level per indicator: most compare at 95%, some (those with
    very large counts, where 95% would flag trivial differences) at 99.8%. One rule
    for every page, so a figure is flagged the same wherever it appears.
    """
    strict = np.asarray(level, dtype=float) > 95.0
    lower = np.where(strict, np.asarray(lower998, dtype=float), np.asarray(lower95, dtype=float))
    upper = np.where(strict, np.asarray(upper998, dtype=float), np.asarray(upper95, dtype=float))
    return lower, upper
