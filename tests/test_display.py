"""metrics.display: the one formatter's band and rank words, as every page prints them."""

from __future__ import annotations

import math

import pytest

from metrics.display import MISSING, band_text, rank_text
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
