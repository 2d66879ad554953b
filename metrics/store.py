"""The DuckDB store: opening, migrating, and the data version that caches key on.

Every read and write in the project goes through functions in ``metrics`` that bind
parameters; nothing outside this package writes SQL. Pages open the store
read-only; writes happen only through explicit commands (CLI, import page), each in
one transaction.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd

from metrics.framework import REPO_ROOT, Reference

T = TypeVar("T")
#: The published national store (built from data/published/ on first run).
DEFAULT_DB = REPO_ROOT / "var" / "ecm_published.duckdb"
#: Where ``jar build-demo`` writes the synthetic demo unless told otherwise.
DEMO_DB = REPO_ROOT / "var" / "ecm_demo.duckdb"
DB_ENV = "ECM_DB"


def default_db_path() -> Path:
    """The store the dashboard and CLI use unless told otherwise (env ``ECM_DB``)."""
    return Path(os.environ.get(DB_ENV) or DEFAULT_DB)


class StoreError(RuntimeError):
    """A store could not be opened or is not a store of this project."""


class StoreBusy(StoreError):
    """Another writer holds the store: what a reader or a second writer is told.

    ``str()`` is the plain sentence a page shows (no path or process id, which a
    reader has no use for and should not see); ``detail`` keeps DuckDB's own words
    for the operator's log and the CLI.
    """

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


BEING_UPDATED = "The data are being updated. Try again in a minute."
ANOTHER_WRITE = ("Another import or rollback is being written to this store. "
                 "Nothing was changed: try again when it has finished.")


def _is_lock_conflict(exc: duckdb.Error) -> bool:
    # DuckDB's words when another process holds the file's write lock.
    text = str(exc)
    return "lock" in text.lower() and ("Conflicting lock" in text or "Could not set lock" in text)


def _migrations() -> list[tuple[int, str, str]]:
    files = sorted(
        f for f in resources.files("metrics").joinpath("sql").iterdir() if f.name.endswith(".sql")
    )
    out = []
    for f in files:
        version = int(f.name.split("_", 1)[0])
        out.append((version, f.name, f.read_text(encoding="utf-8")))
    return out


SCHEMA_VERSION = max(v for v, _, _ in _migrations())
#: Migrations after which :func:`metrics.derived.refresh_derived` must run: 6 adds the
#: derived tables; 9 changes the band and rank rules they hold; 11 relabels periods they copy;
#: 12 adds the hidden cells.
DERIVED_FROM = frozenset({6, 9, 11, 12})


class Store:
    """One DuckDB database file (or ``:memory:``) holding a whole dataset.

    DuckDB connections are not safe to share between threads, but cursors made
    from one connection are; Streamlit runs each browser session in its own
    thread, so :meth:`cursor` hands every thread its own cursor.
    """

    def __init__(self, path: Path | str = ":memory:", read_only: bool = False) -> None:
        if path != ":memory:" and Path(path).is_dir():
            # A publish folder (metrics.publish): open its current snapshot, never for writing.
            from metrics.publish import resolve_store

            if not read_only:
                raise StoreError(f"{path}: a publish folder is read-only; write to the authoring store and publish")
            path = resolve_store(path)
        self.path = str(path)
        self.read_only = read_only
        if self.path != ":memory:" and read_only and not Path(self.path).exists():
            raise StoreError(f"{self.path}: no such store (build one with `jar build-demo`)")
        if read_only and self.path != ":memory:":
            _upgrade_if_behind(self.path)
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            if _is_lock_conflict(exc):
                raise StoreBusy(BEING_UPDATED, f"{self.path}: {exc}") from exc
            raise StoreError(f"{self.path}: cannot open store: {exc}") from exc
        self._local = threading.local()
        self._lock = threading.Lock()
        # One data write at a time in this process: two sessions of a writable
        # server importing at once would otherwise meet as a DuckDB conflict
        # half-way through the second write. The second is refused at once.
        self._writing = threading.Lock()
        self._memo: dict[str, tuple[str, Any]] = {}
        self._version: str | None = None
        if not read_only:
            migrate(self.con)
        elif current_version(self.con) is None:
            raise StoreError(f"{self.path}: not a store of this project (no schema_version table)")

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            with self._lock:
                cur = self.con.cursor()
            self._local.cursor = cur
        return cur

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Reads -------------------------------------------------------------------------
    def df(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        """Run a parameterised query and return a DataFrame."""
        return self.cursor().execute(sql, params or []).df()

    def frame(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        """:meth:`df` through Arrow: for the wide, string-heavy reads pages make.

        DuckDB's own DataFrame conversion builds each string column value by value;
        through Arrow it is one columnar copy, half the time of a page's period read
        (measured: 23,405 rows x 16 columns, 24 ms -> 12 ms). The one difference:
        a string column with no value at all comes back as ``str`` NaN, not
        ``object`` None, which page code already meets after any reindex.
        """
        # A cursor of its own: the relation API refuses to run while this thread's
        # cursor still holds an unfinished result (a ``fetchone`` elsewhere).
        with self.cursor().cursor() as cur:
            return cur.sql(sql, params=params or []).to_arrow_table().to_pandas()

    def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        row = self.cursor().execute(sql, params or []).fetchone()
        return None if row is None else row[0]

    def data_version(self) -> str:
        """Changes whenever the data changes: caches key on it.

        Read once for a read-only store: DuckDB's file lock keeps every writer out
        while it is open (a publish writes a new snapshot file instead), so the
        version cannot move under it, and every page asks several times per run.
        """
        if self.read_only and self._version is not None:
            return self._version
        value = str(self.scalar("SELECT value FROM store_meta WHERE key = 'data_version'") or "0")
        if self.read_only:
            self._version = value
        return value

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()``, kept until the data version changes (every write bumps it).

        For small lookups every page repeats (the catalogue): a query with list
        aggregates costs a few milliseconds, a version check a fraction of one.
        Callers must not change what they get back; hand out a copy if they might.
        """
        version = self.data_version()
        hit = self._memo.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        value = compute()
        with self._lock:
            self._memo[key] = (version, value)
        return value

    def meta(self, key: str) -> str | None:
        return self.scalar("SELECT value FROM store_meta WHERE key = ?", [key])

    # Writes ------------------------------------------------------------------------
    @contextmanager
    def transaction(self, data: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """All-or-nothing: on any exception the store is left as it was.

        ``data``: whether the transaction changes what pages show from the data
        (observations, the catalogue, areas, neighbours, import batches); only
        then does the data version move, flushing every page's cache. Users, the
        audit log, reviews and judgements pass ``data=False``: a sign-in or a
        refused import must not make every reader recompute every page.
        """
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only; writes go through the CLI or import page")
        if data and not self._writing.acquire(blocking=False):
            raise StoreBusy(ANOTHER_WRITE)
        try:
            cur = self.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except duckdb.TransactionException as exc:
                # Another thread's transaction changed the same rows first.
                cur.execute("ROLLBACK")
                raise StoreBusy(ANOTHER_WRITE, str(exc)) from exc
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            else:
                if data:
                    cur.execute(
                        "INSERT OR REPLACE INTO store_meta VALUES ('data_version', "
                        "CAST(COALESCE((SELECT TRY_CAST(value AS BIGINT) FROM store_meta "
                        "WHERE key = 'data_version'), 0) + 1 AS VARCHAR))"
                    )
                try:
                    cur.execute("COMMIT")
                except duckdb.TransactionException as exc:
                    with suppress(duckdb.Error):  # DuckDB may have ended it already
                        cur.execute("ROLLBACK")
                    raise StoreBusy(ANOTHER_WRITE, str(exc)) from exc
        finally:
            if data:
                self._writing.release()


def _upgrade_if_behind(path: str) -> None:
    """Bring an older store up to this code's schema before opening it read-only.

    A store built by an earlier version (e.g. ``var/ecm_demo.duckdb`` from last
    month) would otherwise fail on the first query of a newer table. Migrations
    only add, so this is safe; if another process holds the file, the read-only
    open below reports the version mismatch instead.
    """
    try:
        with duckdb.connect(path, read_only=True) as con:
            behind = current_version(con) is not None and bool(missing_versions(con))
        if not behind:
            return
        with duckdb.connect(path) as con:
            migrate(con)
    except duckdb.Error:
        return


def current_version(con: duckdb.DuckDBPyConnection) -> int | None:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchone()
    if not exists or exists[0] == 0:
        return None
    row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    return None if row is None else row[0]


def applied_versions(con: duckdb.DuckDBPyConnection) -> set[int]:
    """The migrations the store records as applied (empty for a file that is not a store yet)."""
    if current_version(con) is None:
        return set()
    return {int(v) for (v,) in con.execute("SELECT version FROM schema_version").fetchall()}


def missing_versions(con: duckdb.DuckDBPyConnection) -> list[int]:
    """This code's migrations the store has not applied, oldest first."""
    have = applied_versions(con)
    return [v for v, _, _ in _migrations() if v not in have]


def migrate(con: duckdb.DuckDBPyConnection, upto: int | None = None) -> int:
    """Apply every migration the store has not recorded, oldest first, each in a transaction.

    Not only those above its highest version: two branches that each add a
    migration can be merged in either order, and a store that took the higher
    number first must still get the other (every migration is written to be
    safe on a store that already has later ones).

    ``upto`` stops at that version: a store as an older release left it, for
    testing the migrations that follow.
    """
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    applied = applied_versions(con)
    have = max(applied, default=0)
    pending = [m for m in _migrations() if m[0] not in applied and (upto is None or m[0] <= upto)]
    # The derived tables are refilled once, with the last migration in the run that
    # needs it: the derived code reads today's schema, which earlier steps lack.
    refill = max((v for v, _, _ in pending if v in DERIVED_FROM), default=None)
    # A run stopped short of today's schema (``upto``) leaves them to the run that finishes.
    refill_at = pending[-1][0] if refill is not None and (upto is None or upto >= SCHEMA_VERSION) else None
    for version, name, sql in pending:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            if version == refill_at:  # derived tables start filled, as if always kept
                from metrics.derived import refresh_derived

                refresh_derived(con)
            con.execute("INSERT INTO schema_version (version, name) VALUES (?, ?)", [version, name])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        have = max(have, version)
    return have


def load_reference_tables(cur: duckdb.DuckDBPyConnection, ref: Reference) -> None:
    """Write the reference lists (framework, catalogue, areas) into an empty store."""
    cur.executemany(
        "INSERT INTO outcome VALUES (?, ?, ?, ?)",
        [(o.outcome_id, o.name, o.sort_order, o.description) for o in ref.outcomes],
    )
    cur.executemany(
        "INSERT INTO aim VALUES (?, ?, ?, ?)",
        [(a.aim_id, a.outcome_id, a.name, a.sort_order) for a in ref.aims],
    )
    cur.executemany(
        "INSERT INTO nsf_standard VALUES (?, ?)", [(s.standard, s.title) for s in ref.nsf_standards]
    )
    cur.executemany(
        "INSERT INTO client_group VALUES (?, ?, ?, ?)",
        [(g.client_group_id, g.name, g.description, g.sort_order) for g in ref.client_groups],
    )
    ind = pd.DataFrame(
        [
            {
                "indicator_id": i.indicator_id,
                "short_title": i.short_title,
                "title": i.title,
                "definition": i.definition,
                "numerator_definition": i.numerator,
                "denominator_definition": i.denominator,
                "outcome_id": i.outcome_id,
                "aim_id": i.aim_id,
                "polarity": str(i.polarity),
                "value_type": str(i.value_type),
                "multiplier": i.multiplier,
                "unit": i.unit,
                "decimal_places": i.decimal_places,
                "ci_method": i.ci_method,
                "source": i.source,
                "frequency": i.frequency,
                "period_type": i.period_type,
                "client_groups": list(i.client_groups),
                "headline_group": i.headline_group,
                "disclosure_threshold": i.disclosure_threshold,
                "status": i.status,
                "ni_number": i.ni_number,
                "lait_measure": i.lait_measure,
                "fingertips_id": i.fingertips_id,
                "mapped": True,
                "confidence_level": i.confidence_level,
                "no_band_groups": list(i.no_band_groups),
            }
            for i in ref.indicators
        ]
    )
    cur.register("_ind", ind)
    cur.execute("INSERT INTO indicator BY NAME SELECT * FROM _ind")
    cur.unregister("_ind")
    cur.executemany(
        "INSERT INTO indicator_nsf VALUES (?, ?)",
        [(i.indicator_id, s) for i in ref.indicators for s in i.nsf_standards],
    )
    rows = [
        (
            a.area_code,
            a.name,
            a.area_type,
            a.parent_code,
            a.la_number,
            a.region_code,
            a.population_0_17,
            a.imd_score,
            a.description,
        )
        for a in ref.areas
    ]
    parents = ref.area_by_code
    for cl in ref.clusters:
        parent = parents[cl.parent_code]
        rows.append(
            (
                cl.cluster_code,
                cl.name,
                "cluster",
                cl.parent_code,
                None,
                parent.region_code or parent.parent_code,
                (parent.population_0_17 or 0) * cl.population_share,
                None,
                cl.description,
            )
        )
    cur.executemany("INSERT INTO area VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


@dataclass(frozen=True)
class BatchOrigin:
    """Where a downloaded file came from: the fetch series, the address(es) and when."""

    series: str
    url: str
    fetched_at: dt.datetime


def new_batch(
    cur: duckdb.DuckDBPyConnection,
    source_file: str,
    fmt: str,
    user: str,
    file_hash: str | None = None,
    note: str | None = None,
    synthetic: bool = False,
    origin: BatchOrigin | None = None,
) -> int:
    """Record an import batch (provenance) and return its id.

    ``synthetic`` marks rows made up for demonstration: the banner, pack and
    exports call figures synthetic exactly when they come from such a batch.
    ``origin`` is set for a file ``jar fetch`` downloaded (:mod:`metrics.fetch`).
    """
    batch_id = cur.execute("SELECT COALESCE(max(batch_id), 0) + 1 FROM import_batch").fetchone()[0]
    cur.execute(
        "INSERT INTO import_batch (batch_id, source_file, file_hash, format, imported_by, note, synthetic,"
        " fetch_series, source_url, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [batch_id, source_file, file_hash, fmt, user, note, synthetic,
         origin.series if origin else None, origin.url if origin else None,
         origin.fetched_at if origin else None],
    )
    return int(batch_id)


#: An observation's key. Unique, kept so by every writer rather than by an index
#: (migration 007 says why); :func:`duplicate_keys` checks it.
OBSERVATION_KEY = ("indicator_id", "area_code", "period_year", "client_group_id", "sex", "category")
#: An observation's figures, in the schema's order: every reader, rule and result uses these names.
VALUE_COLUMNS: tuple[str, ...] = ("count", "denominator", "value", "lower95", "upper95", "lower998", "upper998")


def duplicate_keys(store: Store) -> int:
    """How many observation keys are held more than once (0 in a sound store)."""
    key = ", ".join(OBSERVATION_KEY)  # fixed names
    return int(store.scalar(
        f"SELECT count(*) FROM (SELECT 1 FROM observation GROUP BY {key} HAVING count(*) > 1)"
    ))


#: Tables rebuilt from the others by :func:`metrics.derived.refresh_derived`.
DERIVED_TABLES: tuple[str, ...] = ("ecm_observation", "observation_hidden", "ecm_national", "ecm_position")

TABLES: tuple[str, ...] = (
    "outcome",
    "aim",
    "nsf_standard",
    "client_group",
    "indicator",
    "indicator_nsf",
    "area",
    "area_neighbour",
    "area_neighbour_history",
    "import_batch",
    "observation",
    "observation_history",
    *DERIVED_TABLES,
    "judgement",
    "review",
    "app_user",
    "audit_log",
    "watch_item",
)


def table_counts(store: Store) -> dict[str, int]:
    # Table names come from the fixed tuple above, never from input.
    return {t: int(store.scalar(f"SELECT count(*) FROM {t}")) for t in TABLES}
