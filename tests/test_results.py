"""metrics.results, the engine behind every page, on a store small enough to check by hand.

For one area it must give each indicator's value, the benchmark's value for each
benchmark choice, the comparison of the area's interval with that value (by the
indicator's polarity; the value on an interval's edge is similar), the national
quartile band and rank among LAs (1 = best), and never a suppressed number. The
batched forms (``area_results_many``, ``area_results_long``) must say exactly what
``area_results`` says for each selection. The figures below are written here; each
expected value follows from them and those rules.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from metrics.derived import refresh_derived
from metrics.framework import Reference
from metrics.results import (
    BENCHMARK_CHOICES,
    BENCHMARKS,
    Selection,
    area_results,
    area_results_long,
    area_results_many,
    benchmark_areas,
    mask_suppressed,
)
from metrics.store import VALUE_COLUMNS, Store, load_reference_tables, new_batch

ENGLAND = "E92000001"
WEST_MIDLANDS = "E12000005"
TELFORD = "E06000020"
HEREFORD = "E06000019"
STOKE = "E06000021"
SHROPSHIRE = "E06000051"
DARLINGTON = "E06000005"  # its figure is suppressed: it must count nowhere (and no North East figure
# is held, so hiding it needs no second figure hidden beside it)
CLUSTER = "E06000020-C01"

# NI53 (breastfeeding at 6-8 weeks): a proportion, high is good; 2024; 1,000 infants per LA.
# value, lower95, upper95
NI53: dict[str, tuple[float, float, float]] = {
    TELFORD: (40.0, 37.0, 43.1),
    HEREFORD: (60.0, 57.0, 63.0),
    STOKE: (52.0, 48.9, 55.1),
    SHROPSHIRE: (44.0, 40.9, 47.1),
    ENGLAND: (50.0, 49.7, 50.3),
    WEST_MIDLANDS: (43.0, 42.0, 44.0),
    CLUSTER: (38.0, 35.0, 41.0),
}
# NI55 (obesity in Reception): a proportion, low is good.
NI55: dict[str, tuple[float, float, float]] = {
    TELFORD: (8.0, 6.5, 10.0),  # England's value sits on its upper limit: similar
    HEREFORD: (12.0, 10.5, 13.5),
    STOKE: (10.5, 9.0, 12.0),
    SHROPSHIRE: (9.0, 7.5, 10.5),
    ENGLAND: (10.0, 9.8, 10.2),
}
# Each LA 1,000 infants; the cluster 200 of Telford's (so the rest of Telford is no small number).
DENOMINATOR = {ENGLAND: 100_000.0, WEST_MIDLANDS: 10_000.0, CLUSTER: 200.0} | {
    c: 1000.0 for c in (TELFORD, HEREFORD, STOKE, SHROPSHIRE)}


@pytest.fixture(scope="module")
def store(reference: Reference) -> Iterator[Store]:
    with Store(":memory:") as s:
        with s.transaction() as cur:
            load_reference_tables(cur, reference)
            batch = new_batch(cur, "by_hand.csv", "template", "test")
            rows = [[ind, code, 2024, "2024", v * DENOMINATOR[code] / 100, DENOMINATOR[code], v, lo, hi, False, batch]
                    for ind, figures in (("NI53", NI53), ("NI55", NI55))
                    for code, (v, lo, hi) in figures.items()]
            rows.append(["NI53", DARLINGTON, 2024, "2024", 3.0, 1000.0, 0.3, 0.1, 0.9, True, batch])
            cur.executemany(
                """INSERT INTO observation (indicator_id, area_code, period_year, period_label, client_group_id,
                       count, denominator, value, lower95, upper95, suppressed, batch_id)
                   VALUES (?, ?, ?, ?, 'all', ?, ?, ?, ?, ?, ?, ?)""",
                rows,
            )
            cur.executemany(
                "INSERT INTO area_neighbour (area_code, source, rank, neighbour_code) VALUES (?, 'model', ?, ?)",
                [[TELFORD, 1, HEREFORD], [TELFORD, 2, STOKE], [TELFORD, 3, DARLINGTON]],
            )
            refresh_derived(cur)
        yield s


def row(frame: pd.DataFrame, indicator: str) -> pd.Series:
    return frame.set_index("indicator_id").loc[indicator]


# ---------------------------------------------------------------- Selection and the choices


def test_a_selection_without_a_period_reads_latest_available() -> None:
    sel = Selection(TELFORD)
    assert (sel.benchmark, sel.period_year, sel.client_group) == ("england", None, "all")
    assert sel.period_text == "latest available"
    assert sel.with_period(2024).period_text == "2024" and sel.period_year is None  # a new selection


def test_every_benchmark_has_its_words_and_a_picker_label() -> None:
    assert set(BENCHMARKS) == set(BENCHMARK_CHOICES) == {
        "england", "region", "neighbours", "parent", "good_or_outstanding"}


# ---------------------------------------------------------------- benchmark_areas


def test_benchmark_areas_name_the_areas_behind_each_choice(store: Store) -> None:
    assert benchmark_areas(store, Selection(TELFORD, "england")) == ([ENGLAND], "England")
    codes, name = benchmark_areas(store, Selection(TELFORD, "region"))
    assert codes == [WEST_MIDLANDS] and "West Midlands" in name
    assert benchmark_areas(store, Selection(TELFORD, "neighbours"))[0] == [HEREFORD, STOKE, DARLINGTON]
    codes, name = benchmark_areas(store, Selection(CLUSTER, "parent"))
    assert codes == [TELFORD] and "Telford" in name


def test_benchmark_areas_refuse_an_unknown_area(store: Store) -> None:
    with pytest.raises(KeyError):
        benchmark_areas(store, Selection("E06999999"))


# ---------------------------------------------------------------- area_results


def test_one_row_per_catalogue_indicator_even_without_a_figure(store: Store, reference: Reference) -> None:
    res = area_results(store, Selection(TELFORD, period_year=2024))
    assert res["indicator_id"].is_unique
    assert {"NI53", "NI55"} <= set(res["indicator_id"])
    assert len(res) > 2 and res.loc[~res["indicator_id"].isin(["NI53", "NI55"]), "value"].isna().all()


def test_against_england_by_polarity(store: Store) -> None:
    res = area_results(store, Selection(TELFORD, "england", 2024))
    ni53, ni55 = row(res, "NI53"), row(res, "NI55")
    # 40.0 (37.0 to 43.1) against 50.0, high is good: the whole interval is below.
    assert (ni53["value"], ni53["benchmark_value"], ni53["comparison"]) == (40.0, 50.0, "worse")
    # 8.0 (6.5 to 10.0) against 10.0, low is good: the value on the upper limit is inside.
    assert (ni55["benchmark_value"], ni55["comparison"]) == (10.0, "similar")


def test_against_the_region(store: Store) -> None:
    ni53 = row(area_results(store, Selection(TELFORD, "region", 2024)), "NI53")
    # 43.0 lies inside 37.0 to 43.1
    assert (ni53["benchmark_value"], ni53["comparison"]) == (43.0, "similar")


def test_against_the_neighbours_mean_leaving_out_a_suppressed_neighbour(store: Store) -> None:
    ni53 = row(area_results(store, Selection(TELFORD, "neighbours", 2024)), "NI53")
    # Hereford 60.0 and Stoke 52.0; Darlington's figure is suppressed and counts for nothing.
    assert ni53["benchmark_value"] == pytest.approx(56.0)
    assert ni53["comparison"] == "worse"


def test_against_good_or_outstanding_las_is_england_without_inspections(store: Store) -> None:
    ni53 = row(area_results(store, Selection(TELFORD, "good_or_outstanding", 2024)), "NI53")
    assert ni53["benchmark_value"] == 50.0


def test_a_cluster_against_its_parent_la(store: Store) -> None:
    ni53 = row(area_results(store, Selection(CLUSTER, "parent", 2024)), "NI53")
    # 38.0 (35.0 to 41.0) against Telford's 40.0: inside
    assert (ni53["value"], ni53["benchmark_value"], ni53["comparison"]) == (38.0, 40.0, "similar")


def test_bands_and_ranks_are_among_las(store: Store) -> None:
    """NI53's LA values, best first: 60, 52, 44, 40 (Darlington's is hidden): Telford ranks 4 of 4."""
    ni53 = row(area_results(store, Selection(TELFORD, "england", 2024)), "NI53")
    assert (int(ni53["rank"]), int(ni53["n_ranked"])) == (4, 4)
    assert ni53["band"] == "D"
    ni55 = row(area_results(store, Selection(TELFORD, "england", 2024)), "NI55")
    # low is good: 8.0 is the best of 8.0, 9.0, 10.5, 12.0
    assert (int(ni55["rank"]), ni55["band"]) == (1, "A")


def test_a_suppressed_figure_is_never_a_number(store: Store) -> None:
    ni53 = row(area_results(store, Selection(DARLINGTON, "england", 2024)), "NI53")
    assert bool(ni53["suppressed"])
    assert all(np.isnan(float(ni53[c])) for c in ("value", "lower95", "upper95", "count"))
    assert ni53["comparison"] == "not_compared" and ni53["rank"] != ni53["rank"]


# ---------------------------------------------------------------- the batched forms


SELECTIONS = [Selection(TELFORD, b, 2024) for b in ("england", "region", "neighbours")] + [
    Selection(CLUSTER, "parent", 2024), Selection(DARLINGTON, "england", None)]


def test_many_is_each_selection_on_its_own(store: Store) -> None:
    for sel, frame in zip(SELECTIONS, area_results_many(store, SELECTIONS), strict=True):
        pd.testing.assert_frame_equal(frame, area_results(store, sel))


def test_long_is_the_frames_end_to_end(store: Store) -> None:
    long, sizes = area_results_long(store, SELECTIONS)
    frames = [area_results(store, s) for s in SELECTIONS]
    assert sizes == [len(f) for f in frames]
    pd.testing.assert_frame_equal(long, pd.concat(frames, ignore_index=True))


# ---------------------------------------------------------------- mask_suppressed


def test_mask_suppressed_blanks_every_figure_of_a_suppressed_row_only() -> None:
    frame = pd.DataFrame({c: [1.0, 2.0] for c in VALUE_COLUMNS} | {"suppressed": [True, None]})
    masked = mask_suppressed(frame)
    assert masked.loc[0, list(VALUE_COLUMNS)].isna().all()
    assert (masked.loc[1, list(VALUE_COLUMNS)] == 2.0).all()
    assert frame.loc[0, "value"] == 1.0  # a copy by default


def test_mask_suppressed_in_place_when_asked() -> None:
    frame = pd.DataFrame({"value": [1.0], "suppressed": [True]})
    assert mask_suppressed(frame, copy=False) is frame and np.isnan(frame.loc[0, "value"])

