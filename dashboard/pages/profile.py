"""Area profile: every indicator against England's range, outcome by outcome."""

from __future__ import annotations

import streamlit as st

from dashboard import cache
from dashboard.charts.spine import spine_chart
from dashboard.components import (
    demo_banner,
    download_csv,
    method_note,
    ofsted_summary,
    results_table,
)
from dashboard.selection import param, remember, selection_bar
from dashboard.state import get_store

store = get_store()
st.title("Area profile")
demo_banner(store)
sel = selection_bar()
res = cache.area_results(sel)
outcomes = cache.outcomes()
ofsted_summary(cache.inspections(sel.area_code))

view = st.radio(
    "Group indicators by", ["aims", "nsf"], horizontal=True,
    index=0 if st.query_params.get("view", "aims") != "nsf" else 1,
    format_func={"aims": "ECM outcome and aim", "nsf": "NSF standard"}.__getitem__,
)
ids = outcomes["outcome_id"].tolist()
# One outcome at a time unless asked for all: a board reviews outcome by outcome,
# and five spine charts at once took over 2 s to draw (60 s under 20 sessions).
wanted = param("outcome", ids[0] if ids else "all")
options = ["all", *ids]
names = {"all": "All outcomes", **dict(zip(outcomes["outcome_id"], outcomes["name"], strict=True))}
outcome = st.selectbox(
    "Outcome", options, index=options.index(wanted) if wanted in options else 0,
    format_func=names.__getitem__,
)
remember(view=view, outcome=outcome)
bench = res["benchmark_name"].iloc[0] if len(res) else "England"
method_note(bench)

shown = res if outcome == "all" else res[res["outcome_id"] == outcome]
if view == "aims":
    for oid, block in shown.groupby("outcome_id", sort=False):
        st.header(names[oid])
        st.plotly_chart(spine_chart(block, f"{names[oid]}: area value against {bench} and the LAs' range"),
                        key=f"spine-{oid}")
        results_table(block.sort_values(["aim_order", "indicator_id"], kind="stable"), key=f"tbl-{oid}",
                      with_aim=True)
else:
    exploded = shown.explode("nsf_standards")
    for std, block in exploded.groupby("nsf_standards"):
        st.header(f"NSF standard {std}")
        results_table(block, key=f"tbl-nsf-{std}")
download_csv(shown.drop(columns=["client_groups", "nsf_standards"], errors="ignore"),
             f"{sel.area_code}_{sel.period_year or 'latest'}_{outcome}_profile.csv")
