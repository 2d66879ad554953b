"""Imports and rollbacks as a signed-in user takes them: authorised, then audited.

The readers and :mod:`metrics.io.core` know nothing of users; this is the one
door the Data page (and anything else acting for a person) goes through, so the
role check cannot be skipped by a page that forgets to hide a button.

The import batch is written with its rows in the DuckDB store (one transaction).
After that commit, with ``ECM_SHARED_DB`` set, the store's batches are recorded
in PostgreSQL's ``import_batch`` for the whole team (:mod:`metrics.batches`);
that copy cannot undo the import, so if it fails the person is told in the
result's notes and the next import or rollback (or ``jar sync-batches``)
repairs it. The audit entry goes to the shared store (:mod:`metrics.shared`),
which may be PostgreSQL, in a transaction of its own after the import commits
or fails.
"""

from __future__ import annotations

from pathlib import Path

from metrics.auth import User, audit, authorise
from metrics.batches import record_after_commit
from metrics.io.core import ImportResult, Progress, import_source, rollback_batch
from metrics.io.faults import ImportFailed
from metrics.io.formats import open_source
from metrics.shared import shared_for
from metrics.store import Store


def run_import(
    store: Store,
    actor: User,
    path: Path | str,
    fmt: str | None = None,
    mapping: Path | str | None = None,
    *,
    dry_run: bool = False,
    unknown_areas: str = "fault",
    progress: Progress | None = None,
    derive: bool = True,
) -> ImportResult:
    """Validate and (unless ``dry_run``) write one file for ``actor``.

    A dry run is also limited to analysts: its report lists the store's contents
    the file would replace. Refusals, failures and successes all reach the audit
    log (a dry run does not: it changes nothing). An import that changed nothing
    still brings the team's batch history up to date, so any import repairs it.
    """
    authorise(store, actor, "import_data", Path(path).name)
    try:
        source = open_source(store, path, fmt, mapping)
        result = import_source(store, source, dry_run=dry_run, user=actor.username,
                               unknown_areas=unknown_areas, progress=progress, derive=derive)
    except ImportFailed as exc:
        if not dry_run:
            with shared_for(store).transaction() as cur:
                audit(cur, actor.username, actor.role, "import", Path(path).name, "failed",
                      {"faults": exc.total, "first": str(exc.faults[0]) if exc.faults else ""})
        raise
    if not dry_run:
        pending = record_after_commit(store, "import", actor.username, result.batch_id)
        if pending:
            result.notes.append(pending)
        detail = {"batch_id": result.batch_id, "format": result.format, "rows_read": result.rows_read,
                  "new": result.new, "replaced": result.replaced, "unchanged": result.unchanged,
                  "yielded": result.yielded, "skipped": result.skipped}
        if pending:
            detail["shared_history"] = "pending"
        with shared_for(store).transaction() as cur:
            audit(cur, actor.username, actor.role, "import", Path(path).name, "ok", detail)
    return result


def run_rollback(store: Store, actor: User, batch_id: int) -> int:
    """Undo an import batch for ``actor``; returns the rows removed.

    The rollback commits in DuckDB first; its new status then reaches the team's
    history in PostgreSQL as an import's batch does (see the module docstring).
    """
    authorise(store, actor, "rollback_import", f"batch {batch_id}")
    removed = rollback_batch(store, batch_id, actor.username)
    pending = record_after_commit(store, "rollback", actor.username, batch_id)
    detail: dict[str, object] = {"rows_removed": removed}
    if pending:  # already logged, with its traceback, by record_after_commit
        detail["shared_history"] = "pending"
    with shared_for(store).transaction() as cur:
        audit(cur, actor.username, actor.role, "rollback", f"batch {batch_id}", "ok", detail)
    return removed
