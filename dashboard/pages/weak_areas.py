"""Weak areas: a director's ranked list of where to look first."""

from __future__ import annotations

import streamlit as st

from dashboard import cache
from dashboard.components import demo_banner, download_csv, method_note, suppressed_note
from dashboard.format import BAND_TEXT, TREND_TEXT, comparison_label, fmt_value
from dashboard.selection import param, remember, selection_bar
from dashboard.state import get_store
from metrics.weak_areas import filter_weak, untested_band_d

store = get_store()
st.title("Weak areas")
demo_banner(store)
sel = selection_bar()
outcomes = cache.outcomes()
onames = {"all": "All outcomes", **dict(zip(outcomes["outcome_id"], outcomes["name"], strict=True))}
c1, c2 = st.columns(2)
opts = list(onames)
wanted = param("outcome", "all")
outcome = c1.selectbox("Outcome", opts, index=opts.index(wanted) if wanted in opts else 0,
                       format_func=onames.__getitem__)
std_opts = ["all", *[str(i) for i in range(1, 12)]]
wanted_std = st.query_params.get("nsf", "all")
nsf = c2.selectbox("NSF standard", std_opts, index=std_opts.index(wanted_std) if wanted_std in std_opts else 0,
                   format_func=lambda s: "All standards" if s == "all" else f"Standard {s}")
remember(outcome=outcome, nsf=nsf)
with st.spinner("Checking the area, its clusters and client groups…"):
    weak = filter_weak(cache.weak_list(sel), outcome, nsf)
method_note(str(weak["benchmark_name"].iloc[0]) if len(weak) else "benchmark")
m1, m2, m3 = st.columns(3)
m1.metric("Figures listed", len(weak))
m2.metric("Red-red (worse and getting worse)", int(weak["red_red"].sum()))
m3.metric("Band D with no interval to test", untested_band_d(weak))
st.caption("Listed when significantly worse than the benchmark, in quartile band D, or getting "
           "worse; red-red first. A band D figure with no confidence interval is among the quarter of "
           "LAs doing worst, not significantly worse: it has no test. Clusters are compared with their LA, client groups with the "
           "same benchmark as the whole area.")
dp = weak["decimal_places"].fillna(1).astype(int)
table = weak.assign(
    Value=[fmt_value(v, d, s) for v, d, s in zip(weak["value"], dp, weak["suppressed"], strict=True)],
    Benchmark=[fmt_value(v, d) for v, d in zip(weak["benchmark_value"], dp, strict=True)],
    Compared=[comparison_label(c) for c in weak["comparison"]],
    Band=[BAND_TEXT.get(b, "–") if isinstance(b, str) else "–" for b in weak["band"]],
    Trend=[TREND_TEXT.get(t, t) for t in weak["trend"]],
)[["why", "scope", "outcome_name", "short_title", "Value", "Benchmark", "Compared", "Band", "Trend", "unit"]]
table = table.rename(columns={"why": "Why listed", "scope": "Where", "outcome_name": "Outcome",
                              "short_title": "Indicator", "unit": "Unit"})
st.dataframe(table, hide_index=True, key="weak-table")
suppressed_note(weak["suppressed"])
download_csv(weak.drop(columns=["client_groups", "nsf_standards"]), f"{sel.area_code}_weak_areas.csv")
