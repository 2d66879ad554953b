"""What a board needs: activity measures counted as higher/lower, the indicators behind
each scorecard count by name, and the weak-areas list ranked, filtered and labelled.

Expected values are worked out here from the results rows with plain pandas (or from
the store's own observations), never taken from the functions under test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metrics.results import Selection, area_results
from metrics.scorecard import OUTCOME_COUNT_COLUMNS, OUTCOME_LISTS, outcome_lists, outcome_scorecard
from metrics.store import Store
from metrics.weak_areas import (
    PRIORITY,
    compared_with,
    filter_weak,
    rank_weak,
    weak_areas,
    where_options,
    worse_gap,
)

AREA = "E06000020"  # Telford and Wrekin: clusters and every client group
SEL = Selection(AREA, "england", 2025, "all")
TESTED = ["better", "similar", "worse", "higher", "lower"]


@pytest.fixture(scope="module")
def results(demo_store: Store) -> pd.DataFrame:
    return area_results(demo_store, SEL)


@pytest.fixture(scope="module")
def weak(demo_store: Store) -> pd.DataFrame:
    return weak_areas(demo_store, SEL)


# ---------------------------------------------------------------- scorecard


def test_activity_measure_significantly_higher_is_counted_higher_not_not_compared(results: pd.DataFrame) -> None:
    activity = results[(results["polarity"] == "no_judgement") & (results["comparison"] == "higher")]
    assert len(activity), "the demo store should have an activity measure significantly higher than England"
    row = activity.iloc[0]
    assert row["value"] > row["benchmark_value"]  # it really is above the benchmark
    card = outcome_scorecard(results).set_index("outcome_id")
    mine = results[results["outcome_id"] == row["outcome_id"]]
    assert card.at[row["outcome_id"], "higher"] == int((mine["comparison"] == "higher").sum())
    assert card.at[row["outcome_id"], "not_compared"] == int((~mine["comparison"].isin(TESTED)).sum())
    # one figure, one count: the six labels add up to the indicators shown
    for oid, rows in results.groupby("outcome_id"):
        c = card.loc[oid]
        assert c[["better", "similar", "worse", "higher", "lower", "not_compared"]].sum() == len(rows) == c["indicators"]


def test_activity_measure_significantly_lower_is_counted_lower(results: pd.DataFrame) -> None:
    lower = results[results["comparison"] == "lower"]
    assert len(lower)
    card = outcome_scorecard(results).set_index("outcome_id")
    for oid, rows in lower.groupby("outcome_id"):
        assert card.at[oid, "lower"] == len(rows)
    assert set(OUTCOME_COUNT_COLUMNS) >= {"higher", "lower", "not_compared"}


def test_outcome_lists_name_the_indicators_behind_each_count(results: pd.DataFrame) -> None:
    lists = outcome_lists(results)
    card = outcome_scorecard(results).set_index("outcome_id")
    assert list(lists) == list(card.index)
    count_of = {"worse": "worse", "getting_worse": "worsening", "higher": "higher", "lower": "lower"}
    for oid, rows in results.groupby("outcome_id", sort=False):
        assert set(lists[oid]) == set(OUTCOME_LISTS)
        expected = {
            "worse": rows[rows["comparison"] == "worse"],
            "getting_worse": rows[rows["trend"] == "getting_worse"],
            "higher": rows[rows["comparison"] == "higher"],
            "lower": rows[rows["comparison"] == "lower"],
        }
        for key, want in expected.items():
            got = lists[oid][key]
            assert got["indicator_id"].tolist() == want["indicator_id"].tolist(), (oid, key)
            assert got["short_title"].tolist() == want["short_title"].tolist()
            assert len(got) == card.at[oid, count_of[key]]
    # somewhere in the demo each list is filled, so the test is not vacuous
    assert all(any(len(lists[o][k]) for o in lists) for k in OUTCOME_LISTS)


# ---------------------------------------------------------------- gap


def test_worse_gap_follows_polarity_by_hand() -> None:
    frame = pd.DataFrame({
        "value": [80.0, 12.0, 5.0, np.nan, 3.0, 90.0],
        "benchmark_value": [90.0, 10.0, 4.0, 10.0, 0.0, 80.0],
        "polarity": ["high_is_good", "low_is_good", "no_judgement", "low_is_good", "low_is_good", "high_is_good"],
    })
    gap, pct = worse_gap(frame)
    assert gap[:2].tolist() == [10.0, 2.0]  # 10 points below where high is good; 2 above where low is good
    assert pct[:2].tolist() == pytest.approx([100 * 10 / 90, 20.0])
    assert np.isnan(gap[2]) and np.isnan(pct[2])  # no polarity, no worse direction
    assert np.isnan(gap[3]) and np.isnan(pct[3])  # no value (suppressed)
    assert gap[4] == 3.0 and np.isnan(pct[4])  # a benchmark of 0 has no percentage
    assert gap[5] == -10.0 and pct[5] == pytest.approx(-12.5)  # better than the benchmark: negative


# ---------------------------------------------------------------- ranking


def test_severity_order_then_largest_gap_first(weak: pd.DataFrame) -> None:
    ranked = rank_weak(weak)
    assert len(ranked) == len(weak)
    assert sorted(map(tuple, ranked[["scope_code", "indicator_id"]].to_numpy())) == sorted(
        map(tuple, weak[["scope_code", "indicator_id"]].to_numpy()))
    assert ranked["priority"].is_monotonic_increasing
    assert ranked.iloc[0]["reason"] == "red_red"
    for _, rows in ranked.groupby("priority"):
        pct = rows["gap_pct"]
        known = pct.dropna()
        assert known.is_monotonic_decreasing
        assert pct.isna().to_numpy().tolist() == sorted(pct.isna().to_numpy().tolist())  # missing gaps last
        # the gap is worked out here from value and benchmark
        for r in rows.dropna(subset=["gap_pct"]).itertuples():
            sign = 1 if r.polarity == "low_is_good" else -1
            assert r.gap_pct == pytest.approx(100 * sign * (r.value - r.benchmark_value) / abs(r.benchmark_value))


def test_sort_by_gap_puts_the_largest_gap_first(weak: pd.DataFrame) -> None:
    ranked = rank_weak(weak, "gap")
    signed = np.where(weak["polarity"] == "low_is_good", 1, -1) * (weak["value"] - weak["benchmark_value"])
    largest = (100 * signed / weak["benchmark_value"].abs()).max()
    assert ranked.iloc[0]["gap_pct"] == pytest.approx(largest)
    assert ranked["gap_pct"].dropna().is_monotonic_decreasing
    with pytest.raises(ValueError):
        rank_weak(weak, "alphabetical")


def test_ranking_an_empty_list(weak: pd.DataFrame) -> None:
    empty = rank_weak(weak.iloc[0:0], area_name="Telford and Wrekin")
    assert empty.empty and {"gap", "gap_pct", "compared_with", "where"} <= set(empty.columns)


# ---------------------------------------------------------------- filters


def test_why_filter(weak: pd.DataFrame) -> None:
    assert len(filter_weak(weak, why="all")) == len(weak)
    worse = filter_weak(weak, why="worse")
    assert len(worse) == int((weak["comparison"] == "worse").sum()) > 0
    getting = filter_weak(weak, why="getting_worse")
    assert len(getting) == int((weak["trend"] == "getting_worse").sum()) > 0
    assert set(getting["reason"]) <= {"red_red", "band_d", "getting_worse"} and "red_red" in set(getting["reason"])
    band = filter_weak(weak, why="band_d")
    assert len(band) == int((weak["band"] == "D").sum()) > 0
    assert len(worse) != len(getting)  # the filter changes what is listed
    with pytest.raises(ValueError):
        filter_weak(weak, why="bad")


def test_where_filter(weak: pd.DataFrame) -> None:
    area = filter_weak(weak, where="area")
    assert set(area["scope_type"]) == {"area"} and len(area) == int((weak["scope_type"] == "area").sum())
    clusters = filter_weak(weak, where="cluster")
    assert set(clusters["scope_type"]) == {"cluster"}
    one = weak[weak["scope_type"] == "cluster"].iloc[0]["scope_code"]
    single = filter_weak(weak, where=f"cluster:{one}")
    assert set(single["scope_code"]) == {one} and len(single) == int((weak["scope_code"] == one).sum())
    groups = filter_weak(weak, where="client_group:lac")
    assert set(groups["scope"]) == {"Looked-after children"}
    both = filter_weak(weak, "SS", where="area", why="worse")
    assert len(both) == int(((weak["outcome_id"] == "SS") & (weak["scope_type"] == "area")
                             & (weak["comparison"] == "worse")).sum())


def test_where_options_name_every_scope_listed(weak: pd.DataFrame) -> None:
    options = where_options(weak, "Telford and Wrekin")
    assert options["area"] == "Telford and Wrekin (the area itself)"
    for kind, rows in weak[weak["scope_type"] != "area"].groupby("scope_type"):
        for code, name in rows[["scope_code", "scope"]].drop_duplicates().itertuples(index=False):
            assert name in options[f"{kind}:{code}"]
    # every choice lists something
    for key in options:
        assert len(filter_weak(weak, where=key)) > 0, key


# ---------------------------------------------------------------- what each row is compared with


def test_compared_with_says_what_the_code_compares(weak: pd.DataFrame, demo_store: Store) -> None:
    labels = pd.Series(compared_with(weak), index=weak.index)
    assert set(labels[weak["scope_type"] == "area"]) == {"England"}
    assert set(labels[weak["scope_type"] == "cluster"]) == {"Telford and Wrekin (the LA)"}
    # a cluster row's benchmark is its LA's own figure
    cluster = weak[weak["scope_type"] == "cluster"].iloc[0]
    la = demo_store.df(
        "SELECT value FROM ecm_observation o JOIN indicator i USING (indicator_id) "
        "WHERE o.indicator_id = ? AND o.area_code = ? AND o.period_year = ? AND o.client_group_id = i.headline_group",
        [cluster["indicator_id"], AREA, int(cluster["period_year"])],
    )
    assert cluster["benchmark_value"] == pytest.approx(float(la["value"].iloc[0]))
    # a client group row is compared with the same group in England, not all children in the area
    row = weak[weak["scope_code"] == "lac"].iloc[0]
    assert labels[row.name] == "Looked-after children in England"
    england_lac = demo_store.df(
        "SELECT value FROM ecm_observation WHERE indicator_id = ? AND area_code = 'E92000001' "
        "AND period_year = ? AND client_group_id = 'lac'",
        [row["indicator_id"], int(row["period_year"])],
    )
    assert row["benchmark_value"] == pytest.approx(float(england_lac["value"].iloc[0]))


def test_priorities_are_the_documented_severity() -> None:
    assert sorted(PRIORITY, key=PRIORITY.get) == ["red_red", "worse", "band_d", "getting_worse"]
