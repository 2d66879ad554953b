"""Benchmark comparison labels: edges, polarity, no judgement, missing data, two levels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metrics.stats import (
    Comparison,
    Polarity,
    TwoLevelComparison,
    compare_to_benchmark,
    compare_to_benchmark_two_level,
)

NAN = float("nan")


@pytest.mark.parametrize(
    ("value", "lower", "upper", "benchmark", "polarity", "expected"),
    [
        # 1-3: benchmark inside, on the lower edge, on the upper edge -> similar
        (10, 8, 12, 11, "high_is_good", "similar"),
        (10, 8, 12, 8, "high_is_good", "similar"),
        (10, 8, 12, 12, "low_is_good", "similar"),
        # 4-5: area above the benchmark, by polarity
        (10, 8, 12, 7.999, "high_is_good", "better"),
        (10, 8, 12, 7.999, "low_is_good", "worse"),
        # 6-7: area below the benchmark, by polarity
        (10, 8, 12, 12.001, "high_is_good", "worse"),
        (10, 8, 12, 12.001, "low_is_good", "better"),
        # 8-10: no judgement -> higher / lower / similar
        (10, 8, 12, 5, "no_judgement", "higher"),
        (10, 8, 12, 15, "no_judgement", "lower"),
        (10, 8, 12, 9, "no_judgement", "similar"),
        # 11-15: anything missing -> not compared
        (10, NAN, 12, 5, "high_is_good", "not_compared"),
        (10, 8, NAN, 5, "high_is_good", "not_compared"),
        (10, 8, 12, NAN, "high_is_good", "not_compared"),
        (NAN, 8, 12, 5, "high_is_good", "not_compared"),
        (10, NAN, NAN, NAN, "no_judgement", "not_compared"),
        # 16: enum polarity accepted
        (10, 8, 12, 20, Polarity.HIGH_IS_GOOD, "worse"),
    ],
)
def test_compare_to_benchmark_table(
    value: float, lower: float, upper: float, benchmark: float, polarity: str, expected: str
) -> None:
    label = compare_to_benchmark(value, lower, upper, benchmark, polarity)
    assert label == expected
    assert type(label) is str


def test_vectorised_with_an_array_of_polarities() -> None:
    out = compare_to_benchmark(
        np.array([10, 10, 10, 10]),
        np.array([8, 8, 8, np.nan]),
        np.array([12, 12, 12, 12]),
        5.0,
        pd.Series(["high_is_good", "low_is_good", "no_judgement", "low_is_good"]),
    )
    assert isinstance(out, np.ndarray) and out.dtype == object
    assert out.tolist() == ["better", "worse", "higher", "not_compared"]


def test_labels_are_the_enum_values() -> None:
    out = compare_to_benchmark([1, 1], [0, 0], [2, 2], [1, 5], "high_is_good")
    assert set(out) <= {c.value for c in Comparison}


def test_unknown_polarity_raises() -> None:
    with pytest.raises(ValueError, match="polarity"):
        compare_to_benchmark(1, 0, 2, 1, "up_is_good")


@pytest.mark.parametrize(
    ("l95", "u95", "l998", "u998", "benchmark", "polarity", "expected"),
    [
        (8, 12, 7, 13, 10, "high_is_good", "similar"),
        (8, 12, 7, 13, 12, "high_is_good", "similar"),  # on the 95% edge
        (8, 12, 7, 13, 7.5, "high_is_good", "better_95"),
        (8, 12, 7, 13, 6, "high_is_good", "better_99_8"),
        (8, 12, 7, 13, 7, "high_is_good", "better_95"),  # on the 99.8% edge
        (8, 12, 7, 13, 12.5, "high_is_good", "worse_95"),
        (8, 12, 7, 13, 14, "high_is_good", "worse_99_8"),
        (8, 12, 7, 13, 6, "low_is_good", "worse_99_8"),
        (8, 12, 7, 13, 12.5, "low_is_good", "better_95"),
        (8, 12, 7, 13, 6, "no_judgement", "higher_99_8"),
        (8, 12, 7, 13, 7.5, "no_judgement", "higher_95"),
        (8, 12, 7, 13, 12.5, "no_judgement", "lower_95"),
        (8, 12, 7, 13, 20, "no_judgement", "lower_99_8"),
        (8, 12, NAN, 13, 20, "high_is_good", "not_compared"),
        (8, 12, 7, 13, NAN, "high_is_good", "not_compared"),
    ],
)
def test_two_level_table(
    l95: float, u95: float, l998: float, u998: float, benchmark: float, polarity: str, expected: str
) -> None:
    label = compare_to_benchmark_two_level(10, l95, u95, l998, u998, benchmark, polarity)
    assert label == expected
    assert label in {c.value for c in TwoLevelComparison}


def test_two_level_agrees_with_single_level_at_95() -> None:
    rng = np.random.default_rng(1)
    value = rng.uniform(0, 100, 500)
    half95 = rng.uniform(0.5, 10, 500)
    bench = rng.uniform(0, 100, 500)
    one = compare_to_benchmark(value, value - half95, value + half95, bench, "high_is_good")
    two = compare_to_benchmark_two_level(
        value,
        value - half95,
        value + half95,
        value - 1.6 * half95,
        value + 1.6 * half95,
        bench,
        "high_is_good",
    )
    stripped = np.array([t.split("_")[0] for t in two], dtype=object)
    assert (stripped == one).all()
