"""Stores built from the project's published snapshot, and stores with reference data only.

``data/published/`` holds a compact extract (Parquet) of real published files:
LAIT's whole dataset, DfE's tidy CSVs, a Fingertips download, DfE's
statistical neighbours and Ofsted's ILACS inspection outcomes, each listed in
``manifest.csv`` with its publisher,
title, download address, release, licence and the SHA-256 of the publisher's
file and of the extract. ``tools/build_published.py`` makes the extracts from
the publishers' files.

:func:`build_published` writes each extract back in its publisher's layout and
imports it through the same readers, validation and batch records as any
import (:func:`metrics.services.run_import`), so the snapshot is no back door
into the store. :func:`init_store` writes a store with the reference data and
no observations, the start of a store an LA fills with its own imports.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, field_validator

from metrics.derived import refresh_derived
from metrics.framework import REPO_ROOT, load_reference, read_rows
from metrics.io.files import file_hash
from metrics.store import Store, load_reference_tables

SNAPSHOT_DIR = REPO_ROOT / "data" / "published"
MANIFEST = "manifest.csv"
DEFAULT_PUBLISHED_DB = REPO_ROOT / "var" / "ecm_published.duckdb"
#: Who the batch history names as the importer of the snapshot.
BUILDER = "jar build-published"

Progress = Callable[[float, str], None]
#: Files another source's reader reads from beside its own file: not imported themselves.
COMPANIONS = ("lait_dictionary", "denominators", "healthdata_indicators")


class SnapshotError(RuntimeError):
    """The snapshot is missing, altered, or refused by an importer."""


class SnapshotSource(BaseModel):
    """One publisher's file in the snapshot (a row of ``manifest.csv``)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source_id: str
    step: int
    #: The reader that imports it; ``lait_dictionary`` is read by the LAIT reader beside its data.
    #: ``lait_counts`` reads the counts and denominators LAIT publishes beside a rate
    #: (its extract keeps only the measures its mapping names). ``healthdata`` is FingertipsNext's
    #: healthdata file (its extract keeps only the indicators its mapping imports), read with
    #: ``healthdata_indicators``, FingertipsNext's indicator list, beside it.
    format: Literal["lait", "lait_dictionary", "lait_counts", "dfe", "fingertips", "fingertips_tidy", "healthdata",
                    "healthdata_indicators", "neighbours", "denominators", "ofsted"]
    #: The publisher's file name: the extract is written back under this name.
    file: str
    #: How the extract is written back: as the publisher published it.
    layout: Literal["csv", "parquet", "xlsx"]
    mapping: str | None = None
    publisher: str
    title: str
    url: str
    released: str
    licence: str
    #: Where the developers' copy of the publisher's file sits under ``../shared/data``.
    shared_path: str
    sha256: str | None = None
    extract: str
    extract_sha256: str | None = None
    extract_rows: int | None = None

    @field_validator("mapping", "sha256", "extract_sha256", "extract_rows", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


def read_manifest(snapshot_dir: Path = SNAPSHOT_DIR) -> list[SnapshotSource]:
    path = snapshot_dir / MANIFEST
    if not path.exists():
        raise SnapshotError(f"{path}: no snapshot manifest (rebuild with tools/build_published.py)")
    return sorted(read_rows(path, SnapshotSource), key=lambda s: (s.step, s.source_id))


def init_store(db_path: Path | str, *, force: bool = False) -> Path:
    """Write a store holding the reference data (framework, catalogue, areas) and no observations.

    Atomic: written beside the target and renamed into place when complete.
    """
    target = Path(db_path)
    if target.exists() and not force:
        raise FileExistsError(f"{target} already exists; pass --force to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + f".init-{os.getpid()}")
    for leftover in (tmp, Path(str(tmp) + ".wal")):
        leftover.unlink(missing_ok=True)
    ref = load_reference()
    store = Store(tmp)
    try:
        with store.transaction() as cur:
            load_reference_tables(cur, ref)
            cur.execute("INSERT OR REPLACE INTO store_meta VALUES ('built_at', ?)",
                        [time.strftime("%Y-%m-%dT%H:%M:%S")])
        store.con.execute("CHECKPOINT")
    finally:
        store.close()
    os.replace(tmp, target)
    return target


@dataclass
class PublishedSummary:
    path: str
    observations: int
    seconds: float
    size_bytes: int
    steps: list[str] = field(default_factory=list)


def _write_back(source: SnapshotSource, extract: Path, folder: Path) -> Path:
    """The extract in its publisher's layout, under the publisher's file name."""
    frame = pd.read_parquet(extract)
    out = folder / source.file
    if source.layout == "parquet":
        frame.to_parquet(out, index=False)
    elif source.layout == "csv":
        frame.to_csv(out, index=False, encoding="utf-8")
    else:
        # Cells as they stood in the workbook (header=None), so the reader finds its own header row.
        frame.to_excel(out, index=False, header=False)
    return out


def build_published(
    db_path: Path | str,
    snapshot_dir: Path = SNAPSHOT_DIR,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> PublishedSummary:
    """Build a complete store from the shipped snapshot, through the ordinary importers.

    All or nothing: the store is written beside the target and renamed into place
    only when every source has imported; an altered extract (its SHA-256 differs
    from the manifest's) or a refused file stops the build and leaves the target
    as it was.
    """
    from metrics.auth import operator_user
    from metrics.io.faults import ImportFailed
    from metrics.services import run_import, run_neighbours_import, run_ofsted_import

    started = time.perf_counter()
    say: Progress = progress or (lambda _f, _m: None)
    target = Path(db_path)
    if target.exists() and not force:
        raise FileExistsError(f"{target} already exists; pass --force to rebuild it")
    sources = read_manifest(snapshot_dir)
    for s in sources:
        extract = snapshot_dir / s.extract
        if not extract.exists():
            raise SnapshotError(f"{extract}: listed in {MANIFEST} but missing")
        if s.extract_sha256 and file_hash(extract) != s.extract_sha256:
            raise SnapshotError(f"{extract}: its SHA-256 differs from {MANIFEST}'s; the snapshot was altered")
    tmp = target.with_name(target.name + f".building-{os.getpid()}")
    init_store(tmp, force=True)
    # The operating-system user building a private new file: the one actor that
    # needs no account (the store has none yet); authorised and audited as any import.
    actor = operator_user(BUILDER)
    steps: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="ecm-snapshot-") as work, Store(tmp) as store:
            folder = Path(work)
            for i, s in enumerate(sources):
                say(0.05 + 0.9 * i / len(sources), f"Importing {s.title}")
                path = _write_back(s, snapshot_dir / s.extract, folder)
                if s.format in COMPANIONS:
                    # read by another reader from beside its file (LAIT's dictionary, ONS population,
                    # FingertipsNext's indicator list)
                    continue
                if s.format == "neighbours":
                    frame = run_neighbours_import(store, actor, path)
                    # DfE publishes the 2025 lists twice (workbook and CSV): the second adds no batch.
                    same = "; the lists already stored, so no batch" if frame.attrs["batch_id"] is None else ""
                    steps.append(f"{s.file}: {len(frame):,} neighbour rows{same}")
                    continue
                if s.format == "ofsted":  # inspection judgements, not observations: their own importer
                    try:
                        steps.append(run_ofsted_import(store, actor, path).summary())
                    except ImportFailed as exc:
                        raise SnapshotError(f"{s.file} ({s.source_id}) was refused: {exc}") from exc
                    continue
                mapping = REPO_ROOT / s.mapping if s.mapping else None
                try:
                    result = run_import(store, actor, path, s.format, mapping, unknown_areas="skip",
                                        derive=False)
                except ImportFailed as exc:
                    raise SnapshotError(f"{s.file} ({s.source_id}) was refused: {exc}") from exc
                steps.append(result.summary().splitlines()[0])
            with store.transaction() as cur:
                # Derived once for the whole snapshot: the store is invisible until renamed.
                refresh_derived(cur)
                cur.executemany(
                    "INSERT OR REPLACE INTO store_meta VALUES (?, ?)",
                    [("dataset", "published"), ("snapshot", ", ".join(s.source_id for s in sources))],
                )
            store.con.execute("CHECKPOINT")
            observations = int(store.scalar("SELECT count(*) FROM observation"))
    except BaseException:
        for leftover in (tmp, Path(str(tmp) + ".wal")):
            leftover.unlink(missing_ok=True)
        raise
    os.replace(tmp, target)
    say(1.0, "Done")
    return PublishedSummary(str(target), observations, time.perf_counter() - started, target.stat().st_size, steps)


def ensure_published(db_path: Path | str, progress: Progress | None = None) -> bool:
    """Build the published store at ``db_path`` if no store is there; True if it was built."""
    if Path(db_path).exists():
        return False
    build_published(db_path, progress=progress)
    return True
