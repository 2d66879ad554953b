"""Cached reads: every entry is keyed on the store and its data version.

The version changes on every import, so a cached figure is never older than the
data; within one version, repeated views of the same selection cost nothing. The
key is an ordinary argument: Streamlit leaves arguments whose names start with an
underscore out of the cache key, so a key named ``_version`` would never change it.
The store's path is in the key too: one process can serve two stores (a replica
moving to a new snapshot, a test), whose versions count from 1 alike.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.state import get_store
from metrics import changes, lookups, ofsted, results, summary, watchlist, weak_areas
from metrics.results import Selection


def version() -> str:
    """The cache key of the data now shown: the store's path and its data version."""
    store = get_store()
    return f"{store.path}@{store.data_version()}"


@st.cache_data(max_entries=64, show_spinner=False)
def _inspections(data_key: str, area_code: str) -> list[ofsted.Inspection]:
    return ofsted.inspections(get_store(), area_code)


def inspections(area_code: str) -> list[ofsted.Inspection]:
    """The area's Ofsted ILACS inspections, newest first (none for England, regions, clusters)."""
    return _inspections(version(), area_code)


@st.cache_data(max_entries=16, show_spinner=False)
def _areas(data_key: str) -> pd.DataFrame:
    return lookups.areas(get_store())


def areas() -> pd.DataFrame:
    return _areas(version())


@st.cache_data(max_entries=4, show_spinner=False)
def _client_groups(data_key: str) -> pd.DataFrame:
    return lookups.client_groups(get_store())


def client_groups() -> pd.DataFrame:
    return _client_groups(version())


@st.cache_data(max_entries=4, show_spinner=False)
def _years(data_key: str) -> list[int]:
    return lookups.years(get_store())


def years() -> list[int]:
    return _years(version())


@st.cache_data(max_entries=4, show_spinner=False)
def _outcomes(data_key: str) -> pd.DataFrame:
    return lookups.outcome_summary(get_store())


def outcomes() -> pd.DataFrame:
    return _outcomes(version())


@st.cache_data(max_entries=256, show_spinner=False)
def _area_results(data_key: str, sel: Selection) -> pd.DataFrame:
    return results.area_results(get_store(), sel)


def area_results(sel: Selection) -> pd.DataFrame:
    return _area_results(version(), sel)


@st.cache_data(max_entries=4, show_spinner=False)
def _catalogue(data_key: str) -> pd.DataFrame:
    return lookups.catalogue_frame(get_store())


def catalogue_frame() -> pd.DataFrame:
    return _catalogue(version())


@st.cache_data(max_entries=32, show_spinner=False)
def _weak_areas(data_key: str, sel: Selection) -> pd.DataFrame:
    return weak_areas.weak_areas(get_store(), sel)


def weak_list(sel: Selection) -> pd.DataFrame:
    """The whole list for an area: it reads the area, every client group and every
    cluster (one batched pass, but still the dearest page), and narrowing it by
    outcome or standard should not pay that again."""
    return _weak_areas(version(), sel)


@st.cache_data(max_entries=64, show_spinner=False)
def _board_summary(data_key: str, sel: Selection) -> summary.Summary:
    return summary.area_summary(get_store(), sel)


def board_summary(sel: Selection) -> summary.Summary:
    """The plain-English summary of the area's results (:mod:`metrics.summary`)."""
    return _board_summary(version(), sel)


@st.cache_data(max_entries=64, show_spinner=False)
def _summary_docx(data_key: str, sel: Selection, links: dict[str, str] | None) -> bytes:
    return summary.to_docx(_board_summary(data_key, sel), links)


def summary_docx(sel: Selection, links: dict[str, str] | None) -> bytes:
    """The summary as a Word document: 50 ms to write, so written once per data version and links."""
    return _summary_docx(version(), sel, links)


@st.cache_data(max_entries=8, show_spinner=False)
def _versions(data_key: str) -> list[changes.Version]:
    return changes.versions(get_store())


def versions() -> list[changes.Version]:
    """The store's data versions (committed imports), newest first."""
    return _versions(version())


@st.cache_data(max_entries=32, show_spinner="Rebuilding the data as they were…")
def _changes(data_key: str, sel: Selection, batch_id: int) -> pd.DataFrame:
    return changes.changes_since(get_store(), sel, batch_id)


def changes_since(sel: Selection, batch_id: int) -> pd.DataFrame:
    """What changed for ``sel`` since the data after ``batch_id`` (:mod:`metrics.changes`)."""
    return _changes(version(), sel, batch_id)


@st.cache_data(max_entries=64, show_spinner=False)
def _watch_statuses(data_key: str, items: tuple[watchlist.WatchItem, ...]) -> list[dict[str, str]]:
    return watchlist.statuses(get_store(), items)


def watch_statuses(store: object, items: object) -> list[dict[str, str]]:
    """Watched items' statuses now (:func:`metrics.watchlist.statuses`), kept per data version:
    the sidebar asks on every page a signed-in user opens."""
    return _watch_statuses(version(), tuple(items))  # type: ignore[arg-type]
