"""National rank and LAIT-style quartile bands: ties, NaN, small inputs, cut points, polarity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metrics.stats import Polarity, national_rank, quartile_band, quartile_cut_points
from metrics.stats.ranking import quartile_band_from_cuts

NAN = float("nan")


@pytest.mark.parametrize(
    ("values", "polarity", "expected"),
    [
        # 1: high is good, highest ranks 1
        ([10, 30, 20], "high_is_good", [3, 1, 2]),
        # 2: low is good, lowest ranks 1
        ([10, 30, 20], "low_is_good", [1, 3, 2]),
        # 3: ties take the minimum (best) rank; the next rank is skipped
        ([50, 70, 70, 60], "high_is_good", [4, 1, 1, 3]),
        ([50, 50, 70, 60], "low_is_good", [1, 1, 4, 3]),
        # 4: NaN gets NaN and is not counted
        ([10, NAN, 20], "high_is_good", [2, NAN, 1]),
        # 5: no judgement ranks by value descending
        ([10, 30, 20], "no_judgement", [NAN, NAN, NAN]),
        # 6: all missing
        ([NAN, NAN], "low_is_good", [NAN, NAN]),
        # 7: empty
        ([], "high_is_good", []),
    ],
)
def test_national_rank(values: list[float], polarity: str, expected: list[float]) -> None:
    np.testing.assert_array_equal(national_rank(values, polarity), np.array(expected, dtype=float))


def test_rank_accepts_enum_and_series() -> None:
    ranks = national_rank(pd.Series([3.0, 1.0, 2.0]), Polarity.LOW_IS_GOOD)
    np.testing.assert_array_equal(ranks, [3, 1, 2])


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2, 3, 4], (1.75, 2.5, 3.25)),  # Excel PERCENTILE.INC / R type 7
        ([1, 2, 3, 4, 5], (2.0, 3.0, 4.0)),
        ([4, NAN, 1, 3, 2], (1.75, 2.5, 3.25)),  # NaN ignored, order irrelevant
        ([7, 7, 7, 7], (7.0, 7.0, 7.0)),
    ],
)
def test_quartile_cut_points(values: list[float], expected: tuple[float, float, float]) -> None:
    assert quartile_cut_points(values) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("values", "polarity", "expected"),
    [
        # 1: eight areas, high is good (Q1 2.75, Q2 4.5, Q3 6.25)
        (list(range(1, 9)), "high_is_good", list("DDCCBBAA")),
        # 2: the mirror for low is good
        (list(range(1, 9)), "low_is_good", list("AABBCCDD")),
        # 3: LAIT closes intervals on the right: a value on a cut point takes the
        # lower-valued band for both polarities (Q1 2, Q2 3, Q3 4)
        ([1, 2, 3, 4, 5], "high_is_good", list("DDCBA")),
        ([1, 2, 3, 4, 5], "low_is_good", list("AABCD")),
        # 4: all equal: every value is in [min, Q1], D when high is good, A when low is
        ([5, 5, 5, 5], "high_is_good", list("DDDD")),
        ([5, 5, 5, 5], "low_is_good", list("AAAA")),
        # 5: ties on a cut point (Q1 = Q2 = Q3 = 2)
        ([1, 2, 2, 2, 9], "high_is_good", ["D", "D", "D", "D", "A"]),
        ([1, 2, 2, 2, 9], "low_is_good", ["A", "A", "A", "A", "D"]),
        # 6: NaN is None, the rest banded among themselves (Q1 1.75, Q2 2.5, Q3 3.25)
        ([4, NAN, 1, 3, 2], "high_is_good", ["A", None, "D", "B", "C"]),
        # 7: fewer than 4 values -> all None
        ([1, 2, 3], "high_is_good", [None, None, None]),
        ([1, 2, 3, NAN], "low_is_good", [None, None, None, None]),
        # 8: no judgement -> all None
        ([1, 2, 3, 4, 5], "no_judgement", [None] * 5),
        # 9: empty
        ([], "high_is_good", []),
    ],
)
def test_quartile_band(values: list[float], polarity: str, expected: list[str | None]) -> None:
    bands = quartile_band(values, polarity)
    assert isinstance(bands, np.ndarray) and bands.dtype == object
    assert bands.tolist() == expected


def test_band_a_is_a_quarter_of_many_distinct_areas() -> None:
    values = np.arange(152, dtype=float)  # 152 English local authorities
    bands = quartile_band(values, "high_is_good")
    counts = pd.Series(bands).value_counts()
    assert counts.to_dict() == {"A": 38, "B": 38, "C": 38, "D": 38}


def test_band_and_rank_agree_on_order() -> None:
    rng = np.random.default_rng(7)
    values = rng.normal(50, 10, 150)
    for polarity in ("high_is_good", "low_is_good"):
        bands = quartile_band(values, polarity)
        ranks = national_rank(values, polarity)
        order = np.argsort(ranks)
        assert list(bands[order]) == sorted(bands[order])  # A..D never out of rank order


# LAIT's own cases (tests/testthat/test-fn_analysis.R of the LAIT rebuild,
# calculate_quartile_band with bands 0%=0, 25%=25, 50%=50, 75%=75, 100%=100):
# "returns correct quartile band for values within each quartile" and
# "handles boundary values correctly".
LAIT_CASES = [
    (10, "Low", "A"), (30, "Low", "B"), (60, "Low", "C"), (80, "Low", "D"),
    (10, "High", "D"), (30, "High", "C"), (60, "High", "B"), (80, "High", "A"),
    (0, "Low", "A"), (25, "Low", "A"), (50, "Low", "B"), (75, "Low", "C"), (100, "Low", "D"),
]


@pytest.mark.parametrize(("value", "polarity", "expected"), LAIT_CASES)
def test_lait_published_band_cases(value: float, polarity: str, expected: str) -> None:
    pol = {"Low": "low_is_good", "High": "high_is_good"}[polarity]
    assert quartile_band_from_cuts([value], (25.0, 50.0, 75.0), pol).tolist() == [expected]


@pytest.mark.parametrize("polarity", ["high_is_good", "low_is_good"])
def test_quartile_band_is_lait_rule_on_its_own_cut_points(polarity: str) -> None:
    """Five areas at 0, 25, 50, 75, 100 have exactly LAIT's test cut points (type 7)."""
    values = [0.0, 25.0, 50.0, 75.0, 100.0]
    assert quartile_cut_points(values) == (25.0, 50.0, 75.0)
    assert quartile_band(values, polarity).tolist() == quartile_band_from_cuts(values, (25, 50, 75), polarity).tolist()
    mirror = {"A": "D", "B": "C", "C": "B", "D": "A"}
    low = [c for v, p, c in LAIT_CASES if p == "Low" and v in values]
    expected = low if polarity == "low_is_good" else [mirror[b] for b in low]
    assert quartile_band(values, polarity).tolist() == expected
