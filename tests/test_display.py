"""metrics.display: the one formatter: bands, ranks, figures with units, intervals, the sentences pages print."""

from __future__ import annotations

import math

import pytest

from metrics.display import (
    MISSING,
    band_phrase,
    band_text,
    ci_text,
    figure_sentence,
    fmt_ci,
    fmt_figure,
    fmt_megabytes,
    fmt_seconds,
    rank_phrase,
    rank_text,
)
from metrics.labels import BAND_WORDS


@pytest.mark.parametrize(("band", "shown"), [("A", "A (best quartile)"), ("B", "B"), ("C", "C"),
                                             ("D", "D (worst quartile)"), (None, MISSING), (math.nan, MISSING)])
def test_band_text(band: object, shown: str) -> None:
    assert band_text(band) == shown
    assert band_text(band, "No band") == (shown if isinstance(band, str) else "No band")


def test_band_words_name_every_band_and_the_best_and_worst() -> None:
    assert list(BAND_WORDS) == ["A", "B", "C", "D"]
    assert "best" in BAND_WORDS["A"] and "worst" in BAND_WORDS["D"]


@pytest.mark.parametrize(("rank", "n", "shown"), [(1, 152, "1 of 152"), (12.0, 152.0, "12 of 152"),
                                                  (math.nan, 152, MISSING), (3, math.nan, MISSING),
                                                  (None, None, MISSING)])
def test_rank_text(rank: object, n: object, shown: str) -> None:
    assert rank_text(rank, n) == shown


# ---------------------------------------------------------------- figures inside sentences and tables


@pytest.mark.parametrize(("value", "suppressed", "shown"), [
    (40.04, False, "40.0 %"), (2.25, False, "2.3 %"), (None, False, "–"), (float("nan"), False, "–"),
    (12.0, True, "c"),  # a suppressed figure never carries a unit: "c %" reads as a number
])
def test_fmt_figure(value: object, suppressed: bool, shown: str) -> None:
    assert fmt_figure(value, 1, "%", suppressed) == shown


def test_fmt_figure_with_a_worded_unit() -> None:
    assert fmt_figure(1234.5, 1, "per 10,000") == "1,234.5 per 10,000"


def test_fmt_ci_and_ci_text() -> None:
    assert fmt_ci(1.25, 3.35, 1) == "1.3 to 3.4"
    assert fmt_ci(1.25, 3.35, 1, suppressed=True) == "c"
    assert fmt_ci(None, 3.0, 1) == "–"
    assert ci_text(12.05, 14.0, 95, 1) == "12.1 to 14.0 (95%)"
    assert ci_text(12.05, 14.0, 99.8, 1) == "12.1 to 14.0 (99.8%)"
    assert ci_text(12.0, 14.0, 95, 1, suppressed=True) == "c"
    assert ci_text(float("nan"), 14.0, 95, 1) == "–" and ci_text(None, None, 95, 1, missing="-") == "-"


def test_rank_and_band_phrases() -> None:
    assert rank_phrase(4, 152) == "rank 4 of 152" and rank_phrase(float("nan"), 152) == "no rank"
    assert band_phrase("D").startswith("band D") and "worst" in band_phrase("D")
    assert band_phrase(None) == band_phrase(float("nan")) == band_phrase("Z") == "no quartile band"


def test_figure_sentence_of_a_suppressed_figure_says_c_alone() -> None:
    row = {"value": float("nan"), "suppressed": True, "rank": float("nan"), "n_ranked": 140, "band": None,
           "comparison": "not_compared"}
    assert figure_sentence(row, 1, "%", "England", 2.25) == (
        "c (suppressed); no rank; no quartile band; – not compared with England (2.3)")


def test_figure_sentence_of_a_ranked_figure() -> None:
    row = {"value": 40.0, "suppressed": False, "rank": 4, "n_ranked": 152, "band": "D", "comparison": "worse"}
    text = figure_sentence(row, 1, "%", "England", 50.0)
    assert text.startswith("40.0 %; rank 4 of 152; band D") and text.endswith("compared with England (50.0)")
    assert "▼" in text  # the symbol goes with the word, never colour alone


def test_fmt_megabytes_and_seconds() -> None:
    assert fmt_megabytes(26_049_000) == "26.0 MB" and fmt_megabytes(1_250_000, 2) == "1.25 MB"
    assert fmt_megabytes(1_234_560_000) == "1,234.6 MB"
    assert fmt_seconds(16.25) == "16.3 s"  # half up, as every figure
