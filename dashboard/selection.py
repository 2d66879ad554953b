"""The global selection bar, held in the URL and the session together.

Each widget starts from ``st.query_params`` (or, when a page is opened from the
sidebar with an empty query string, from the session) and writes its value back
to both, so copying the address bar into another browser reproduces the view
exactly, and moving between pages keeps it.
"""

from __future__ import annotations

import streamlit as st

from dashboard import cache
from metrics.results import BENCHMARK_CHOICES, BENCHMARKS, Selection

DEFAULT_AREA = "E06000020"  # Telford and Wrekin: the seeds' worked example


#: The selection every page shares. Streamlit's sidebar navigation opens a page
#: with an empty query string, so these are also kept in the session: a reader
#: who picks Blackpool on one page finds Blackpool on the next, however they move.
SHARED = ("area", "benchmark", "period", "group", "outcome", "indicator")
_SESSION_KEY = "selection"


def param(name: str, default: str) -> str:
    """A selection's value: the URL's (a shared link), else this session's, else ``default``."""
    value = st.query_params.get(name)
    if value:
        return value
    if name in SHARED:
        kept = st.session_state.get(_SESSION_KEY, {}).get(name)
        if kept:
            return str(kept)
    return default


def remember(**values: str) -> None:
    """Put the chosen values in the URL and, for the shared selection, in the session."""
    st.query_params.update(values)
    kept = st.session_state.setdefault(_SESSION_KEY, {})
    kept.update({k: v for k, v in values.items() if k in SHARED})




def no_data_yet() -> None:
    """Tell the reader how to fill an empty store, then stop the page."""
    st.info(
        "**This store holds no figures yet.** It has the Every Child Matters framework, the indicator "
        "catalogue and every English local authority, but no observations.\n\n"
        "- To see real published figures for every LA, build the published store: "
        "`jar build-published --db PATH` (or start the dashboard without `ECM_DB`).\n"
        "- To add your own files, import them: on the *Data: import and history* page (an analyst on a "
        "writable server), or `jar import FILE --db PATH` (see the user guide).\n"
        "- For training, the synthetic demo: `jar build-demo`.",
        icon=":material/info:",
    )
    st.stop()


#: The URL's word for "latest available" (Selection.period_year None).
LATEST = "latest"


def selection_bar(allow_all_areas: bool = True, without: dict[str, str] | None = None) -> Selection:
    """Draw area, benchmark, period and client-group pickers; return the selection.

    ``without`` names pickers this page has no use for ("benchmark", "period", "group"),
    each with the reason shown in their place: a picker that changed nothing
    would mislead. Their values are still carried in the URL and the session, so
    the next page opens with them.

    On a store with no observations yet there is nothing to select: the page
    says what to import and stops, instead of drawing empty pickers.
    """
    without = without or {}
    if not cache.years():
        no_data_yet()
    areas = cache.areas()
    if not allow_all_areas:
        areas = areas[areas["area_type"].isin(["la", "cluster"])]
    codes = areas["area_code"].tolist()
    labels = {
        r.area_code: f"{r.name} ({r.area_code})" + (" – cluster" if r.area_type == "cluster" else "")
        for r in areas.itertuples()
    }
    years = cache.years()
    groups = cache.client_groups()
    group_names = dict(zip(groups["client_group_id"], groups["name"], strict=True))

    area = param("area", DEFAULT_AREA)
    area = area if area in labels else (DEFAULT_AREA if DEFAULT_AREA in labels else codes[0])
    bench = param("benchmark", "england")
    bench = bench if bench in BENCHMARKS else "england"
    # "latest": each indicator its own latest period (the default, so nothing opens blank
    # where an indicator is published later than others).
    periods: list[int | str] = [LATEST, *years]
    raw = param("period", LATEST)
    try:
        year: int | str = int(raw)
    except ValueError:
        year = LATEST
    year = year if year in periods else LATEST
    group = param("group", "all")
    group = group if group in group_names else "all"

    # Two rows, so every choice reads in full at 720 px wide (200% zoom): the area with the
    # period, then the benchmark with the client group. Four in a row cut them off.
    cols: dict[str, object] = {}
    for row in ((("area", 3.0), ("period", 1.4)), (("benchmark", 1.0), ("group", 1.0))):
        shown = [(k, w) for k, w in row if k not in without]
        if not shown:
            continue
        # One picker left in a row keeps its share of the width (the rest left blank).
        made = st.columns([w for _, w in row])
        cols.update(zip([k for k, _ in shown], [c for (k, _), c in zip(row, made, strict=True) if k not in without],
                        strict=True))
    area = cols["area"].selectbox(
        "Area (type to search by name or code)", codes, index=codes.index(area),
        format_func=labels.__getitem__, key="sel_area",
    )
    if "benchmark" in cols:
        bench_keys = list(BENCHMARKS)
        bench = cols["benchmark"].selectbox(
            "Compare with", bench_keys, index=bench_keys.index(bench),
            format_func=BENCHMARK_CHOICES.__getitem__, key="sel_benchmark",
        )
    if "period" in cols:
        year = cols["period"].selectbox("Period ending", periods, index=periods.index(year), key="sel_period",
                                        format_func=lambda p: "Latest available" if p == LATEST else str(p))
    if "group" in cols:
        gkeys = list(group_names)
        group = cols["group"].selectbox(
            "Client group", gkeys, index=gkeys.index(group), format_func=group_names.__getitem__,
            key="sel_group",
        )
    if without:
        st.caption(" ".join(without.values()))
    remember(area=area, benchmark=bench, period=str(year), group=group)
    return Selection(area_code=area, benchmark=bench, period_year=None if year == LATEST else int(year),
                     client_group=group)


def indicator_picker(label: str = "Indicator", client_group: str = "all") -> str:
    """Pick one indicator (held in the URL as ``indicator``), grouped by outcome."""
    cat = cache.catalogue_frame()
    if client_group != "all":
        cat = cat[cat["client_groups"].apply(lambda g: client_group in list(g))]
    ids = cat["indicator_id"].tolist()
    names = {
        r.indicator_id: f"{r.outcome_name}: {r.short_title} ({r.indicator_id})" for r in cat.itertuples()
    }
    wanted = param("indicator", ids[0] if ids else "")
    index = ids.index(wanted) if wanted in ids else 0
    chosen = st.selectbox(label, ids, index=index, format_func=names.__getitem__, key="sel_indicator")
    remember(indicator=str(chosen))
    return str(chosen)
