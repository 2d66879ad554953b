"""Clusters: inside an LA, its clusters side by side against the LA value."""

from __future__ import annotations

import streamlit as st

from dashboard import cache
from dashboard.charts import readable
from dashboard.charts.clusters import cluster_tartan
from dashboard.components import demo_banner, download_csv, suppressed_note
from dashboard.selection import param, remember, selection_bar
from dashboard.state import get_store
from metrics.display import comparison_label, fmt_value
from metrics.subgroups import (
    cluster_la,
    cluster_results,
    cluster_template_csv,
    clusters_of,
    has_cluster_figures,
    las_with_clusters,
)

store = get_store()
st.title("Clusters")
demo_banner(store)
sel = selection_bar(without={
    "benchmark": "Each cluster is compared with its own local authority, so this page has no "
                 "'Compare with' choice.",
    "group": "Cluster figures are for all children (each indicator's headline group); the Client "
             "groups page has the groups.",
})
areas = cache.areas().set_index("area_code")
code = cluster_la(store, sel.area_code)
clusters = clusters_of(store, code)
if clusters.empty:
    with_clusters = las_with_clusters(store)
    st.info(f"{areas.loc[code, 'name']} has no clusters defined. LAs with clusters: "
            + ", ".join(areas.loc[c, "name"] for c in with_clusters) + ".")
    st.stop()
if not has_cluster_figures(store, code):
    st.info(
        f"**No cluster figures for {areas.loc[code, 'name']} yet.** No national publication holds "
        "figures below local authority level, so clusters appear once the LA imports its own. "
        "Download the template below (every catalogue indicator for the LA and each of its "
        "clusters, by client group, with the next period to collect), fill in counts and "
        "denominators or values, and import it on *Data: import and history* (or "
        "`jar import FILE`). Counts under the disclosure threshold are suppressed on import, and "
        "a cluster that would reveal one through the LA total is hidden too.",
        icon=":material/info:",
    )
    st.download_button("Download the cluster template (CSV)", cluster_template_csv(store, code),
                       file_name=f"{code}_cluster_template.csv", mime="text/csv", key="cluster-template")
    for c in clusters.itertuples():
        st.markdown(f"**{c.name}**: {c.description}")
    st.stop()
outcomes = cache.outcomes()
onames = dict(zip(outcomes["outcome_id"], outcomes["name"], strict=True))
opts = list(onames)
wanted = param("outcome", opts[0])
outcome = st.selectbox("Outcome", opts, index=opts.index(wanted) if wanted in opts else 0,
                       format_func=onames.__getitem__)
remember(outcome=outcome)
res = cluster_results(store, code, sel, outcome)
st.caption(f"Significance: each cluster's confidence interval (95%, or 99.8% where Fingertips sets it) "
           f"compared with {areas.loc[code, 'name']}'s "
           "value (overlap = similar); better/worse follows each indicator's polarity, and "
           "indicators with no polarity are marked higher/lower. Cluster counts add up to the LA's.")
for c in clusters.itertuples():
    st.markdown(f"**{c.name}**: {c.description}")
fig = cluster_tartan(res, f"{onames[outcome]}: clusters against the LA")
st.plotly_chart(readable(fig), key="tartan")
dp = res["decimal_places"].fillna(1).astype(int)
table = res.assign(
    Value=[fmt_value(v, d, s) for v, d, s in zip(res["value"], dp, res["suppressed"], strict=True)],
    LA=[fmt_value(v, d) for v, d in zip(res["la_value"], dp, strict=True)],
    Compared=[comparison_label(c) for c in res["comparison"]],
)[["short_title", "name", "Value", "LA", "Compared", "unit"]].rename(
    columns={"short_title": "Indicator", "name": "Cluster", "LA": "LA value", "Compared": "Compared with LA", "unit": "Unit"})
st.dataframe(table, hide_index=True, key="clusters-table")
suppressed_note(res["suppressed"])
download_csv(res, f"{code}_clusters_{outcome}.csv")
