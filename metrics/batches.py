"""The team's import history in PostgreSQL: each import batch recorded right after its DuckDB commit.

**Why a copy, written after the commit.** An import writes its ``import_batch``
row and its observations (which carry the batch id) in one DuckDB transaction,
so a batch and its rows exist together or not at all, and a rollback changes the
batch's status in the same transaction that restores the rows. Moving the batch
row into PostgreSQL would split that transaction across two databases with no
two-phase commit between them: a crash between the two commits would leave rows
pointing at a batch that does not exist, or a batch with no rows. So the DuckDB
row stays the authority, and when ``ECM_SHARED_DB`` is set every import and
every rollback is *also* recorded in PostgreSQL's ``import_batch``, which every
replica and analyst reads: who imported which file (and its hash), when, how
many rows, its status, and which DuckDB store and data version it went into.

**Why it can always be repaired.** The PostgreSQL write comes after the DuckDB
commit and may fail (server down, network gone). It never undoes the import.
Instead the copy is an idempotent upsert of *all* the store's batches, keyed by
(store identity, batch id), so the next import or rollback, or an explicit
``jar sync-batches``, brings the table up to date. The upsert only moves
forward: a batch missing from PostgreSQL is inserted, a batch DuckDB has rolled
back is marked rolled back, and a batch PostgreSQL already knows as rolled back
is never set back to committed (a replica's older snapshot must not undo the
team's history). A batch whose file, time or counts differ from what
PostgreSQL holds under the same key is refused (:class:`BatchConflict`): two
stores are claiming one history, and neither is overwritten.

**The store identity.** Batch ids are numbered per DuckDB file, so the key needs
the store too. It is derived from the store's first batch (id, time, file,
format, importer), which a store has from its first write (the demo build and
the first import each record one) and which a rollback does not change. A
derived identity needs no write to the DuckDB file, so a read-only replica and a
published snapshot (a copy of the file) name the same store as the authoring one,
and a rebuilt store is a new one.

**Reading.** :func:`batch_history` is the history the Data page and ``jar
history`` show: the DuckDB store's own when the shared tables live there;
otherwise PostgreSQL's rows for this store, plus any batch DuckDB holds that
PostgreSQL does not yet (``synced`` false), while batches the team has imported
since this replica's snapshot was published show with ``in_store`` false.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from metrics.auth import audit
from metrics.io.core import import_history
from metrics.lookups import dataset_status
from metrics.shared import PgShared, SharedCursor, shared_for, shared_url
from metrics.store import Store

log = logging.getLogger(__name__)

# DuckDB's import_batch columns, copied as they are and in this order.
COLUMNS: tuple[str, ...] = (
    "batch_id", "source_file", "file_hash", "format", "imported_at", "imported_by",
    "rows_read", "rows_written", "rows_replaced", "rows_skipped", "status", "note",
    "fetch_series", "source_url", "fetched_at",
)
# What an import fixes for good: a difference here means another store's batch under the same key.
FIXED: tuple[str, ...] = (
    "source_file", "file_hash", "format", "imported_at", "imported_by",
    "rows_read", "rows_written", "rows_replaced", "rows_skipped",
)
# What PostgreSQL adds: where the batch went, and what only the moment of an import or rollback knows.
EXTRA: tuple[str, ...] = (
    "data_version", "rolled_back_by", "rolled_back_at", "rollback_data_version",
    "store_id", "store_path", "dataset", "recorded_via",
)
HISTORY_COLUMNS: tuple[str, ...] = (*COLUMNS, *EXTRA, "in_store", "synced")
ROLLED_BACK = "rolled_back"


class BatchConflict(ValueError):
    """PostgreSQL records one of this store's batches differently: two stores claim one history.

    Nothing is written. It happens when a store file was copied and both copies
    then imported (same identity, same next batch id, different files).
    """


@dataclass(frozen=True)
class Stamp:
    """What only the moment of an import or rollback knows: who, when, and the data version it left."""

    batch_id: int
    event: str  # 'import' or 'rollback'
    user: str
    data_version: str
    at: dt.datetime = field(default_factory=dt.datetime.now)


@dataclass
class SyncReport:
    """What one sync did to PostgreSQL's copy of a store's batches."""

    store_id: str | None
    inserted: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: int = 0
    ahead: list[int] = field(default_factory=list)  # rolled back in PostgreSQL, not (yet) in this store's file

    @property
    def changed(self) -> int:
        return len(self.inserted) + len(self.updated)

    def summary(self) -> str:
        if self.store_id is None:
            return "the store has no import batches: nothing to record"
        text = (f"store {self.store_id}: {len(self.inserted)} batch(es) recorded, "
                f"{len(self.updated)} marked rolled back, {self.unchanged} already up to date")
        if self.ahead:
            text += (f"; {len(self.ahead)} already rolled back in PostgreSQL but not in this file"
                     f" (an older snapshot?): left as rolled back")
        return text


# The first batch's columns that name a store's lineage (see the module docstring).
IDENTITY: tuple[str, ...] = ("batch_id", "imported_at", "source_file", "format", "imported_by")


def _identity(first: dict[str, Any] | None) -> str | None:
    if first is None:
        return None
    text = "\x1f".join(v.isoformat() if isinstance(v, dt.datetime) else str(v) for v in (first[c] for c in IDENTITY))
    return "store-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _duck_batches(store: Store, limit: int | None = None) -> list[dict[str, Any]]:
    """The store's own batches, oldest first, as DuckDB holds them."""
    sql = f"SELECT {', '.join(COLUMNS)} FROM import_batch ORDER BY batch_id"
    rows = store.cursor().execute(sql + (" LIMIT ?" if limit is not None else ""),
                                  [limit] if limit is not None else []).fetchall()
    return [dict(zip(COLUMNS, r, strict=True)) for r in rows]


def store_identity(store: Store) -> str | None:
    """The store's lineage, from its first batch; None while it has none (then there is nothing to record)."""
    return _identity(next(iter(_duck_batches(store, limit=1)), None))


def sync_in(cur: SharedCursor, store: Store, stamp: Stamp | None = None, via: str = "sync") -> SyncReport:
    """Bring PostgreSQL's copy of ``store``'s batches up to date inside the caller's transaction.

    Serialised per store (an advisory lock), so two processes syncing at once
    cannot both insert one batch. Raises :class:`BatchConflict` before writing
    anything if a batch differs in what an import fixes for good.
    """
    mine = _duck_batches(store)
    sid = _identity(mine[0] if mine else None)
    report = SyncReport(sid)
    if sid is None:
        return report
    cur.serialise(f"import_batch:{sid}")
    theirs = {
        int(r[0]): dict(zip(COLUMNS, r, strict=True))
        for r in cur.execute(f"SELECT {', '.join(COLUMNS)} FROM import_batch WHERE store_id = ?", [sid]).fetchall()
    }
    conflicts = []
    for row in mine:
        have = theirs.get(int(row["batch_id"]))
        if have is not None:
            diff = [c for c in FIXED if row[c] != have[c]]
            if diff:
                conflicts.append(f"batch {row['batch_id']} ({', '.join(f'{c}: {have[c]!r} there, {row[c]!r} here' for c in diff)})")
    if conflicts:
        raise BatchConflict(
            f"PostgreSQL already records batches of store {sid} differently: {'; '.join(conflicts[:5])}"
            f"{' and more' if len(conflicts) > 5 else ''}. Was this store file copied and imported into"
            " separately? Nothing was written."
        )
    now = dt.datetime.now()
    dataset = dataset_status(store).label
    inserts = []
    for row in mine:
        bid = int(row["batch_id"])
        mark = stamp if stamp is not None and stamp.batch_id == bid else None
        imported = mark if mark is not None and mark.event == "import" else None
        rolled = mark if mark is not None and mark.event == "rollback" else None
        have = theirs.get(bid)
        if have is None:
            inserts.append([
                sid, *(row[c] for c in COLUMNS), store.path, dataset,
                imported.data_version if imported else None,
                rolled.user if rolled else None, rolled.at if rolled else None,
                rolled.data_version if rolled else None,
                mark.event if mark else via, now, now,
            ])
            report.inserted.append(bid)
        elif row["status"] == have["status"]:
            report.unchanged += 1
        elif have["status"] == ROLLED_BACK:
            report.ahead.append(bid)  # never back to committed: this file is older than the team's history
        else:
            cur.execute(
                "UPDATE import_batch SET status = ?, note = ?, rolled_back_by = COALESCE(?, rolled_back_by),"
                " rolled_back_at = COALESCE(?, rolled_back_at),"
                " rollback_data_version = COALESCE(?, rollback_data_version), updated_at = ?"
                " WHERE store_id = ? AND batch_id = ?",
                [row["status"], row["note"], rolled.user if rolled else None, rolled.at if rolled else None,
                 rolled.data_version if rolled else None, now, sid, bid],
            )
            report.updated.append(bid)
    cur.executemany(
        f"INSERT INTO import_batch (store_id, {', '.join(COLUMNS)}, store_path, dataset, data_version,"
        " rolled_back_by, rolled_back_at, rollback_data_version, recorded_via, recorded_at, updated_at)"
        f" VALUES ({', '.join('?' * (len(COLUMNS) + 10))})",
        inserts,
    )
    return report


def sync_batches(
    store: Store,
    *,
    backend: PgShared | None = None,
    stamp: Stamp | None = None,
    via: str = "sync",
    audit_as: str | None = None,
) -> SyncReport | None:
    """Record every batch of ``store`` in PostgreSQL (``backend``, else ``ECM_SHARED_DB``); None without one.

    Reads DuckDB only, so it runs against a read-only store or a publish folder
    while the authoring app holds the file. ``audit_as`` names the operator of an
    explicit ``jar sync-batches``, whose run is then in the audit log.
    """
    shared = backend if backend is not None else shared_for(store)
    if not isinstance(shared, PgShared):
        return None
    with shared.transaction() as cur:
        report = sync_in(cur, store, stamp, via)
        if audit_as is not None:
            audit(cur, audit_as, None, "sync_batches", report.store_id,
                  detail={"recorded": report.inserted, "rolled_back": report.updated,
                          "unchanged": report.unchanged, "store_path": store.path})
    return report


def record_after_commit(store: Store, event: str, user: str, batch_id: int | None) -> str | None:
    """After an import or rollback committed in DuckDB, record the store's batches in PostgreSQL.

    Never raises: the DuckDB commit stands whatever happens to the copy, and the
    next import or rollback (or ``jar sync-batches``) repairs it. Any failure is
    therefore caught, logged, and returned as a note the person acting is shown.
    """
    if shared_url() is None:
        return None
    try:
        stamp = None if batch_id is None else Stamp(int(batch_id), event, user, store.data_version())
        sync_batches(store, stamp=stamp)  # the stamped batch says "import"/"rollback"; any others "sync"
    except Exception as exc:  # whatever broke (server, network, a conflict), the import itself is done
        log.warning("import batch history not recorded in PostgreSQL after %s: %s", event, exc, exc_info=True)
        first = (str(exc).strip().splitlines() or [""])[0]
        return (f"the team's import history in PostgreSQL was not updated ({type(exc).__name__}: {first});"
                " the next import or rollback, or `jar sync-batches`, records it")
    return None


def batch_history(store: Store, *, all_stores: bool = False) -> pd.DataFrame:
    """The import history to show: the team's (PostgreSQL) when the shared tables live there.

    Newest first. With PostgreSQL, two columns say how the copy stands:
    ``synced`` (false: DuckDB holds this batch, or its rollback, but PostgreSQL
    does not yet) and ``in_store`` (false: the team imported it into a newer
    store than the one this process reads, e.g. not yet published to this
    replica; it cannot be rolled back from here). ``all_stores`` lists every
    store's batches recorded in PostgreSQL, not just this store's.
    """
    shared = shared_for(store)
    if not isinstance(shared, PgShared):
        return import_history(store)
    rows = _duck_batches(store)
    sid = _identity(rows[0] if rows else None)
    mine = {int(r["batch_id"]): r for r in rows}
    read = (*COLUMNS, *EXTRA)
    theirs: list[tuple[Any, ...]] = []
    if all_stores or sid is not None:
        where, params = ("", []) if all_stores else (" WHERE store_id = ?", [sid])
        with shared.transaction() as cur:
            theirs = cur.execute(f"SELECT {', '.join(read)} FROM import_batch{where}", params).fetchall()
    records: list[dict[str, Any]] = []
    seen: set[int] = set()
    for values in theirs:
        rec = dict(zip(read, values, strict=True))
        local = mine.get(int(rec["batch_id"])) if rec["store_id"] == sid else None
        rec["in_store"], rec["synced"] = local is not None, True
        if local is not None:
            seen.add(int(rec["batch_id"]))
            if local["status"] != rec["status"] and rec["status"] != ROLLED_BACK:
                rec.update(status=local["status"], note=local["note"], synced=False)
        records.append(rec)
    dataset = dataset_status(store).label if len(seen) < len(mine) else None
    for bid, local in mine.items():
        if bid not in seen:
            records.append({**local, "store_id": sid, "store_path": store.path, "dataset": dataset,
                            "in_store": True, "synced": False})
    frame = pd.DataFrame.from_records(records, columns=list(HISTORY_COLUMNS))
    order = ["imported_at", "batch_id"] if all_stores else ["batch_id"]
    return frame.sort_values(order, ascending=False, kind="stable").reset_index(drop=True)


#: The history's columns as a reader reads them.
HISTORY_HEADERS: dict[str, str] = {
    "batch_id": "Batch", "source_file": "File", "file_hash": "File checksum (SHA-256)", "format": "Format",
    "imported_at": "Imported at", "imported_by": "Imported by", "rows_read": "Rows read",
    "rows_written": "Rows written", "rows_replaced": "Rows replaced", "rows_skipped": "Rows skipped",
    "status": "Status", "note": "Note", "data_version": "Data version", "rolled_back_by": "Rolled back by",
    "rolled_back_at": "Rolled back at", "rollback_data_version": "Data version after rollback",
    "store_id": "Store", "store_path": "Store file", "dataset": "Data set", "recorded_via": "Recorded by",
    "in_store": "In this store", "synced": "Synced",
    "fetch_series": "Fetched series", "source_url": "Downloaded from", "fetched_at": "Downloaded at",
}


def history_table(history: pd.DataFrame) -> pd.DataFrame:
    """:func:`batch_history` for a page: headers and statuses in words ("rolled back", not a code)."""
    out = history.copy()
    for column in ("status", "format", "recorded_via"):
        if column in out:
            out[column] = out[column].map(lambda v: v.replace("_", " ") if isinstance(v, str) else v)
    return out.rename(columns=HISTORY_HEADERS)


def pending_sync(history: pd.DataFrame) -> bool:
    """Whether :func:`batch_history` lists a batch (or rollback) PostgreSQL does not hold yet."""
    return "synced" in history and not bool(history["synced"].all())


def rollback_choices(history: pd.DataFrame) -> list[int]:
    """The batches of :func:`batch_history` this process can roll back: live, and in its own store.

    The team's history may list batches imported into a newer store than the one
    read here (``in_store`` false); those are rolled back where they were imported.
    """
    live = history["status"] != ROLLED_BACK
    if "in_store" in history:
        live &= history["in_store"].astype(bool)
    return [int(b) for b in history.loc[live, "batch_id"]]
