"""Compare areas: one indicator across LAs, ranked, with a funnel plot view."""

from __future__ import annotations

import streamlit as st

from dashboard.charts.compare import funnel_chart, ranked_bars
from dashboard.components import demo_banner, download_csv, suppressed_note
from dashboard.selection import indicator_picker, param, remember, selection_bar
from dashboard.state import get_store
from metrics.comparisons import funnel_data, indicator_across_las, indicator_meta
from metrics.display import (
    band_text,
    comparison_label,
    figure_sentence,
    fmt_ci,
    fmt_value,
    plain,
)
from metrics.labels import polarity_text

store = get_store()
st.title("Compare areas")
demo_banner(store)
sel = selection_bar()
indicator = indicator_picker(client_group=sel.client_group)
meta = indicator_meta(store, indicator)
scopes = {"england": "All LAs in England", "region": "LAs in the area's region", "neighbours": "The area's statistical neighbours"}
scope_keys = list(scopes)
wanted = param("scope", "england")
scope = st.radio("Show", scope_keys, horizontal=True, format_func=scopes.__getitem__,
                 index=scope_keys.index(wanted) if wanted in scope_keys else 0)
view = st.radio("View", ["bars", "funnel"], horizontal=True,
                index=1 if param("view", "bars") == "funnel" else 0,
                format_func={"bars": "Ranked bars", "funnel": "Funnel plot"}.__getitem__)
remember(scope=scope, view=view)

las = indicator_across_las(store, indicator, sel, scope)
dp = int(meta["decimal_places"])
bench = str(las["benchmark_name"].iloc[0]) if len(las) else "England"
bench_value = fmt_value(las["benchmark_value"].iloc[0], dp) if len(las) else "–"
st.caption(
    f"{meta['title']} ({meta['unit']}). Polarity: {polarity_text(meta['polarity'])}. "
    f"Significance: each LA's 95% CI compared with the value of {bench} for the selected area "
    f"({bench_value}; overlap = similar); better/worse follows the polarity. "
    "Bands and ranks among all LAs in England."
)
chosen = las[las["selected"]]
if not chosen.empty:
    r = chosen.iloc[0]
    st.markdown(f"**{plain(r['name'])}**: {plain(figure_sentence(r, dp, str(meta['unit']), bench, r['benchmark_value']))}.")
if view == "bars":
    st.plotly_chart(ranked_bars(las, meta), key="bars")
else:
    points, limits = funnel_data(store, indicator, sel, scope)
    if limits.empty:
        st.info("A funnel plot needs counts and denominators of a proportion or crude rate; "
                "this indicator has none.")
    else:
        st.plotly_chart(funnel_chart(points, limits, meta), key="funnel")
        st.caption(f"The funnel plot's points: each of {scopes[scope].lower()}, against the 95% (0.025) "
                   "and 99.8% (0.001) control limits around the pooled average of those LAs.")
        st.dataframe(points.assign(
            Value=[fmt_value(v, dp) for v in points["value"]],
            Selected=points["selected"].map({True: "◀ selected", False: ""}),
        )[["name", "area_code", "count", "denominator", "Value", "funnel", "Selected"]].rename(
            columns={"name": "Area", "area_code": "Code", "count": "Count",
                     "denominator": "Denominator", "funnel": "Funnel position", "Selected": "Selected area"}),
            hide_index=True, key="funnel-table")
        download_csv(points, f"{indicator}_{sel.period_year or 'latest'}_funnel.csv",
                     label="Download the funnel plot's data (CSV)")
table = las.assign(
    Rank=las["rank"].map(lambda r: "–" if r != r else int(r)),
    Area=las["name"] + las["selected"].map({True: " ◀ selected", False: ""}),
    Value=[fmt_value(v, dp, s) for v, s in zip(las["value"], las["suppressed"], strict=True)],
    CI=[fmt_ci(lo, hi, dp, s) for lo, hi, s in zip(las["lower95"], las["upper95"], las["suppressed"], strict=True)],
    Band=[band_text(b) for b in las["band"]],
    Compared=[comparison_label(c) for c in las["comparison"]],
)[["Rank", "Area", "area_code", "Value", "CI", "Band", "Compared"]].rename(
    columns={"area_code": "Code", "CI": "95% CI", "Compared": f"Compared with {bench}"})
st.dataframe(table, hide_index=True, key="compare-table")
suppressed_note(las["suppressed"])
download_csv(las, f"{indicator}_{sel.period_year or 'latest'}_compare.csv")
