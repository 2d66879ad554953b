"""Recent trend (Fingertips approach): validity rules, outliers, polarity labels."""

from __future__ import annotations

import numpy as np
import pytest

from metrics.stats import (
    TREND_CHI2_THRESHOLD,
    Polarity,
    Trend,
    proportion_ci,
    rate_ci,
    recent_trend,
)

NAN = float("nan")


def proportion_series(counts: list[float], denominators: list[float]) -> dict[str, object]:
    value, lower, upper = proportion_ci(
        np.array(counts, float), np.array(denominators, float), 0.95, 100
    )
    return {
        "counts": counts,
        "denominators": denominators,
        "values": value,
        "lower95": lower,
        "upper95": upper,
    }


def rate_series(counts: list[float], denominators: list[float]) -> dict[str, object]:
    value, lower, upper = rate_ci(
        np.array(counts, float), np.array(denominators, float), 0.95, 100_000
    )
    return {
        "counts": counts,
        "denominators": denominators,
        "values": value,
        "lower95": lower,
        "upper95": upper,
    }


RISING = proportion_series([100, 130, 160, 190, 220], [1000] * 5)  # 10% -> 22%
FALLING_RATE = rate_series([900, 800, 700, 600, 500], [100_000] * 5)
FLAT = proportion_series([200, 202, 198, 201, 199], [1000] * 5)
OUTLIER = proportion_series([200, 200, 200, 200, 400], [1000] * 5)  # one bad latest year


def test_threshold_is_chi_square_99_8() -> None:
    assert abs(TREND_CHI2_THRESHOLD - 9.5495) < 1e-4


@pytest.mark.parametrize(
    ("series", "polarity", "value_type", "direction", "label"),
    [
        # 1-3: a steady clear increase, read through each polarity
        (RISING, "low_is_good", "proportion", "increasing", "getting_worse"),
        (RISING, "high_is_good", "proportion", "increasing", "getting_better"),
        (RISING, "no_judgement", "proportion", "increasing", "increasing"),
        # 4-5: a falling rate
        (FALLING_RATE, Polarity.LOW_IS_GOOD, "crude_rate", "decreasing", "getting_better"),
        (FALLING_RATE, "no_judgement", "crude_rate", "decreasing", "decreasing"),
        # 6: noise around a flat line
        (FLAT, "high_is_good", "proportion", "no_significant_change", "no_significant_change"),
        # 7: a single outlier is not a trend
        (OUTLIER, "low_is_good", "proportion", "no_significant_change", "no_significant_change"),
        # 8-9: value types without a recent trend
        (RISING, "high_is_good", "mean", "cannot_be_calculated", "cannot_be_calculated"),
        (RISING, "high_is_good", "score", "cannot_be_calculated", "cannot_be_calculated"),
    ],
)
def test_trend_table(
    series: dict, polarity: str, value_type: str, direction: str, label: str
) -> None:
    trend = recent_trend(polarity=polarity, value_type=value_type, **series)
    assert isinstance(trend, Trend)
    assert (trend.direction, trend.label) == (direction, label)
    assert trend.significant is (direction in ("increasing", "decreasing"))


def test_single_outlier_has_a_large_chi2_but_fails_leave_one_out() -> None:
    trend = recent_trend(polarity="low_is_good", value_type="proportion", **OUTLIER)
    assert trend.chi2 > TREND_CHI2_THRESHOLD
    assert not trend.significant and trend.slope > 0


def test_four_points_cannot_be_calculated() -> None:
    series = proportion_series([100, 130, 160, 190], [1000] * 4)
    trend = recent_trend(polarity="high_is_good", value_type="proportion", **series)
    assert trend.direction == "cannot_be_calculated" and trend.label == "cannot_be_calculated"
    assert trend.n_points == 4 and np.isnan(trend.slope) and not trend.significant


@pytest.mark.parametrize("gap", [0, 2, 4])
def test_a_missing_year_is_passed_over_not_a_break(gap: int) -> None:
    """Fingertips uses the latest five valid points, "years don't need to be consecutive"."""
    series = proportion_series([50, 100, 130, 160, 190, 220], [1000] * 6)
    values = np.array(series["values"], dtype=float)
    values[1 + gap] = NAN
    series["values"] = values
    trend = recent_trend(polarity="high_is_good", value_type="proportion", **series)
    used = tuple(i for i in range(6) if i != 1 + gap)
    assert trend.points == used and trend.n_points == 5
    assert trend.label == "getting_better"
    # the same five points given alone (consecutive) give the same test
    alone = {k: np.asarray(v, dtype=float)[list(used)] for k, v in series.items()}
    same = recent_trend(polarity="high_is_good", value_type="proportion", **alone)
    assert (same.slope, same.chi2, same.label) == (trend.slope, trend.chi2, trend.label)


def test_two_missing_years_leave_four_valid_points() -> None:
    series = proportion_series([50, 100, 130, 160, 190, 220], [1000] * 6)
    values = np.array(series["values"], dtype=float)
    values[[2, 4]] = NAN
    series["values"] = values
    trend = recent_trend(polarity="high_is_good", value_type="proportion", **series)
    assert trend.direction == "cannot_be_calculated" and trend.n_points == 4 and trend.points == ()


def test_zero_denominator_makes_a_point_invalid() -> None:
    series = dict(RISING)
    series["denominators"] = [1000, 1000, 0, 1000, 1000]
    trend = recent_trend(polarity="high_is_good", value_type="proportion", **series)
    assert trend.direction == "cannot_be_calculated" and trend.n_points == 4


@pytest.mark.parametrize("at", [0, 2, 4])
def test_count_equal_to_denominator_cannot_be_calculated(at: int) -> None:
    """Fingertips' IsPossibleDivideByZeroErrors: a point with count = denominator."""
    counts = [100, 130, 160, 190, 220]
    counts[at] = 1000
    series = proportion_series(counts, [1000] * 5)
    trend = recent_trend(polarity="high_is_good", value_type="proportion", **series)
    assert trend.direction == "cannot_be_calculated"
    assert "count equals its denominator" in trend.reason


def test_count_equal_to_denominator_outside_the_five_points_does_not_matter() -> None:
    series = proportion_series([1000, 100, 130, 160, 190, 220], [1000] * 6)
    trend = recent_trend(polarity="high_is_good", value_type="proportion", **series)
    assert trend.points == (1, 2, 3, 4, 5) and trend.label == "getting_better"


def test_uses_only_the_latest_five_points() -> None:
    # a steep fall long ago, then five flat years: no significant recent change
    early = proportion_series([900, 700, 500], [1000] * 3)
    series = {
        k: np.concatenate([np.asarray(early[k], float), np.asarray(FLAT[k], float)]) for k in FLAT
    }
    trend = recent_trend(polarity="high_is_good", value_type="proportion", **series)
    assert trend.direction == "no_significant_change" and trend.n_points == 5


def test_counts_and_denominators_are_optional() -> None:
    series = {k: v for k, v in RISING.items() if k not in ("counts", "denominators")}
    trend = recent_trend(None, None, polarity="high_is_good", value_type="proportion", **series)
    assert trend.label == "getting_better"


def test_slope_is_per_period_in_value_units() -> None:
    trend = recent_trend(polarity="high_is_good", value_type="proportion", **RISING)
    assert trend.slope == pytest.approx(3.0, rel=0.05)  # three percentage points a year


def test_mismatched_lengths_raise() -> None:
    with pytest.raises(ValueError):
        recent_trend(
            None, None, [1, 2, 3, 4, 5], [0, 1, 2, 3], [2, 3, 4, 5, 6], "high_is_good", "proportion"
        )
