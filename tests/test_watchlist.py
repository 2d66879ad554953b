"""The watchlist: a user's items, moved by an import, shown as changed until seen, audited, private to its owner."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from metrics.auth import PermissionDenied, User, create_first_admin, create_user, set_active
from metrics.changes import changes_since, versions
from metrics.display import fmt_value
from metrics.labels import COMPARISON_WORDS
from metrics.lookups import latest_periods
from metrics.results import Selection, area_results
from metrics.services import run_import
from metrics.store import Store
from metrics.watchlist import (
    STATUS_PARTS,
    WatchItem,
    WatchlistError,
    add_items,
    changed_count,
    mark_seen,
    remove_items,
    statuses,
    watchlist,
    watchlist_csv,
)
from tests.support.accounts import add_account

AREA = "E06000020"  # Telford and Wrekin
PASSWORD = "a long and unusual passphrase"
# NI62 (3+ placements) moves from similar to worse; NI147 (care leavers in EET) gets a new period;
# LAC_RATE (children looked after per 10,000) the revision file leaves alone.
MOVED, NEW_PERIOD, STILL = "NI62", "NI147", "LAC_RATE"


def revision_file(store: Store, path: Path) -> Path:
    """The revision tests/test_changes.py imports: NI62 for 2024-25 worse, and NI147 for 2025-26 for every LA."""
    rows = [{"indicator_id": "NI62", "area_code": AREA, "client_group_id": "lac", "period": "2024-25",
             "count": 90, "denominator": 411}]
    last = store.df(
        "SELECT area_code, count, denominator FROM observation o JOIN area a USING (area_code)"
        " WHERE indicator_id = 'NI147' AND period_year = 2025 AND a.area_type = 'la' AND count IS NOT NULL"
        " AND denominator > 0")
    for r in last.itertuples():
        rows.append({"indicator_id": "NI147", "area_code": r.area_code, "client_group_id": "care_leavers",
                     "period": "2025-26", "count": 120 if r.area_code == AREA else int(r.count),
                     "denominator": int(r.denominator)})
    for r in rows:
        r["value"] = 100 * r["count"] / r["denominator"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def moved(published_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """A copy of the published store; dora watches three figures, then an analyst imports the revision."""
    tmp = tmp_path_factory.mktemp("watchlist")
    path = tmp / "store.duckdb"
    shutil.copy(published_db, path)
    store = Store(path)
    admin = create_first_admin(store, "ada", PASSWORD)
    analyst = create_user(store, admin, "ann", "analyst", "another unusual passphrase")
    dora = create_user(store, admin, "dora", "director", "a third unusual passphrase")
    vic = create_user(store, admin, "vic", "viewer", "a fourth unusual passphrase")
    before_batch = max(v.batch_id for v in versions(store))
    before = area_results(store, Selection(AREA)).set_index("indicator_id")
    ids = add_items(store, dora, [WatchItem(AREA, i) for i in (MOVED, NEW_PERIOD, STILL)])
    vic_ids = add_items(store, vic, [WatchItem(AREA, MOVED)])
    run_import(store, analyst, revision_file(store, tmp / "revision.csv"), fmt="template")
    yield store, dora, vic, ids, vic_ids, before, before_batch
    store.close()


def _printed(r: pd.Series) -> str:
    return f"{fmt_value(r['value'], int(r['decimal_places']), bool(r['suppressed']))} ({r['period_label']})"


def test_items_an_import_moved_are_shown_changed_with_both_statuses(moved) -> None:
    store, dora, _, _, _, before, _ = moved
    now = area_results(store, Selection(AREA)).set_index("indicator_id")
    items = watchlist(store, dora).set_index("indicator_id")
    assert set(items.index) == {MOVED, NEW_PERIOD, STILL}
    assert bool(items.loc[MOVED, "changed"]) and bool(items.loc[NEW_PERIOD, "changed"])
    assert not bool(items.loc[STILL, "changed"]) and items.loc[STILL, "what_changed"] == ""
    # Both statuses as every page prints them, from the results engine before and after the import.
    for iid in (MOVED, NEW_PERIOD, STILL):
        assert items.loc[iid, "seen_figure"] == _printed(before.loc[iid])
        assert items.loc[iid, "figure"] == _printed(now.loc[iid])
        assert items.loc[iid, "comparison"] == COMPARISON_WORDS[now.loc[iid, "comparison"]]
    assert (items.loc[MOVED, "seen_comparison"], items.loc[MOVED, "comparison"]) == ("Similar", "Worse")
    assert "Compared with benchmark: Similar to Worse" in items.loc[MOVED, "what_changed"]
    assert f"Figure: {_printed(before.loc[NEW_PERIOD])} to {_printed(now.loc[NEW_PERIOD])}" in \
        items.loc[NEW_PERIOD, "what_changed"]
    assert "(2025-26)" in items.loc[NEW_PERIOD, "figure"]
    # Changed items come first.
    assert watchlist(store, dora)["changed"].tolist() == [True, True, False]
    assert changed_count(store, dora) == 2


def test_an_item_is_changed_exactly_when_what_changed_lists_its_latest_figure(moved) -> None:
    """Cross-check with metrics.changes: a new period, a comparison or a band move of the latest figure
    is a watched item's change; a revision of an earlier period alone is not."""
    store, dora, _, _, _, _, before_batch = moved
    listed = changes_since(store, Selection(AREA), before_batch)
    latest = set(listed[listed["kind"].isin(["new_period", "significance", "band"])]["indicator_id"])
    items = watchlist(store, dora)
    assert set(items[items["changed"]]["indicator_id"]) == latest & set(items["indicator_id"])


def test_marking_seen_clears_the_changes_for_that_user_only_and_is_audited(moved) -> None:
    store, dora, vic, _, vic_ids, _, _ = moved
    assert watchlist(store, vic)["changed"].tolist() == [True]
    assert mark_seen(store, dora) == 2
    assert changed_count(store, dora) == 0
    assert watchlist(store, dora)["seen_figure"].tolist() == watchlist(store, dora)["figure"].tolist()
    assert watchlist(store, vic)["changed"].tolist() == [True], "another user's list moved"
    assert mark_seen(store, dora) == 0  # nothing left to mark
    log = store.df("SELECT username, action, target, outcome FROM audit_log WHERE action LIKE 'watch%'"
                   " ORDER BY audit_id")
    assert log[["username", "action", "outcome"]].values.tolist() == [
        ["dora", "watch_add", "ok"], ["vic", "watch_add", "ok"], ["dora", "watch_seen", "ok"]]
    assert mark_seen(store, vic, vic_ids) == 1


def test_lists_are_private_and_removal_is_audited(moved, tmp_path: Path) -> None:
    store, dora, vic, ids, vic_ids, _, _ = moved
    assert set(watchlist(store, vic)["indicator_id"]) == {MOVED}
    with pytest.raises(WatchlistError, match="Not on your watchlist"):
        remove_items(store, vic, [ids[0]])
    with pytest.raises(WatchlistError, match="Not on your watchlist"):
        mark_seen(store, vic, [ids[0]])
    assert len(watchlist(store, dora)) == 3
    assert remove_items(store, vic, vic_ids) == 1
    assert watchlist(store, vic).empty
    assert store.scalar("SELECT count(*) FROM audit_log WHERE action = 'watch_remove' AND username = 'vic'") == 1
    # Adding an item already watched keeps the one there.
    assert add_items(store, dora, [WatchItem(AREA, MOVED)]) == [ids[0]]
    assert len(watchlist(store, dora)) == 3


def test_signed_out_disabled_and_unknown_accounts_are_refused(moved) -> None:
    store, dora, _, _, _, _, _ = moved
    with pytest.raises(PermissionDenied):
        watchlist(store, None)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        add_items(store, User("nobody", "director"), [WatchItem(AREA, STILL)])
    add_account(store, "gone", "director", active=False)
    with pytest.raises(PermissionDenied):
        add_items(store, User("gone", "director"), [WatchItem(AREA, STILL)])
    admin = User("ada", "admin")
    pat = create_user(store, admin, "pat", "viewer", "a fifth unusual passphrase")
    add_items(store, pat, [WatchItem(AREA, STILL)])
    set_active(store, admin, "pat", False)
    with pytest.raises(PermissionDenied):
        watchlist(store, pat)


@pytest.mark.parametrize(("item", "message"), [
    (WatchItem("E99999999", STILL), "No area has the code"),
    (WatchItem(AREA, "NOPE"), "No indicator has the id"),
    (WatchItem(AREA, STILL, client_group="nope"), "No client group has the id"),
    (WatchItem(AREA, STILL, benchmark="moon"), "No benchmark is called"),
    (WatchItem(AREA, "NI147", client_group="ehcp"), "is not published for"),
])
def test_an_item_the_store_cannot_show_is_refused_and_nothing_is_written(moved, item: WatchItem,
                                                                          message: str) -> None:
    store, dora, _, _, _, _, _ = moved
    held = len(watchlist(store, dora))
    with pytest.raises(WatchlistError, match=message):
        add_items(store, dora, [WatchItem(AREA, "NI113"), item])
    assert len(watchlist(store, dora)) == held


def test_a_hidden_figure_is_kept_as_c_never_as_a_number(moved) -> None:
    store, dora, _, _, _, _, _ = moved
    hidden = store.df(
        "SELECT o.area_code, o.indicator_id, o.client_group_id, o.period_year FROM ecm_observation o"
        " JOIN indicator i USING (indicator_id) JOIN area a USING (area_code)"
        " WHERE o.suppressed AND o.client_group_id = i.headline_group AND o.sex = 'persons' AND o.category = ''"
        " AND a.area_type = 'la' ORDER BY ALL")
    # A page opens each indicator on its latest available period: a figure hidden there.
    latest = latest_periods(store)
    hidden = hidden[[latest.get((i, g)) == y for i, g, y in
                     zip(hidden["indicator_id"], hidden["client_group_id"], hidden["period_year"], strict=True)]]
    if hidden.empty:
        pytest.skip("the published store has no hidden latest figure")
    r = hidden.iloc[0]
    item = WatchItem(str(r["area_code"]), str(r["indicator_id"]))
    [status] = statuses(store, [item])
    assert status["figure"].startswith("c (")
    add_items(store, dora, [item])
    kept = store.df("SELECT seen_figure FROM watch_item WHERE username = 'dora' AND area_code = ?"
                    " AND indicator_id = ?", [item.area_code, item.indicator_id])
    assert kept["seen_figure"].iloc[0] == status["figure"]


def test_the_csv_holds_what_the_page_shows(moved) -> None:
    store, dora, _, _, _, _, _ = moved
    text = watchlist_csv(store, dora).decode("utf-8")
    header = text.splitlines()[0].split(",")
    assert header[:4] == ["Changed", "Indicator", "Area", "What changed since you last looked"]
    assert header[-2:] == ["Client group", "Benchmark"]
    assert all(h in header for h in STATUS_PARTS.values())
    assert "Telford and Wrekin" in text


def test_a_read_only_store_without_postgres_refuses_changes_in_words(published_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "replica.duckdb"
    shutil.copy(published_db, path)
    with Store(path) as store:
        dora = add_account(store, "dora", "director")
    with Store(path, read_only=True) as store:
        assert watchlist(store, dora).empty  # reading still works
        with pytest.raises(WatchlistError, match="read-only"):
            add_items(store, dora, [WatchItem(AREA, STILL)])


def test_a_full_list_refuses_more_and_keeps_what_it_has(moved, monkeypatch: pytest.MonkeyPatch) -> None:
    import metrics.watchlist as watch

    store, dora, _, _, _, _, _ = moved
    held = len(watchlist(store, dora))
    monkeypatch.setattr(watch, "MAX_ITEMS", held + 1)
    with pytest.raises(WatchlistError, match=f"at most {held + 1} items"):
        add_items(store, dora, [WatchItem(AREA, "NI113"), WatchItem(AREA, "NI114")])
    assert len(watchlist(store, dora)) == held
