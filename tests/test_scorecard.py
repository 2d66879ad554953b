"""metrics.scorecard on results frames written by hand: the counts per ECM outcome, the band
positions of untested figures, and the lists of indicators behind the counts.

Each frame below is small enough that every count is read off it directly. (The same
functions on the demo and published stores are in tests/test_board_lists.py and
tests/test_band_position.py.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metrics.scorecard import (
    OUTCOME_COUNT_COLUMNS,
    OUTCOME_COUNT_WORDS,
    OUTCOME_LISTS,
    by_band,
    outcome_lists,
    outcome_scorecard,
)


def results_frame() -> pd.DataFrame:
    """Seven indicators of two outcomes, Stay safe listed first (catalogue order, not alphabetical)."""
    return pd.DataFrame({
        "outcome_id": ["SS", "SS", "SS", "SS", "BH", "BH", "BH"],
        "outcome_name": ["Stay safe"] * 4 + ["Be healthy"] * 3,
        "indicator_id": ["NI65", "NI64", "CPP_RATE", "NI62", "NI53", "NI55", "NI51"],
        "short_title": ["Repeat CP plans", "CP plans 2 years+", "CP plan rate", "Placement moves",
                        "Breastfeeding", "Reception obesity", "Emotional health"],
        "comparison": ["worse", "similar", "higher", "not_compared", "better", "worse", "not_compared"],
        "band": pd.Series(["D", "D", None, "D", "A", "C", "A"], dtype=object),
        "trend": ["getting_worse", "getting_better", "increasing", "getting_worse", "no_significant_change",
                  "getting_worse", "cannot_be_calculated"],
        "value": [25.0, 3.0, 60.0, 12.0, 55.0, 11.0, 14.0],
        "benchmark_value": [22.0, 3.5, 45.0, 10.0, 50.0, 10.0, 13.0],
        "unit": ["%", "%", "per 10,000", "%", "%", "%", "score"],
        "decimal_places": [1, 1, 1, 1, 1, 1, 1],
        "suppressed": [False] * 7,
    })


# ---------------------------------------------------------------- by_band


def test_untested_figures_are_placed_by_band_and_tested_ones_are_not() -> None:
    assert by_band(results_frame()).tolist() == [
        None,  # worse, band D: the test speaks
        None,  # similar, band D
        None,  # an activity measure has no band
        "worst_quarter",  # untested, band D
        None,  # better, band A
        None,  # worse, band C
        "best_quarter",  # untested, band A
    ]


def test_without_a_band_column_nothing_is_placed() -> None:
    frame = pd.DataFrame({"comparison": ["not_compared", None, "better"]})
    assert by_band(frame).tolist() == [None, None, None]


def test_a_missing_comparison_counts_as_untested_and_a_missing_band_places_nothing() -> None:
    frame = pd.DataFrame({"comparison": pd.Series([None, np.nan, "not_compared", "not_compared"], dtype=object),
                          "band": pd.Series(["B", "D", np.nan, "C"], dtype=object)})
    assert by_band(frame).tolist() == ["middle", "worst_quarter", None, "middle"]


# ---------------------------------------------------------------- outcome_scorecard


def test_each_outcome_is_counted_in_the_order_the_results_list_them() -> None:
    card = outcome_scorecard(results_frame())
    assert card["outcome_id"].tolist() == ["SS", "BH"]
    assert card["outcome_name"].tolist() == ["Stay safe", "Be healthy"]
    ss, bh = (card.set_index("outcome_id").loc[o, OUTCOME_COUNT_COLUMNS].to_dict() for o in ("SS", "BH"))
    assert ss == {"better": 0, "similar": 1, "worse": 1, "not_compared": 1, "best_quarter": 0,
                  "worst_quarter": 1, "improving": 1, "worsening": 2, "higher": 1, "lower": 0}
    assert bh == {"better": 1, "similar": 0, "worse": 1, "not_compared": 1, "best_quarter": 1,
                  "worst_quarter": 0, "improving": 0, "worsening": 1, "higher": 0, "lower": 0}
    assert card["indicators"].tolist() == [4, 3]


def test_the_six_comparison_counts_add_up_to_the_indicators() -> None:
    card = outcome_scorecard(results_frame())
    labels = ["better", "similar", "worse", "higher", "lower", "not_compared"]
    assert (card[labels].sum(axis=1) == card["indicators"]).all()


def test_an_activity_trend_is_neither_improving_nor_worsening() -> None:
    frame = results_frame().iloc[[2]]  # CPP_RATE: higher and increasing
    row = outcome_scorecard(frame).iloc[0]
    assert (row["higher"], row["improving"], row["worsening"], row["not_compared"]) == (1, 0, 0, 0)


def test_a_missing_comparison_is_not_compared() -> None:
    frame = results_frame().assign(comparison=[None, np.nan, "lower", "not_compared", "better", None, "similar"])
    card = outcome_scorecard(frame).set_index("outcome_id")
    assert card.loc["SS", ["not_compared", "lower"]].tolist() == [3, 1]
    assert card.loc["BH", ["not_compared", "better", "similar"]].tolist() == [1, 1, 1]
    # the untested with band D (NI65, NI64, NI62) are placed; NI55 (band C) is in the middle
    assert card.loc["SS", "worst_quarter"] == 3 and card.loc["BH", "worst_quarter"] == 0


def test_counts_are_plain_integers_and_the_results_are_not_changed() -> None:
    frame = results_frame()
    before = frame.copy()
    card = outcome_scorecard(frame)
    assert all(card[c].dtype.kind == "i" for c in [*OUTCOME_COUNT_COLUMNS, "indicators"])
    pd.testing.assert_frame_equal(frame, before)


def test_every_count_has_its_words() -> None:
    assert list(OUTCOME_COUNT_WORDS) == OUTCOME_COUNT_COLUMNS
    assert OUTCOME_COUNT_WORDS["worst_quarter"] == "not tested, band D"


# ---------------------------------------------------------------- outcome_lists


def test_each_list_names_the_indicators_behind_its_count() -> None:
    lists = outcome_lists(results_frame())
    assert list(lists) == ["SS", "BH"]
    assert all(list(lists[o]) == list(OUTCOME_LISTS) for o in lists)
    names = {o: {k: lists[o][k]["indicator_id"].tolist() for k in OUTCOME_LISTS} for o in lists}
    assert names == {
        "SS": {"worse": ["NI65"], "getting_worse": ["NI65", "NI62"], "higher": ["CPP_RATE"], "lower": []},
        "BH": {"worse": ["NI55"], "getting_worse": ["NI55"], "higher": [], "lower": []},
    }


def test_the_lists_agree_with_the_counts() -> None:
    frame = results_frame()
    card = outcome_scorecard(frame).set_index("outcome_id")
    lists = outcome_lists(frame)
    count_of = {"worse": "worse", "getting_worse": "worsening", "higher": "higher", "lower": "lower"}
    for oid, by_key in lists.items():
        for key, rows in by_key.items():
            assert len(rows) == card.at[oid, count_of[key]], (oid, key)


def test_a_list_row_carries_the_figure_and_its_benchmark_and_nothing_else() -> None:
    row = outcome_lists(results_frame())["SS"]["higher"]
    assert list(row.columns) == ["indicator_id", "short_title", "value", "benchmark_value", "unit",
                                 "decimal_places", "suppressed"]
    assert row.to_dict("records") == [{"indicator_id": "CPP_RATE", "short_title": "CP plan rate", "value": 60.0,
                                       "benchmark_value": 45.0, "unit": "per 10,000", "decimal_places": 1,
                                       "suppressed": False}]
    assert row.index.tolist() == [0]


def test_lists_keep_only_the_columns_the_results_have() -> None:
    frame = results_frame()[["outcome_id", "indicator_id", "comparison", "trend", "value"]]
    worse = outcome_lists(frame)["BH"]["worse"]
    assert list(worse.columns) == ["indicator_id", "value"] and worse["value"].tolist() == [11.0]


@pytest.mark.parametrize("key", list(OUTCOME_LISTS))
def test_an_outcome_with_nothing_to_list_has_an_empty_frame(key: str) -> None:
    frame = results_frame().assign(comparison="similar", trend="no_significant_change")
    assert outcome_lists(frame)["SS"][key].empty
