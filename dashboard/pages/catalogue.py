"""Indicator catalogue: search, and each indicator's metadata page."""

from __future__ import annotations

import streamlit as st

from dashboard.components import demo_banner, download_csv
from dashboard.selection import param, remember
from dashboard.state import get_store
from metrics.display import plain
from metrics.lookups import (
    catalogue_table,
    indicator_details,
    indicators,
    search_catalogue,
    unmapped_indicators,
)

store = get_store()
st.title("Indicator catalogue")
demo_banner(store)
cat = indicators(store)
query = st.text_input("Search titles, definitions and codes", value=st.query_params.get("q", ""))
st.query_params["q"] = query
shown = search_catalogue(cat, query)
st.caption(f"{len(shown)} of {len(cat)} indicators")
table = catalogue_table(store, shown)
st.dataframe(table, hide_index=True, key="catalogue-table")
download_csv(shown.drop(columns=["client_groups", "nsf_standards"]), "indicator_catalogue.csv")

ids = shown["indicator_id"].tolist()
if ids:
    wanted = param("indicator", ids[0])
    by_id = cat.set_index("indicator_id")  # once: the label is asked for every option
    titles = by_id["title"].to_dict()
    chosen = st.selectbox("Indicator details", ids, index=ids.index(wanted) if wanted in ids else 0,
                          format_func=lambda i: f"{i}: {titles[i]}")
    remember(indicator=str(chosen))
    row = by_id.loc[chosen]
    st.header(str(row["title"]))
    fields = indicator_details(store, row)
    for k, v in fields.items():
        # Imported indicators bring their titles and definitions from the file: literal text.
        st.markdown(f"**{k}:** {plain(v)}")

unmapped = unmapped_indicators(store)
st.subheader("Imported measures not mapped to an ECM outcome")
if unmapped.empty:
    st.write("Every indicator in the store sits under an ECM outcome and aim.")
else:
    st.caption(
        f"{len(unmapped)} measures came with an import (for example DfE's LAIT dataset) without a place "
        "in the ECM framework. Their figures are stored but appear on no scorecard until they are mapped "
        "in data/mappings/."
    )
    st.dataframe(unmapped, hide_index=True, key="unmapped-table")
    download_csv(unmapped, "unmapped_measures.csv", label="Download the unmapped measures (CSV)")
