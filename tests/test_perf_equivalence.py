"""The batched, vectorised results equal a plain per-row computation of the same rules.

``area_results`` and ``weak_areas`` were rewritten for speed (one read per period
for every scope, arrays instead of row loops). The reference here is the
straightforward version: one area at a time, one indicator at a time, each rule
applied with the scalar statistics functions. Any difference in any cell, dtype
or row order fails, so a later optimisation cannot change a figure silently.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metrics.comparisons import indicator_across_las, indicator_meta, indicator_series, series_trend
from metrics.lookups import area_info, catalogue_frame, latest_year
from metrics.results import (
    ENGLAND,
    Selection,
    area_results,
    area_results_long,
    area_results_many,
    benchmark_areas,
    mask_suppressed,
)
from metrics.stats import (
    TrendSeries,
    client_group_gap,
    compare_to_benchmark,
    national_rank,
    quartile_band,
    recent_trend,
    recent_trends,
)
from metrics.stats.enums import RATIO_TYPES, as_value_type
from metrics.store import VALUE_COLUMNS, Store
from metrics.subgroups import client_group_results, cluster_results, clusters_of
from metrics.weak_areas import PRIORITY, PRIORITY_TEXT, weak_areas
from tests.support.reference_reads import area_series, neighbours, period_panel


def reference_latest(store: Store) -> dict[tuple[str, str], int]:
    """Each (indicator, group)'s latest period: the latest with figures for at least half as
    many LAs as its best-covered period (any figure at all when it has no LA figures)."""
    obs = store.df("""SELECT o.indicator_id, o.client_group_id, o.period_year, o.value, a.area_type
                      FROM ecm_observation o JOIN area a USING (area_code)""")
    out = {}
    for (ind, grp), g in obs.groupby(["indicator_id", "client_group_id"]):
        n = g[g["area_type"] == "la"].groupby("period_year")["value"].count().reindex(
            sorted(g["period_year"].unique()), fill_value=0)
        out[(ind, grp)] = int(n[n >= 0.5 * n.max()].index.max())
    return out


def reference_area_results(store: Store, sel: Selection) -> pd.DataFrame:
    """One selection, indicator by indicator, as the rules read."""
    if sel.period_year is None:
        # "latest available": each indicator's row as its own latest period gives it
        latest, fallback = reference_latest(store), latest_year(store)
        cat = catalogue_frame(store)
        frames: dict[int, pd.DataFrame] = {}
        rows = []
        for r in cat.itertuples():
            if sel.client_group != "all" and sel.client_group not in list(r.client_groups):
                continue
            y = latest.get((r.indicator_id, r.headline_group if sel.client_group == "all" else sel.client_group),
                           fallback)
            if y not in frames:
                frames[y] = reference_area_results(store, sel.with_period(y)).set_index("indicator_id")
            rows.append(frames[y].loc[[r.indicator_id]])
        return pd.concat(rows).reset_index()
    year = sel.period_year
    sel = sel.with_period(year)
    info = area_info(store, sel.area_code)
    assert info is not None
    bench_codes, bench_name = benchmark_areas(store, sel)
    cat = catalogue_frame(store)
    if sel.client_group != "all":
        cat = cat[cat["client_groups"].apply(lambda g: sel.client_group in list(g))]
    panel = mask_suppressed(period_panel(store, sel, [sel.area_code, ENGLAND, *bench_codes]))
    own = panel[panel["area_code"] == sel.area_code].set_index("indicator_id")
    out = cat.set_index("indicator_id").join(
        own[[*VALUE_COLUMNS, "period_label", "suppressed", "note"]], how="left"
    )
    out["suppressed"] = out["suppressed"].astype("boolean").fillna(False).astype(bool)
    bench = panel[panel["area_code"].isin(bench_codes)]
    out["benchmark_value"] = bench.groupby("indicator_id")["value"].mean().reindex(out.index)
    out["benchmark_n"] = bench.groupby("indicator_id")["value"].count().reindex(out.index).fillna(0).astype(int)
    out["benchmark_name"] = bench_name
    england = panel[panel["area_code"] == ENGLAND].set_index("indicator_id")["value"]
    out["england_value"] = england.reindex(out.index)
    las = panel[panel["area_type"] == "la"]
    stats_q = las.groupby("indicator_id")["value"].quantile([0.0, 0.25, 0.5, 0.75, 1.0]).unstack()
    stats_q.columns = ["la_min", "la_q1", "la_median", "la_q3", "la_max"]
    out = out.join(stats_q, how="left")
    out["comparison"] = "not_compared"
    out["band"] = None
    out["rank"] = np.nan
    out["n_ranked"] = np.nan
    out["compared_lower"] = np.nan
    out["compared_upper"] = np.nan
    no_band = dict(store.df("SELECT indicator_id, no_band_groups FROM indicator").itertuples(index=False))
    for ind_id, row in out.iterrows():
        strict = row["confidence_level"] == 99.8
        lower = row["lower998"] if strict else row["lower95"]
        upper = row["upper998"] if strict else row["upper95"]
        out.at[ind_id, "compared_lower"], out.at[ind_id, "compared_upper"] = lower, upper
        out.at[ind_id, "comparison"] = compare_to_benchmark(
            row["value"], lower, upper, row["benchmark_value"], row["polarity"]
        )
        group = sel.client_group if sel.client_group != "all" else row["headline_group"]
        if info["area_type"] == "la":
            peers = las[las["indicator_id"] == ind_id]
            if not peers.empty and sel.area_code in set(peers["area_code"]):
                values = peers["value"].to_numpy(dtype=float)
                pos = int(np.flatnonzero(peers["area_code"].to_numpy() == sel.area_code)[0])
                if group not in list(no_band[ind_id]):
                    out.at[ind_id, "band"] = quartile_band(values, row["polarity"])[pos]
                out.at[ind_id, "rank"] = national_rank(values, row["polarity"])[pos]
                out.at[ind_id, "n_ranked"] = int(np.isfinite(values).sum())
    series = mask_suppressed(area_series(store, sel))
    trends = {}
    used = {}
    for ind_id, grp in series[series["period_year"] <= year].groupby("indicator_id"):
        if ind_id in out.index:
            meta = out.loc[ind_id]
            t = recent_trend(
                grp["count"].to_numpy(dtype=float), grp["denominator"].to_numpy(dtype=float),
                grp["value"].to_numpy(dtype=float), grp["lower95"].to_numpy(dtype=float),
                grp["upper95"].to_numpy(dtype=float), meta["polarity"], meta["value_type"],
            )
            trends[ind_id] = t.label
            if t.points and as_value_type(meta["value_type"]) in RATIO_TYPES:
                used[ind_id] = tuple(grp["period_label"].to_numpy(dtype=object)[list(t.points)])
    out["trend"] = pd.Series(trends).reindex(out.index).fillna("cannot_be_calculated")
    out["trend_periods"] = pd.Series([used.get(i) for i in out.index], index=out.index, dtype=object)
    out["compared_lower"] = out.pop("compared_lower")
    out["compared_upper"] = out.pop("compared_upper")
    out["period_year"] = year
    return out.reset_index()


def reference_flag(frame: pd.DataFrame) -> pd.DataFrame:
    """The weak-areas rule row by row with pandas: red-red over worse over band D over getting worse."""
    worse = frame["comparison"] == "worse"
    getting_worse = frame["trend"] == "getting_worse"
    band_d = (frame["band"].astype("string").fillna("") == "D").to_numpy(dtype=bool)
    reason = pd.Series(None, index=frame.index, dtype=object)
    reason[getting_worse] = "getting_worse"
    reason[band_d] = "band_d"
    reason[worse] = "worse"
    reason[worse & getting_worse] = "red_red"
    out = frame.assign(reason=reason, red_red=worse & getting_worse, band_d=band_d)
    return out[out["reason"].notna()]


def reference_weak_areas(store: Store, sel: Selection) -> pd.DataFrame:
    """Every scope computed on its own with the reference results."""
    parts = [reference_area_results(store, Selection(sel.area_code, sel.benchmark, sel.period_year, "all"))
             .assign(scope="Whole area", scope_type="area", scope_code=sel.area_code)]
    groups = store.df("SELECT client_group_id, name FROM client_group WHERE client_group_id <> 'all'")
    for g in groups.itertuples():
        res = reference_area_results(store, Selection(sel.area_code, sel.benchmark, sel.period_year, g.client_group_id))
        res = res[res["headline_group"] != g.client_group_id]
        if not res.empty:
            parts.append(res.assign(scope=g.name, scope_type="client_group", scope_code=g.client_group_id))
    if area_info(store, sel.area_code)["area_type"] == "la":  # type: ignore[index]
        for c in clusters_of(store, sel.area_code).itertuples():
            res = reference_area_results(store, Selection(c.area_code, "parent", sel.period_year, "all"))
            parts.append(res.assign(scope=c.name, scope_type="cluster", scope_code=c.area_code))
    flagged = reference_flag(pd.concat(parts, ignore_index=True))
    flagged = flagged.assign(priority=flagged["reason"].map(PRIORITY))
    flagged["why"] = flagged["reason"].map(PRIORITY_TEXT)
    return flagged.sort_values(["priority", "scope_type", "outcome_id", "indicator_id"], kind="stable").reset_index(
        drop=True
    )


def reference_across_las(store: Store, indicator_id: str, sel: Selection, scope: str) -> pd.DataFrame:
    """Every LA's row of one indicator, ranked, banded and compared with England on the spot."""
    meta = store.df("SELECT * FROM indicator WHERE indicator_id = ?", [indicator_id]).iloc[0]
    group = meta["headline_group"] if sel.client_group == "all" else sel.client_group
    frame = mask_suppressed(store.frame(
        """
        SELECT o.area_code, a.name, a.area_type, a.region_code, o.period_label, o.count,
               o.denominator, o.value, o.lower95, o.upper95, o.lower998, o.upper998, o.suppressed, o.note
        FROM ecm_observation o JOIN area a USING (area_code)
        WHERE o.indicator_id = ? AND o.period_year = ? AND o.client_group_id = ? AND a.area_type IN ('la', 'england')
        """,
        [indicator_id, sel.period_year or latest_year(store), group],
    ))
    eng = frame.loc[frame["area_code"] == ENGLAND, "value"]
    england_value = float(eng.iloc[0]) if len(eng) else np.nan
    las = frame[frame["area_type"] == "la"].copy()
    values = las["value"].to_numpy(dtype=float)
    las["rank"] = national_rank(values, meta["polarity"])
    las["n_ranked"] = int(np.isfinite(values).sum())
    las["band"] = quartile_band(values, meta["polarity"])
    las["england_value"] = england_value
    # The benchmark the selected area's own profile uses (metrics.results), England's where it has none.
    year = sel.period_year or latest_year(store)
    own = area_results(store, Selection(sel.area_code, sel.benchmark, year, sel.client_group)).set_index(
        "indicator_id").loc[indicator_id]
    bench = float(own["benchmark_value"])
    bench, bench_name = (bench, own["benchmark_name"]) if bench == bench else (england_value, "England")
    las["benchmark_value"] = bench
    las["benchmark_name"] = bench_name
    las["comparison"] = [
        compare_to_benchmark(v, lo, hi, bench, meta["polarity"])
        for v, lo, hi in zip(las["value"], las["lower95"], las["upper95"], strict=True)
    ]
    info = area_info(store, sel.area_code)
    assert info is not None
    la_code = sel.area_code if info["area_type"] == "la" else info["parent_code"]
    las["selected"] = las["area_code"] == la_code
    if scope == "region":
        las = las[las["region_code"] == info["region_code"]]
    elif scope == "neighbours":
        las = las[las["area_code"].isin({la_code, *neighbours(store, la_code)})]
    return las.sort_values(["rank", "name"], na_position="last").reset_index(drop=True)


def reference_series(store: Store, indicator_id: str, sel: Selection, extra: list[str]) -> pd.DataFrame:
    """The indicator over time for the area and its comparators, filtered and averaged with pandas."""
    meta = store.df("SELECT * FROM indicator WHERE indicator_id = ?", [indicator_id]).iloc[0]
    group = meta["headline_group"] if sel.client_group == "all" else sel.client_group
    info = area_info(store, sel.area_code)
    assert info is not None
    la_code = sel.area_code if info["area_type"] == "la" else info["parent_code"]
    nbrs = neighbours(store, la_code)
    codes = [sel.area_code, ENGLAND, info["region_code"]]
    if info["area_type"] == "cluster":
        codes.append(info["parent_code"])
    codes += [c for c in extra if c not in codes]
    frame = mask_suppressed(store.frame(
        """
        SELECT o.area_code, a.name, o.period_year, o.period_label, o.count, o.denominator,
               o.value, o.lower95, o.upper95, o.suppressed, o.note
        FROM ecm_observation o JOIN area a USING (area_code)
        WHERE o.indicator_id = ? AND o.client_group_id = ? AND list_contains(?, o.area_code)
        ORDER BY o.area_code, o.period_year
        """,
        [indicator_id, group, codes + nbrs],
    ))
    nb = frame[frame["area_code"].isin(nbrs)]  # a neighbour shown as an extra area still counts
    nb_mean = (
        nb.groupby(["period_year", "period_label"])["value"].agg(value="mean", n_used="count").reset_index()
        .assign(area_code="neighbours", name="Statistical neighbours (mean)")
    )
    return pd.concat([frame[frame["area_code"].isin(codes)], nb_mean], ignore_index=True)


SERIES = [
    ("NI73", Selection("E06000020", "england", None, "all"), []),
    ("NI56", Selection("E06000020-C02", "england", None, "all"), ["E06000051"]),  # a cluster, and an extra LA
    ("NI101", Selection("E09000001", "england", None, "lac"), ["E09000033"]),  # suppressed counts; a client group
]


@pytest.mark.parametrize(("indicator_id", "sel", "extra"), SERIES, ids=lambda x: str(getattr(x, "area_code", x)))
def test_indicator_series_and_its_trend_equal_reference(
    demo_store: Store, indicator_id: str, sel: Selection, extra: list[str]
) -> None:
    ours = indicator_series(demo_store, indicator_id, sel, extra)
    ref = reference_series(demo_store, indicator_id, sel, extra)
    assert (ours["area_code"] == "neighbours").sum() > 3
    pd.testing.assert_frame_equal(ours, ref)
    meta = indicator_meta(demo_store, indicator_id)
    for area in ref["area_code"].unique():
        s = ref[ref["area_code"] == area].sort_values("period_year")
        expected = recent_trend(*(s[c].to_numpy(dtype=float) for c in ("count", "denominator", "value", "lower95",
                                                                       "upper95")),
                                str(meta["polarity"]), str(meta["value_type"])).label
        assert series_trend(ours, area, meta) == expected


def test_indicator_series_without_neighbours_equals_reference(demo_store: Store) -> None:
    """A region has no statistical neighbours: no mean rows, the same frame as pandas makes."""
    sel = Selection("E12000005", "england", None, "all")
    ours = indicator_series(demo_store, "NI73", sel, [])
    assert not (ours["area_code"] == "neighbours").any() and len(ours) > 5
    pd.testing.assert_frame_equal(ours, reference_series(demo_store, "NI73", sel, []))


ACROSS = [
    ("NI73", Selection("E06000020", "england", None, "all"), "england"),  # high is good
    ("NI73", Selection("E06000020-C02", "england", 2021, "all"), "region"),  # a cluster: its LA is selected
    ("NI56", Selection("E09000001", "england", None, "all"), "neighbours"),  # low is good; City of London
    ("NI101", Selection("E08000025", "england", 2020, "lac"), "england"),  # a client group's rows
    ("NI73", Selection("E06000009", "region", 2023, "all"), "england"),  # compared with Blackpool's region
    ("NI56", Selection("E06000020", "neighbours", None, "all"), "neighbours"),  # with Telford's neighbours' mean
    ("NI73", Selection("E06000020-C02", "parent", 2021, "all"), "region"),  # a cluster against its LA
]


@pytest.mark.parametrize(("indicator_id", "sel", "scope"), ACROSS, ids=lambda x: str(getattr(x, "area_code", x)))
def test_indicator_across_las_equals_reference(demo_store: Store, indicator_id: str, sel: Selection, scope: str) -> None:
    ours = indicator_across_las(demo_store, indicator_id, sel, scope)  # type: ignore[arg-type]
    assert len(ours) > 5
    pd.testing.assert_frame_equal(ours, reference_across_las(demo_store, indicator_id, sel, scope))


SELECTIONS = [
    Selection("E06000020", "england"),  # Telford and Wrekin: an LA with clusters
    Selection("E06000020", "neighbours", 2021, "lac"),
    Selection("E09000001", "region", None, "all"),  # City of London: many suppressed counts
    Selection("E06000020-C01", "parent"),  # a cluster against its LA
    Selection("E12000005", "england", None, "fsm"),  # a region: no bands or ranks
]


@pytest.mark.parametrize("sel", SELECTIONS, ids=lambda s: f"{s.area_code}-{s.benchmark}-{s.period_year}-{s.client_group}")
def test_area_results_equal_reference(demo_store: Store, sel: Selection) -> None:
    pd.testing.assert_frame_equal(area_results(demo_store, sel), reference_area_results(demo_store, sel))


def test_selections_of_several_periods_batched_equal_one_at_a_time(demo_store: Store) -> None:
    """area_results_many / area_results_long with periods interleaved: each frame is the
    reference's, and the long frame is their concatenation in selection order."""
    sels = [Selection("E06000020", "england", 2025), Selection("E06000020", "neighbours", 2021, "lac"),
            Selection("E06000020-C01", "parent", 2023), Selection("E09000001", "region", 2021)]
    many = area_results_many(demo_store, sels)
    for sel, frame in zip(sels, many, strict=True):
        pd.testing.assert_frame_equal(frame, reference_area_results(demo_store, sel))
    long, sizes = area_results_long(demo_store, sels)
    assert sizes == [len(f) for f in many]
    pd.testing.assert_frame_equal(long, pd.concat(many, ignore_index=True))


@pytest.mark.parametrize("sel", [Selection("E06000020", "england"), Selection("E09000001", "neighbours", 2020)],
                         ids=["telford", "city-of-london"])
def test_weak_areas_equal_reference(demo_store: Store, sel: Selection) -> None:
    pd.testing.assert_frame_equal(weak_areas(demo_store, sel), reference_weak_areas(demo_store, sel))


def reference_client_groups(store: Store, sel: Selection) -> pd.DataFrame:
    """Each client group's row against all children's, one row at a time."""
    frame = mask_suppressed(store.frame(
        """
        SELECT o.indicator_id, o.client_group_id, g.name AS group_name, o.period_year, o.period_label,
               o.count, o.denominator, o.value, o.lower95, o.upper95, o.lower998, o.upper998, o.suppressed
        FROM ecm_observation o JOIN client_group g USING (client_group_id)
        WHERE o.area_code = ?
        """,
        [sel.area_code],
    ))
    latest, fallback = reference_latest(store), latest_year(store)
    # each group's row at its own latest period (or the chosen one), all children's at the same
    frame["target"] = [sel.period_year or latest.get((i, g), fallback)
                       for i, g in zip(frame["indicator_id"], frame["client_group_id"], strict=True)]
    cat = catalogue_frame(store).set_index("indicator_id")
    shown = ["short_title", "outcome_id", "polarity", "value_type", "multiplier", "unit", "decimal_places",
             "confidence_level"]
    allc = frame[frame["client_group_id"] == "all"].set_index(["indicator_id", "period_year"])
    groups = frame[(frame["client_group_id"] != "all") & (frame["period_year"] == frame["target"])].copy()
    has_all = np.array([k in allc.index for k in zip(groups["indicator_id"], groups["period_year"], strict=True)],
                       dtype=bool)
    groups = groups[has_all & groups["indicator_id"].isin(cat.index).to_numpy()].drop(columns="target")
    groups = groups.join(cat[shown], on="indicator_id")
    for c in ("value", "count", "denominator"):
        groups[f"all_{c}"] = [allc.at[k, c] for k in zip(groups["indicator_id"], groups["period_year"], strict=True)]
    gaps, comparisons = [], []
    for r in groups.itertuples():
        gap, lo, hi = r.value - r.all_value, np.nan, np.nan
        strict = r.confidence_level == 99.8
        if r.value_type == "proportion":
            g = client_group_gap(r.count, r.denominator, r.all_count, r.all_denominator,
                                 0.998 if strict else 0.95, r.multiplier)
            gap, lo, hi = float(g.diff), float(g.lower), float(g.upper)
        gaps.append((gap, lo, hi))
        comparisons.append(
            compare_to_benchmark(gap, lo, hi, 0.0, r.polarity) if not np.isnan(lo)
            else compare_to_benchmark(r.value, r.lower998 if strict else r.lower95,
                                      r.upper998 if strict else r.upper95, r.all_value, r.polarity)
        )
    groups[["gap", "gap_lower", "gap_upper"]] = np.array(gaps, dtype=float).reshape(-1, 3)
    groups["comparison"] = np.array(comparisons, dtype=object)
    return groups.sort_values(["client_group_id", "outcome_id", "indicator_id"]).reset_index(drop=True)


@pytest.mark.parametrize("sel", [Selection("E06000020", "england"), Selection("E09000001", "england", 2020),
                                 Selection("E06000020-C03", "parent")], ids=["telford", "city-of-london", "cluster"])
def test_client_group_results_equal_reference(demo_store: Store, sel: Selection) -> None:
    ours = client_group_results(demo_store, sel)
    assert ours["gap_lower"].notna().any() and ours["gap_lower"].isna().any()
    pd.testing.assert_frame_equal(ours, reference_client_groups(demo_store, sel))


def reference_clusters(store: Store, la_code: str, sel: Selection, outcome_id: str | None) -> pd.DataFrame:
    """Each cluster's row against its LA's value, one row at a time."""
    frame = mask_suppressed(store.frame(
        """
        SELECT o.indicator_id, o.area_code, a.name, a.area_type, o.period_year, o.period_label, o.count,
               o.denominator, o.value, o.lower95, o.upper95, o.lower998, o.upper998, o.suppressed, o.note,
               i.headline_group
        FROM ecm_observation o JOIN area a USING (area_code) JOIN indicator i USING (indicator_id)
        WHERE (o.area_code = $la OR a.parent_code = $la AND a.area_type = 'cluster')
          AND o.client_group_id = i.headline_group
        """,
        {"la": la_code},
    ))
    latest, fallback = reference_latest(store), latest_year(store)
    target = [sel.period_year or latest.get((i, g), fallback)
              for i, g in zip(frame["indicator_id"], frame["headline_group"], strict=True)]
    frame = frame[frame["period_year"] == np.asarray(target)].drop(columns="headline_group")
    cat = catalogue_frame(store).set_index("indicator_id")
    if outcome_id is not None:
        cat = cat[cat["outcome_id"] == outcome_id]
    la_vals = frame[frame["area_code"] == la_code].set_index("indicator_id")["value"]
    cl = frame[(frame["area_type"] == "cluster") & frame["indicator_id"].isin(cat.index)].copy()
    cl["la_value"] = cl["indicator_id"].map(la_vals)
    cl = cl.join(cat[["short_title", "outcome_id", "outcome_name", "polarity", "unit", "decimal_places",
                      "confidence_level"]], on="indicator_id")
    cl["comparison"] = np.array([
        compare_to_benchmark(r.value, r.lower998 if r.confidence_level == 99.8 else r.lower95,
                             r.upper998 if r.confidence_level == 99.8 else r.upper95, r.la_value, r.polarity)
        for r in cl.itertuples()
    ], dtype=object)
    return cl.sort_values(["outcome_id", "indicator_id", "area_code"]).reset_index(drop=True)


@pytest.mark.parametrize(("outcome", "year"), [("EA", None), (None, 2021)], ids=["one-outcome", "all-outcomes"])
def test_cluster_results_equal_reference(demo_store: Store, outcome: str | None, year: int | None) -> None:
    sel = Selection("E06000020", "england", year, "all")
    ours = cluster_results(demo_store, "E06000020", sel, outcome)
    assert ours["suppressed"].any() and ours["area_code"].nunique() == 5
    pd.testing.assert_frame_equal(ours, reference_clusters(demo_store, "E06000020", sel, outcome))


def test_client_group_comparison_uses_the_gap_interval(demo_store: Store) -> None:
    """Where Newcombe's interval exists it decides, as the per-row rule did."""
    groups = client_group_results(demo_store, Selection("E06000020", "england"))
    has = groups["gap_lower"].notna()
    assert has.any()
    for row in groups[has].itertuples():
        assert row.comparison == compare_to_benchmark(row.gap, row.gap_lower, row.gap_upper, 0.0, row.polarity)
    for row in groups[~has].itertuples():
        assert row.comparison == compare_to_benchmark(row.value, row.lower95, row.upper95, row.all_value, row.polarity)


def test_trend_window_reaches_back_for_gaps_and_stale_series(demo_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The trend read is limited to the latest years; a series with absent years, or
    one that stopped before them, must still get the label its whole history gives."""
    import shutil

    path = tmp_path / "gaps.duckdb"
    shutil.copy(demo_db, path)
    with Store(path) as store, store.transaction() as cur:
        # NI73 stops in 2022 (stale); NI117 lacks 2023 (a gap inside the window).
        cur.execute("DELETE FROM observation WHERE area_code = 'E06000020' AND indicator_id = 'NI73'"
                    " AND period_year > 2022")
        cur.execute("DELETE FROM observation WHERE area_code = 'E06000020' AND indicator_id = 'NI117'"
                    " AND period_year = 2023")
    with Store(path, read_only=True) as store:
        for sel in (Selection("E06000020", "england"), Selection("E06000020", "england", None, "fsm")):
            pd.testing.assert_frame_equal(area_results(store, sel), reference_area_results(store, sel))
        trends = area_results(store, Selection("E06000020", "england")).set_index("indicator_id")["trend"]
        assert trends["NI73"] != "cannot_be_calculated"  # from 2018-2022, as the whole series gives
        pd.testing.assert_frame_equal(
            weak_areas(store, Selection("E06000020", "region")),
            reference_weak_areas(store, Selection("E06000020", "region")),
        )


def test_batched_trends_equal_one_at_a_time() -> None:
    """recent_trends over thousands of series at once gives each one's own answer, edge cases included."""
    rng = np.random.default_rng(7)
    batch = []
    expected = {}
    polarities = ["high_is_good", "low_is_good", "no_judgement"]
    for k in range(3000):
        n = int(rng.integers(3, 11))
        den = rng.integers(20, 5000, n).astype(float)
        p = np.clip(rng.uniform(0.05, 0.9) + rng.normal(0, 0.02, n) + rng.choice([0, 0.01, -0.01]) * np.arange(n), 0.01, 0.99)
        count = np.round(p * den)
        value = count / den * 100
        half = 1.96 * np.sqrt(p * (1 - p) / den) * 100
        lower, upper = value - half, value + half
        case = k % 10
        if case == 1:
            value[-int(rng.integers(1, min(n, 5) + 1))] = np.nan
        elif case == 2:
            upper[-2] = lower[-2]  # zero-width interval
        elif case == 3:
            den[-1] = 0.0
        elif case == 4:
            count[-3] = -1.0
        elif case == 5:
            value[:] = value[0]  # flat: slope exactly 0
            lower[:], upper[:] = lower[0], upper[0]
        elif case == 6:
            count[-2] = den[-2]  # count equal to its denominator
        pol = polarities[k % 3]
        ind = f"S{k}"
        batch.append(TrendSeries(value, lower, upper, pol, "proportion", count, den))
        expected[ind] = recent_trend(count, den, value, lower, upper, pol, "proportion")
    got = dict(zip(expected, recent_trends(batch), strict=True))
    assert got == expected
    expected = {k: t.label for k, t in expected.items()}
    assert {"getting_better", "getting_worse", "increasing", "decreasing", "no_significant_change",
            "cannot_be_calculated"} <= set(expected.values())
