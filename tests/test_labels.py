"""One set of words and colours for every flag, shared by the pages, the pack and the exports.

Proves :mod:`metrics.labels`: every code the statistics engine and the catalogue can
produce (comparison, polarity, value type, CI method, period type, status, trend,
quartile band) has its words, with Fingertips' own words for comparisons; every
comparison colour is a valid Okabe-Ito colour or a neutral grey and goes with a word;
``rgb``, ``polarity_text``, ``trend_periods_text`` and ``confidence_text`` say what
their docstrings promise.
"""

from __future__ import annotations

from typing import get_args

import pytest

from metrics import framework, periods
from metrics.io.values import MISSING_CODES
from metrics.labels import (
    BAND_POSITION_WORDS,
    BAND_WORDS,
    CI_METHOD_WORDS,
    COMPARISON_COLOURS,
    COMPARISON_WORDS,
    PERIOD_TYPE_WORDS,
    POLARITY_WORDS,
    STATUS_WORDS,
    SUPPRESSED_WORDS,
    TREND_WORDS,
    VALUE_TYPE_WORDS,
    confidence_text,
    polarity_text,
    rgb,
    trend_periods_text,
)
from metrics.stats.enums import Comparison, Polarity, ValueType

# Wong (2011), "Points of view: Color blindness", Nature Methods 8:441: the Okabe-Ito palette.
OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"}
# The trend labels metrics.stats.trend documents: a direction, or that direction read through polarity.
TREND_LABELS = {"getting_better", "getting_worse", "increasing", "decreasing", "no_significant_change",
                "cannot_be_calculated"}


# --- every code has its words ------------------------------------------------------------


def test_every_comparison_has_fingertips_words() -> None:
    """The words of Fingertips' "Compared to England" column."""
    assert set(COMPARISON_WORDS) == {c.value for c in Comparison}
    assert COMPARISON_WORDS == {"better": "Better", "similar": "Similar", "worse": "Worse", "higher": "Higher",
                                "lower": "Lower", "not_compared": "Not compared"}


def test_every_polarity_value_type_ci_method_period_type_and_status_has_words() -> None:
    assert set(POLARITY_WORDS) == {p.value for p in Polarity}
    assert set(VALUE_TYPE_WORDS) == {v.value for v in ValueType}
    assert set(CI_METHOD_WORDS) == set(get_args(framework.CIMethod))
    assert set(PERIOD_TYPE_WORDS) == set(get_args(framework.PeriodType)) == set(get_args(periods.PeriodType))
    assert set(STATUS_WORDS) == set(get_args(framework.Indicator.model_fields["status"].annotation))


def test_every_trend_label_has_words() -> None:
    assert set(TREND_WORDS) == TREND_LABELS
    assert TREND_WORDS["no_significant_change"] == "No significant change"


def test_the_financial_year_is_said_to_run_april_to_march() -> None:
    assert PERIOD_TYPE_WORDS["financial"] == "financial year (April to March)"
    assert PERIOD_TYPE_WORDS["academic"] == "academic year" and PERIOD_TYPE_WORDS["calendar"] == "calendar year"


def test_band_a_is_the_best_quarter_and_d_the_worst() -> None:
    assert list(BAND_WORDS) == ["A", "B", "C", "D"]
    assert "best" in BAND_WORDS["A"] and "worst" in BAND_WORDS["D"]
    assert set(BAND_POSITION_WORDS) == {"best_quarter", "worst_quarter", "middle"}
    assert "band A" in BAND_POSITION_WORDS["best_quarter"] and "band D" in BAND_POSITION_WORDS["worst_quarter"]
    assert all(words.startswith("Not tested") for words in BAND_POSITION_WORDS.values())


def test_the_suppressed_words_explain_the_c_code_the_importers_read() -> None:
    """DfE's ``c`` is confidential; the product shows the same letter with the same meaning."""
    assert MISSING_CODES["c"][0] is True
    assert SUPPRESSED_WORDS.startswith("c = confidential")


# --- colours ------------------------------------------------------------------------------


def test_every_comparison_has_a_colour_and_every_colour_a_word() -> None:
    assert set(COMPARISON_COLOURS) == set(COMPARISON_WORDS)


@pytest.mark.parametrize("label", sorted(COMPARISON_COLOURS))
def test_each_colour_is_okabe_ito_or_a_neutral_grey(label: str) -> None:
    colour = COMPARISON_COLOURS[label]
    r, g, b = rgb(colour)
    assert colour.upper() in OKABE_ITO or r == g == b, colour


def test_judged_comparisons_are_coloured_by_hue_and_unjudged_in_grey() -> None:
    """Better and worse are blue and vermillion (told apart with any common colour-vision
    deficiency); similar and not compared carry no judgement, so no hue."""
    assert COMPARISON_COLOURS["better"].upper() in OKABE_ITO and COMPARISON_COLOURS["worse"].upper() in OKABE_ITO
    for label in ("similar", "not_compared"):
        r, g, b = rgb(COMPARISON_COLOURS[label])
        assert r == g == b
    assert len(set(COMPARISON_COLOURS.values())) == len(COMPARISON_COLOURS)  # no two flags look alike


@pytest.mark.parametrize(
    ("colour", "channels"),
    [("#0072B2", (0, 114, 178)), ("#000000", (0, 0, 0)), ("#FFFFFF", (255, 255, 255)), ("d55e00", (213, 94, 0))],
)
def test_rgb_reads_the_three_channels(colour: str, channels: tuple[int, int, int]) -> None:
    assert rgb(colour) == channels


def test_rgb_refuses_text_that_is_not_hex() -> None:
    with pytest.raises(ValueError):
        rgb("#GG0000")


# --- the text helpers ------------------------------------------------------------------------


@pytest.mark.parametrize(("polarity", "text"), [("high_is_good", "higher is better"),
                                                ("low_is_good", "lower is better"),
                                                (Polarity.NO_JUDGEMENT, "no better or worse (an activity measure)")])
def test_polarity_text_says_the_direction_in_words(polarity: object, text: str) -> None:
    assert polarity_text(polarity) == text


@pytest.mark.parametrize("polarity", [None, "", "HIGH_IS_GOOD", "up", float("nan")])
def test_polarity_text_of_anything_else_is_not_set_never_the_code(polarity: object) -> None:
    assert polarity_text(polarity) == "not set"


@pytest.mark.parametrize("periods_tested", [None, (), []])
def test_no_trend_periods_is_a_dash(periods_tested: tuple[str, ...] | list[str] | None) -> None:
    assert trend_periods_text(periods_tested) == "\u2013"


def test_trend_periods_are_listed_so_a_gap_shows() -> None:
    """Fingertips' latest five valid points need not be consecutive: 2020/21 is missing here."""
    tested = ("2017/18", "2018/19", "2019/20", "2021/22", "2022/23")
    assert trend_periods_text(tested) == "2017/18, 2018/19, 2019/20, 2021/22, 2022/23"
    assert trend_periods_text(["2023"]) == "2023"


@pytest.mark.parametrize(("level", "text"), [(95, "95%"), (95.0, "95%"), (99.8, "99.8%")])
def test_confidence_text_is_the_level_as_written(level: float, text: str) -> None:
    assert confidence_text(level) == text


def test_every_catalogue_confidence_level_has_its_words() -> None:
    levels = get_args(framework.Indicator.model_fields["confidence_level"].annotation)
    assert sorted(confidence_text(lvl) for lvl in levels) == ["95%", "99.8%"]


def test_the_trend_window_in_words_follows_the_statistics() -> None:
    """Every page, the pack and the summary say the window the test really uses."""
    from metrics.labels import TREND_WINDOW
    from metrics.stats.trend import TREND_POINTS

    assert TREND_POINTS == 5 and TREND_WINDOW == "latest five periods with a valid value"
