"""Every write to the data, as a person takes it: authorised against the store, then audited.

The readers, :mod:`metrics.io.core`, :mod:`metrics.neighbours` and
:mod:`metrics.publish` know nothing of users; this is the one door the Data
page, the CLI and the published-store builder go through for imports,
rollbacks, neighbour lists and publishing, so the role check (which reads the
account's current role and status, :func:`metrics.auth.authorise`) cannot be
skipped by a page that forgets to hide a button. ``tests/test_services.py``
checks that no other module calls those engines.

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

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from metrics.auth import User, audit, authorise
from metrics.batches import record_after_commit
from metrics.io.core import ImportResult, Progress, import_source, rollback_batch
from metrics.io.faults import Fault, ImportFailed
from metrics.io.formats import open_source
from metrics.shared import shared_for
from metrics.store import BatchOrigin, Store, StoreBusy

if TYPE_CHECKING:
    from metrics.ofsted import OfstedImport


def _audit(store: Store, actor: User, action: str, target: str, outcome: str,
           detail: Mapping[str, Any] | None = None) -> None:
    """One audit entry in a transaction of its own (the shared tables may be in PostgreSQL)."""
    with shared_for(store).transaction() as cur:
        audit(cur, actor.username, actor.role, action, target, outcome, detail)


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
    origin: BatchOrigin | None = None,
) -> ImportResult:
    """Validate and (unless ``dry_run``) write one file for ``actor``.

    A dry run is also limited to analysts: its report lists the store's contents
    the file would replace. Refusals, failures and successes all reach the audit
    log (a dry run does not: it changes nothing). An import that changed nothing
    still brings the team's batch history up to date, so any import repairs it.
    ``origin`` says where a downloaded file came from (``jar fetch``); it is kept on the batch.
    """
    actor = authorise(store, actor, "import_data", Path(path).name)
    try:
        try:
            source = open_source(store, path, fmt, mapping)
            result = import_source(store, source, dry_run=dry_run, user=actor.username,
                                   unknown_areas=unknown_areas, progress=progress, derive=derive,
                                   origin=origin)
        except StoreBusy as exc:
            raise ImportFailed([Fault(Path(path).name, None, None, None, str(exc))]) from exc
    except ImportFailed as exc:
        if not dry_run:
            _audit(store, actor, "import", Path(path).name, "failed",
                   {"faults": exc.total, "first": str(exc.faults[0]) if exc.faults else ""})
        raise
    if not dry_run:
        pending = record_after_commit(store, "import", actor.username, result.batch_id)
        if pending:
            result.notes.append(pending)
        detail = {"batch_id": result.batch_id, "format": result.format, "rows_read": result.rows_read,
                  "new": result.new, "replaced": result.replaced, "unchanged": result.unchanged,
                  "yielded": result.yielded, "skipped": result.skipped}
        if origin is not None:
            detail.update(fetch_series=origin.series, source_url=origin.url)
        if pending:
            detail["shared_history"] = "pending"
        _audit(store, actor, "import", Path(path).name, "ok", detail)
    return result


def run_rollback(store: Store, actor: User, batch_id: int) -> int:
    """Undo an import batch for ``actor``; returns the rows removed.

    The rollback commits in DuckDB first; its new status then reaches the team's
    history in PostgreSQL as an import's batch does (see the module docstring).
    """
    actor = authorise(store, actor, "rollback_import", f"batch {batch_id}")
    try:
        removed = rollback_batch(store, batch_id, actor.username)
    except StoreBusy as exc:
        _audit(store, actor, "rollback", f"batch {batch_id}", "failed", {"error": str(exc)})
        raise ValueError(str(exc)) from exc
    except Exception as exc:
        _audit(store, actor, "rollback", f"batch {batch_id}", "failed", {"error": str(exc)[:500]})
        raise
    pending = record_after_commit(store, "rollback", actor.username, batch_id)
    detail: dict[str, object] = {"rows_removed": removed}
    if pending:  # already logged, with its traceback, by record_after_commit
        detail["shared_history"] = "pending"
    _audit(store, actor, "rollback", f"batch {batch_id}", "ok", detail)
    return removed


def run_neighbours_import(store: Store, actor: User, path: Path | str, *, dry_run: bool = False) -> pd.DataFrame:
    """Read a DfE statistical-neighbour file and (unless ``dry_run``) merge its lists into the store.

    The same door as any import: an analyst (or the operator), audited, its
    batch copied to the team's history. A dry run reads, validates and compares
    with the store only: no batch and no audit entry (it changes nothing); its
    ``attrs`` say which LAs' lists would be new, replaced or unchanged.
    """
    from metrics.neighbours import import_dfe_neighbours, preview_dfe_neighbours

    name = Path(path).name
    actor = authorise(store, actor, "import_data", name)
    if dry_run:
        return preview_dfe_neighbours(store, path)
    try:
        frame = import_dfe_neighbours(store, path, actor.username)
    except ImportFailed as exc:
        _audit(store, actor, "import", name, "failed",
               {"format": "neighbours", "faults": exc.total, "first": str(exc.faults[0]) if exc.faults else ""})
        raise
    except (ValueError, OSError) as exc:
        _audit(store, actor, "import", name, "failed", {"format": "neighbours", "error": str(exc)[:500]})
        raise
    batch_id = frame.attrs["batch_id"]
    pending = record_after_commit(store, "import", actor.username, batch_id)
    frame.attrs["pending"] = pending
    detail: dict[str, object] = {"batch_id": batch_id, "format": "neighbours", "rows": len(frame),
                                 "new": len(frame.attrs["new"]), "replaced": len(frame.attrs["replaced"]),
                                 "unchanged": len(frame.attrs["unchanged"]),
                                 "skipped": len(frame.attrs["skipped"]) + len(frame.attrs["unlisted"]), "short": len(frame.attrs["short"])}
    if pending:
        detail["shared_history"] = "pending"
    _audit(store, actor, "import", name, "ok", detail)
    return frame


def run_ofsted_import(store: Store, actor: User, path: Path | str) -> OfstedImport:
    """Ofsted's inspection outcomes (:mod:`metrics.ofsted`) through the same door as any
    import: an analyst (or the operator), audited, its batch copied to the team's history."""
    from metrics.ofsted import import_ofsted

    name = Path(path).name
    actor = authorise(store, actor, "import_data", name)
    try:
        result = import_ofsted(store, path, actor.username)
    except ImportFailed as exc:
        _audit(store, actor, "import", name, "refused", {"format": "ofsted", "error": str(exc)[:500]})
        raise
    detail: dict[str, object] = {"batch_id": result.batch_id, "format": "ofsted"}
    if result.batch_id:
        pending = record_after_commit(store, "import", actor.username, result.batch_id)
        if pending:
            detail["shared_history"] = "pending"
    _audit(store, actor, "import", name, "ok", detail)
    return result


def run_publish(db_path: Path | str, target: Path | str, actor: User, keep: int = 3) -> Path:
    """Snapshot the authoring store ``db_path`` into the publish folder ``target`` for ``actor``.

    The store is opened (for the check and the audit entry) only around the
    copy, never during it: the copy opens the file itself.
    """
    from metrics.publish import PublishError, publish

    if not Path(db_path).is_file():
        raise PublishError(f"{db_path}: no such store")
    with Store(db_path) as store:
        actor = authorise(store, actor, "publish_data", str(target))
    try:
        path = publish(db_path, target, keep=keep)
    except Exception as exc:
        with Store(db_path) as store:
            _audit(store, actor, "publish", str(target), "failed", {"error": str(exc)[:500]})
        raise
    with Store(db_path) as store:
        _audit(store, actor, "publish", str(target), "ok", {"snapshot": path.name})
    return path
