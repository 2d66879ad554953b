"""Weak areas: where an area, its clusters or its client groups need a director's attention.

A row is listed when the figure is significantly worse than the benchmark, in
quartile band D, or getting worse. "Red-red" (worse and getting worse) comes
first, then worse, then band D, then getting worse alone. The same comparison
rules as everywhere else (:mod:`metrics.results`).
"""

from __future__ import annotations

import pandas as pd

from metrics.results import Selection, area_results
from metrics.store import Store
from metrics.subgroups import clusters_of

PRIORITY = {"red_red": 0, "worse": 1, "band_d": 2, "getting_worse": 3}
PRIORITY_TEXT = {
    "red_red": "Worse and getting worse",
    "worse": "Significantly worse",
    "band_d": "Bottom quartile (band D)",
    "getting_worse": "Getting worse",
}


def _flag(frame: pd.DataFrame) -> pd.DataFrame:
    worse = frame["comparison"] == "worse"
    getting_worse = frame["trend"] == "getting_worse"
    band_d = frame["band"].astype("string").fillna("") == "D"
    reason = pd.Series(None, index=frame.index, dtype=object)
    reason[getting_worse] = "getting_worse"
    reason[band_d] = "band_d"
    reason[worse] = "worse"
    reason[worse & getting_worse] = "red_red"
    out = frame.assign(reason=reason, red_red=worse & getting_worse, band_d=band_d)
    return out[out["reason"].notna()]


def weak_areas(store: Store, sel: Selection, include_subgroups: bool = True) -> pd.DataFrame:
    """Every weak spot of the selected area, its clusters and its client groups, ranked."""
    info = store.df("SELECT area_type, name FROM area WHERE area_code = ?", [sel.area_code])
    if info.empty:
        raise KeyError(f"unknown area {sel.area_code}")
    parts = []
    base = Selection(sel.area_code, sel.benchmark, sel.period_year, "all")
    main = area_results(store, base)
    parts.append(main.assign(scope="Whole area", scope_type="area", scope_code=sel.area_code))
    if include_subgroups:
        groups = store.df("SELECT client_group_id, name FROM client_group WHERE client_group_id <> 'all'")
        for g in groups.itertuples():
            res = area_results(store, Selection(sel.area_code, sel.benchmark, sel.period_year, g.client_group_id))
            # The headline rows of a single-group indicator are already in the whole-area list.
            res = res[res["headline_group"] != g.client_group_id]
            if not res.empty:
                parts.append(res.assign(scope=g.name, scope_type="client_group", scope_code=g.client_group_id))
        if info.iloc[0]["area_type"] == "la":
            for c in clusters_of(store, sel.area_code).itertuples():
                res = area_results(store, Selection(c.area_code, "parent", sel.period_year, "all"))
                parts.append(res.assign(scope=c.name, scope_type="cluster", scope_code=c.area_code))
    frame = pd.concat(parts, ignore_index=True)
    flagged = _flag(frame)
    flagged = flagged.assign(priority=flagged["reason"].map(PRIORITY))
    flagged["why"] = flagged["reason"].map(PRIORITY_TEXT)
    return flagged.sort_values(
        ["priority", "scope_type", "outcome_id", "indicator_id"], kind="stable"
    ).reset_index(drop=True)


def filter_weak(weak: pd.DataFrame, outcome_id: str = "all", nsf_standard: str = "all") -> pd.DataFrame:
    """Narrow the list to one ECM outcome and/or one NSF standard ("all" keeps everything).

    Kept here rather than in the page so the count a director sees and the count a
    test or the data pack computes cannot drift apart.
    """
    out = weak
    if outcome_id != "all":
        out = out[out["outcome_id"] == outcome_id]
    if nsf_standard != "all":
        std = int(nsf_standard)
        out = out[out["nsf_standards"].apply(lambda s: s is not None and std in list(s))]
    return out.reset_index(drop=True)
