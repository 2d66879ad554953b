"""Publish read-only snapshots of a store, so several dashboard replicas can serve it.

A DuckDB file has one writer, and Streamlit serves every browser session from one
process. A regional or national team therefore runs one *authoring* store (where
imports and judgements are written) and any number of read-only app replicas
behind a load balancer, each pointed (``ECM_DB``) at a *publish folder*:

    publish/
      CURRENT                      -> "store-v000042-20261125T170102.duckdb"
      store-v000041-....duckdb     (kept a while for sessions still reading it)
      store-v000042-....duckdb

:func:`publish` copies the authoring store into a new file with DuckDB's own
``COPY FROM DATABASE`` (schema, keys and data), then swaps ``CURRENT`` with an
atomic rename. A replica resolves ``CURRENT`` on every page run
(:func:`resolve_store`), so it moves to the new snapshot on the next click,
without a restart, and a session mid-query on the old file finishes on it: old
snapshots are only pruned when more than ``keep`` exist.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb

POINTER = "CURRENT"
PREFIX = "store-v"


class PublishError(RuntimeError):
    """A snapshot could not be written; the published one is unchanged."""


def is_publish_folder(path: Path | str) -> bool:
    return Path(path).is_dir() and (Path(path) / POINTER).exists()


def resolve_store(path: Path | str) -> Path:
    """The file to open: ``path`` itself, or the current snapshot of a publish folder."""
    path = Path(path)
    if not path.is_dir():
        return path
    pointer = path / POINTER
    if not pointer.exists():
        raise PublishError(f"{path}: a folder, but not a publish folder (no {POINTER} file)")
    name = pointer.read_text(encoding="utf-8").strip()
    if not name or "/" in name or "\\" in name or not (path / name).exists():
        raise PublishError(f"{pointer}: names {name!r}, which is not a snapshot in {path}")
    return path / name


def publish(source: Path | str, target: Path | str, keep: int = 3) -> Path:
    """Snapshot ``source`` into the publish folder ``target`` and make it current.

    Readers never see a half-written snapshot: the copy is written under a
    temporary name, renamed into place, and only then does ``CURRENT`` move (an
    atomic rename on POSIX). Returns the new snapshot's path.
    """
    source, target = Path(source), Path(target)
    if not source.is_file():
        raise PublishError(f"{source}: no such store")
    target.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(source), read_only=True) as con:
        row = con.execute("SELECT value FROM store_meta WHERE key = 'data_version'").fetchone()
    version = int(row[0]) if row and str(row[0]).isdigit() else 0
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
    name = f"{PREFIX}{version:06d}-{stamp}.duckdb"
    partial = target / f".{name}.partial"
    con = duckdb.connect()
    try:
        con.execute("ATTACH ? AS src (READ_ONLY)", [str(source)])
        con.execute("ATTACH ? AS dst", [str(partial)])
        con.execute("COPY FROM DATABASE src TO dst")
        con.execute("DETACH dst")
        con.execute("DETACH src")
    except duckdb.Error as exc:
        partial.unlink(missing_ok=True)
        raise PublishError(f"cannot snapshot {source}: {exc}") from exc
    finally:
        con.close()
    final = target / name
    os.replace(partial, final)
    pointer_tmp = target / f".{POINTER}.tmp"
    pointer_tmp.write_text(name + "\n", encoding="utf-8")
    os.replace(pointer_tmp, target / POINTER)
    _prune(target, keep)
    return final


def _prune(target: Path, keep: int) -> None:
    """Delete the oldest snapshots beyond ``keep`` (never the current one)."""
    current = (target / POINTER).read_text(encoding="utf-8").strip()
    snapshots = sorted(p for p in target.glob(f"{PREFIX}*.duckdb"))
    for old in snapshots[: max(0, len(snapshots) - keep)]:
        if old.name != current:
            old.unlink(missing_ok=True)
            Path(str(old) + ".wal").unlink(missing_ok=True)
