"""Data pack: the pre-inspection pack for the selected area and period, as PDF or XLSX."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from dashboard import cache
from dashboard.components import demo_banner
from dashboard.selection import selection_bar
from dashboard.state import get_store
from metrics.display import fmt_seconds, plain
from metrics.pack import build_pack
from metrics.results import BENCHMARKS

store = get_store()
st.title("Pre-inspection data pack")
demo_banner(store)
sel = selection_bar(without={
    "group": "The pack covers all children, with every client group in its highlights, so it has "
             "no 'Client group' choice.",
})
area_name = cache.areas().set_index("area_code").loc[sel.area_code, "name"]
st.markdown(
    f"The pack for **{area_name}**, period ending **{sel.period_text}**, compared with "
    f"**{BENCHMARKS[sel.benchmark]}**: a cover page with sources and versions, each outcome's indicators with value, "
    "benchmark, significance, band, trend and the statistical-neighbour comparison and a chart, the "
    "weak-areas list, cluster and client-group highlights, and indicator definitions."
)
kind = st.radio("Format", ["pdf", "xlsx"], horizontal=True, key="pack-format",
                format_func={"pdf": "PDF (to read)", "xlsx": "XLSX (one sheet per outcome)"}.__getitem__)
if st.button("Build the pack", type="primary", key="build-pack"):
    bar = st.progress(0.0, text="Starting…")
    out = Path(tempfile.mkdtemp(prefix="ecm-pack-")) / f"data_pack_{sel.area_code}_{sel.period_year or 'latest'}.{kind}"
    try:
        path, seconds = build_pack(store, sel.area_code, out, sel.period_year, sel.benchmark,
                                   progress=lambda f, m: bar.progress(f, text=m))
    except ValueError as exc:
        bar.empty()
        st.error(plain(exc))
    else:
        st.session_state["pack"] = (path.name, path.read_bytes(), kind)
        st.success(f"Built in {fmt_seconds(seconds)}.")
if "pack" in st.session_state:
    name, payload, k = st.session_state["pack"]
    mime = "application/pdf" if k == "pdf" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    st.download_button(f"Download {name}", payload, file_name=name, mime=mime, key="dl-pack")
