"""Each signed-in user's watchlist: indicator and area pairs, and which of them moved since they last looked.

A director or board member keeps a short list of the figures they follow: an
indicator for an area (an LA, a cluster or a region), for all children or one
client group, against a benchmark. Each item remembers its status as the user
last saw it, as printed (the figure and its period, the comparison, the band,
the trend). After an import the status is worked out again from the store
(:func:`metrics.results.area_results_many`, latest available period, the
same engine as every page), and the items whose status differs are the ones
shown as changed until the user marks them seen.

The statuses kept are the printed text, so a figure disclosure control hides is
kept as "c", never as a number, and a watchlist can show nothing a page could
not. Items live in the shared tables (:mod:`metrics.shared`): the DuckDB store by
default, PostgreSQL with ``ECM_SHARED_DB``. Adding, removing and marking seen are
authorised against the user's current account and audited in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from metrics.auth import User, audit, authorise, now
from metrics.display import MISSING, fmt_value
from metrics.labels import COMPARISON_WORDS, TREND_WORDS
from metrics.results import BENCHMARK_CHOICES, Selection, area_results_many
from metrics.shared import DuckShared, PgShared, shared_for
from metrics.spreadsheet import csv_bytes
from metrics.store import Store

ACTION = "keep_watchlist"
#: A list long enough for a board's standing items, short enough to read at a glance.
MAX_ITEMS = 200
#: The parts of an item's status, in the order a reader compares them, and their headings.
STATUS_PARTS: dict[str, str] = {
    "figure": "Figure",
    "comparison": "Compared with benchmark",
    "band": "Band",
    "trend": "Trend",
}
NO_FIGURE = "no figure"
NOT_PUBLISHED = "not published for this group"
_ITEM_COLUMNS = ("watch_id", "username", "area_code", "indicator_id", "client_group_id", "benchmark",
                 "added_at", "seen_at", "seen_version", *(f"seen_{p}" for p in STATUS_PARTS))


class WatchlistError(ValueError):
    """A watchlist change that cannot be made, in words a user can act on."""


@dataclass(frozen=True)
class WatchItem:
    """What a user asks to watch."""

    area_code: str
    indicator_id: str
    client_group: str = "all"
    benchmark: str = "england"


def _status_rows(results: pd.DataFrame, indicator_id: str) -> dict[str, str]:
    rows = results[results["indicator_id"] == indicator_id]
    if rows.empty:
        return {"figure": NOT_PUBLISHED, "comparison": MISSING, "band": MISSING, "trend": MISSING}
    r = rows.iloc[0]
    if pd.isna(r["value"]) and not bool(r["suppressed"]):
        figure = NO_FIGURE
    else:
        figure = f"{fmt_value(r['value'], int(r['decimal_places']), bool(r['suppressed']))} ({r['period_label']})"
    comparison = COMPARISON_WORDS.get(str(r["comparison"]), COMPARISON_WORDS["not_compared"])
    band = str(r["band"]) if isinstance(r["band"], str) and r["band"] else "no band"
    trend = TREND_WORDS.get(str(r["trend"]), TREND_WORDS["cannot_be_calculated"])
    return {"figure": figure, "comparison": comparison, "band": band, "trend": trend}


def statuses(store: Store, items: Iterable[WatchItem]) -> list[dict[str, str]]:
    """Each item's status now, as printed: ``figure``, ``comparison``, ``band``, ``trend``.

    One results pass per distinct area, client group and benchmark, each at the
    latest available period of every indicator (what a page opens on).
    """
    items = list(items)
    sels = sorted({Selection(i.area_code, i.benchmark, None, i.client_group) for i in items},  # type: ignore[arg-type]
                  key=lambda s: (s.area_code, s.client_group, s.benchmark))
    frames = dict(zip(sels, area_results_many(store, sels), strict=True)) if sels else {}
    return [_status_rows(frames[Selection(i.area_code, i.benchmark, None, i.client_group)], i.indicator_id)  # type: ignore[arg-type]
            for i in items]


@dataclass(frozen=True)
class _Names:
    areas: dict[str, str]
    titles: dict[str, str]
    headline: dict[str, str]
    groups: dict[str, str]


def _names(store: Store) -> _Names:
    """Area, indicator and client group names, kept per data version: the sidebar asks on every page."""
    def read() -> _Names:
        catalogue = store.df("SELECT indicator_id, short_title, headline_group FROM indicator")
        return _Names(
            dict(store.df("SELECT area_code, name FROM area").itertuples(index=False, name=None)),
            dict(zip(catalogue["indicator_id"], catalogue["short_title"], strict=True)),
            dict(zip(catalogue["indicator_id"], catalogue["headline_group"], strict=True)),
            dict(store.df("SELECT client_group_id, name FROM client_group").itertuples(index=False, name=None)),
        )
    return store.memo("watchlist_names", read)


def _check_item(store: Store, item: WatchItem) -> None:
    """Refuse an item naming an area, indicator, group or benchmark this store does not hold."""
    names = _names(store)
    if item.area_code not in names.areas:
        raise WatchlistError(f"No area has the code {item.area_code!r}.")
    if item.indicator_id not in names.titles:
        raise WatchlistError(f"No indicator has the id {item.indicator_id!r}.")
    if item.client_group not in names.groups:
        raise WatchlistError(f"No client group has the id {item.client_group!r}.")
    if item.benchmark not in BENCHMARK_CHOICES:
        raise WatchlistError(f"No benchmark is called {item.benchmark!r}: choose one of "
                             f"{', '.join(BENCHMARK_CHOICES)}.")


def _check_published(store: Store, item: WatchItem, status: dict[str, str]) -> None:
    if status["figure"] == NOT_PUBLISHED:
        names = _names(store)
        title, group = names.titles[item.indicator_id], names.groups[item.client_group]
        raise WatchlistError(f"{title} is not published for {str(group).lower()}, so it cannot be watched for them.")


def _writable(store: Store) -> None:
    if not shared_for(store).writable:
        raise WatchlistError("This copy of the dashboard is read-only, so watchlists cannot be changed here. "
                             "Ask your administrator to set ECM_SHARED_DB (see the README).")


def add_items(store: Store, actor: User, items: Sequence[WatchItem]) -> list[int]:
    """Watch ``items`` (already watched ones are left as they are); their ids, in order.

    Each new item starts as seen: it shows as changed only after a later import moves it.
    """
    actor = authorise(store, actor, ACTION, items[0].area_code if items else None)
    _writable(store)
    if not items:
        return []
    for item in items:
        _check_item(store, item)
    status = statuses(store, items)
    for item, st in zip(items, status, strict=True):
        _check_published(store, item, st)
    shared = shared_for(store)
    try:
        return _insert_items(shared, actor, items, status, store.data_version())
    except shared.conflicts:
        # Another session of this user added one of these at the same moment: it is
        # there now, so a second pass finds it and adds only the rest.
        return _insert_items(shared, actor, items, status, store.data_version())


def _insert_items(shared: DuckShared | PgShared, actor: User, items: Sequence[WatchItem], status: list[dict[str, str]],
                  version: str) -> list[int]:
    when = now()
    ids: list[int] = []
    with shared.transaction() as cur:
        held = cur.execute("SELECT count(*) FROM watch_item WHERE username = ?", [actor.username]).fetchone()[0]
        added = []
        for item, st in zip(items, status, strict=True):
            key = [actor.username, item.area_code, item.indicator_id, item.client_group, item.benchmark]
            row = cur.execute("SELECT watch_id FROM watch_item WHERE username = ? AND area_code = ? AND indicator_id = ?"
                              " AND client_group_id = ? AND benchmark = ?", key).fetchone()
            if row is not None:
                ids.append(int(row[0]))
                continue
            if held >= MAX_ITEMS:
                raise WatchlistError(f"A watchlist holds at most {MAX_ITEMS} items; remove some first.")
            watch_id = cur.next_id("watch_item", "watch_id")
            cur.execute(
                "INSERT INTO watch_item (watch_id, username, area_code, indicator_id, client_group_id, benchmark,"
                " added_at, seen_at, seen_version, seen_figure, seen_comparison, seen_band, seen_trend)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [watch_id, *key, when, when, version, *(st[p] for p in STATUS_PARTS)],
            )
            held += 1
            ids.append(watch_id)
            added.append(watch_id)
        if added:
            audit(cur, actor.username, actor.role, "watch_add", ",".join(map(str, added)),
                  detail={"items": [f"{i.indicator_id} {i.area_code} {i.client_group} {i.benchmark}"
                                    for i, w in zip(items, ids, strict=True) if w in added]})
    return ids


def _own_ids(cur: object, username: str, watch_ids: Sequence[int]) -> list[int]:
    rows = cur.execute("SELECT watch_id FROM watch_item WHERE username = ?", [username]).fetchall()  # type: ignore[attr-defined]
    mine = {int(r[0]) for r in rows}
    strangers = sorted(set(map(int, watch_ids)) - mine)
    if strangers:
        raise WatchlistError(f"Not on your watchlist: item {', '.join(map(str, strangers))}.")
    return sorted(set(map(int, watch_ids)))


def remove_items(store: Store, actor: User, watch_ids: Sequence[int]) -> int:
    """Stop watching the given items of the actor's own list; how many were removed."""
    actor = authorise(store, actor, ACTION)
    _writable(store)
    with shared_for(store).transaction() as cur:
        ids = _own_ids(cur, actor.username, watch_ids)
        for watch_id in ids:
            cur.execute("DELETE FROM watch_item WHERE watch_id = ?", [watch_id])
        if ids:
            audit(cur, actor.username, actor.role, "watch_remove", ",".join(map(str, ids)))
    return len(ids)


def mark_seen(store: Store, actor: User, watch_ids: Sequence[int] | None = None) -> int:
    """Record the status now as seen for the given items (all the actor's, by default); how many moved."""
    actor = authorise(store, actor, ACTION)
    _writable(store)
    items = _items(store, actor.username)
    if watch_ids is not None:
        wanted = set(map(int, watch_ids))
        missing = sorted(wanted - set(items["watch_id"].astype(int)))
        if missing:
            raise WatchlistError(f"Not on your watchlist: item {', '.join(map(str, missing))}.")
        items = items[items["watch_id"].astype(int).isin(wanted)]
    current = statuses(store, _as_items(items))
    version, when = store.data_version(), now()
    moved = [(int(w), st) for w, st, (_, r) in zip(items["watch_id"], current, items.iterrows(), strict=True)
             if any(st[p] != r[f"seen_{p}"] for p in STATUS_PARTS)]
    with shared_for(store).transaction() as cur:
        for watch_id, st in moved:
            cur.execute(
                "UPDATE watch_item SET seen_at = ?, seen_version = ?, seen_figure = ?, seen_comparison = ?,"
                " seen_band = ?, seen_trend = ? WHERE watch_id = ? AND username = ?",
                [when, version, *(st[p] for p in STATUS_PARTS), watch_id, actor.username],
            )
        if moved:
            audit(cur, actor.username, actor.role, "watch_seen", ",".join(str(w) for w, _ in moved),
                  detail={"data_version": version})
    return len(moved)


def _items(store: Store, username: str) -> pd.DataFrame:
    cols = ", ".join(_ITEM_COLUMNS)  # fixed names
    return shared_for(store).df(f"SELECT {cols} FROM watch_item WHERE username = ? ORDER BY watch_id", [username])


def _as_items(frame: pd.DataFrame) -> list[WatchItem]:
    return [WatchItem(str(r.area_code), str(r.indicator_id), str(r.client_group_id), str(r.benchmark))
            for r in frame.itertuples()]


#: The columns of :func:`watchlist`.
COLUMNS = ["watch_id", "area_code", "area_name", "indicator_id", "short_title", "client_group_id",
           "client_group", "benchmark", "benchmark_name", *STATUS_PARTS, *(f"seen_{p}" for p in STATUS_PARTS),
           "seen_at", "changed", "what_changed"]


StatusReader = Callable[[Store, Sequence[WatchItem]], list[dict[str, str]]]


def watchlist(store: Store, actor: User, status_of: StatusReader | None = None) -> pd.DataFrame:
    """The actor's items with their status now and as last seen: :data:`COLUMNS`, changed ones first.

    ``what_changed`` says each part that moved, e.g. "Compared with benchmark: Similar to Worse".
    ``status_of`` works the statuses out (default :func:`statuses`; the dashboard
    passes one kept per data version, since its sidebar asks on every page).
    """
    actor = authorise(store, actor, ACTION)
    items = _items(store, actor.username)
    if items.empty:
        return pd.DataFrame(columns=COLUMNS)
    names = _names(store)
    areas, titles, headline, groups = names.areas, names.titles, names.headline, names.groups
    # An item whose area or indicator a later store no longer holds is kept (the user removes it) but not worked out.
    known = items["area_code"].isin(list(areas)) & items["indicator_id"].isin(list(titles))
    now_status = iter((status_of or statuses)(store, _as_items(items[known])))
    rows = []
    for r, ok in zip(items.itertuples(), known, strict=True):
        st = next(now_status) if ok else {"figure": "no longer in the store", "comparison": MISSING,
                                          "band": MISSING, "trend": MISSING}
        moved = [p for p in STATUS_PARTS if st[p] != getattr(r, f"seen_{p}")]
        rows.append({
            "watch_id": int(r.watch_id), "area_code": r.area_code, "area_name": areas.get(r.area_code, r.area_code),
            "indicator_id": r.indicator_id, "short_title": titles.get(r.indicator_id, r.indicator_id),
            # "All children" shows each indicator for its own headline group (placement
            # stability: looked-after children), and the item says which.
            "client_group_id": r.client_group_id,
            "client_group": groups.get(headline.get(r.indicator_id) if r.client_group_id == "all" else None,
                                       groups.get(r.client_group_id, r.client_group_id)),
            "benchmark": r.benchmark, "benchmark_name": BENCHMARK_CHOICES.get(r.benchmark, r.benchmark),
            **st, **{f"seen_{p}": getattr(r, f"seen_{p}") for p in STATUS_PARTS},
            "seen_at": r.seen_at, "changed": bool(moved),
            "what_changed": "; ".join(f"{STATUS_PARTS[p]}: {getattr(r, f'seen_{p}')} to {st[p]}" for p in moved),
        })
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.sort_values(["changed", "area_name", "short_title"], ascending=[False, True, True],
                           kind="stable").reset_index(drop=True)


def changed_count(store: Store, actor: User, status_of: StatusReader | None = None) -> int:
    """How many of the actor's items moved since they last marked them seen."""
    return int(watchlist(store, actor, status_of)["changed"].sum())


def change_lines(frame: pd.DataFrame) -> list[str]:
    """One sentence per changed item, for the top of the page: what it is, then what moved."""
    return [f"{r.short_title}, {r.area_name} ({r.client_group.lower()}, against {r.benchmark_name}): "
            f"{r.what_changed}." for r in frame[frame["changed"]].itertuples()]


def watchlist_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The watchlist as a reader sees it (and as the CSV holds it): words only, no codes."""
    return pd.DataFrame({
        "Changed": ["Yes" if c else "No" for c in frame["changed"]],
        "Indicator": frame["short_title"],
        "Area": frame["area_name"],
        "What changed since you last looked": frame["what_changed"].replace("", "–"),
        **{heading: frame[part] for part, heading in STATUS_PARTS.items()},
        "Client group": frame["client_group"],
        "Benchmark": frame["benchmark_name"],
    })


def watchlist_csv(store: Store, actor: User) -> bytes:
    """The actor's watchlist as a CSV, through the formula guard (area and indicator names are data)."""
    return csv_bytes(watchlist_table(watchlist(store, actor)))
