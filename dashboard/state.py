"""The app's one shared store and the cache key every page uses."""

from __future__ import annotations

import os

import streamlit as st

from metrics.demo import ensure_store
from metrics.store import Store, default_db_path


@st.cache_resource(show_spinner=False)
def get_store() -> Store:
    """One connection for the whole server (read-only unless ECM_WRITABLE=1); a cursor per session.

    On a fresh machine there is no store yet: build the demo first, showing
    progress, then open it read-only.
    """
    path = default_db_path()
    if not path.exists():
        bar = st.progress(0.0, text="First run: building the national demo store…")
        ensure_store(path, progress=lambda f, m: bar.progress(min(f, 1.0), text=m))
        bar.empty()
    # Page views only read. A server that should take imports from its Data page
    # (an LA performance team's own instance) is started with ECM_WRITABLE=1; a
    # DuckDB file has one writer, so the CLI cannot write while it runs.
    return Store(path, read_only=os.environ.get("ECM_WRITABLE") != "1")


def data_version() -> str:
    return get_store().data_version()
