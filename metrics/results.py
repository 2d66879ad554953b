"""An area's results: each indicator's value against a benchmark, band, rank and trend.

This is the one place where the comparison rules are applied, so the scorecard,
the area profile, the weak-areas list and the data pack all say the same thing
about the same figure (the Fingertips habit: the same rules everywhere).

The benchmark is chosen by the user:

* ``england``: England's value;
* ``region``: the area's region's value;
* ``neighbours``: the simple mean of the area's ten statistical neighbours' values
  (missing neighbours left out; how many were used is reported);
* ``parent``: a cluster's parent LA (an LA's parent is its region).

Significance is the area's own 95% CI against the benchmark's point value
(:func:`metrics.stats.compare_to_benchmark`). Quartile bands and national ranks are
among the LAs for the same indicator, period and client group. Suppressed values
are returned as NaN with ``suppressed = True``, never as numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from metrics.stats import compare_to_benchmark, national_rank, quartile_band, recent_trend
from metrics.store import Store

Benchmark = Literal["england", "region", "neighbours", "parent"]
BENCHMARKS: dict[str, str] = {
    "england": "England",
    "region": "Region",
    "neighbours": "Statistical neighbours (mean)",
    "parent": "Parent area",
}
ENGLAND = "E92000001"
VALUE_COLUMNS = ["count", "denominator", "value", "lower95", "upper95", "lower998", "upper998"]


@dataclass(frozen=True)
class Selection:
    """What a page shows: every page's URL carries exactly these fields."""

    area_code: str
    benchmark: Benchmark = "england"
    period_year: int | None = None  # None: the latest period in the store
    client_group: str = "all"

    def with_period(self, year: int) -> Selection:
        return replace(self, period_year=year)


def latest_year(store: Store) -> int:
    return int(store.scalar("SELECT max(period_year) FROM observation"))


def years(store: Store) -> list[int]:
    return [int(y) for y in store.df("SELECT DISTINCT period_year FROM observation ORDER BY 1")["period_year"]]


def area_info(store: Store, area_code: str) -> dict[str, object] | None:
    frame = store.df(
        """
        SELECT a.*, p.name AS parent_name, p.area_type AS parent_type, r.name AS region_name
        FROM area a LEFT JOIN area p ON p.area_code = a.parent_code
        LEFT JOIN area r ON r.area_code = a.region_code
        WHERE a.area_code = ?
        """,
        [area_code],
    )
    return None if frame.empty else frame.iloc[0].to_dict()


def neighbour_source(store: Store) -> str | None:
    """Prefer DfE's published list when it has been imported, else the model's."""
    sources = set(store.df("SELECT DISTINCT source FROM area_neighbour")["source"])
    return "dfe" if "dfe" in sources else ("model" if "model" in sources else None)


def neighbours(store: Store, la_code: str) -> list[str]:
    src = neighbour_source(store)
    frame = store.df(
        "SELECT neighbour_code FROM area_neighbour WHERE area_code = ? AND source = ? ORDER BY rank",
        [la_code, src],
    )
    return frame["neighbour_code"].tolist()


def benchmark_areas(store: Store, sel: Selection) -> tuple[list[str], str]:
    """The area codes whose values make the benchmark, and its plain-English name."""
    info = area_info(store, sel.area_code)
    if info is None:
        raise KeyError(f"unknown area {sel.area_code}")
    la_code = sel.area_code if info["area_type"] == "la" else info.get("parent_code")
    if sel.benchmark == "england":
        return [ENGLAND], "England"
    if sel.benchmark == "region":
        region = info["region_code"] if info["area_type"] in ("la", "cluster") else None
        if not region:
            return [ENGLAND], "England"
        return [str(region)], str(info.get("region_name") or region)
    if sel.benchmark == "parent":
        parent = info.get("parent_code")
        if not parent:
            return [ENGLAND], "England"
        return [str(parent)], str(info.get("parent_name") or parent)
    if info["area_type"] not in ("la", "cluster") or not la_code:
        return [ENGLAND], "England"
    codes = neighbours(store, str(la_code))
    return codes, "statistical neighbours (mean)"


def _headline_filter() -> str:
    # The selected client group, where 'all' means each indicator's headline group.
    return "o.client_group_id = CASE WHEN $group = 'all' THEN i.headline_group ELSE $group END"


def area_series(store: Store, sel: Selection, indicator_id: str | None = None) -> pd.DataFrame:
    """Every period of the area's values (for trends), headline or client group rows."""
    return store.df(
        f"""
        SELECT o.indicator_id, o.period_year, o.period_label, o.count, o.denominator, o.value,
               o.lower95, o.upper95, o.lower998, o.upper998, o.suppressed, o.note
        FROM observation o JOIN indicator i USING (indicator_id)
        WHERE o.area_code = $area AND o.sex = 'persons' AND o.category = ''
          AND {_headline_filter()}
          AND ($indicator IS NULL OR o.indicator_id = $indicator)
        ORDER BY o.indicator_id, o.period_year
        """,
        {"area": sel.area_code, "group": sel.client_group, "indicator": indicator_id},
    )


def period_panel(store: Store, sel: Selection, areas: list[str] | None = None) -> pd.DataFrame:
    """One period's values for every LA plus the named areas, with indicator metadata."""
    year = sel.period_year or latest_year(store)
    return store.df(
        f"""
        SELECT o.indicator_id, o.area_code, a.area_type, o.period_year, o.period_label,
               o.count, o.denominator, o.value, o.lower95, o.upper95, o.lower998, o.upper998,
               o.suppressed, o.note
        FROM observation o JOIN indicator i USING (indicator_id) JOIN area a USING (area_code)
        WHERE o.period_year = $year AND o.sex = 'persons' AND o.category = ''
          AND {_headline_filter()}
          AND (a.area_type = 'la' OR list_contains($areas, o.area_code))
        """,
        {"year": year, "group": sel.client_group, "areas": areas or []},
    )


def mask_suppressed(frame: pd.DataFrame) -> pd.DataFrame:
    """Values and CIs derived from suppressed counts are never returned as numbers."""
    out = frame.copy()
    if "suppressed" in out:
        sup = out["suppressed"].fillna(False).astype(bool)
        cols = [c for c in VALUE_COLUMNS if c in out]
        out.loc[sup, cols] = np.nan
    return out


def catalogue_frame(store: Store) -> pd.DataFrame:
    return store.df(
        """
        SELECT i.indicator_id, i.short_title, i.title, i.outcome_id, o.name AS outcome_name,
               i.aim_id, a.name AS aim_name, i.polarity, i.value_type, i.multiplier, i.unit,
               i.decimal_places, i.ci_method, i.client_groups, i.headline_group, i.status,
               o.sort_order AS outcome_order, a.sort_order AS aim_order,
               list(n.standard ORDER BY n.standard) FILTER (WHERE n.standard IS NOT NULL)
                   AS nsf_standards
        FROM indicator i JOIN outcome o USING (outcome_id) JOIN aim a USING (aim_id)
        LEFT JOIN indicator_nsf n USING (indicator_id)
        WHERE i.mapped
        GROUP BY ALL
        ORDER BY outcome_order, aim_order, i.indicator_id
        """
    )


def search_catalogue(catalogue: pd.DataFrame, query: str) -> pd.DataFrame:
    """Indicators whose code, title or definition contains ``query`` (case-insensitive).

    Plain substring, not a regular expression: users type things like "A&E" or
    "(0-4)" and expect them to match literally.
    """
    q = query.strip().lower()
    if not q:
        return catalogue
    hay = (
        catalogue["indicator_id"].fillna("") + " " + catalogue["title"].fillna("") + " "
        + catalogue["definition"].fillna("")
    ).str.lower()
    return catalogue[hay.str.contains(q, regex=False)]


TREND_VALUE_TYPES = ("proportion", "crude_rate")


def area_results(store: Store, sel: Selection) -> pd.DataFrame:
    """Each indicator for the selected area: value, benchmark, significance, band, trend.

    One row per catalogue indicator that is published for the selected client
    group; indicators with no value in the period keep their row with NaN so a
    reader sees the gap rather than nothing.
    """
    year = sel.period_year or latest_year(store)
    sel = sel.with_period(year)
    info = area_info(store, sel.area_code)
    if info is None:
        raise KeyError(f"unknown area {sel.area_code}")
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
    bench_value = bench.groupby("indicator_id")["value"].mean()
    bench_n = bench.groupby("indicator_id")["value"].count()
    out["benchmark_value"] = bench_value.reindex(out.index)
    out["benchmark_n"] = bench_n.reindex(out.index).fillna(0).astype(int)
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
    for ind_id, row in out.iterrows():
        polarity = row["polarity"]
        out.at[ind_id, "comparison"] = compare_to_benchmark(
            row["value"], row["lower95"], row["upper95"], row["benchmark_value"], polarity
        )
        if info["area_type"] == "la":
            peers = las[las["indicator_id"] == ind_id]
            if not peers.empty and sel.area_code in set(peers["area_code"]):
                values = peers["value"].to_numpy(dtype=float)
                pos = int(np.flatnonzero(peers["area_code"].to_numpy() == sel.area_code)[0])
                bands = quartile_band(values, polarity)
                ranks = national_rank(values, polarity)
                out.at[ind_id, "band"] = bands[pos]
                out.at[ind_id, "rank"] = ranks[pos]
                out.at[ind_id, "n_ranked"] = int(np.isfinite(values).sum())

    series = mask_suppressed(area_series(store, sel))
    trends = {}
    for ind_id, grp in series[series["period_year"] <= year].groupby("indicator_id"):
        if ind_id not in out.index:
            continue
        meta = out.loc[ind_id]
        t = recent_trend(
            grp["count"].to_numpy(dtype=float),
            grp["denominator"].to_numpy(dtype=float),
            grp["value"].to_numpy(dtype=float),
            grp["lower95"].to_numpy(dtype=float),
            grp["upper95"].to_numpy(dtype=float),
            meta["polarity"],
            meta["value_type"],
        )
        trends[ind_id] = t.label
    out["trend"] = pd.Series(trends).reindex(out.index).fillna("cannot_be_calculated")
    out["period_year"] = year
    return out.reset_index()


OUTCOME_COUNT_COLUMNS = ["better", "similar", "worse", "not_compared", "improving", "worsening"]


def outcome_scorecard(results: pd.DataFrame) -> pd.DataFrame:
    """Per ECM outcome: how many indicators are better/similar/worse and improving/worsening.

    ``higher``/``lower`` (no-judgement indicators) count as neither better nor
    worse: they are reported under ``not_compared`` with a note on the page.
    """
    r = results.copy()
    r["better"] = r["comparison"] == "better"
    r["similar"] = r["comparison"] == "similar"
    r["worse"] = r["comparison"] == "worse"
    r["not_compared"] = ~r["comparison"].isin(["better", "similar", "worse"])
    r["improving"] = r["trend"] == "getting_better"
    r["worsening"] = r["trend"] == "getting_worse"
    g = r.groupby(["outcome_id", "outcome_name"], sort=False)
    out = g[OUTCOME_COUNT_COLUMNS].sum().astype(int)
    out["indicators"] = g.size()
    return out.reset_index()
