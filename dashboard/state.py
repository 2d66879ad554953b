"""The app's one shared store and the cache key every page uses."""

from __future__ import annotations

import logging
import os

import streamlit as st

from metrics.publish import is_publish_folder, resolve_store
from metrics.published import ensure_published
from metrics.store import Store, StoreBusy, default_db_path

_log = logging.getLogger(__name__)


@st.cache_resource(show_spinner=False, max_entries=4)
def _open(path: str, writable: bool) -> Store:
    return Store(path, read_only=not writable)


def get_store() -> Store:
    """One connection per store file for the whole server; a cursor per session.

    Page views only read. A server that should take imports from its Data page
    (an LA performance team's own instance) is started with ECM_WRITABLE=1; a
    DuckDB file has one writer, so the CLI cannot write while it runs.

    ``ECM_DB`` may name a publish folder (:mod:`metrics.publish`): its current
    snapshot is looked up on every page run, so a replica moves to a newly
    published snapshot on the next click, while sessions still reading the old
    one keep their connection (the cache holds a few).

    On a fresh machine there is no store yet: build the published national store
    from the shipped snapshot first, showing progress, then open it.
    """
    path = default_db_path()
    if not path.exists():
        bar = st.progress(0.0, text="First run: building the national store from published data…")
        ensure_published(path, progress=lambda f, m: bar.progress(min(f, 1.0), text=m))
        bar.empty()
    writable = os.environ.get("ECM_WRITABLE") == "1" and not is_publish_folder(path)
    try:
        return _open(str(resolve_store(path)), writable)
    except StoreBusy as exc:
        # A writer (jar import, a rebuild) holds the file. Not cached, so the next
        # click opens the store once the writer has finished.
        _log.warning("store busy: %s", exc.detail)
        st.info(str(exc))
        st.stop()
        raise  # st.stop() ends the run; this line only tells the type checker
