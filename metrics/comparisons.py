"""One indicator across areas, and over time: the data behind Compare and Trends.

The same rules as the area results (:mod:`metrics.results`): CI against the
benchmark value with polarity, LAIT bands and ranks among LAs, Fingertips trend.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from metrics.framework import ENGLAND
from metrics.lookups import area_infos, fetch_records, latest_periods, latest_year, neighbour_codes
from metrics.results import Selection, benchmark_areas, mask_suppressed
from metrics.stats import (
    compare_to_benchmark,
    funnel_limits,
    funnel_significance,
    group_means,
    interval_at_level,
    recent_trend,
)
from metrics.stats.enums import RATIO_TYPES
from metrics.store import Store

Scope = Literal["england", "region", "neighbours"]


def indicator_meta(store: Store, indicator_id: str) -> dict[str, object]:
    """Every field of one indicator (a fresh dict: the caller may change it)."""
    return dict(_indicator_fields(store, indicator_id))


def _indicator_fields(store: Store, indicator_id: str) -> dict[str, object]:
    """One indicator's row from the whole table, kept per data version (callers must not
    change it). Each Compare, Trends and Map run asks for it, and a query per run cost
    more than the trend test itself."""
    table = store.memo("indicator_meta", lambda: _read_indicator_meta(store))
    if indicator_id not in table:
        raise KeyError(f"unknown indicator {indicator_id}")
    return table[indicator_id]


def _read_indicator_meta(store: Store) -> dict[str, dict[str, object]]:
    # Plain Python values, None for a missing field (a one-row DataFrame's reading).
    return {str(r["indicator_id"]): r for r in fetch_records(store, "SELECT * FROM indicator", {})}


def _area_fields(store: Store, area_code: str) -> dict[str, object]:
    return area_infos(store, [area_code]).get(area_code, {})


def _group_for(meta: dict[str, object], client_group: str) -> str:
    return str(meta["headline_group"]) if client_group == "all" else client_group


def indicator_across_las(
    store: Store, indicator_id: str, sel: Selection, scope: Scope = "england"
) -> pd.DataFrame:
    """Every LA's value for one indicator and period, ranked, banded and compared.

    ``scope`` narrows the rows shown (the selected area's region or its statistical
    neighbours); ranks and bands are always national, among all LAs, as in LAIT.
    Every LA is compared with the reader's benchmark for the selected area
    (``sel.benchmark``: England, its region, its neighbours' mean...), the value the
    area's own profile compares with; England's where that benchmark has none.
    ``benchmark_value`` and ``benchmark_name`` say which value it was.
    """
    meta = _indicator_fields(store, indicator_id)
    group = _group_for(meta, sel.client_group)
    year = sel.period_year or latest_periods(store).get((indicator_id, group)) or latest_year(store)
    # Bands, ranks and how many LAs were ranked come from ecm_position, computed with
    # quartile_band and national_rank when the data changed (metrics.derived); the
    # rows arrive in rank order, then name, England's row last.
    frame = mask_suppressed(store.frame(
        """
        SELECT o.area_code, a.name, a.area_type, a.region_code, o.period_label, o.count,
               o.denominator, o.value, o.lower95, o.upper95, o.lower998, o.upper998,
               o.suppressed, o.note, p.rank, p.n_ranked, p.band
        FROM ecm_observation o JOIN area a USING (area_code)
        LEFT JOIN ecm_position p USING (period_year, indicator_id, client_group_id, area_code)
        WHERE o.indicator_id = ? AND o.period_year = ? AND o.client_group_id = ?
          AND a.area_type IN ('la', 'england')
        ORDER BY a.area_type = 'england', p.rank NULLS LAST, a.name
        """,
        [indicator_id, year, group],
    ), copy=False)
    codes = frame["area_code"].to_numpy(dtype=object)
    n_las = int((frame["area_type"].to_numpy(dtype=object) == "la").sum())
    values = frame["value"].to_numpy(dtype=float)
    england_value = float(values[n_las]) if len(frame) > n_las else np.nan
    info = _area_fields(store, sel.area_code)
    la_code = sel.area_code if info.get("area_type") == "la" else info.get("parent_code")
    keep = slice(0, n_las)
    if scope == "region" and info.get("region_code"):
        keep = np.flatnonzero(frame["region_code"].to_numpy(dtype=object)[:n_las] == info["region_code"])
    elif scope == "neighbours" and la_code:
        wanted = {str(la_code), *neighbour_codes(store, str(la_code))}
        keep = np.flatnonzero([c in wanted for c in codes[:n_las]])
    las = frame.iloc[keep].reset_index(drop=True)
    las["n_ranked"] = las["n_ranked"].astype(np.int64)  # every LA row has its position
    las["england_value"] = england_value
    bench_value, bench_name = _benchmark_value(store, sel, indicator_id, year, group)
    if not np.isfinite(bench_value):
        bench_value, bench_name = england_value, "England"
    las["benchmark_value"] = bench_value
    las["benchmark_name"] = bench_name
    lower, upper = interval_at_level(las["lower95"], las["upper95"], las["lower998"], las["upper998"],
                                     float(meta.get("confidence_level") or 95.0))
    las["comparison"] = compare_to_benchmark(
        las["value"].to_numpy(dtype=float), lower, upper, bench_value, str(meta["polarity"]),
    )
    las["selected"] = las["area_code"] == la_code
    return las


def _benchmark_value(store: Store, sel: Selection, indicator_id: str, year: int, group: str) -> tuple[float, str]:
    """The selected area's benchmark value for one indicator: its areas' mean, as the profile takes it."""
    codes, name = benchmark_areas(store, sel)
    values = mask_suppressed(store.frame(
        "SELECT value, suppressed FROM ecm_observation WHERE indicator_id = ? AND period_year = ? "
        "AND client_group_id = ? AND list_contains(?, area_code)",
        [indicator_id, year, group, codes],
    ), copy=False)["value"].to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    return (float(values.mean()) if len(values) else float("nan")), name


def funnel_data(
    store: Store, indicator_id: str, sel: Selection, scope: Scope = "england"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """LAs' points with funnel significance, and the control limits to draw.

    The LAs are those of ``scope`` (all of England, the area's region or its
    statistical neighbours), and the limits are drawn around their pooled average,
    as a funnel of those LAs alone would be. Funnels apply to proportions and
    crude rates with counts; for other value types both frames are empty and the
    page says why.
    """
    meta = _indicator_fields(store, indicator_id)
    vt = str(meta["value_type"])
    if vt not in RATIO_TYPES:
        return pd.DataFrame(), pd.DataFrame()
    las = indicator_across_las(store, indicator_id, sel, scope)
    las = las[las["count"].notna() & las["denominator"].notna() & ~las["suppressed"]]
    if las.empty:
        return las, pd.DataFrame()
    statistic = "proportion" if vt == "proportion" else "rate"
    mult = float(meta["multiplier"])
    num = las["count"].to_numpy(dtype=float)
    den = las["denominator"].to_numpy(dtype=float)
    las = las.assign(
        funnel=funnel_significance(num, den, statistic=statistic, multiplier=mult)
    )
    limits = funnel_limits(num, den, statistic=statistic, multiplier=mult)
    return las, limits


def indicator_series(
    store: Store, indicator_id: str, sel: Selection, extra_areas: list[str] | None = None
) -> pd.DataFrame:
    """The indicator over time for the area, its region, England, the neighbour mean
    and any extra areas (the multi-area overlay), in long form."""
    meta = _indicator_fields(store, indicator_id)
    group = _group_for(meta, sel.client_group)
    info = _area_fields(store, sel.area_code)
    la_code = sel.area_code if info.get("area_type") == "la" else info.get("parent_code")
    nbrs = neighbour_codes(store, str(la_code)) if la_code else []
    codes = [sel.area_code, ENGLAND]
    if info.get("region_code"):
        codes.append(str(info["region_code"]))
    if info.get("area_type") == "cluster" and info.get("parent_code"):
        codes.append(str(info["parent_code"]))
    codes += [c for c in (extra_areas or []) if c not in codes]
    frame = store.frame(
        """
        SELECT o.area_code, o.period_year, o.period_label, o.count, o.denominator,
               o.value, o.lower95, o.upper95, o.suppressed, o.note
        FROM ecm_observation o
        WHERE o.indicator_id = ? AND o.client_group_id = ? AND list_contains(?, o.area_code)
        ORDER BY o.area_code, o.period_year
        """,
        [indicator_id, group, codes + nbrs],
    )
    frame = mask_suppressed(frame, copy=False)
    # Names from the areas kept per data version, not a join with the area table on every read.
    infos = area_infos(store, sorted(set(frame["area_code"].to_numpy(dtype=object))))
    frame.insert(1, "name", pd.array([infos[c]["name"] for c in frame["area_code"].to_numpy(dtype=object)],
                                     dtype="str"))
    # Every row read is one of ``codes``, a neighbour's, or both (a neighbour added as an
    # extra area is drawn as itself and still counts in the mean, which must not depend
    # on the overlays chosen: it is the same mean as the profile's neighbours benchmark).
    wanted, neighbours = set(codes), set(nbrs)
    read = frame["area_code"].to_numpy(dtype=object)
    is_main = np.fromiter((c in wanted for c in read), bool, len(frame))
    nb = np.flatnonzero(np.fromiter((c in neighbours for c in read), bool, len(frame)))
    if len(nb):
        # The neighbours' mean per period, summed as pandas' groupby mean sums (group_means).
        keys, means, counts = group_means(
            list(zip(frame["period_year"].to_numpy()[nb].tolist(),
                     frame["period_label"].to_numpy(dtype=object)[nb].tolist(), strict=True)),
            frame["value"].to_numpy(dtype=float)[nb],
        )
        n = len(keys)
        nb_mean = pd.DataFrame({
            "period_year": np.array([k[0] for k in keys], dtype=frame["period_year"].dtype),
            "period_label": pd.array([k[1] for k in keys], dtype="str"),
            "value": means,
            "n_used": counts,
            "area_code": pd.array(["neighbours"] * n, dtype="str"),
            "name": pd.array(["Statistical neighbours (mean)"] * n, dtype="str"),
        })
    else:
        nb_mean = pd.DataFrame({"period_year": frame["period_year"].iloc[:0], "period_label": frame["period_label"].iloc[:0],
                                "value": np.empty(0), "n_used": np.empty(0, dtype=np.int64),
                                "area_code": pd.array([], dtype="str"), "name": pd.array([], dtype="str")})
    return pd.concat([frame.iloc[np.flatnonzero(is_main)], nb_mean], ignore_index=True)


def series_trend_detail(series: pd.DataFrame, area_code: str, meta: dict[str, object]) -> tuple[str, tuple[str, ...]]:
    """The Fingertips recent-trend label of one area's series and the periods it was tested over."""
    rows = np.flatnonzero(series["area_code"].to_numpy(dtype=object) == area_code)
    rows = rows[np.argsort(series["period_year"].to_numpy()[rows], kind="stable")]
    t = recent_trend(
        *(series[c].to_numpy(dtype=float)[rows] for c in ("count", "denominator", "value", "lower95", "upper95")),
        str(meta["polarity"]),
        str(meta["value_type"]),
    )
    labels = series["period_label"].to_numpy(dtype=object)[rows]
    return t.label, tuple(str(labels[i]) for i in t.points)


def series_trend(series: pd.DataFrame, area_code: str, meta: dict[str, object]) -> str:
    """The Fingertips recent-trend label of one area's series."""
    return series_trend_detail(series, area_code, meta)[0]
