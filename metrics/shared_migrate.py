"""Copy an existing DuckDB deployment's users, audit log, reviews and judgements into PostgreSQL.

A team that started on the embedded default and moves to ``ECM_SHARED_DB`` must
keep its accounts, its verdicts and the record of who did what. ``jar
migrate-shared`` copies ``app_user``, ``audit_log``, ``review`` and ``judgement``
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
from metrics.shared import PgCursor, describe_url, pg_backend
from metrics.store import Store

# (table, key column, columns) in copy order: a judgement's review must be there first.
TABLES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("app_user", "username",
     ("username", "display_name", "role", "password_hash", "source", "active", "created_at", "created_by")),
    ("audit_log", "audit_id",
     ("audit_id", "logged_at", "username", "role", "action", "target", "outcome", "detail")),
    ("review", "review_id",
     ("review_id", "area_code", "period_year", "title", "status", "created_by", "created_at",
      "submitted_by", "submitted_at")),
    ("judgement", "judgement_id",
     ("judgement_id", "review_id", "area_code", "aspect", "grade", "evidence", "indicator_ids",
      "recorded_by", "recorded_at", "version", "supersedes", "status")),
)
# Sequences to move past the copied ids.
ID_COLUMNS: tuple[tuple[str, str], ...] = (("audit_log", "audit_id"), ("judgement", "judgement_id"))
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


def _plan(cur: PgCursor, store: Store) -> tuple[dict[str, list[tuple[Any, ...]]], dict[str, int], list[str]]:
    """Rows to insert, rows already there, and the conflicts, per table: read, nothing written."""
    new: dict[str, list[tuple[Any, ...]]] = {}
    present: dict[str, int] = {}
    conflicts: list[str] = []
    reviews: set[Any] = set()
    for table, key, cols in TABLES:  # names from the fixed tuple above, never input
        listed = ", ".join(cols)
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
            orphans = sorted({r[1] for r in new[table] if r[1] not in reviews})
            conflicts += [f"judgements of review {r!r}, which neither database holds" for r in orphans]
    return new, present, conflicts


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
            cur.execute("LOCK TABLE app_user, audit_log, review, judgement, import_batch"
                        " IN SHARE ROW EXCLUSIVE MODE")
            new, present, conflicts = _plan(cur, store)
            if conflicts:
                more = len(conflicts) - MAX_LISTED
                raise MigrationConflict(
                    f"{report.target} already holds different rows: {'; '.join(conflicts[:MAX_LISTED])}"
                    f"{f' and {more} more' if more > 0 else ''}. Nothing was copied; copy into a database"
                    " the app has not written to yet, or settle these rows first."
                )
            for table, _key, cols in TABLES:
                cur.executemany(
                    f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", new[table])
                report.copied[table], report.present[table] = len(new[table]), present[table]
            for table, column in ID_COLUMNS:
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
