"""Properties that must hold for any input (hypothesis, derandomised and bounded for speed)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.stats import (
    aggregate,
    mean_ci_from_summary,
    proportion_ci,
    proportion_difference_ci,
    rate_ci,
)

SETTINGS = settings(
    max_examples=200, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TOL = 1e-9


@st.composite
def count_and_denominator(draw: st.DrawFn) -> tuple[int, int]:
    n = draw(st.integers(min_value=1, max_value=10_000_000))
    x = draw(st.integers(min_value=0, max_value=n))
    return x, n


@SETTINGS
@given(count_and_denominator())
def test_proportion_limits_bracket_the_value(pair: tuple[int, int]) -> None:
    x, n = pair
    value, lower, upper = proportion_ci(x, n)
    assert 0.0 <= lower <= value + TOL and value - TOL <= upper <= 1.0 + TOL


@SETTINGS
@given(st.integers(min_value=0, max_value=5_000_000), st.floats(min_value=1.0, max_value=1e9))
def test_rate_limits_bracket_the_value(x: int, n: float) -> None:
    value, lower, upper = rate_ci(x, n)
    assert 0.0 <= lower <= value * (1 + TOL) and value <= upper * (1 + TOL)


@SETTINGS
@given(count_and_denominator())
def test_proportion_99_8_contains_95(pair: tuple[int, int]) -> None:
    _, l95, u95 = proportion_ci(*pair, 0.95)
    _, l998, u998 = proportion_ci(*pair, 0.998)
    assert l998 <= l95 + TOL and u95 <= u998 + TOL


@SETTINGS
@given(st.integers(min_value=0, max_value=1_000_000), st.floats(min_value=1.0, max_value=1e8))
def test_rate_99_8_contains_95(x: int, n: float) -> None:
    _, l95, u95 = rate_ci(x, n, 0.95)
    _, l998, u998 = rate_ci(x, n, 0.998)
    assert l998 <= l95 * (1 + TOL) and u95 <= u998 * (1 + TOL)


@SETTINGS
@given(
    st.integers(min_value=1, max_value=999),
    st.integers(min_value=1, max_value=1000),
    st.integers(min_value=2, max_value=50),
)
def test_proportion_interval_narrows_as_the_denominator_grows(
    per_mille: int, scale: int, factor: int
) -> None:
    n = 1000 * scale
    x = per_mille * scale  # the same proportion at n and at factor * n
    _, lo_small, hi_small = proportion_ci(x, n)
    _, lo_big, hi_big = proportion_ci(x * factor, n * factor)
    assert hi_big - lo_big < hi_small - lo_small


@SETTINGS
@given(st.integers(min_value=1, max_value=10_000), st.integers(min_value=2, max_value=50))
def test_rate_interval_narrows_as_the_denominator_grows(x: int, factor: int) -> None:
    n = 100.0 * x
    _, lo_small, hi_small = rate_ci(x, n)
    _, lo_big, hi_big = rate_ci(x * factor, n * factor)
    assert hi_big - lo_big < hi_small - lo_small


@SETTINGS
@given(
    st.lists(count_and_denominator(), min_size=1, max_size=12),
    st.sampled_from([("proportion", 100.0), ("crude_rate", 100_000.0)]),
)
def test_aggregation_of_members_equals_the_parent(
    members: list[tuple[int, int]], kind: tuple[str, float]
) -> None:
    value_type, multiplier = kind
    counts = [m[0] for m in members]
    denominators = [m[1] for m in members]
    agg = aggregate(counts, denominators, value_type, multiplier)
    fn = proportion_ci if value_type == "proportion" else rate_ci
    parent = fn(sum(counts), sum(denominators), 0.95, multiplier)
    np.testing.assert_allclose([agg.value, agg.lower, agg.upper], parent, rtol=1e-12)


@SETTINGS
@given(count_and_denominator(), count_and_denominator())
def test_difference_interval_brackets_the_difference(
    a: tuple[int, int], b: tuple[int, int]
) -> None:
    diff, lower, upper = proportion_difference_ci(*a, *b)
    assert -1.0 - TOL <= lower <= diff + TOL and diff - TOL <= upper <= 1.0 + TOL


@SETTINGS
@given(
    st.floats(min_value=-1e6, max_value=1e6),
    st.integers(min_value=2, max_value=100_000),
    st.floats(min_value=0.0, max_value=1e4),
)
def test_mean_99_8_contains_95(mean: float, n: int, sd: float) -> None:
    _, l95, u95 = mean_ci_from_summary(mean * n, n, sd, 0.95)
    _, l998, u998 = mean_ci_from_summary(mean * n, n, sd, 0.998)
    assert l998 <= l95 + 1e-6 and u95 <= u998 + 1e-6


@pytest.mark.parametrize("n", [1, 17, 1000])
def test_vectorised_equals_elementwise(n: int) -> None:
    rng = np.random.default_rng(n)
    den = rng.integers(1, 10_000, n).astype(float)
    cnt = np.floor(rng.uniform(0, 1, n) * den)
    vec = np.column_stack(proportion_ci(cnt, den, 0.998, 100))
    one = np.array([proportion_ci(c, d, 0.998, 100) for c, d in zip(cnt, den, strict=True)])
    np.testing.assert_allclose(vec, one, rtol=1e-15)
