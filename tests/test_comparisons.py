"""metrics.comparisons on a store small enough to work every answer out by hand.

One indicator across LAs (scopes, national ranks and bands, the benchmark the
selected area's profile uses, polarity), the funnel points and limits, the series
behind Trends (the area, England, its region, the neighbours' mean, extra areas),
the recent-trend label of a series, and ``indicator_meta``.

The store holds the reference tables and a few dozen observations written here;
every expected value below follows from those numbers and the published rules:
the benchmark's point value outside the area's interval is better or worse by
polarity, inside it (edges included) similar; LAIT quartile bands A (best) to D
(worst) with a value on a cut point taking the band below; ranks 1 = best.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from metrics.comparisons import (
    funnel_data,
    indicator_across_las,
    indicator_meta,
    indicator_series,
    series_trend,
    series_trend_detail,
)
from metrics.derived import refresh_derived
from metrics.framework import Reference
from metrics.results import Selection
from metrics.store import Store, load_reference_tables, new_batch

ENGLAND = "E92000001"
WEST_MIDLANDS = "E12000005"
TELFORD = "E06000020"
HEREFORD = "E06000019"
STOKE = "E06000021"
SHROPSHIRE = "E06000051"
BIRMINGHAM = "E08000025"
HARTLEPOOL = "E06000001"
MIDDLESBROUGH = "E06000002"
REDCAR = "E06000003"
STOCKTON = "E06000004"
DARLINGTON = "E06000005"  # its 2024 figure is suppressed (a count of 3)
CLUSTER = "E06000020-C01"  # Wellington, a cluster of Telford and Wrekin

# NI53, breastfeeding at 6-8 weeks: a proportion (x100), high is good. 2024, 1,000 infants per LA.
NI53_2024: dict[str, tuple[float, float, float]] = {  # value, lower95, upper95
    TELFORD: (40.0, 37.0, 43.1),
    HEREFORD: (60.0, 57.0, 63.0),
    STOKE: (52.0, 48.9, 55.1),
    SHROPSHIRE: (45.0, 41.9, 48.1),
    BIRMINGHAM: (55.0, 50.0, 58.0),  # its lower limit is England's value exactly
    HARTLEPOOL: (30.0, 27.2, 32.9),
    MIDDLESBROUGH: (50.0, 46.9, 53.1),
    REDCAR: (70.0, 67.1, 72.8),
    STOCKTON: (80.0, 77.4, 82.4),
}
# NI55, obesity in Reception: a proportion, low is good; no region figure is held.
NI55_2024: dict[str, tuple[float, float, float]] = {
    TELFORD: (8.0, 6.5, 9.5),
    HEREFORD: (12.0, 10.5, 13.5),
    STOKE: (10.5, 9.0, 12.0),
    SHROPSHIRE: (9.0, 7.5, 10.0),  # its upper limit is England's value exactly
}


def _rows(indicator: str, year: int, figures: dict[str, tuple[float, float, float]], denominator: float,
          batch: int) -> list[list[object]]:
    return [[indicator, code, year, str(year), "all", value * denominator / 100, denominator, value, lo, hi, batch]
            for code, (value, lo, hi) in figures.items()]


@pytest.fixture(scope="module")
def store(reference: Reference) -> Iterator[Store]:
    with Store(":memory:") as s:
        with s.transaction() as cur:
            load_reference_tables(cur, reference)
            batch = new_batch(cur, "by_hand.csv", "template", "test")
            rows = _rows("NI53", 2024, NI53_2024, 1000, batch)
            rows += _rows("NI53", 2024, {ENGLAND: (50.0, 49.7, 50.3)}, 100_000, batch)
            rows += _rows("NI53", 2024, {WEST_MIDLANDS: (48.0, 47.0, 49.0)}, 10_000, batch)
            rows += _rows("NI53", 2024, {DARLINGTON: (0.3, 0.1, 0.9)}, 1000, batch)  # 3 infants: hidden
            # 2025: a partial import (two LAs and England), not yet the latest available
            rows += _rows("NI53", 2025, {TELFORD: (42.0, 39.0, 45.1), HEREFORD: (61.0, 58.0, 64.0)}, 1000, batch)
            rows += _rows("NI53", 2025, {ENGLAND: (51.0, 50.7, 51.3)}, 100_000, batch)
            rows += _rows("NI55", 2024, NI55_2024, 1000, batch)
            rows += _rows("NI55", 2024, {ENGLAND: (10.0, 9.8, 10.2)}, 100_000, batch)
            cur.executemany(
                """INSERT INTO observation (indicator_id, area_code, period_year, period_label, client_group_id,
                       count, denominator, value, lower95, upper95, batch_id)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                rows,
            )
            # NI56: values and intervals only, no counts (a funnel cannot be drawn)
            cur.executemany(
                """INSERT INTO observation (indicator_id, area_code, period_year, period_label, client_group_id,
                       value, lower95, upper95, batch_id) VALUES ('NI56', ?, 2024, '2024', 'all', ?, ?, ?, ?)""",
                [[TELFORD, 20.0, 18.0, 22.0, batch], [HEREFORD, 22.0, 20.0, 24.0, batch],
                 [ENGLAND, 21.0, 20.9, 21.1, batch]],
            )
            cur.executemany(
                "INSERT INTO area_neighbour (area_code, source, rank, neighbour_code) VALUES (?, 'model', ?, ?)",
                [[TELFORD, 1, HEREFORD], [TELFORD, 2, STOKE], [TELFORD, 3, DARLINGTON]],
            )
            refresh_derived(cur)
        yield s


def by_code(frame: pd.DataFrame, column: str) -> dict[str, object]:
    """``column`` by area code, a missing value read as None (string columns come back as NaN)."""
    return {c: None if v is None or (isinstance(v, float) and np.isnan(v)) else v
            for c, v in zip(frame["area_code"], frame[column], strict=True)}


# ---------------------------------------------------------------- indicator_meta


def test_indicator_meta_reads_the_catalogue_row(store: Store) -> None:
    meta = indicator_meta(store, "NI53")
    assert (meta["polarity"], meta["value_type"], meta["multiplier"], meta["headline_group"]) == (
        "high_is_good", "proportion", 100.0, "all")
    assert meta["confidence_level"] == 95.0


def test_indicator_meta_hands_out_a_copy_the_caller_may_change(store: Store) -> None:
    first = indicator_meta(store, "NI53")
    first["polarity"] = "low_is_good"
    first["made_up"] = 1
    again = indicator_meta(store, "NI53")
    assert again["polarity"] == "high_is_good" and "made_up" not in again


def test_an_unknown_indicator_is_a_key_error(store: Store) -> None:
    with pytest.raises(KeyError, match="NO_SUCH"):
        indicator_meta(store, "NO_SUCH")


# ---------------------------------------------------------------- indicator_across_las


def test_every_la_is_ranked_nationally_best_first_with_england_left_out(store: Store) -> None:
    las = indicator_across_las(store, "NI53", Selection(TELFORD, "england", 2024))
    # high is good: 80 first ... 30 last; the hidden figure has no rank and comes after the ranked
    assert las["area_code"].tolist() == [STOCKTON, REDCAR, HEREFORD, BIRMINGHAM, STOKE, MIDDLESBROUGH,
                                         SHROPSHIRE, TELFORD, HARTLEPOOL, DARLINGTON]
    assert las["rank"].tolist()[:9] == [1, 2, 3, 4, 5, 6, 7, 8, 9] and np.isnan(las["rank"].iloc[9])
    assert set(las["n_ranked"]) == {9}  # nine figures shown; the hidden one is not counted
    assert ENGLAND not in set(las["area_code"]) and WEST_MIDLANDS not in set(las["area_code"])
    assert set(las["england_value"]) == {50.0}


def test_a_hidden_figure_is_never_shown_as_a_number(store: Store) -> None:
    las = indicator_across_las(store, "NI53", Selection(TELFORD, "england", 2024)).set_index("area_code")
    row = las.loc[DARLINGTON]
    assert bool(row["suppressed"])
    assert all(np.isnan(row[c]) for c in ("value", "count", "denominator", "lower95", "upper95"))
    assert row["band"] is None or pd.isna(row["band"])
    assert row["comparison"] == "not_compared"


def test_bands_are_national_quartiles_and_a_value_on_a_cut_point_takes_the_band_below(store: Store) -> None:
    # nine values 30 40 45 50 52 55 60 70 80: Q1 = 45, Q2 = 52, Q3 = 60 (linear, as LAIT)
    las = indicator_across_las(store, "NI53", Selection(TELFORD, "england", 2024))
    assert by_code(las, "band") == {
        HARTLEPOOL: "D", TELFORD: "D", SHROPSHIRE: "D",  # 45 is Q1: the lower (worse) band
        MIDDLESBROUGH: "C", STOKE: "C",  # 52 is Q2
        BIRMINGHAM: "B", HEREFORD: "B",  # 60 is Q3
        REDCAR: "A", STOCKTON: "A",
        DARLINGTON: None,
    }


def test_each_la_is_compared_with_england_by_its_interval_and_polarity(store: Store) -> None:
    las = indicator_across_las(store, "NI53", Selection(TELFORD, "england", 2024))
    assert by_code(las, "comparison") == {
        TELFORD: "worse", SHROPSHIRE: "worse", HARTLEPOOL: "worse",  # whole interval below 50
        HEREFORD: "better", REDCAR: "better", STOCKTON: "better",  # whole interval above 50
        STOKE: "similar", MIDDLESBROUGH: "similar",
        BIRMINGHAM: "similar",  # 50 is its lower limit: the edge counts as inside
        DARLINGTON: "not_compared",
    }
    assert set(las["benchmark_value"]) == {50.0} and set(las["benchmark_name"]) == {"England"}
    assert las.loc[las["selected"], "area_code"].tolist() == [TELFORD]


def test_low_is_good_reverses_better_and_worse_and_the_ranks(store: Store) -> None:
    las = indicator_across_las(store, "NI55", Selection(TELFORD, "england", 2024))
    assert las["area_code"].tolist() == [TELFORD, SHROPSHIRE, STOKE, HEREFORD]  # lowest first
    assert las["rank"].tolist() == [1, 2, 3, 4]
    assert by_code(las, "comparison") == {
        TELFORD: "better", HEREFORD: "worse", STOKE: "similar",
        SHROPSHIRE: "similar",  # 10 is its upper limit
    }
    # 8 9 10.5 12: Q1 = 8.75, Q2 = 9.75, Q3 = 10.875; the lowest quarter is A
    assert by_code(las, "band") == {TELFORD: "A", SHROPSHIRE: "B", STOKE: "C", HEREFORD: "D"}


def test_the_region_scope_keeps_the_regions_las_and_their_national_ranks(store: Store) -> None:
    las = indicator_across_las(store, "NI53", Selection(TELFORD, "england", 2024), "region")
    assert by_code(las, "rank") == {HEREFORD: 3, BIRMINGHAM: 4, STOKE: 5, SHROPSHIRE: 7, TELFORD: 8}
    assert set(las["n_ranked"]) == {9}
    assert by_code(las, "band") == {HEREFORD: "B", BIRMINGHAM: "B", STOKE: "C", SHROPSHIRE: "D", TELFORD: "D"}


def test_the_neighbours_scope_is_the_la_and_its_neighbours(store: Store) -> None:
    las = indicator_across_las(store, "NI53", Selection(TELFORD, "england", 2024), "neighbours")
    assert las["area_code"].tolist() == [HEREFORD, STOKE, TELFORD, DARLINGTON]
    assert las["rank"].tolist()[:3] == [3, 5, 8]


def test_every_la_is_compared_with_the_selected_areas_neighbour_mean(store: Store) -> None:
    # Telford's neighbours: Hereford 60, Stoke 52 and Darlington (hidden, left out): mean 56
    las = indicator_across_las(store, "NI53", Selection(TELFORD, "neighbours", 2024))
    assert set(las["benchmark_value"]) == {56.0}
    assert set(las["benchmark_name"]) == {"statistical neighbours (mean)"}
    assert set(las["england_value"]) == {50.0}
    got = by_code(las, "comparison")
    assert (got[TELFORD], got[STOKE], got[MIDDLESBROUGH]) == ("worse", "worse", "worse")  # upper limits below 56
    assert (got[BIRMINGHAM], got[HEREFORD], got[REDCAR]) == ("similar", "better", "better")


def test_every_la_is_compared_with_the_selected_areas_region(store: Store) -> None:
    las = indicator_across_las(store, "NI53", Selection(TELFORD, "region", 2024))
    assert set(las["benchmark_value"]) == {48.0} and set(las["benchmark_name"]) == {"West Midlands"}
    got = by_code(las, "comparison")
    assert (got[TELFORD], got[SHROPSHIRE], got[STOKE], got[BIRMINGHAM]) == ("worse", "similar", "better", "better")


def test_a_benchmark_with_no_figure_falls_back_to_england(store: Store) -> None:
    las = indicator_across_las(store, "NI55", Selection(TELFORD, "region", 2024))
    assert set(las["benchmark_value"]) == {10.0} and set(las["benchmark_name"]) == {"England"}


def test_a_cluster_selects_its_parent_la_and_its_region(store: Store) -> None:
    las = indicator_across_las(store, "NI53", Selection(CLUSTER, "england", 2024), "region")
    assert set(las["area_code"]) == {TELFORD, HEREFORD, STOKE, SHROPSHIRE, BIRMINGHAM}
    assert las.loc[las["selected"], "area_code"].tolist() == [TELFORD]


def test_latest_available_passes_over_a_partial_import(store: Store) -> None:
    # 2025 holds two LAs of the ten 2024 has: under half, so 2024 is still the latest
    latest = indicator_across_las(store, "NI53", Selection(TELFORD, "england", None))
    assert set(latest["period_label"]) == {"2024"} and len(latest) == 10
    partial = indicator_across_las(store, "NI53", Selection(TELFORD, "england", 2025))
    assert partial["area_code"].tolist() == [HEREFORD, TELFORD]
    assert set(partial["n_ranked"]) == {2}
    assert partial["band"].isna().all()  # fewer than four values: no quartiles
    assert by_code(partial, "comparison") == {HEREFORD: "better", TELFORD: "worse"}  # against England's 51


# ---------------------------------------------------------------- funnel_data


def test_funnel_points_are_placed_against_the_pooled_average_of_the_scope(store: Store) -> None:
    points, limits = funnel_data(store, "NI53", Selection(TELFORD, "england", 2024))
    assert DARLINGTON not in set(points["area_code"]) and len(points) == 9  # hidden: no count to place
    # pooled: 4,820 of 9,000 = 53.6%; at 1,000 infants 2 sigma is about 3.1 points, 3 sigma about 4.9
    baseline = 100 * 4820 / 9000
    assert limits["baseline"].to_numpy() == pytest.approx(np.full(len(limits), baseline))
    assert by_code(points, "funnel") == {
        HARTLEPOOL: "Low (0.001)", TELFORD: "Low (0.001)", SHROPSHIRE: "Low (0.001)",
        MIDDLESBROUGH: "Low (0.025)",  # 3.6 points below
        STOKE: "Not significant", BIRMINGHAM: "Not significant",
        HEREFORD: "High (0.001)", REDCAR: "High (0.001)", STOCKTON: "High (0.001)",
    }
    assert (limits["lower_3s_limit"] <= limits["lower_2s_limit"]).all()
    assert (limits["lower_2s_limit"] < baseline).all() and (limits["upper_2s_limit"] > baseline).all()
    assert (limits["upper_2s_limit"] <= limits["upper_3s_limit"]).all()


def test_a_narrower_scope_draws_its_funnel_around_its_own_average(store: Store) -> None:
    points, limits = funnel_data(store, "NI53", Selection(TELFORD, "england", 2024), "region")
    # the West Midlands LAs: 2,520 of 5,000 = 50.4%
    assert limits["baseline"].iloc[0] == pytest.approx(50.4)
    assert by_code(points, "funnel") == {
        TELFORD: "Low (0.001)", SHROPSHIRE: "Low (0.001)",  # 10.4 and 5.4 points below
        STOKE: "Not significant",  # 1.6 above
        BIRMINGHAM: "High (0.025)",  # 4.6 above: past 2 sigma, short of 3
        HEREFORD: "High (0.001)",
    }


def test_no_funnel_without_counts_or_for_a_score(store: Store) -> None:
    points, limits = funnel_data(store, "NI56", Selection(TELFORD, "england", 2024))
    assert points.empty and limits.empty
    points, limits = funnel_data(store, "NI51", Selection(TELFORD, "england", 2024))  # a score
    assert points.empty and limits.empty


# ---------------------------------------------------------------- indicator_series


def test_the_series_holds_the_area_england_its_region_and_the_neighbour_mean(store: Store) -> None:
    series = indicator_series(store, "NI53", Selection(TELFORD, "england"))
    got = {(c, int(y)): v for c, y, v in series[["area_code", "period_year", "value"]].itertuples(index=False)}
    assert got == {
        (TELFORD, 2024): 40.0, (TELFORD, 2025): 42.0,
        (ENGLAND, 2024): 50.0, (ENGLAND, 2025): 51.0,
        (WEST_MIDLANDS, 2024): 48.0,
        # Hereford and Stoke, Darlington's hidden figure left out; 2025 has Hereford alone
        ("neighbours", 2024): 56.0, ("neighbours", 2025): 61.0,
    }
    nb = series[series["area_code"] == "neighbours"]
    assert nb["n_used"].tolist() == [2, 1]
    assert set(nb["name"]) == {"Statistical neighbours (mean)"}
    assert by_code(series[series["period_year"] == 2024], "name")[WEST_MIDLANDS] == "West Midlands"
    assert not set(series["area_code"]) & {HEREFORD, STOKE, DARLINGTON}  # averaged, not drawn


def test_extra_areas_are_added_to_the_series(store: Store) -> None:
    series = indicator_series(store, "NI53", Selection(TELFORD, "england"), extra_areas=[HARTLEPOOL])
    mine = series[series["area_code"] == HARTLEPOOL]
    assert mine["value"].tolist() == [30.0] and mine["name"].tolist() == ["Hartlepool"]


def test_the_neighbour_mean_does_not_depend_on_the_extra_areas_shown(store: Store) -> None:
    plain = indicator_series(store, "NI53", Selection(TELFORD, "england"))
    overlay = indicator_series(store, "NI53", Selection(TELFORD, "england"), extra_areas=[HEREFORD])
    assert overlay.loc[overlay["area_code"] == HEREFORD, "value"].tolist() == [60.0, 61.0]  # drawn as itself
    mean = plain[plain["area_code"] == "neighbours"][["period_year", "value"]].to_numpy().tolist()
    again = overlay[overlay["area_code"] == "neighbours"][["period_year", "value"]].to_numpy().tolist()
    assert again == mean


def test_a_clusters_series_includes_its_parent_la(store: Store) -> None:
    series = indicator_series(store, "NI53", Selection(CLUSTER, "england"))
    assert {TELFORD, ENGLAND, WEST_MIDLANDS, "neighbours"} <= set(series["area_code"])


# ---------------------------------------------------------------- series_trend


def _series(values: list[float], years: list[int], area: str = TELFORD) -> pd.DataFrame:
    """A proportion of 10,000 each year: standard error about 0.5 points, so a 95% interval of +-1."""
    v = np.array(values, dtype=float)
    return pd.DataFrame({
        "area_code": area, "period_year": years, "period_label": [str(y) for y in years],
        "count": v * 100, "denominator": 10_000.0, "value": v, "lower95": v - 1.0, "upper95": v + 1.0,
    })


def test_a_steady_rise_over_the_latest_five_valid_points_is_a_trend_read_by_polarity() -> None:
    years = list(range(2018, 2025))
    rising = _series([38, 40, 42, np.nan, 46, 48, 50], years)
    rising = pd.concat([rising.iloc[::-1], _series([50, 40, 30, 20, 10, 5, 1], years, area=HEREFORD)])
    high = {"polarity": "high_is_good", "value_type": "proportion"}
    label, periods = series_trend_detail(rising, TELFORD, high)
    assert label == "getting_better"
    assert periods == ("2019", "2020", "2022", "2023", "2024")  # 2021 has no value: passed over
    assert series_trend(rising, TELFORD, {**high, "polarity": "low_is_good"}) == "getting_worse"
    assert series_trend(rising, TELFORD, {**high, "polarity": "no_judgement"}) == "increasing"
    assert series_trend(rising, HEREFORD, high) == "getting_worse"  # only the named area's rows


def test_a_flat_series_has_no_significant_change_and_a_short_one_no_trend() -> None:
    meta = {"polarity": "high_is_good", "value_type": "proportion"}
    flat = _series([45.0, 45.2, 44.9, 45.1, 45.0], list(range(2020, 2025)))
    assert series_trend(flat, TELFORD, meta) == "no_significant_change"
    short = _series([40, 45, 50, 55], list(range(2021, 2025)))
    assert series_trend_detail(short, TELFORD, meta)[0] == "cannot_be_calculated"
