"""Watchlist: the figures a signed-in user follows, and which of them moved since they last looked."""

from __future__ import annotations

import streamlit as st

from dashboard import cache
from dashboard.components import demo_banner, download_csv
from dashboard.selection import no_data_yet, selection_bar
from dashboard.signin import signin_panel
from dashboard.state import get_store
from metrics.auth import PermissionDenied
from metrics.display import plain
from metrics.results import BENCHMARK_CHOICES, Selection
from metrics.shared import writes_enabled
from metrics.watchlist import (
    MAX_ITEMS,
    WatchItem,
    WatchlistError,
    add_items,
    change_lines,
    mark_seen,
    remove_items,
    watchlist,
    watchlist_table,
)

FLASH = "watch-flash"
store = get_store()
st.title("Watchlist")
demo_banner(store)
if not cache.years():
    no_data_yet()  # nothing to watch before the first import
st.write("Keep a list of the figures you follow: an indicator for an area, a cluster or a client group, "
         "against a benchmark. After each import, the items whose figure, comparison, band or trend moved "
         "are listed first here until you mark them as seen.")
user = signin_panel(store, "keep a watchlist")
if user is None:
    st.stop()
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH))

items = watchlist(store, user, status_of=cache.watch_statuses)
can_write = writes_enabled(store)
if not can_write:
    st.info("This copy of the dashboard is read-only, so your watchlist can be read here but not changed.")

st.header("Your watched items")
if items.empty:
    st.write("You watch nothing yet: choose an area and indicators below.")
else:
    changed = items[items["changed"]]
    if len(changed):
        st.warning(f"**{len(changed)} of your {len(items)} watched items changed since you last looked.**",
                   icon=":material/notifications:")
        st.markdown("\n".join(f"- {plain(line)}" for line in change_lines(items)))
    else:
        st.write(f"None of your {len(items)} watched items changed since you last looked.")
    table = watchlist_table(items)
    st.dataframe(table, hide_index=True, key="watch-table")
    st.caption("Each figure is the indicator's latest available period; 'c' is a figure hidden by "
               "disclosure control. 'What changed' compares the status now with the status when you "
               "added the item or last marked it as seen.")
    download_csv(table, f"watchlist_{user.username}.csv", "Download your watchlist (CSV)")
    if can_write and len(changed) and st.button("Mark all as seen", key="watch-seen"):
        try:
            n = mark_seen(store, user)
        except (WatchlistError, PermissionDenied) as exc:
            st.error(plain(exc))
        else:
            st.session_state[FLASH] = f"Marked {n} changed item{'s' if n != 1 else ''} as seen."
            st.rerun()

if not can_write:
    st.stop()

st.header("Watch more figures")
sel = selection_bar(without={"period": "The watchlist follows each indicator's latest available period."})
res = cache.area_results(Selection(sel.area_code, sel.benchmark, None, sel.client_group))
area_name = cache.areas().set_index("area_code").loc[sel.area_code, "name"]
watched = {(r.area_code, r.indicator_id, r.client_group_id, r.benchmark) for r in items.itertuples()}
offer = res[[(sel.area_code, i, sel.client_group, sel.benchmark) not in watched for i in res["indicator_id"]]]
names = {r.indicator_id: f"{r.outcome_name}: {r.short_title}" for r in offer.itertuples()}
with st.form("watch-add"):
    chosen = st.multiselect(
        f"Indicators to watch for {plain(area_name)} against {BENCHMARK_CHOICES[sel.benchmark]}",
        list(names), format_func=names.__getitem__, key="watch-choose",
        placeholder="Type to search indicators", help=f"At most {MAX_ITEMS} items in all.")
    add = st.form_submit_button("Add to my watchlist")
if add:
    if not chosen:
        st.error("Choose at least one indicator to watch.")
    else:
        try:
            add_items(store, user, [WatchItem(sel.area_code, i, sel.client_group, sel.benchmark) for i in chosen])
        except (WatchlistError, PermissionDenied) as exc:
            st.error(plain(exc))
        else:
            st.session_state[FLASH] = f"Added {len(chosen)} item{'s' if len(chosen) != 1 else ''} to your watchlist."
            st.rerun()

if not items.empty:
    st.header("Stop watching")
    labels = {int(r.watch_id): f"{r.short_title}, {r.area_name}, {r.client_group}, against {r.benchmark_name}"
              for r in items.itertuples()}
    with st.form("watch-remove"):
        gone = st.multiselect("Items to remove", list(labels), format_func=labels.__getitem__, key="watch-gone")
        remove = st.form_submit_button("Remove from my watchlist")
    if remove and gone:
        try:
            n = remove_items(store, user, gone)
        except (WatchlistError, PermissionDenied) as exc:
            st.error(plain(exc))
        else:
            st.session_state[FLASH] = f"Removed {n} item{'s' if n != 1 else ''} from your watchlist."
            st.rerun()
