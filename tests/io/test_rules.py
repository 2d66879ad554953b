"""The rules every imported row keeps, whichever reader read it, in the words of the refusal.

Proves :mod:`metrics.io.rules`: ``check_rows`` returns only the rules some row breaks,
each with the rows, the column the fault names and words that quote the figures
(periods in the future or before 1990, non-finite and negative figures, a zero
denominator, a count above its denominator, a proportion above its multiplier, a value
outside its CI beyond what rounding explains, an upside-down CI, a value that no
rounding of count / denominator explains, an oversized cell), and spares what the
publishers really write (Fingertips' ``-1`` marks beside no value, DfE's 23.6% beside
1,660 / 7,490, the reviewed unbounded proportions, negative scores); ``rounding_allowance``,
``fmt``, ``with_meta`` and ``any_broken``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from metrics.io.rules import (
    EARLIEST_PERIOD_YEAR,
    MAX_KEY_CHARS,
    MAX_NOTE_CHARS,
    Broken,
    any_broken,
    check_rows,
    fmt,
    rounding_allowance,
    with_meta,
)

THIS_YEAR = 2025
NAN = float("nan")

# NI70 (Fingertips 90284, a crude rate per 10,000) for Hartlepool 2023/24: 220 / 18,255 x 10,000 = 120.5.
SOUND = {
    "indicator_id": "NI70", "area_code": "E06000001", "client_group_id": "all", "sex": "persons", "category": "",
    "period_label": "2023-24", "period_year": 2024, "note": None,
    "count": 220.0, "denominator": 18255.0, "value": 120.5, "lower95": 105.1, "upper95": 137.6,
    "lower998": 97.9, "upper998": 147.0,
}
NO_FIGURES = {"count": NAN, "denominator": NAN, "lower95": NAN, "upper95": NAN, "lower998": NAN, "upper998": NAN}


def rows(*changes: dict[str, object]) -> pd.DataFrame:
    """One canonical row per ``changes`` dict: SOUND with those columns changed."""
    frame = pd.DataFrame([{**SOUND, **c} for c in changes])
    for col in ("count", "denominator", "value", "lower95", "upper95", "lower998", "upper998"):
        frame[col] = frame[col].astype(float)
    return frame


def check(
    frame: pd.DataFrame, value_type: str = "crude_rate", multiplier: float = 10_000.0,
    name: Callable[[str], str] = str,
) -> list[tuple[str, list[int], str]]:
    """(column, broken rows, words for the first broken row) for each rule broken."""
    vt = pd.Series([value_type] * len(frame), index=frame.index)
    mult = pd.Series([multiplier] * len(frame), index=frame.index)
    named = with_meta(frame, vt, mult)
    out = []
    for broken in check_rows(frame, vt, mult, THIS_YEAR, name):
        bad = [int(i) for i in np.flatnonzero(broken.mask)]
        rule = broken.rule
        words = rule(named.iloc[bad[0]]) if callable(rule) else rule
        out.append((broken.column, bad, words))
    return out


# --- a sound row ----------------------------------------------------------------------


def test_a_sound_row_breaks_no_rule() -> None:
    assert check(rows({})) == []


def test_only_the_broken_rows_are_in_the_mask() -> None:
    assert check(rows({}, {"denominator": 0.0}, {})) == [
        ("denominator", [1], "denominator must be greater than zero")]


def test_a_broken_rule_is_a_frozen_record() -> None:
    (broken,) = check_rows(rows({"count": -1.0}), pd.Series(["count"]), pd.Series([1.0]), THIS_YEAR)
    assert isinstance(broken, Broken)
    assert broken.column == "count" and broken.value_column is None
    assert broken.mask.tolist() == [True]


# --- periods ----------------------------------------------------------------------------


def test_a_period_in_the_future_is_refused_by_its_label() -> None:
    (found,) = check(rows({"period_year": 2026, "period_label": "2025-26"}))
    assert found == ("period_year", [0], "period 2025-26 is in the future")


def test_this_years_period_is_accepted() -> None:
    assert check(rows({"period_year": THIS_YEAR, "period_label": "2024-25"})) == []


def test_a_period_before_1990_is_implausible() -> None:
    """``1025`` is a mistyped year; the oldest real series here start in the late 1990s."""
    assert EARLIEST_PERIOD_YEAR == 1990
    assert check(rows({"period_year": 1025, "period_label": "1025"})) == [
        ("period_year", [0], "period 1025 is before 1990: not a plausible period")]
    assert check(rows({"period_year": 1990, "period_label": "1990"})) == []


def test_the_period_fault_quotes_the_label_not_the_year() -> None:
    (broken,) = check_rows(rows({"period_year": 2030, "period_label": "2029/30"}),
                           pd.Series(["crude_rate"]), pd.Series([10_000.0]), THIS_YEAR)
    assert broken.value_column == "period_label"


# --- finite, non-negative, non-zero -------------------------------------------------------


@pytest.mark.parametrize("col", ["count", "denominator", "value", "lower95", "upper95", "lower998", "upper998"])
def test_an_infinite_figure_is_refused(col: str) -> None:
    found = check(rows({col: float("inf")}), value_type="mean")
    assert (col, [0], f"{col} must be a finite number") in found


@pytest.mark.parametrize("col", ["count", "denominator"])
def test_a_negative_count_or_denominator_is_refused_for_any_value_type(col: str) -> None:
    found = check(rows({**NO_FIGURES, col: -3.0}), value_type="mean")
    assert found[0] == (col, [0], f"{col} must not be negative")


def test_a_zero_denominator_is_refused() -> None:
    assert check(rows({**NO_FIGURES, "denominator": 0.0}), value_type="mean") == [
        ("denominator", [0], "denominator must be greater than zero")]


@pytest.mark.parametrize(("value_type", "kind"), [("proportion", "proportion"), ("crude_rate", "crude rate"),
                                                  ("count", "count")])
def test_a_negative_value_is_refused_for_a_proportion_rate_or_count(value_type: str, kind: str) -> None:
    found = check(rows({**NO_FIGURES, "value": -2.0}), value_type=value_type, multiplier=100.0)
    assert found == [("value", [0], f"value must not be negative for a {kind}")]


@pytest.mark.parametrize("value_type", ["mean", "score", "ratio"])
def test_a_negative_mean_score_or_ratio_is_a_figure(value_type: str) -> None:
    """Progress 8 is a score around zero: -0.5 is a real result."""
    assert check(rows({**NO_FIGURES, "value": -0.5, "lower95": -0.6, "upper95": -0.4}), value_type=value_type) == []


def test_fingertips_minus_one_marks_beside_no_value_are_not_figures() -> None:
    """Fingertips writes -1 in all four limits of a value it did not present (Surrey 2022/23)."""
    marks = {"value": NAN, "lower95": -1.0, "upper95": -1.0, "lower998": -1.0, "upper998": -1.0}
    assert check(rows(marks)) == []


def test_a_negative_limit_beside_a_value_is_refused() -> None:
    found = check(rows({"lower95": -1.0}))
    assert ("lower95", [0], "lower95 must not be negative for a crude rate") in found


# --- proportions --------------------------------------------------------------------------


def test_a_count_above_its_denominator_is_one_fault_not_two() -> None:
    """One cause, one fault: the ratio rule does not also complain about the value."""
    found = check(rows({**NO_FIGURES, "count": 30.0, "denominator": 20.0, "value": 60.0}),
                  value_type="proportion", multiplier=100.0)
    assert found == [("count", [0], "30 exceeds denominator 20")]


@pytest.mark.parametrize(("multiplier", "value", "top"), [(100.0, 100.5, "100"), (1.0, 1.2, "1")])
def test_a_proportion_above_its_multiplier_is_refused(multiplier: float, value: float, top: str) -> None:
    found = check(rows({**NO_FIGURES, "value": value}), value_type="proportion", multiplier=multiplier)
    assert found == [("value", [0], f"value {fmt(value)} is above {top}: a proportion runs from 0 to {top}")]


def test_a_proportion_of_exactly_its_multiplier_is_accepted() -> None:
    assert check(rows({**NO_FIGURES, "value": 100.0}), value_type="proportion", multiplier=100.0) == []


def test_an_upper_limit_above_100_percent_is_refused() -> None:
    found = check(rows({**NO_FIGURES, "value": 99.0, "lower95": 97.0, "upper95": 100.4}),
                  value_type="proportion", multiplier=100.0)
    assert found == [("upper95", [0], "upper95 100.4 is above 100: a proportion runs from 0 to 100")]


def test_a_proportion_without_a_usable_multiplier_runs_to_100() -> None:
    found = check(rows({**NO_FIGURES, "value": 101.0}), value_type="proportion", multiplier=NAN)
    assert [c for c, _, _ in found] == ["value"]
    assert check(rows({**NO_FIGURES, "value": 99.0}), value_type="proportion", multiplier=NAN) == []


@pytest.mark.parametrize(("indicator", "value"), [("EY2_FUNDED", 233.0), ("LAIT_L2Age19Gap", -3.2)])
def test_the_reviewed_unbounded_proportions_may_leave_0_to_100(indicator: str, value: float) -> None:
    """data/mappings/unbounded_proportions.csv: take-up over an estimate (up to 233%), a gap that reverses."""
    frame = rows({**NO_FIGURES, "indicator_id": indicator, "value": value})
    assert check(frame, value_type="proportion", multiplier=100.0) == []
    other = rows({**NO_FIGURES, "indicator_id": "NOT_REVIEWED", "value": value})
    assert check(other, value_type="proportion", multiplier=100.0) != []


# --- value against its CI -------------------------------------------------------------------


def test_a_value_rounded_to_fewer_places_than_its_ci_is_inside_it() -> None:
    """FingertipsNext's England 2022/23 absolute low income: 15.6 beside a 95% CI of 15.52 to
    15.59; the unrounded value (15.55 or more) is inside it."""
    ci = {**NO_FIGURES, "value": 15.6, "lower95": 15.52, "upper95": 15.59}
    assert check(rows(ci), value_type="proportion", multiplier=100.0) == []


def test_a_value_outside_its_ci_by_more_than_rounding_is_refused() -> None:
    """15.7 rounds from at least 15.65, still above 15.59."""
    ci = {**NO_FIGURES, "value": 15.7, "lower95": 15.52, "upper95": 15.59}
    assert check(rows(ci), value_type="proportion", multiplier=100.0) == [
        ("value", [0], "value 15.7 lies outside its 95% CI 15.52 to 15.59")]


def test_a_computed_value_has_no_rounding_allowance() -> None:
    """A value with many places was not rounded by its publisher: outside is outside."""
    ci = {**NO_FIGURES, "value": 15.6 + 3e-14, "lower95": 15.52, "upper95": 15.59}
    found = check(rows(ci), value_type="proportion", multiplier=100.0)
    assert [(c, r) for c, r, _ in found] == [("value", [0])]


def test_the_998_interval_is_checked_too() -> None:
    ci = {**NO_FIGURES, "value": 50.0, "lower998": 51.0, "upper998": 60.0}
    assert check(rows(ci), value_type="mean") == [("value", [0], "value 50 lies outside its 99.8% CI 51 to 60")]


def test_a_limit_equal_to_the_value_is_inside() -> None:
    assert check(rows({**NO_FIGURES, "value": 0.0, "lower95": 0.0, "upper95": 3.1}), value_type="proportion",
                 multiplier=100.0) == []


def test_an_upside_down_ci_is_refused_even_beside_a_blank_value() -> None:
    ci = {**NO_FIGURES, "value": NAN, "lower95": 20.0, "upper95": 10.0}
    assert check(rows(ci), value_type="mean") == [
        ("lower95", [0], "95% CI is upside down: lower95 20 is above upper95 10")]


# --- value against count / denominator --------------------------------------------------------


def test_a_value_that_no_rounding_explains_is_refused_with_the_expected_figure() -> None:
    """9,089,662 beside 220 / 18,255 x 10,000 (= 120.5149274...): a mapping pointing at the wrong column."""
    found = check(rows({"value": 9_089_662.0, "lower95": NAN, "upper95": NAN, "lower998": NAN, "upper998": NAN}))
    assert found == [("value", [0], (
        "value 9,089,662 does not agree with count 220 / denominator 18,255 (= 120.5149274; rounding explains "
        "5 either way in each and 10% + 0.5 in the value)"))]


def test_dfe_regional_percentages_over_the_las_that_returned_are_accepted() -> None:
    """DfE 2022 repeat child protection plans, Yorkshire and the Humber: 23.6% beside 1,660 / 7,490 (22.2%)."""
    dfe = {**NO_FIGURES, "count": 1660.0, "denominator": 7490.0, "value": 23.6}
    assert check(rows(dfe), value_type="proportion", multiplier=100.0) == []


def test_a_value_beyond_every_rounding_of_its_count_and_denominator_is_refused() -> None:
    """The most 1,660 / 7,490 can be, each rounded by 5, is 1,665 / 7,485 = 22.24%; with 10% and 0.5
    on top that is 24.97%, so 25.5% cannot be that count over that denominator."""
    dfe = {**NO_FIGURES, "count": 1660.0, "denominator": 7490.0, "value": 25.5}
    found = check(rows(dfe), value_type="proportion", multiplier=100.0)
    assert [(c, r) for c, r, _ in found] == [("value", [0])]
    assert found[0][2].startswith("value 25.5 does not agree with count 1,660 / denominator 7,490 (= 22.16288385;")


def test_a_count_rounded_to_zero_still_allows_a_small_value() -> None:
    """Fingertips rounds counts to 5: a published 0 may be up to 5 events."""
    small = {**NO_FIGURES, "count": 0.0, "denominator": 18255.0, "value": 2.2}
    assert check(rows(small)) == []


def test_means_and_scores_are_not_count_over_denominator() -> None:
    mean = {**NO_FIGURES, "count": 10.0, "denominator": 100.0, "value": 47.3}
    assert check(rows(mean), value_type="mean") == []


# --- cell lengths and names ----------------------------------------------------------------


def test_a_key_cell_of_more_than_200_characters_is_refused_by_its_start() -> None:
    long = "E" * (MAX_KEY_CHARS + 1)
    (found,) = check(rows({"area_code": long}))
    assert found == ("area_code", [0], f"201 characters starting {'E' * 40!r}: more than the 200 a area_code "
                                        "cell may hold")
    assert check(rows({"area_code": "E" * MAX_KEY_CHARS})) == []


def test_an_oversized_cell_is_not_quoted_whole() -> None:
    (broken,) = check_rows(rows({"category": "x" * 500}), pd.Series(["crude_rate"]), pd.Series([10_000.0]),
                           THIS_YEAR)
    assert broken.value_column == "_not_quoted"  # no such column: the fault shows no value


def test_a_note_may_hold_2000_characters() -> None:
    assert check(rows({"note": "n" * MAX_NOTE_CHARS})) == []
    (found,) = check(rows({"note": "n" * (MAX_NOTE_CHARS + 1)}))
    assert found[0] == "note" and found[2].startswith("2,001 characters starting 'nnnn")


def test_the_words_use_the_files_own_column_names() -> None:
    names = {"count": "Count", "denominator": "Denominator"}
    found = check(rows({**NO_FIGURES, "count": -4.0}), value_type="mean", name=lambda c: names.get(c, c))
    assert found == [("count", [0], "Count must not be negative")]


# --- rounding_allowance and fmt ---------------------------------------------------------------


@pytest.mark.parametrize(("value", "allowance"), [(15.6, 0.05), (16.0, 0.5), (15.52, 0.005), (-15.6, 0.05),
                                                  (0.0, 0.5), (1200.0, 0.5)])
def test_the_allowance_is_half_a_unit_of_the_last_place_written(value: float, allowance: float) -> None:
    assert rounding_allowance(np.array([value]))[0] == pytest.approx(allowance)


def test_a_value_with_no_short_form_gets_almost_nothing() -> None:
    (allowance,) = rounding_allowance(np.array([0.1 + 0.2]))  # 0.30000000000000004: 17 places
    assert 0 < allowance < 1e-16


def test_the_allowance_is_computed_only_where_asked_and_never_for_blanks() -> None:
    values = np.array([15.6, 16.0, NAN, float("inf")])
    out = rounding_allowance(values, np.array([False, True, True, True]))
    assert out.tolist() == [0.0, 0.5, 0.0, 0.0]


@pytest.mark.parametrize(
    ("x", "text"),
    [(1234567.0, "1,234,567"), (0.1, "0.1"), (120.51492741714599, "120.5149274"), (-1.5, "-1.5"), (20.0, "20"),
     (1e308, "1e+308")],
)
def test_fmt_writes_ten_significant_digits_grouped(x: float, text: str) -> None:
    assert fmt(x) == text


# --- with_meta and any_broken -------------------------------------------------------------------


def test_with_meta_adds_value_type_and_multiplier_by_position() -> None:
    frame = rows({}, {}).set_axis([10, 20])
    vt, mult = pd.Series(["proportion", "crude_rate"]), pd.Series(["100", "10000"])  # another index, as text
    out = with_meta(frame, vt, mult)
    assert out["_value_type"].tolist() == ["proportion", "crude_rate"]
    assert out["_multiplier"].tolist() == [100.0, 10_000.0]
    assert "_value_type" not in frame  # the caller's frame is unchanged


def test_any_broken_marks_each_row_that_breaks_any_rule() -> None:
    frame = rows({}, {"count": -1.0}, {}, {"period_year": 2099, "period_label": "2099"})
    vt = pd.Series(["crude_rate"] * 4)
    mult = pd.Series([10_000.0] * 4)
    assert any_broken(frame, vt, mult, THIS_YEAR).tolist() == [False, True, False, True]


def test_any_broken_of_a_clean_frame_is_all_false() -> None:
    assert any_broken(rows({}, {}), pd.Series(["crude_rate"] * 2), pd.Series([10_000.0] * 2),
                      THIS_YEAR).tolist() == [False, False]
