"""Data: analysts upload a published file, read the validation report, confirm, or roll back."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.signin import signin_panel
from dashboard.state import get_store
from metrics.batches import batch_history, history_table, pending_sync, rollback_choices
from metrics.display import plain
from metrics.io.faults import ImportFailed
from metrics.io.formats import FORMATS
from metrics.services import run_import, run_rollback

store = get_store()
st.title("Data: import and history")
st.markdown(
    "Load a file exactly as published: a **Fingertips CSV**, a **DfE tidy CSV** (with its "
    "mapping file), the project's **template** (CSV or XLSX) or DfE's **LAIT** parquet. The "
    "whole file is checked first; if anything is wrong nothing is written and every fault is "
    "listed with its row and column. Imports can be rolled back."
)

if "data-message" in st.session_state:  # the outcome of the last action, kept across the rerun
    st.success(plain(st.session_state.pop("data-message")))  # it names the user's file
history = batch_history(store)  # the team's, from PostgreSQL, when ECM_SHARED_DB is set
st.subheader("Import history")
if history.empty:
    st.write("No imports yet.")
else:
    st.dataframe(history_table(history), hide_index=True, key="history")
    if pending_sync(history):
        st.caption("Batches with *synced* unticked are in this store but not yet in the team's history in "
                   "PostgreSQL: the next import or rollback, or `jar sync-batches`, records them.")

user = signin_panel(store, "import data or roll back an import (analyst role)")
if user is None:
    st.stop()
if not user.can("import_data"):
    st.warning(f"Your role ({user.role}) can read but not import: imports need the analyst role.")
    st.stop()
if store.read_only:
    st.warning(
        "This server opened the store read-only, so imports are switched off here. Start it with "
        "`ECM_WRITABLE=1 make run` to import from the browser, or use `jar import FILE` while the "
        "dashboard is stopped."
    )
    st.stop()

st.subheader("Import a file")
upload = st.file_uploader("Data file", type=["csv", "xlsx", "parquet"], key="upload")
mapping = st.file_uploader("Mapping file (DfE tidy CSV only)", type=["csv"], key="mapping")
fmt = st.selectbox("Format", ["detect", *FORMATS], key="format",
                   format_func=lambda f: "Detect from the file" if f == "detect" else f)
skip = st.checkbox("Skip rows for areas that no longer exist (they are listed, not lost)", key="skip")

if upload is not None:
    work = Path(st.session_state.setdefault("upload_dir", tempfile.mkdtemp(prefix="ecm-upload-")))
    path = work / Path(upload.name).name  # keep the user's file name: faults name it
    path.write_bytes(upload.getvalue())
    map_path = None
    if mapping is not None:
        map_path = work / Path(mapping.name).name
        map_path.write_bytes(mapping.getvalue())
    kwargs = {"fmt": None if fmt == "detect" else fmt, "mapping": map_path,
              "unknown_areas": "skip" if skip else "fault"}
    bar = st.progress(0.0, text="Checking the file…")
    try:
        report = run_import(store, user, path, dry_run=True,
                            progress=lambda n, m: bar.progress(0.5, text=m), **kwargs)
    except ImportFailed as exc:
        bar.empty()
        st.error(f"{plain(upload.name)}: refused, nothing would be written "
                 f"({exc.total:,} fault{'' if exc.total == 1 else 's'}).")
        st.dataframe(
            pd.DataFrame([{"Row": f.row, "Sheet": f.sheet, "Column": f.column,
                           "Value": "" if f.value is None else str(f.value), "Rule": f.rule}
                          for f in exc.faults]),
            hide_index=True, key="faults",
        )
        st.stop()
    except (ValueError, FileNotFoundError) as exc:
        bar.empty()
        st.error(plain(exc))
        st.stop()
    bar.empty()
    st.success(f"Validation passed. {plain(report.summary())}")
    if st.button("Confirm: import this file", type="primary", key="confirm"):
        try:
            with st.spinner("Importing in one transaction…"):
                result = run_import(store, user, path, **kwargs)
        except ImportFailed as exc:
            st.error(f"{plain(upload.name)}: not imported, nothing was written. "
                     + " ".join(plain(f.rule) for f in exc.faults[:3]))
            st.stop()
        st.cache_data.clear()
        st.session_state["data-message"] = result.summary()
        st.rerun()  # so the history and the rollback list include the new batch

if not history.empty:
    st.subheader("Roll back an import")
    live = rollback_choices(history)  # the team's history may list batches this store does not hold yet
    if live:
        batch = st.selectbox("Batch", live, key="rollback-batch")
        if st.button("Roll back this batch", key="rollback"):
            try:
                n = run_rollback(store, user, int(batch))
            except ValueError as exc:
                st.error(plain(exc))
            else:
                st.cache_data.clear()
                st.session_state["data-message"] = (
                    f"Batch {batch} rolled back: {n:,} rows removed, replaced values restored.")
                st.rerun()
