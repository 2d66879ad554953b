"""Weak areas: where an area, its clusters or its client groups need a director's attention.

A row is listed when the figure is significantly worse than the benchmark, in
quartile band D, or getting worse. "Red-red" (worse and getting worse) comes
first, then worse, then band D, then getting worse alone. The same comparison
rules as everywhere else (:mod:`metrics.results`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.display import fmt_value
from metrics.lookups import area_infos, client_group_names
from metrics.results import Selection, area_results_long
from metrics.scorecard import by_band
from metrics.stats import weak_flags
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

    On arrays, and one row selection at the end: a dozen scopes share one frame, and
    pandas' cost per operation would add up across them.
    """
    worse, band_d, getting_worse, red_red = weak_flags(
        frame["comparison"].to_numpy(dtype=object), frame["band"].to_numpy(dtype=object),
        frame["trend"].to_numpy(dtype=object))
    reason = np.full(len(frame), None, dtype=object)
    reason[getting_worse] = "getting_worse"
    reason[band_d] = "band_d"
    reason[worse] = "worse"
    reason[red_red] = "red_red"
    keep = np.flatnonzero(getting_worse | band_d | worse)
    out = frame.iloc[keep].copy()
    out["reason"] = pd.Series(reason[keep], index=out.index, dtype=object)
    out["red_red"] = red_red[keep]
    out["band_d"] = band_d[keep]  # plain bool, like red_red, whatever the frame's dtype backend
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


#: The "why" filter: which flag a row must carry (a row can carry several).
WHY_OPTIONS: dict[str, str] = {
    "all": "Any reason",
    "worse": "Significantly worse",
    "getting_worse": "Getting worse",
    "band_d": "Worst quartile (band D)",
}
#: The "where" filter's kinds of scope; single clusters and client groups are "cluster:<code>", "client_group:<id>".
WHERE_KINDS: dict[str, str] = {
    "all": "Everywhere",
    "area": "The area itself",
    "cluster": "All clusters",
    "client_group": "All client groups",
}
#: The orders the list can be read in.
SORT_OPTIONS: dict[str, str] = {
    "severity": "Severity, then size of gap",
    "gap": "Size of gap (as % of the benchmark), largest first",
}


def filter_weak(
    weak: pd.DataFrame, outcome_id: str = "all", nsf_standard: str = "all", where: str = "all", why: str = "all",
) -> pd.DataFrame:
    """Narrow the list to one ECM outcome, one NSF standard, where and why ("all" keeps everything).

    ``where``: "area", "cluster", "client_group" (every scope of that kind), or
    "cluster:<area code>" / "client_group:<group id>" (one scope). ``why``: a key of
    :data:`WHY_OPTIONS`; a red-red row is both "worse" and "getting_worse", and a
    band D row is "band_d" whatever else it is.

    Kept here rather than in the page so the count a director sees and the count a
    test or the data pack computes cannot drift apart.
    """
    out = weak
    if outcome_id != "all":
        out = out[out["outcome_id"] == outcome_id]
    if nsf_standard != "all":
        std = int(nsf_standard)
        out = out[out["nsf_standards"].apply(lambda s: s is not None and std in list(s))]
    if where != "all":
        kind, _, code = where.partition(":")
        keep = out["scope_type"] == kind
        if code:
            keep &= out["scope_code"] == code
        out = out[keep]
    if why == "worse":
        out = out[out["comparison"] == "worse"]
    elif why == "getting_worse":
        out = out[out["trend"] == "getting_worse"]
    elif why == "band_d":
        out = out[out["band_d"].astype(bool)]
    elif why != "all":
        raise ValueError(f"unknown reason {why!r}")
    return out.reset_index(drop=True)


def where_options(weak: pd.DataFrame, area_name: str) -> dict[str, str]:
    """The "where" filter's choices for this list: each kind, then each cluster and client group listed."""
    options = {"all": WHERE_KINDS["all"], "area": f"{area_name} (the area itself)"}
    for kind in ("cluster", "client_group"):
        rows = weak[weak["scope_type"] == kind].drop_duplicates("scope_code").sort_values("scope")
        if len(rows):
            options[kind] = WHERE_KINDS[kind]
            singular = "Cluster" if kind == "cluster" else "Client group"
            options.update({f"{kind}:{r.scope_code}": f"{singular}: {r.scope}" for r in rows.itertuples()})
    return options


def worse_gap(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """How far each figure is from its benchmark in the worse direction, and that as % of the benchmark.

    ``value - benchmark`` where low is good, ``benchmark - value`` where high is
    good: positive means worse (a red-red figure's gap is positive; a figure listed
    only for getting worse can be better than the benchmark, a negative gap).
    The percentage is of the benchmark's absolute value, so rates per 10,000 and
    percentages can be ranked together. NaN where there is no value (suppressed),
    no benchmark, no polarity, or (for the percentage) a benchmark of 0.
    """
    value = frame["value"].to_numpy(dtype=float)
    bench = frame["benchmark_value"].to_numpy(dtype=float)
    polarity = frame["polarity"].to_numpy(dtype=object)
    sign = np.where(polarity == "low_is_good", 1.0, np.where(polarity == "high_is_good", -1.0, np.nan))
    gap = sign * (value - bench)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(bench != 0, 100.0 * gap / np.abs(bench), np.nan)
    return gap, pct


def compared_with(frame: pd.DataFrame) -> np.ndarray:
    """What each row is compared against, in words, exactly as :func:`weak_areas` compares it.

    The whole area against the chosen benchmark (its name); a cluster against its
    parent LA ("Telford and Wrekin (the LA)", England where a cluster has none); a
    client group against the same client group in the chosen benchmark ("Looked-after
    children in England"), not against all children in the area.
    """
    out = []
    for kind, scope, bench in zip(frame["scope_type"], frame["scope"], frame["benchmark_name"], strict=True):
        if kind == "cluster" and bench != "England":
            out.append(f"{bench} (the LA)")
        elif kind == "client_group":
            out.append(f"{scope} in {bench}")
        else:
            out.append(str(bench))
    return np.array(out, dtype=object)


def gap_text(gap: float, pct: float, places: int = 1) -> str:
    """A gap as a reader says it: "worse by 11.2 (53.7%)", "better by 2.5 (2.7%)", "–" when unknown."""
    if gap != gap:  # NaN: no value or no benchmark
        return fmt_value(gap, places)
    words = "better by" if gap < 0 else "worse by"
    share = f" ({fmt_value(abs(pct), 1)}%)" if pct == pct else ""
    return f"{words} {fmt_value(abs(gap), places)}{share}"


def flags_text(frame: pd.DataFrame) -> np.ndarray:
    """Why each row is listed, with band D added where it is not already the reason:
    "Significantly worse; band D"."""
    return np.array([
        f"{why}; band D" if band_d and reason in ("red_red", "worse") else str(why)
        for why, reason, band_d in zip(frame["why"], frame["reason"], frame["band_d"], strict=True)
    ], dtype=object)


def where_text(frame: pd.DataFrame, area_name: str) -> np.ndarray:
    """Each row's scope as a reader names it: "Telford and Wrekin (whole area)", "Wellington (cluster)",
    or the client group's name."""
    return np.array([
        f"{area_name} (whole area)" if kind == "area" else f"{scope} (cluster)" if kind == "cluster" else str(scope)
        for kind, scope in zip(frame["scope_type"], frame["scope"], strict=True)
    ], dtype=object)


def rank_weak(weak: pd.DataFrame, sort: str = "severity", area_name: str | None = None) -> pd.DataFrame:
    """The list with its gap (:func:`worse_gap`) and comparator (:func:`compared_with`), in reading order.

    Severity is :data:`PRIORITY`: significantly worse and getting worse (red-red)
    first, then significantly worse, then band D, then getting worse. ``sort``:
    "severity" orders by severity, then the gap as % of the benchmark, largest
    first; "gap" by that percentage alone. Figures with no gap go last; ties keep
    :func:`weak_areas`' order. Adds ``gap``, ``gap_pct`` and ``compared_with``, and
    ``where`` (:func:`where_text`) when ``area_name`` is given.
    """
    if sort not in SORT_OPTIONS:
        raise ValueError(f"unknown order {sort!r}")
    gap, pct = worse_gap(weak)
    out = weak.assign(gap=gap, gap_pct=pct, compared_with=compared_with(weak) if len(weak) else [])
    if area_name is not None:
        out["where"] = where_text(weak, area_name) if len(weak) else []
    missing = np.isnan(pct)
    key_pct = np.where(missing, 0.0, -pct)  # largest first
    keys: tuple[np.ndarray, ...] = (np.arange(len(out)), key_pct, missing)
    if sort == "severity":
        keys = (*keys, out["priority"].to_numpy(dtype=np.int64))
    order = np.lexsort(keys)
    return out.iloc[order].reset_index(drop=True)


def untested_band_d(weak: pd.DataFrame) -> int:
    """How many listed figures are in band D with no interval to test them: among the
    quarter of LAs doing worst, but not shown significantly worse (:func:`by_band`)."""
    return int((by_band(weak) == "worst_quarter").sum()) if len(weak) else 0
