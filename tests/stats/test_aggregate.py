"""Aggregation to parent areas (sum then recompute) and the statistical-neighbour average."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from metrics.stats import (
    Aggregate,
    aggregate,
    aggregate_frame,
    neighbour_average,
    proportion_ci,
    rate_ci,
)

RTOL = 1e-6


def test_grouped_proportions_match_oracle(oracle) -> None:
    """The reference's grouped sheet is its ungrouped areas pooled by name: sum, then Wilson."""
    data = oracle("testdata_Proportion.xlsx", "testdata_Prop")
    expected = oracle("testdata_Proportion.xlsx", "testdata_Prop_g").set_index("Area")
    data = data.assign(value_type="proportion", multiplier=1)
    got = aggregate_frame(
        data, "Area", count_col="Numerator", denominator_col="Denominator"
    ).set_index("Area")
    got = got.loc[expected.index]
    np.testing.assert_allclose(got["Numerator"], expected["Numerator"], rtol=RTOL)
    np.testing.assert_allclose(got["value"], expected["value"], rtol=RTOL)
    np.testing.assert_allclose(got["lower95"], expected["lowercl"], rtol=RTOL)
    np.testing.assert_allclose(got["upper95"], expected["uppercl"], rtol=RTOL)


def test_grouped_rates_match_oracle(oracle) -> None:
    data = oracle("testdata_Rate.xlsx", "testdata_Rate")
    expected = oracle("testdata_Rate.xlsx", "testdata_Rate_g").set_index("Area")
    data = data.assign(value_type="crude_rate", multiplier=100_000)
    got = aggregate_frame(
        data, "Area", count_col="Numerator", denominator_col="Denominator"
    ).set_index("Area")
    got = got.loc[expected.index]
    np.testing.assert_allclose(got["value"], expected["value"], rtol=RTOL)
    np.testing.assert_allclose(got["lower95"], expected["lowercl"], rtol=RTOL)
    np.testing.assert_allclose(got["upper95"], expected["uppercl"], rtol=RTOL)


@pytest.mark.parametrize(
    ("counts", "denominators", "value_type", "multiplier", "expected_args"),
    [
        # a parent of three clusters equals the area computed from its own totals
        ([3, 40, 12], [50, 400, 100], "proportion", 100, (55, 550)),
        ([3, 40, 12], [5000, 40000, 10000], "crude_rate", 100_000, (55, 55000)),
        ([2, 3], [1000, 2000], "crude_rate", 1000, (5, 3000)),  # exact method below 10 events
    ],
)
def test_aggregation_equals_parent(
    counts: list[int],
    denominators: list[int],
    value_type: str,
    multiplier: float,
    expected_args: tuple[int, int],
) -> None:
    agg = aggregate(counts, denominators, value_type, multiplier)
    assert isinstance(agg, Aggregate)
    assert (agg.count, agg.denominator) == expected_args
    fn = proportion_ci if value_type == "proportion" else rate_ci
    assert (agg.value, agg.lower, agg.upper) == pytest.approx(fn(*expected_args, 0.95, multiplier))


def test_aggregation_never_averages_rates() -> None:
    # a village of 2/10 and a town of 100/10000: the mean of rates (10.5%) is wrong, 102/10010 is right
    agg = aggregate([2, 100], [10, 10_000], "proportion", 100)
    assert agg.value == pytest.approx(100 * 102 / 10_010)


def test_missing_member_makes_parent_missing_unless_skipna() -> None:
    strict = aggregate([3, np.nan, 12], [50, 400, 100], "proportion", 100)
    assert math.isnan(strict.value) and math.isnan(strict.count)
    lenient = aggregate([3, np.nan, 12], [50, 400, 100], "proportion", 100, skipna=True)
    assert (lenient.count, lenient.denominator) == (15, 150)


def test_aggregate_counts_need_no_denominator() -> None:
    agg = aggregate([3, 4, 5], [np.nan] * 3, "count", 1)
    assert agg.value == 12 and math.isnan(agg.denominator) and agg.lower < 12 < agg.upper


@pytest.mark.parametrize("value_type", ["mean", "ratio", "score"])
def test_aggregate_refuses_what_cannot_be_summed(value_type: str) -> None:
    with pytest.raises(ValueError, match="cannot be recomputed"):
        aggregate([1, 2], [3, 4], value_type)


def test_aggregate_frame_both_levels_and_members() -> None:
    df = pd.DataFrame(
        {
            "region": ["N", "N", "S", "S", "S"],
            "indicator": ["NI1"] * 5,
            "count": [10, 20, 5, 5, 5],
            "denominator": [100, 100, 50, 50, 50],
            "value_type": ["proportion"] * 5,
            "multiplier": [100] * 5,
        }
    )
    out = aggregate_frame(df, ["region", "indicator"])
    assert out["region"].tolist() == ["N", "S"]
    assert out["n_members"].tolist() == [2, 3]
    north = out.iloc[0]
    expected95 = proportion_ci(30, 200, 0.95, 100)
    expected998 = proportion_ci(30, 200, 0.998, 100)
    assert (north["value"], north["lower95"], north["upper95"]) == pytest.approx(expected95)
    assert (north["lower998"], north["upper998"]) == pytest.approx(expected998[1:])
    assert (out["lower998"] <= out["lower95"]).all() and (out["upper95"] <= out["upper998"]).all()


def test_aggregate_frame_rejects_mixed_indicators() -> None:
    df = pd.DataFrame(
        {
            "g": ["x", "x"],
            "count": [1, 2],
            "denominator": [10, 10],
            "value_type": ["proportion", "crude_rate"],
            "multiplier": [100, 1000],
        }
    )
    with pytest.raises(ValueError, match="mix"):
        aggregate_frame(df, "g")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([10, 20, 30], (20.0, 3)),
        ([10, np.nan, 30, np.nan], (20.0, 2)),  # missing neighbours are left out and reported
        ([np.nan, np.nan], (math.nan, 0)),
        ([], (math.nan, 0)),
        ([7.5], (7.5, 1)),
    ],
)
def test_neighbour_average(values: list[float], expected: tuple[float, int]) -> None:
    mean, n_used = neighbour_average(values)
    assert n_used == expected[1]
    if math.isnan(expected[0]):
        assert math.isnan(mean)
    else:
        assert mean == pytest.approx(expected[0])


def test_aggregate_frame_missing_members() -> None:
    df = pd.DataFrame(
        {
            "g": ["x", "x", "y", "y"],
            "count": [5, np.nan, 5, 6],
            "denominator": [50, 60, 50, np.nan],
            "value_type": "proportion",
            "multiplier": 100,
        }
    )
    strict = aggregate_frame(df, "g")
    assert strict["value"].isna().all()
    assert strict["denominator"].tolist()[0] == 110 and np.isnan(strict["count"].iloc[0])
    lenient = aggregate_frame(df, "g", skipna=True)
    assert lenient["count"].tolist() == [5, 5] and lenient["denominator"].tolist() == [50, 50]
    assert lenient["value"].tolist() == pytest.approx([10.0, 10.0])


def test_group_means_equal_pandas_groupby_mean_to_the_last_bit() -> None:
    """Compensated sums in row order: what pandas' groupby().mean() gives, bit for bit."""
    import pandas as pd

    from metrics.stats import group_means

    rng = np.random.default_rng(7)
    for _ in range(300):
        n = int(rng.integers(1, 90))
        keys = [(int(y), f"{y - 1}/{str(y)[2:]}") for y in rng.integers(2015, 2026, size=n)]
        values = rng.normal(50, 30, size=n) * rng.choice([1e-3, 1.0, 1e3], size=n)
        values[rng.random(n) < 0.15] = np.nan
        expected = pd.Series(values).groupby(pd.MultiIndex.from_tuples(keys)).agg(["mean", "count"])
        order, means, counts = group_means(keys, values)
        assert order == list(expected.index)
        assert means.tobytes() == expected["mean"].to_numpy(dtype=float).tobytes()
        assert counts.tolist() == expected["count"].tolist()


def test_group_means_of_a_group_with_no_values_is_nan_with_count_zero() -> None:
    from metrics.stats import group_means

    order, means, counts = group_means(["a", "b", "a"], [1.0, np.nan, 2.0])
    assert order == ["a", "b"] and means[0] == 1.5 and np.isnan(means[1]) and counts.tolist() == [2, 0]
