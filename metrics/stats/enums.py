"""Enumerations shared by the statistics engine.

Polarity and value type arrive from the indicator catalogue as plain strings; every public
function accepts either the string or the enum member, so callers never need to convert.
"""

from __future__ import annotations

from enum import StrEnum


class Polarity(StrEnum):
    """Which direction of an indicator is good (OHID Fingertips / DfE LAIT convention)."""

    HIGH_IS_GOOD = "high_is_good"
    LOW_IS_GOOD = "low_is_good"
    NO_JUDGEMENT = "no_judgement"


class ValueType(StrEnum):
    """How an indicator's value is built, which decides the confidence-interval method."""

    PROPORTION = "proportion"
    CRUDE_RATE = "crude_rate"
    MEAN = "mean"
    COUNT = "count"
    RATIO = "ratio"
    SCORE = "score"


#: Value types built as a count over a denominator (a percentage, a rate per 10,000): the
#: count gives their interval, their trend (Fingertips: proportions and crude rates only)
#: and their funnel, and an importer may compute their value from it.
RATIO_TYPES: tuple[str, ...] = (ValueType.PROPORTION.value, ValueType.CRUDE_RATE.value)


class Comparison(StrEnum):
    """Labels of :func:`metrics.stats.compare_to_benchmark`."""

    BETTER = "better"
    SIMILAR = "similar"
    WORSE = "worse"
    HIGHER = "higher"
    LOWER = "lower"
    NOT_COMPARED = "not_compared"


class TwoLevelComparison(StrEnum):
    """Labels of :func:`metrics.stats.compare_to_benchmark_two_level`.

    The suffix names the strongest level at which the benchmark lies outside the area's
    interval: ``_99_8`` (outside the 99.8% interval, so also outside the 95% one) or ``_95``
    (outside the 95% interval only).
    """

    BETTER_99_8 = "better_99_8"
    BETTER_95 = "better_95"
    SIMILAR = "similar"
    WORSE_95 = "worse_95"
    WORSE_99_8 = "worse_99_8"
    HIGHER_99_8 = "higher_99_8"
    HIGHER_95 = "higher_95"
    LOWER_95 = "lower_95"
    LOWER_99_8 = "lower_99_8"
    NOT_COMPARED = "not_compared"


def as_polarity(polarity: Polarity | str) -> Polarity:
    """Return ``polarity`` as a :class:`Polarity`, raising ``ValueError`` for unknown text."""
    try:
        return Polarity(str(polarity).strip().lower())
    except ValueError:
        allowed = ", ".join(p.value for p in Polarity)
        raise ValueError(f"unknown polarity {polarity!r}; expected one of {allowed}") from None


def as_value_type(value_type: ValueType | str) -> ValueType:
    """Return ``value_type`` as a :class:`ValueType`, raising ``ValueError`` for unknown text."""
    try:
        return ValueType(str(value_type).strip().lower())
    except ValueError:
        allowed = ", ".join(v.value for v in ValueType)
        raise ValueError(f"unknown value type {value_type!r}; expected one of {allowed}") from None
