"""metrics.weak_areas on figures chosen by hand: which rows are listed and why, in what
order, and the filters, gaps and words a director reads beside them.

A store with the reference tables and a few of Telford and Wrekin's figures, each
built to carry one reason: worse than England and getting worse (red-red), worse
alone, bottom quartile alone, getting worse alone, and a figure with nothing wrong;
one of its clusters worse than the LA. The pure helpers are run on frames written
here. (The same functions on the whole demo store are in tests/test_board_lists.py.)
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from metrics.derived import refresh_derived
from metrics.framework import Reference
from metrics.results import Selection
from metrics.store import Store, load_reference_tables, new_batch
from metrics.weak_areas import (
    PRIORITY,
    PRIORITY_TEXT,
    WHY_OPTIONS,
    compared_with,
    filter_weak,
    flags_text,
    gap_text,
    rank_weak,
    untested_band_d,
    weak_areas,
    where_text,
)

ENGLAND = "E92000001"
TELFORD = "E06000020"
WELLINGTON = "E06000020-C01"  # a cluster of Telford and Wrekin
OTHERS = ("E06000019", "E06000021", "E06000051")  # Herefordshire, Stoke-on-Trent, Shropshire
SEL = Selection(TELFORD, "england", 2024)

# indicator: {area: {year: (value, lower95, upper95)}}; a proportion of ``DENOMINATOR``
DENOMINATOR = 1000.0
FIGURES: dict[str, dict[str, dict[int, tuple[float, float, float]]]] = {
    # breastfeeding, high is good: Telford falls 3 points a year to the lowest of four, below England
    "NI53": {
        TELFORD: {2020: (50, 46.9, 53.1), 2021: (47, 43.9, 50.1), 2022: (44, 40.9, 47.1),
                  2023: (41, 38.0, 44.1), 2024: (38, 35.0, 41.0)},
        WELLINGTON: {2024: (30, 27.2, 32.9)},  # below its LA's 38
        OTHERS[0]: {2024: (45, 41.9, 48.1)}, OTHERS[1]: {2024: (55, 51.9, 58.1)},
        OTHERS[2]: {2024: (60, 57.0, 63.0)},
        ENGLAND: {2024: (50, 49.7, 50.3)},
    },
    # MMR, high is good: below England, but second of four (band B), one year only
    "MMR2_5": {
        TELFORD: {2024: (85, 82.8, 87.2)},
        OTHERS[0]: {2024: (80, 77.4, 82.4)}, OTHERS[1]: {2024: (84, 81.7, 86.3)},
        OTHERS[2]: {2024: (88, 85.9, 90.1)},
        ENGLAND: {2024: (90, 89.8, 90.2)},
    },
    # Reception obesity, low is good: the highest of four (band D), England's 12 inside its wide interval
    "NI55": {
        TELFORD: {2024: (14, 10.0, 18.0)},
        OTHERS[0]: {2024: (8, 6.4, 9.6)}, OTHERS[1]: {2024: (9, 7.4, 10.6)}, OTHERS[2]: {2024: (10, 8.3, 11.7)},
        ENGLAND: {2024: (12, 11.8, 12.2)},
    },
    # Year 6 obesity, low is good: rising 2 points a year, yet the lowest of four and below England
    "NI56": {
        TELFORD: {2020: (10, 8.3, 11.9), 2021: (12, 10.1, 14.0), 2022: (14, 12.0, 16.2),
                  2023: (16, 13.9, 18.3), 2024: (18, 15.8, 20.5)},
        OTHERS[0]: {2024: (20, 17.6, 22.6)}, OTHERS[1]: {2024: (22, 19.5, 24.7)},
        OTHERS[2]: {2024: (24, 21.5, 26.7)},
        ENGLAND: {2024: (25, 24.7, 25.3)},
    },
    # infant immunisation, high is good: Telford best and above England; nothing to list
    "DTAP3_1": {
        TELFORD: {2024: (96, 94.6, 97.0)},
        OTHERS[0]: {2024: (90, 88.0, 91.7)}, OTHERS[1]: {2024: (91, 89.1, 92.6)},
        OTHERS[2]: {2024: (92, 90.2, 93.5)},
        ENGLAND: {2024: (92, 91.8, 92.2)},
    },
}


@pytest.fixture(scope="module")
def store(reference: Reference) -> Iterator[Store]:
    with Store(":memory:") as s:
        with s.transaction() as cur:
            load_reference_tables(cur, reference)
            batch = new_batch(cur, "by_hand.csv", "template", "test")
            rows = [
                [ind, area, year, str(year), value * DENOMINATOR / 100, DENOMINATOR, value, lo, hi, batch]
                for ind, areas in FIGURES.items() for area, years in areas.items()
                for year, (value, lo, hi) in years.items()
            ]
            cur.executemany(
                """INSERT INTO observation (indicator_id, area_code, period_year, period_label, client_group_id,
                       count, denominator, value, lower95, upper95, batch_id)
                   VALUES (?, ?, ?, ?, 'all', ?, ?, ?, ?, ?, ?)""",
                rows,
            )
            refresh_derived(cur)
        yield s


@pytest.fixture(scope="module")
def weak(store: Store) -> pd.DataFrame:
    return weak_areas(store, SEL)


# ---------------------------------------------------------------- weak_areas


def test_each_figure_is_listed_for_its_reason_in_order_of_severity(weak: pd.DataFrame) -> None:
    listed = weak[["scope_code", "indicator_id", "reason"]].to_numpy().tolist()
    assert listed == [
        [TELFORD, "NI53", "red_red"],  # worse than England and falling
        [TELFORD, "MMR2_5", "worse"],  # the area before its clusters
        [WELLINGTON, "NI53", "worse"],  # below Telford, its benchmark
        [TELFORD, "NI55", "band_d"],
        [TELFORD, "NI56", "getting_worse"],
    ]
    assert weak["priority"].tolist() == [0, 1, 1, 2, 3]
    assert weak["why"].tolist() == [PRIORITY_TEXT[r] for r in ("red_red", "worse", "worse", "band_d",
                                                               "getting_worse")]
    assert "DTAP3_1" not in set(weak["indicator_id"])  # better, band A, no trend: nothing to list


def test_the_flags_behind_each_reason(weak: pd.DataFrame) -> None:
    rows = weak.set_index(["scope_code", "indicator_id"])
    area = rows.loc[TELFORD]
    assert area.loc["NI53", ["comparison", "band", "trend"]].tolist() == ["worse", "D", "getting_worse"]
    assert area.loc["MMR2_5", ["comparison", "band"]].tolist() == ["worse", "B"]
    assert area.loc["NI55", ["comparison", "band"]].tolist() == ["similar", "D"]
    assert area.loc["NI56", ["comparison", "band", "trend"]].tolist() == ["better", "A", "getting_worse"]
    assert area["red_red"].tolist() == [True, False, False, False]
    assert area["band_d"].tolist() == [True, False, True, False]
    assert weak["red_red"].dtype == bool and weak["band_d"].dtype == bool


def test_every_row_says_which_scope_it_is_about(weak: pd.DataFrame) -> None:
    assert weak[["scope", "scope_type"]].drop_duplicates().to_numpy().tolist() == [
        ["Whole area", "area"], ["Wellington", "cluster"]]
    cluster = weak[weak["scope_type"] == "cluster"].iloc[0]
    assert cluster["benchmark_value"] == 38.0  # Telford's own 2024 figure


def test_without_subgroups_only_the_area_itself_is_listed(store: Store) -> None:
    alone = weak_areas(store, SEL, include_subgroups=False)
    assert set(alone["scope_type"]) == {"area"}
    assert alone["indicator_id"].tolist() == ["NI53", "MMR2_5", "NI55", "NI56"]


def test_an_unknown_area_is_a_key_error(store: Store) -> None:
    with pytest.raises(KeyError, match="E06999999"):
        weak_areas(store, Selection("E06999999", "england", 2024))


# ---------------------------------------------------------------- filter_weak


def test_the_why_filter_reads_the_flags_not_the_single_reason(weak: pd.DataFrame) -> None:
    assert filter_weak(weak, why="worse")["indicator_id"].tolist() == ["NI53", "MMR2_5", "NI53"]
    assert filter_weak(weak, why="getting_worse")["indicator_id"].tolist() == ["NI53", "NI56"]
    assert filter_weak(weak, why="band_d")["indicator_id"].tolist() == ["NI53", "NI55"]  # red-red is band D too
    assert len(filter_weak(weak, why="all")) == len(weak)
    assert set(WHY_OPTIONS) == {"all", "worse", "getting_worse", "band_d"}
    with pytest.raises(ValueError, match="unknown reason"):
        filter_weak(weak, why="red")


def test_the_where_and_outcome_filters(weak: pd.DataFrame) -> None:
    assert filter_weak(weak, where="cluster")["scope_code"].tolist() == [WELLINGTON]
    assert filter_weak(weak, where=f"cluster:{WELLINGTON}")["indicator_id"].tolist() == ["NI53"]
    assert filter_weak(weak, where="cluster:E06000020-C02").empty
    assert filter_weak(weak, where="area", why="worse")["indicator_id"].tolist() == ["NI53", "MMR2_5"]
    assert set(filter_weak(weak, "BH")["outcome_id"]) == {"BH"}  # all five are Be healthy
    assert filter_weak(weak, "SS").empty


def test_the_nsf_standard_filter_on_a_frame_by_hand() -> None:
    frame = pd.DataFrame({
        "indicator_id": ["A", "B", "C", "D"],
        "nsf_standards": [[1, 11], [11], None, np.array([2, 1])],
    })
    assert filter_weak(frame, nsf_standard="1")["indicator_id"].tolist() == ["A", "D"]
    assert filter_weak(frame, nsf_standard="11")["indicator_id"].tolist() == ["A", "B"]
    assert filter_weak(frame, nsf_standard="5").empty


# ---------------------------------------------------------------- words beside each row


def test_flags_text_adds_band_d_only_where_it_is_not_already_the_reason(weak: pd.DataFrame) -> None:
    assert flags_text(weak).tolist() == [
        "Worse and getting worse; band D", "Significantly worse", "Significantly worse",
        "Bottom quartile (band D)", "Getting worse"]


def test_where_text_names_each_scope_as_a_reader_would(weak: pd.DataFrame) -> None:
    assert where_text(weak, "Telford and Wrekin").tolist() == [
        "Telford and Wrekin (whole area)", "Telford and Wrekin (whole area)", "Wellington (cluster)",
        "Telford and Wrekin (whole area)", "Telford and Wrekin (whole area)"]
    group = pd.DataFrame({"scope_type": ["client_group"], "scope": ["Looked-after children"]})
    assert where_text(group, "Telford and Wrekin").tolist() == ["Looked-after children"]


def test_compared_with_by_hand() -> None:
    frame = pd.DataFrame({
        "scope_type": ["area", "cluster", "cluster", "client_group"],
        "scope": ["Whole area", "Wellington", "Madeley", "Children in need"],
        "benchmark_name": ["West Midlands", "Telford and Wrekin", "England", "England"],
    })
    assert compared_with(frame).tolist() == [
        "West Midlands", "Telford and Wrekin (the LA)",
        "England",  # a cluster with no LA figure falls back to England: not "(the LA)"
        "Children in need in England"]


@pytest.mark.parametrize(("gap", "pct", "places", "text"), [
    (11.2, 53.7, 1, "worse by 11.2 (53.7%)"),
    (-2.5, -2.7, 1, "better by 2.5 (2.7%)"),
    (3.0, float("nan"), 1, "worse by 3.0"),  # a benchmark of 0: no percentage
    (0.125, 1.25, 2, "worse by 0.13 (1.3%)"),  # half up, as every figure is printed
    (float("nan"), float("nan"), 1, "–"),
    (0.0, 0.0, 1, "worse by 0.0 (0.0%)"),
])
def test_gap_text(gap: float, pct: float, places: int, text: str) -> None:
    assert gap_text(gap, pct, places) == text


# ---------------------------------------------------------------- rank_weak and untested_band_d


def test_severity_then_the_largest_gap_with_missing_gaps_last() -> None:
    frame = pd.DataFrame({
        "indicator_id": ["a", "b", "c", "d", "e"],
        "priority": [1, 1, 0, 1, 1],
        "value": [12.0, 15.0, 5.0, np.nan, 11.0],
        "benchmark_value": [10.0, 10.0, 10.0, 10.0, 10.0],
        "polarity": ["low_is_good", "low_is_good", "high_is_good", "low_is_good", "low_is_good"],
        "scope_type": "area", "scope": "Whole area", "benchmark_name": "England",
    })
    # gaps as % of 10: a 20, b 50, c 50 (high is good, 5 below), d none, e 10
    assert rank_weak(frame)["indicator_id"].tolist() == ["c", "b", "a", "e", "d"]
    by_gap = rank_weak(frame, "gap")
    assert by_gap["indicator_id"].tolist() == ["b", "c", "a", "e", "d"]  # b and c tie at 50%: the list's order
    assert by_gap["gap_pct"].tolist()[:4] == pytest.approx([50.0, 50.0, 20.0, 10.0])
    assert np.isnan(by_gap["gap_pct"].iloc[4])
    assert set(rank_weak(frame, area_name="Telford and Wrekin")["where"]) == {"Telford and Wrekin (whole area)"}
    assert "where" not in rank_weak(frame).columns


def test_ties_keep_the_lists_order() -> None:
    frame = pd.DataFrame({
        "indicator_id": ["x", "y", "z"], "priority": [2, 2, 2],
        "value": [np.nan, 12.0, np.nan], "benchmark_value": [10.0, 10.0, 10.0],
        "polarity": ["low_is_good"] * 3, "scope_type": "area", "scope": "Whole area", "benchmark_name": "England",
    })
    assert rank_weak(frame)["indicator_id"].tolist() == ["y", "x", "z"]


def test_untested_band_d_counts_band_d_figures_with_no_test(weak: pd.DataFrame) -> None:
    assert untested_band_d(weak) == 0  # Telford's band D figures were all tested
    frame = pd.DataFrame({"comparison": ["not_compared", "worse", "not_compared", "similar", "not_compared"],
                          "band": pd.Series(["D", "D", "A", None, "D"], dtype=object)})
    assert untested_band_d(frame) == 2
    assert untested_band_d(frame.iloc[0:0]) == 0


def test_priorities_and_their_words_cover_the_same_reasons() -> None:
    assert set(PRIORITY) == set(PRIORITY_TEXT) == {"red_red", "worse", "band_d", "getting_worse"}
