"""Streamlit entry point: ``streamlit run app.py``.

Set ``ECM_DB`` to open another DuckDB store; without it the embedded demo is
used (built on first run).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import cache
from dashboard.signin import current_user
from dashboard.state import get_store
from metrics.lookups import dataset_status
from metrics.watchlist import changed_count

st.set_page_config(
    page_title="Children's services outcomes and joint area review",
    page_icon=":material/child_care:",
    layout="wide",
)

# In the order a reader works: performance, then the joint review, then data and help.
# A flat list, all shown at once: Streamlit's sectioned navigation nests its list
# markup in a way axe-core reports as a serious violation, so no sections.
pages = [
    st.Page("dashboard/pages/home.py", title="Outcome scorecard", icon=":material/home:", default=True),
    st.Page("dashboard/pages/profile.py", title="Area profile", icon=":material/view_list:"),
    st.Page("dashboard/pages/compare.py", title="Compare areas", icon=":material/bar_chart:"),
    st.Page("dashboard/pages/trends.py", title="Trends", icon=":material/show_chart:"),
    st.Page("dashboard/pages/clusters.py", title="Clusters", icon=":material/grid_view:"),
    st.Page("dashboard/pages/client_groups.py", title="Client groups", icon=":material/groups:"),
    st.Page("dashboard/pages/weak_areas.py", title="Weak areas", icon=":material/warning:"),
    st.Page("dashboard/pages/watchlist.py", title="Watchlist", icon=":material/visibility:"),
    st.Page("dashboard/pages/map.py", title="Map", icon=":material/map:"),
    st.Page("dashboard/pages/pack.py", title="Data pack", icon=":material/picture_as_pdf:"),
    st.Page("dashboard/pages/judgements.py", title="Review judgements", icon=":material/gavel:"),
    st.Page("dashboard/pages/catalogue.py", title="Indicator catalogue", icon=":material/menu_book:"),
    st.Page("dashboard/pages/data.py", title="Data: import and history", icon=":material/upload_file:"),
    st.Page("dashboard/pages/admin.py", title="Users and audit log", icon=":material/admin_panel_settings:"),
    st.Page("dashboard/pages/about.py", title="User guide and accessibility", icon=":material/help:"),
]
page = st.navigation(pages, expanded=True)
# Which data this view shows: a replica serving a publish folder moves to a new
# snapshot on the next click, and this line says which one a reader is looking at.
_store = get_store()
st.sidebar.caption(
    f"Data: {dataset_status(_store).label} · version {_store.data_version()} · "
    f"{Path(_store.path).name}",
    help="The data version changes with every import; quote it when you share a figure.",
)
# A signed-in user hears of their watched items that moved, whichever page they open.
_user = current_user(_store)
if _user is not None:
    _moved = changed_count(_store, _user, cache.watch_statuses)
    if _moved:
        st.sidebar.warning(f"{_moved} of your watched item{'s' if _moved != 1 else ''} changed since you "
                           "last looked.", icon=":material/notifications:")
        st.sidebar.page_link("dashboard/pages/watchlist.py", label="Open your watchlist")
page.run()
