"""A period is labelled as its source publishes it, from the year it ends in.

Proves :mod:`metrics.periods`: ``period_label`` writes a financial year as ``2024-25``
(the CIN census and other 31 March returns), an academic year as ``2024/25`` and a
calendar year as ``2025``, with two-digit end years across a century (``1999-00``);
and each label reads back, through the importers' ``parse_period``, as the same
``period_year``, so a chart sorted by year and a table showing labels agree.
"""

from __future__ import annotations

from typing import get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.io.values import parse_period
from metrics.periods import PeriodType, period_label


@pytest.mark.parametrize(
    ("year", "period_type", "label"),
    [(2025, "financial", "2024-25"), (2025, "academic", "2024/25"), (2025, "calendar", "2025"),
     (2024, "financial", "2023-24"), (2024, "academic", "2023/24"), (2010, "financial", "2009-10"),
     (2001, "academic", "2000/01")],
)
def test_each_period_type_is_labelled_as_published(year: int, period_type: str, label: str) -> None:
    assert period_label(year, period_type) == label


def test_a_year_ending_in_2000_crosses_the_century_with_two_digits() -> None:
    assert period_label(2000, "financial") == "1999-00"
    assert period_label(2000, "academic") == "1999/00"


def test_the_label_names_the_year_before_as_its_start() -> None:
    """``period_year`` is the year a period ends in: the 2024-25 financial year ends on 31 March 2025."""
    assert period_label(2025, "financial").startswith("2024")


def test_the_three_period_types() -> None:
    assert set(get_args(PeriodType)) == {"financial", "academic", "calendar"}


def test_an_unknown_period_type_is_labelled_as_a_calendar_year() -> None:
    assert period_label(2025, "monthly") == "2025"


@settings(database=None)
@given(year=st.integers(min_value=1990, max_value=2200), period_type=st.sampled_from(get_args(PeriodType)))
def test_every_label_reads_back_as_the_year_it_ends_in(year: int, period_type: str) -> None:
    parsed = parse_period(period_label(year, period_type))
    assert parsed is not None
    assert parsed[0] == year
    assert parsed[1] == period_label(year, period_type)  # the label is already in its published form


@pytest.mark.parametrize("spelling", ["2023/24", "2023-24", "202324"])
def test_every_spelling_of_one_year_gets_one_period_year(spelling: str) -> None:
    """``2023/24``, ``2023-24`` and ``202324`` are one period: each ends in 2024, whose labels are these."""
    parsed = parse_period(spelling)
    assert parsed is not None and parsed[0] == 2024
    assert {period_label(parsed[0], t) for t in ("financial", "academic")} == {"2023-24", "2023/24"}
