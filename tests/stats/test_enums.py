"""The statistics engine's enumerations, and the two converters from catalogue text.

Proves :mod:`metrics.stats.enums`: each member equals the plain string the catalogue
and results store (so either can be passed), ``as_polarity`` and ``as_value_type``
accept a member or its text in any case with stray spaces, and refuse anything else
with a ``ValueError`` that lists what is allowed; the two-level comparison has a
95% and a 99.8% label for each direction, and one ``similar`` and ``not_compared``.
"""

from __future__ import annotations

import pytest

from metrics.framework import Reference
from metrics.stats.enums import (
    RATIO_TYPES,
    Comparison,
    Polarity,
    TwoLevelComparison,
    ValueType,
    as_polarity,
    as_value_type,
)


def test_the_polarities_are_the_three_fingertips_directions() -> None:
    assert [p.value for p in Polarity] == ["high_is_good", "low_is_good", "no_judgement"]


def test_the_value_types_are_those_the_catalogue_uses() -> None:
    assert {v.value for v in ValueType} == {"proportion", "crude_rate", "mean", "count", "ratio", "score"}


def test_a_member_is_its_plain_string() -> None:
    """StrEnum: a member compares, prints and formats as the text stored in the catalogue."""
    assert Polarity.HIGH_IS_GOOD == "high_is_good"
    assert str(ValueType.CRUDE_RATE) == "crude_rate"
    assert f"{Comparison.NOT_COMPARED}" == "not_compared"
    assert {Polarity.LOW_IS_GOOD: 1}["low_is_good"] == 1  # same hash as the text


@pytest.mark.parametrize(
    ("given", "expected"),
    [(Polarity.HIGH_IS_GOOD, Polarity.HIGH_IS_GOOD), ("high_is_good", Polarity.HIGH_IS_GOOD),
     ("LOW_IS_GOOD", Polarity.LOW_IS_GOOD), ("  No_Judgement \n", Polarity.NO_JUDGEMENT)],
)
def test_as_polarity_accepts_a_member_or_its_text_in_any_case(given: Polarity | str, expected: Polarity) -> None:
    result = as_polarity(given)
    assert result is expected and isinstance(result, Polarity)


@pytest.mark.parametrize("given", ["higher", "", "high is good", None, 1])
def test_as_polarity_refuses_anything_else_listing_the_allowed(given: object) -> None:
    with pytest.raises(ValueError) as info:
        as_polarity(given)  # type: ignore[arg-type]
    assert str(info.value) == f"unknown polarity {given!r}; expected one of high_is_good, low_is_good, no_judgement"


@pytest.mark.parametrize(
    ("given", "expected"),
    [(ValueType.PROPORTION, ValueType.PROPORTION), ("crude_rate", ValueType.CRUDE_RATE), (" Mean ", ValueType.MEAN),
     ("SCORE", ValueType.SCORE)],
)
def test_as_value_type_accepts_a_member_or_its_text_in_any_case(given: ValueType | str, expected: ValueType) -> None:
    assert as_value_type(given) is expected


@pytest.mark.parametrize("given", ["percentage", "crude rate", "", None])
def test_as_value_type_refuses_anything_else_listing_the_allowed(given: object) -> None:
    with pytest.raises(ValueError) as info:
        as_value_type(given)  # type: ignore[arg-type]
    assert str(info.value) == (f"unknown value type {given!r}; expected one of proportion, crude_rate, mean, count, "
                               "ratio, score")


def test_the_refusal_does_not_chain_the_enums_own_error() -> None:
    """``from None``: the user sees one clear message, not "ValueError ... During handling ..."."""
    with pytest.raises(ValueError) as info:
        as_polarity("up")
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_judged_and_unjudged_comparison_labels() -> None:
    """better/similar/worse for a polarity; higher/lower where no direction is good; not_compared."""
    assert {c.value for c in Comparison} == {"better", "similar", "worse", "higher", "lower", "not_compared"}


def test_each_two_level_direction_has_a_95_and_a_99_8_label() -> None:
    values = {c.value for c in TwoLevelComparison}
    for direction in ("better", "worse", "higher", "lower"):
        assert {f"{direction}_95", f"{direction}_99_8"} <= values
    assert values - {f"{d}_{lvl}" for d in ("better", "worse", "higher", "lower") for lvl in ("95", "99_8")} == {
        "similar", "not_compared"}


def test_each_two_level_label_collapses_to_a_one_level_label() -> None:
    """Dropping the level suffix gives a :class:`Comparison` label: the two schemes agree on directions."""
    for label in TwoLevelComparison:
        base = label.value.removesuffix("_99_8").removesuffix("_95")
        assert base in {c.value for c in Comparison}


def test_every_catalogue_indicator_converts(reference: Reference) -> None:
    """The shipped catalogue's polarities and value types are all members, read back from their text."""
    assert reference.indicators
    for ind in reference.indicators:
        assert as_polarity(str(ind.polarity)) is ind.polarity
        assert as_value_type(str(ind.value_type)) is ind.value_type


def test_ratio_types_are_the_count_over_denominator_types() -> None:
    """Proportions and crude rates: the types whose count gives their interval, trend and funnel."""
    import numpy as np

    assert set(RATIO_TYPES) == {"proportion", "crude_rate"}
    assert ValueType.PROPORTION in RATIO_TYPES and ValueType.MEAN not in RATIO_TYPES
    assert np.isin(np.array(["crude_rate", "count", "proportion"]), RATIO_TYPES).tolist() == [True, False, True]
