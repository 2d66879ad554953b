"""Weak areas: where an area, its clusters or its client groups need a director's attention.

A row is listed when the figure is significantly worse than the benchmark, in
quartile band D, or getting worse. "Red-red" (worse and getting worse) comes
first, then worse, then band D, then getting worse alone. The same comparison
rules as everywhere else (:mod:`metrics.results`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.results import Selection, area_infos, area_results_long, by_band, client_group_names
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
    """The rows to list, with why: red-red over worse over band D over getting worse.

    On arrays, and one row selection at the end: with a dozen scopes in one frame,
    pandas' per-operation costs were a tenth of the page.
    """
    worse = frame["comparison"].to_numpy(dtype=object) == "worse"
    getting_worse = frame["trend"].to_numpy(dtype=object) == "getting_worse"
    band_d = np.fromiter((b == "D" for b in frame["band"].to_numpy(dtype=object)), dtype=bool, count=len(frame))
    red_red = worse & getting_worse
    reason = np.full(len(frame), None, dtype=object)
    reason[getting_worse] = "getting_worse"
    reason[band_d] = "band_d"
    reason[worse] = "worse"
    reason[red_red] = "red_red"
    keep = np.flatnonzero(getting_worse | band_d | worse)
    out = frame.iloc[keep].copy()
    out["reason"] = pd.Series(reason[keep], index=out.index, dtype=object)
    out["red_red"] = red_red[keep]
    out["band_d"] = band_d[keep]  # plain bool, like red_red (it was pyarrow's bool by accident)
    return out


def weak_areas(store: Store, sel: Selection, include_subgroups: bool = True) -> pd.DataFrame:
    """Every weak spot of the selected area, its clusters and its client groups, ranked."""
    info = area_infos(store, [sel.area_code]).get(sel.area_code)
    if info is None:
        raise KeyError(f"unknown area {sel.area_code}")
    # Every scope is read in one batch: one pass over the period serves the area,
    # each client group and each cluster (see area_results_many).
    scopes: list[tuple[Selection, str, str, str]] = [
        (Selection(sel.area_code, sel.benchmark, sel.period_year, "all"), "Whole area", "area", sel.area_code)
    ]
    if include_subgroups:
        for group_id, name in client_group_names(store):
            scopes.append(
                (Selection(sel.area_code, sel.benchmark, sel.period_year, group_id), name, "client_group", group_id)
            )
        if info["area_type"] == "la":
            for c in clusters_of(store, sel.area_code).itertuples():
                scopes.append((Selection(c.area_code, "parent", sel.period_year, "all"), c.name, "cluster", c.area_code))
    # The headline rows of a single-group indicator are already in the whole-area
    # list, so client groups are computed as breakdowns only (a group left with
    # none has no rows).
    frame, sizes = area_results_long(store, [s for s, *_ in scopes], breakdowns_only=True)
    # The scope columns for all rows at once (not an assign per part).
    for j, column in enumerate(("scope", "scope_type", "scope_code"), start=1):
        frame[column] = np.repeat(np.array([sc[j] for sc in scopes], dtype=object), sizes)
    flagged = _flag(frame)
    reason = flagged["reason"].to_numpy(dtype=object)
    priority = np.fromiter((PRIORITY[r] for r in reason), dtype=np.int64, count=len(reason))
    flagged["priority"] = priority
    flagged["why"] = np.array([PRIORITY_TEXT[r] for r in reason], dtype=object)
    # Priority, then scope type, outcome and indicator; stable, as a sort on those columns is.
    order = np.lexsort(tuple(flagged[c].to_numpy(dtype=str) for c in ("indicator_id", "outcome_id", "scope_type"))
                       + (priority,))
    return flagged.iloc[order].reset_index(drop=True)


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


def untested_band_d(weak: pd.DataFrame) -> int:
    """How many listed figures are in band D with no interval to test them: among the
    quarter of LAs doing worst, but not shown significantly worse (:func:`by_band`)."""
    return int((by_band(weak) == "worst_quarter").sum()) if len(weak) else 0
