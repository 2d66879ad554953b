"""Copy an existing DuckDB deployment's users, audit log, reviews, judgements and watchlists into PostgreSQL.

A team that started on the embedded default and moves to ``ECM_SHARED_DB`` must
keep its accounts, its verdicts and the record of who did what. ``jar
migrate-shared`` copies ``app_user``, ``audit_log``, ``review``, ``judgement`` and ``watch_item``
from the DuckDB store into PostgreSQL, and records the store's import batches
(:mod:`metrics.batches`), on these terms:

- **Ids are kept**: audit entries are cited by id, and each judgement's
  ``supersedes`` names the id of the version before it. PostgreSQL's sequences
  are then moved past the copied ids, so the next judgement or audit entry
  follows on rather than colliding with id 1.
- **Idempotent**: a row PostgreSQL already holds exactly as DuckDB does is
  skipped, so a second run copies nothing twice (and a run after more use of the
  DuckDB store copies only the new rows).
- **All or nothing, refusing conflicts**: if PostgreSQL holds a *different* row
  under the same key (say the app already logged its own audit entry 1 there, or
  an admin changed a role since the last copy), nothing is copied and the
  conflicts are listed. Which version is right is a person's call, not a merge
  rule's. Copy into a fresh database before the app writes to it.
- **Consistent**: the copy takes the shared tables' write locks, so app
  processes saving at that moment wait a moment rather than interleave ids.
- **Audited**: one ``migrate_shared`` entry in PostgreSQL's log, after the
  copied ones, says who copied what from which store.

The DuckDB store is only read: its own tables are left as they were, as the
record of what was copied.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from metrics.auth import audit
from metrics.batches import SyncReport, sync_in
from metrics.shared import ID_COLUMNS, SHARED_TABLES, PgCursor, describe_url, pg_backend
from metrics.store import Store

MAX_LISTED = 10


class MigrationConflict(ValueError):
    """PostgreSQL already holds different rows under the copied keys; nothing was copied."""


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back after it has done (and checked) everything."""

    def __init__(self, report: MigrationReport) -> None:
        self.report = report


@dataclass
class MigrationReport:
    """Rows copied and rows already there, per table, and the batches recorded."""

    target: str
    copied: dict[str, int] = field(default_factory=dict)
    present: dict[str, int] = field(default_factory=dict)
    batches: SyncReport | None = None
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would copy" if self.dry_run else "copied"
        tables = ", ".join(f"{t} {self.copied[t]:,} (already there {self.present[t]:,})" for t in self.copied)
        text = f"{self.target}: {verb} {tables}"
        if self.batches is not None:
            text += f"; import batches: {self.batches.summary()}"
        if self.dry_run:
            text += "; dry run: nothing written"
        return text


def _same(a: Any, b: Any) -> bool:
    """Equal as stored: DuckDB and psycopg both return lists, datetimes, ints and None for these columns."""
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        return a.replace(tzinfo=None) == b.replace(tzinfo=None)
    return bool(a == b)


def _columns(cur: PgCursor, table: str) -> tuple[str, ...]:
    """``table``'s columns in PostgreSQL, in order; the first is its key (true of every shared table).

    Read from the catalogue rather than listed here, so a column a later shared
    migration adds (to both schemas, which keep the same columns) is copied too;
    should DuckDB lack one, its read fails loudly rather than the copy dropping it.
    """
    rows = cur.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return tuple(str(r[0]) for r in rows)


Plan = tuple[dict[str, tuple[str, ...]], dict[str, list[tuple[Any, ...]]], dict[str, int], list[str]]


def _plan(cur: PgCursor, store: Store) -> Plan:
    """Columns, rows to insert, rows already there, and the conflicts, per table: read, nothing written."""
    columns: dict[str, tuple[str, ...]] = {}
    new: dict[str, list[tuple[Any, ...]]] = {}
    present: dict[str, int] = {}
    conflicts: list[str] = []
    reviews: set[Any] = set()
    for table in SHARED_TABLES:  # fixed names, never input; column names from PostgreSQL's catalogue
        cols = columns[table] = _columns(cur, table)
        key, listed = cols[0], ", ".join(cols)
        source = store.cursor().execute(f"SELECT {listed} FROM {table} ORDER BY {key}").fetchall()
        there = {r[0]: r for r in cur.execute(f"SELECT {listed} FROM {table}").fetchall()}
        new[table], present[table] = [], 0
        for row in source:
            have = there.get(row[0])
            if have is None:
                new[table].append(tuple(row))
            elif all(_same(a, b) for a, b in zip(row, have, strict=True)):
                present[table] += 1
            else:
                diff = [c for c, a, b in zip(cols, row, have, strict=True) if not _same(a, b)]
                conflicts.append(f"{table} {key} {row[0]!r} differs in {', '.join(diff)}")
        if table == "review":
            reviews = set(there) | {r[0] for r in source}
        if table == "judgement":
            orphans = sorted({r[cols.index("review_id")] for r in new[table]} - reviews)
            conflicts += [f"judgements of review {r!r}, which neither database holds" for r in orphans]
    return columns, new, present, conflicts


def migrate_shared(store: Store, url: str, operator: str, *, dry_run: bool = False) -> MigrationReport:
    """Copy the store's shared tables and batches into the PostgreSQL database at ``url``, in one transaction.

    ``operator`` is who the audit entry names (the CLI: ``<os user>@cli``, who
    holds the store file). Raises :class:`MigrationConflict` (nothing copied) when
    PostgreSQL already holds different rows, and
    :class:`metrics.batches.BatchConflict` when it records this store's batches
    differently. ``dry_run`` does and checks everything, then rolls it back.
    """
    import psycopg

    backend = pg_backend(url)
    report = MigrationReport(describe_url(url), dry_run=dry_run)
    try:
        with backend.transaction() as cur:
            cur.serialise("migrate_shared")
            # Writers in app processes wait until the copy commits, so no id is drawn half-way through.
            cur.execute(f"LOCK TABLE {', '.join((*SHARED_TABLES, 'import_batch'))} IN SHARE ROW EXCLUSIVE MODE")
            columns, new, present, conflicts = _plan(cur, store)
            if conflicts:
                more = len(conflicts) - MAX_LISTED
                raise MigrationConflict(
                    f"{report.target} already holds different rows: {'; '.join(conflicts[:MAX_LISTED])}"
                    f"{f' and {more} more' if more > 0 else ''}. Nothing was copied; copy into a database"
                    " the app has not written to yet, or settle these rows first."
                )
            for table, cols in columns.items():  # in SHARED_TABLES' order: a judgement's review first
                cur.executemany(
                    f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", new[table])
                report.copied[table], report.present[table] = len(new[table]), present[table]
            for table, column in sorted(ID_COLUMNS):  # the ids metrics.shared hands out: move past the copied
                cur.move_ids_past(table, column)
            report.batches = sync_in(cur, store, via="migrate")
            audit(cur, operator, None, "migrate_shared", store.path, detail={
                "copied": report.copied, "already_there": report.present,
                "batches_recorded": report.batches.inserted, "store_id": report.batches.store_id,
            })
            if dry_run:
                raise _DryRun(report)
    except _DryRun as done:
        return done.report
    except psycopg.errors.IntegrityError as exc:
        # E.g. two DuckDB judgements with one review, aspect and version, which PostgreSQL's key forbids.
        raise MigrationConflict(f"{report.target} refused the copy, nothing was copied: {exc}") from exc
    return report
