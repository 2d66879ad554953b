"""Funnel-plot limits and significance against the PHEindicatormethods / PHStatsMethods results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metrics.stats import FUNNEL_LABELS, funnel_limits, funnel_significance, poisson_funnel
from metrics.stats.funnel import wilson_funnel_limit

FILE = "testdata_funnels.xlsx"
RTOL = 1e-6
RATE_MULTIPLIER = 100_000
RATE_YEARS = 3


def assert_frame_close(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(actual.columns) == list(expected.columns)
    assert len(actual) == len(expected)
    for col in expected.columns:
        if pd.api.types.is_numeric_dtype(expected[col]):
            np.testing.assert_allclose(
                actual[col].to_numpy(float),
                expected[col].to_numpy(float),
                rtol=RTOL,
                atol=1e-12,
                err_msg=col,
            )
        else:
            assert actual[col].tolist() == expected[col].tolist(), col


# ---------------------------------------------------------------- proportions


def test_proportion_limits_match_oracle(oracle) -> None:
    data = oracle(FILE, "prop_inputs")
    expected = oracle(FILE, "prop_outputs")
    got = funnel_limits(data["numerator"], data["denominator"], "proportion", multiplier=100)
    assert_frame_close(got, expected)


def test_proportion_limits_with_narrow_axis_match_oracle(oracle) -> None:
    data = oracle(FILE, "prop_inputs")
    data = data[data["denominator"] < 31000]
    expected = oracle(FILE, "prop_outputs_axis_var")
    got = funnel_limits(data["numerator"], data["denominator"], "proportion", multiplier=100)
    assert_frame_close(got, expected)


def test_proportion_significance_matches_oracle(oracle) -> None:
    data = oracle(FILE, "prop_inputs")
    labels = funnel_significance(data["numerator"], data["denominator"], "proportion")
    assert labels.tolist() == data["significance"].tolist()


# ---------------------------------------------------------------- ratios


@pytest.mark.parametrize("ratio_type", ["count", "isr"])
def test_ratio_limits_match_oracle(oracle, ratio_type: str) -> None:
    data = oracle(FILE, "ratio_inputs")
    expected = oracle(FILE, "ratio_outputs")
    other = "isr" if ratio_type == "count" else "count"
    expected = expected[[c for c in expected.columns if not c.endswith(f"_{other}")]]
    expected.columns = [c.replace(f"_{ratio_type}", "_limit") for c in expected.columns]
    got = funnel_limits(data["obs"], data["expected"], "ratio", ratio_type=ratio_type)
    if ratio_type == "count":
        # "count" limits are ratio - 1, which passes through 0 near the baseline, where a relative
        # tolerance means nothing: compare the ratios themselves. (One reference bisection step
        # decided on its truncated Poisson series differs by 5e-7 relative in expected events.)
        limits = [c for c in expected.columns if c.endswith("_limit")]
        got[limits] += 1.0
        expected[limits] += 1.0
    assert_frame_close(got, expected)


def test_ratio_significance_matches_oracle(oracle) -> None:
    data = oracle(FILE, "ratio_inputs")
    labels = funnel_significance(data["obs"], data["expected"], "ratio")
    assert labels.tolist() == data["significance"].tolist()


# ---------------------------------------------------------------- rates


def _rate_case(data: pd.DataFrame, case: str) -> tuple[np.ndarray, np.ndarray]:
    """Events and person-years for the reference's three rate tests (derived as the reference does)."""
    ev = data["ev"].to_numpy(float)
    rate = data["rate"].to_numpy(float)
    if case == "rate_outputs":  # all events present
        return ev, RATE_MULTIPLIER * ev / rate
    if case == "rate_outputs_2":  # the largest count replaced by 5
        ev = np.where(ev == ev.max(), 5.0, ev)
        return ev, RATE_MULTIPLIER * ev / rate
    # rate_outputs_3: the largest count set to 0 (its population kept), the small areas dropped
    pop = RATE_MULTIPLIER * ev / rate
    zero = ev == ev.max()
    keep = pop > pop.max() / 2
    ev = np.where(zero, 0.0, ev)
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = np.where(zero, pop, RATE_MULTIPLIER * ev / rate)
    return ev[keep], denom[keep]


@pytest.mark.parametrize("case", ["rate_outputs", "rate_outputs_2", "rate_outputs_3"])
def test_rate_limits_match_oracle(oracle, case: str) -> None:
    data = oracle(FILE, "rate_inputs")
    expected = oracle(FILE, case).drop(columns=["Statistic", "Method"])
    events, person_years = _rate_case(data, case)
    got = funnel_limits(
        events, person_years, "rate", multiplier=RATE_MULTIPLIER, years_of_data=RATE_YEARS
    )
    assert_frame_close(got, expected)


@pytest.mark.parametrize(
    ("rate_col", "label_col", "multiplier"),
    [
        ("rate_crude_per_100000", "crude_per_100000_with_0", 100_000),
        ("rate_crude_per_100", "crude_per_100_with_0", 100),
    ],
)
def test_crude_rate_significance_matches_oracle(
    oracle, rate_col: str, label_col: str, multiplier: int
) -> None:
    data = oracle(FILE, "rate_dsr_inputs")
    labels = funnel_significance(data["count"], data["pop"], "rate", multiplier=multiplier)
    assert labels.tolist() == data[label_col].tolist()


@pytest.mark.parametrize(
    ("rate_col", "label_col"),
    [
        ("rate_crude_per_100000", "crude_per_100000_without_0"),
        ("rate_dsr", "dsr_per_100000_without_0"),
    ],
)
def test_rate_significance_without_zero_rows_matches_oracle(
    oracle, rate_col: str, label_col: str
) -> None:
    """Denominators derived from the rate, so the zero-event area has none and is left out."""
    data = oracle(FILE, "rate_dsr_inputs")
    count = data["count"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        derived = np.where(
            count > 0, RATE_MULTIPLIER * count / data[rate_col].to_numpy(float), np.nan
        )
    labels = funnel_significance(count, derived, "rate")
    placed = count > 0
    assert labels[placed].tolist() == data.loc[placed, label_col].tolist()
    assert all(label is None for label in labels[~placed])


# ---------------------------------------------------------------- hand-written cases


def test_poisson_funnel_exact_mode_is_the_chi_square_limit() -> None:
    from scipy import stats

    x = np.array([1.0, 10.0, 100.0])
    np.testing.assert_allclose(
        poisson_funnel(x, 0.025, "high", exact=True), stats.chi2.ppf(0.975, 2 * x + 2) / 2
    )
    np.testing.assert_allclose(
        poisson_funnel(x, 0.025, "low", exact=True), stats.chi2.ppf(0.025, 2 * x) / 2
    )
    # the reference-compatible bisection stays within its 1e-7 step of the exact root
    np.testing.assert_allclose(
        poisson_funnel(x, 0.025, "high"), poisson_funnel(x, 0.025, "high", exact=True), rtol=1e-5
    )


def test_wilson_funnel_limit_is_where_the_wilson_interval_reaches_the_average() -> None:
    from metrics.stats import wilson_limits

    n, average = 400.0, 0.3
    upper_edge = wilson_funnel_limit(0.975, n, average, "high")
    lower_edge = wilson_funnel_limit(0.975, n, average, "low")
    # an area on the upper funnel line has the average as its lower Wilson limit, and vice versa
    assert float(wilson_limits(upper_edge * n, n, 0.95)[0]) == pytest.approx(average, rel=1e-9)
    assert float(wilson_limits(lower_edge * n, n, 0.95)[1]) == pytest.approx(average, rel=1e-9)


def test_limits_at_given_points() -> None:
    got = funnel_limits([50, 60], [100, 100], "proportion", points=[10, 1000])
    assert got["Population"].tolist() == [10, 1000]
    assert (got["lower_3s_limit"] <= got["lower_2s_limit"]).all()
    assert (got["upper_2s_limit"] <= got["upper_3s_limit"]).all()
    np.testing.assert_allclose(got["baseline"], 55.0)
    # the funnel narrows with population
    assert got["upper_2s_limit"].iloc[1] < got["upper_2s_limit"].iloc[0]


def test_significance_labels_and_invalid_rows() -> None:
    labels = funnel_significance(
        [5, 50, 95, np.nan, 120, 10], [100, 100, 100, 100, 100, 0], "proportion"
    )
    assert labels[:3].tolist() == ["Low (0.001)", "Not significant", "High (0.001)"]
    assert labels[3:].tolist() == [None, None, None]
    assert set(labels[:3]) <= set(FUNNEL_LABELS)


def test_bad_statistic_raises() -> None:
    with pytest.raises(ValueError, match="statistic"):
        funnel_limits([1], [10], "dsr")  # type: ignore[arg-type]


def test_proportion_limits_are_clipped_to_the_multiplier() -> None:
    per_cent = funnel_limits([80, 90], [100, 100], "proportion", multiplier=100, points=[1, 5, 50])
    per_one = funnel_limits([80, 90], [100, 100], "proportion", multiplier=1, points=[1, 5, 50])
    assert (per_one["upper_3s_limit"] <= 1.0).all() and (per_one["lower_3s_limit"] >= 0.0).all()
    for col in ("lower_2s_limit", "upper_2s_limit", "lower_3s_limit", "upper_3s_limit", "baseline"):
        np.testing.assert_allclose(per_one[col] * 100, per_cent[col], rtol=1e-12)
