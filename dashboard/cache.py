"""Cached reads: every entry is keyed on the store's data version.

The version changes on every import, so a cached figure is never older than the
data; within one version, repeated views of the same selection cost nothing.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.state import get_store
from metrics import catalogue, ofsted, results, weak_areas
from metrics.results import Selection


def version() -> str:
    return get_store().data_version()


@st.cache_data(max_entries=64, show_spinner=False)
def _inspections(_version: str, area_code: str) -> list[ofsted.Inspection]:
    return ofsted.inspections(get_store(), area_code)


def inspections(area_code: str) -> list[ofsted.Inspection]:
    """The area's Ofsted ILACS inspections, newest first (none for England, regions, clusters)."""
    return _inspections(version(), area_code)


@st.cache_data(max_entries=16, show_spinner=False)
def _areas(_version: str) -> pd.DataFrame:
    return catalogue.areas(get_store())


def areas() -> pd.DataFrame:
    return _areas(version())


@st.cache_data(max_entries=4, show_spinner=False)
def _client_groups(_version: str) -> pd.DataFrame:
    return catalogue.client_groups(get_store())


def client_groups() -> pd.DataFrame:
    return _client_groups(version())


@st.cache_data(max_entries=4, show_spinner=False)
def _years(_version: str) -> list[int]:
    return results.years(get_store())


def years() -> list[int]:
    return _years(version())


@st.cache_data(max_entries=4, show_spinner=False)
def _outcomes(_version: str) -> pd.DataFrame:
    return catalogue.outcome_summary(get_store())


def outcomes() -> pd.DataFrame:
    return _outcomes(version())


@st.cache_data(max_entries=256, show_spinner=False)
def _area_results(_version: str, sel: Selection) -> pd.DataFrame:
    return results.area_results(get_store(), sel)


def area_results(sel: Selection) -> pd.DataFrame:
    return _area_results(version(), sel)


@st.cache_data(max_entries=4, show_spinner=False)
def _catalogue(_version: str) -> pd.DataFrame:
    return results.catalogue_frame(get_store())


def catalogue_frame() -> pd.DataFrame:
    return _catalogue(version())


@st.cache_data(max_entries=32, show_spinner=False)
def _weak_areas(_version: str, sel: Selection) -> pd.DataFrame:
    return weak_areas.weak_areas(get_store(), sel)


def weak_list(sel: Selection) -> pd.DataFrame:
    """The whole list for an area: it reads the area, every client group and every
    cluster (one batched pass, but still the dearest page), and narrowing it by
    outcome or standard should not pay that again."""
    return _weak_areas(version(), sel)
