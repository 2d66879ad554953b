"""Confidence intervals against the PHEindicatormethods / PHStatsMethods published results."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from metrics.stats import (
    byars_lower,
    byars_upper,
    client_group_gap,
    exact_poisson_lower,
    exact_poisson_upper,
    mean_ci,
    mean_ci_from_summary,
    proportion_ci,
    proportion_difference_ci,
    rate_ci,
    wilson_limits,
)

RTOL = 1e-6
LEVELS = [(0.95, "lower95_0cl", "upper95_0cl"), (0.998, "lower99_8cl", "upper99_8cl")]


def close(actual: object, expected: object) -> None:
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=RTOL, atol=0
    )


# ---------------------------------------------------------------- oracle: Byar's and Wilson


def test_byars_and_wilson_limits_match_oracle(oracle) -> None:
    df = oracle("testdata_Byars_Wilson.xlsx", "testdata_B_W")
    conf = df["confidence"].str.rstrip("%").astype(float) / 100
    for method, lower_fn, upper_fn in (
        ("Byars", lambda r, c: byars_lower(r.x, c), lambda r, c: byars_upper(r.x, c)),
        (
            "Wilson",
            lambda r, c: wilson_limits(r.x, r.n, c)[0],
            lambda r, c: wilson_limits(r.x, r.n, c)[1],
        ),
    ):
        rows = df[df["method"] == method]
        assert len(rows) > 0
        for i, row in rows.iterrows():
            # NaN expected (Byar's lower limit of 1 event at 99.8%) must come back as NaN
            close(lower_fn(row, conf[i]), row.lowercl)
            close(upper_fn(row, conf[i]), row.uppercl)


# ---------------------------------------------------------------- oracle: proportions


def test_proportion_ci_matches_oracle(oracle) -> None:
    df = oracle("testdata_Proportion.xlsx", "testdata_Prop")
    for confidence, lo_col, hi_col in LEVELS:
        value, lower, upper = proportion_ci(
            df["Numerator"], df["Denominator"], confidence, df["multiplier"].to_numpy(float)
        )
        close(value, df["value"])
        close(lower, df[lo_col])
        close(upper, df[hi_col])


def test_proportion_ci_oracle_invalid_rows_are_nan(oracle) -> None:
    df = oracle("testdata_Proportion.xlsx", "testdata_Prop")
    invalid = df["Numerator"].isna() | df["Denominator"].isna()
    assert invalid.sum() == 3
    value, lower, upper = proportion_ci(df["Numerator"], df["Denominator"])
    assert np.isnan(value[invalid.to_numpy()]).all()
    assert np.isnan(lower[invalid.to_numpy()]).all() and np.isnan(upper[invalid.to_numpy()]).all()


# ---------------------------------------------------------------- oracle: rates


def test_rate_ci_matches_oracle(oracle) -> None:
    df = oracle("testdata_Rate.xlsx", "testdata_Rate")
    for confidence, lo_col, hi_col in LEVELS:
        value, lower, upper = rate_ci(
            df["Numerator"], df["Denominator"], confidence, df["multiplier"].to_numpy(float)
        )
        close(value, df["value"])
        close(lower, df[lo_col])
        close(upper, df[hi_col])


def test_rate_method_switches_at_ten_events(oracle) -> None:
    df = oracle("testdata_Rate.xlsx", "testdata_Rate").dropna(subset=["Numerator", "Denominator"])
    exact = df[df["method"] == "Exact"]
    byars = df[df["method"] == "Byars"]
    assert (exact["Numerator"] < 10).all() and (byars["Numerator"] >= 10).all()
    close(
        exact_poisson_lower(exact["Numerator"]) / exact["Denominator"] * exact["multiplier"],
        exact["lower95_0cl"],
    )
    close(
        byars_upper(byars["Numerator"]) / byars["Denominator"] * byars["multiplier"],
        byars["upper95_0cl"],
    )


# ---------------------------------------------------------------- oracle: means


def test_mean_ci_from_observations_matches_oracle(oracle) -> None:
    data = oracle("testdata_Mean.xlsx", "testdata_Mean")
    expected = oracle("testdata_Mean.xlsx", "testdata_Mean_results").set_index("area")
    groups = {area: g["values"] for area, g in data.groupby("area")}
    groups["No grouping"] = data["values"]
    for area, values in groups.items():
        row = expected.loc[area]
        for confidence, lo_col, hi_col in LEVELS:
            value, lower, upper = mean_ci(values, confidence)
            close([value, lower, upper], [row["value"], row[lo_col], row[hi_col]])


def test_mean_ci_from_summary_matches_oracle(oracle) -> None:
    df = oracle("testdata_Mean.xlsx", "testdata_Mean_results")
    for confidence, lo_col, hi_col in LEVELS:
        value, lower, upper = mean_ci_from_summary(
            df["value_sum"], df["value_count"], df["stdev"], confidence
        )
        close(value, df["value"])
        close(lower, df[lo_col])
        close(upper, df[hi_col])


# ---------------------------------------------------------------- hand-written cases


@pytest.mark.parametrize(
    ("count", "denominator"),
    [
        (1, 0),  # zero denominator
        (np.nan, 100),  # missing count
        (10, np.nan),  # missing denominator
        (-1, 100),  # negative count
        (101, 100),  # more successes than trials
        (5, -10),  # negative denominator
    ],
)
def test_proportion_ci_invalid_inputs_give_nan(count: float, denominator: float) -> None:
    assert all(math.isnan(v) for v in proportion_ci(count, denominator))


@pytest.mark.parametrize(("count", "denominator"), [(1, 0), (np.nan, 1), (3, np.nan), (-2, 50)])
def test_rate_ci_invalid_inputs_give_nan(count: float, denominator: float) -> None:
    assert all(math.isnan(v) for v in rate_ci(count, denominator))


def test_rate_ci_zero_events_has_zero_lower_limit() -> None:
    value, lower, upper = rate_ci(0, 1000, multiplier=1000)
    assert value == 0.0 and lower == 0.0
    # exact upper limit of a zero count at 95%: -ln(0.025) = 3.689
    assert upper == pytest.approx(-math.log(0.025), rel=1e-9)


def test_rate_count_may_exceed_denominator() -> None:
    value, lower, upper = rate_ci(250, 220, multiplier=1)
    assert lower < value < upper and value > 1


def test_proportion_zero_and_all() -> None:
    v0, l0, u0 = proportion_ci(0, 20)
    v1, l1, u1 = proportion_ci(20, 20)
    assert (v0, l0) == (0.0, 0.0) and 0 < u0 < 0.2
    assert v1 == 1.0 and u1 == pytest.approx(1.0) and 0.8 < l1 < 1


def test_scalar_in_float_out_and_array_in_array_out() -> None:
    out = proportion_ci(5, 10)
    assert all(isinstance(v, float) for v in out)
    arr = rate_ci(pd.Series([5, 50]), np.array([100, 1000]))
    assert all(isinstance(v, np.ndarray) and v.shape == (2,) for v in arr)


def test_broadcasting_against_a_scalar_denominator() -> None:
    value, lower, upper = proportion_ci([1, 2, 3], 10, multiplier=100)
    np.testing.assert_allclose(value, [10, 20, 30])
    assert lower.shape == upper.shape == (3,)


def test_pandas_nullable_integers_are_accepted() -> None:
    counts = pd.Series([1, None, 3], dtype="Int64")
    value, _, _ = proportion_ci(counts, 10)
    assert np.isnan(value[1]) and value[2] == pytest.approx(0.3)


@pytest.mark.parametrize("confidence", [0, 1, 95, -0.5])
def test_confidence_must_be_a_fraction(confidence: float) -> None:
    with pytest.raises(ValueError, match="confidence"):
        proportion_ci(5, 10, confidence)


def test_exact_poisson_limits_agree_with_chi_square_definition() -> None:
    # P(X >= 5 | lower) = 0.025 and P(X <= 5 | upper) = 0.025
    from scipy import stats

    lower = exact_poisson_lower(5)
    upper = exact_poisson_upper(5)
    assert stats.poisson.sf(4, lower) == pytest.approx(0.025, rel=1e-9)
    assert stats.poisson.cdf(5, upper) == pytest.approx(0.025, rel=1e-9)


def test_mean_ci_ignores_missing_observations_and_needs_two() -> None:
    assert mean_ci([1.0, np.nan, 3.0]) == pytest.approx(mean_ci([1.0, 3.0]))
    value, lower, upper = mean_ci([7.0])
    assert value == 7.0 and math.isnan(lower) and math.isnan(upper)
    assert all(math.isnan(v) for v in mean_ci([]))


# ---------------------------------------------------------------- Newcombe difference


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # Newcombe RG (1998) Stat Med 17:873-890, Table II, method 10 (examples a, b, d, e, f)
        ((56, 70, 48, 80), (0.2000, 0.0524, 0.3339)),
        ((9, 10, 3, 10), (0.6000, 0.1705, 0.8090)),
        ((5, 56, 0, 29), (0.0893, -0.0381, 0.1926)),
        ((0, 10, 0, 20), (0.0000, -0.1611, 0.2775)),
        ((10, 10, 0, 20), (1.0000, 0.6791, 1.0000)),
    ],
)
def test_newcombe_method_10_published_examples(
    counts: tuple[int, ...], expected: tuple[float, ...]
) -> None:
    got = proportion_difference_ci(*counts)
    np.testing.assert_allclose(got, expected, atol=5e-5)


def test_difference_multiplier_gives_percentage_points() -> None:
    diff, lower, upper = proportion_difference_ci(56, 70, 48, 80, multiplier=100)
    assert diff == pytest.approx(20.0)
    assert lower == pytest.approx(5.24, abs=5e-3) and upper == pytest.approx(33.39, abs=5e-3)


@pytest.mark.parametrize(
    ("args", "significant"),
    [
        ((56, 70, 48, 80), True),  # CI 0.052 to 0.334 excludes 0
        ((5, 56, 0, 29), False),  # CI -0.038 to 0.193 spans 0
        ((3, 60, 300, 1000), True),  # group far below everyone
    ],
)
def test_client_group_gap_significance(args: tuple[int, ...], significant: bool) -> None:
    gap = client_group_gap(*args)
    assert gap.significant is significant
    assert gap.lower <= gap.diff <= gap.upper


def test_client_group_gap_versus_rest_uses_children_outside_the_group() -> None:
    rest = client_group_gap(20, 100, 520, 1100, versus="rest")
    direct = proportion_difference_ci(20, 100, 500, 1000)
    np.testing.assert_allclose([rest.diff, rest.lower, rest.upper], direct)


def test_difference_invalid_inputs_are_nan() -> None:
    out = proportion_difference_ci([5, 11], [10, 10], [1, 1], [0, 10])
    assert np.isnan(np.asarray(out)).all(axis=0).tolist() == [True, True]


@pytest.mark.parametrize("count", [0.5, 3.5, 9.25])
def test_fractional_small_counts_use_the_chi_square_limits(count: float) -> None:
    _, lower, upper = rate_ci(count, 1, multiplier=1)
    assert lower == pytest.approx(exact_poisson_lower(count), rel=1e-12)
    assert upper == pytest.approx(exact_poisson_upper(count), rel=1e-12)


def test_rate_ci_vectorised_equals_scalar_across_the_method_switch() -> None:
    counts = np.array([0, 1, 9, 9.5, 10, 11, 500])
    vec = np.column_stack(rate_ci(counts, 1000, 0.998))
    one = np.array([rate_ci(c, 1000, 0.998) for c in counts])
    np.testing.assert_allclose(vec, one, rtol=1e-14)
