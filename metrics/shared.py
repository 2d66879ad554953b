"""Where the shared write-side tables live: users, the audit log, reviews, judgements and watchlists.

By default they sit in the DuckDB store beside the data, as they always have.
A DuckDB file has one writer, so several app replicas cannot all record
judgements or sign users in; setting ``ECM_SHARED_DB`` to a PostgreSQL URL moves
exactly these five tables (``app_user``, ``audit_log``, ``review``,
``judgement``, ``watch_item``) into that server, which every replica can write to at once. The
indicator data and reference lists stay in DuckDB, and so does each import
batch's own row: an import writes its batch row and its observations in one
DuckDB transaction, and that must not be split across two databases. What the
team needs to *see* of the batches (who imported what, when, and whether it was
rolled back) is copied into a PostgreSQL ``import_batch`` table right after each
DuckDB commit; :mod:`metrics.batches` explains that copy and how it is repaired.
:mod:`metrics.shared_migrate` copies an existing DuckDB deployment's five tables
into PostgreSQL once, keeping their ids.

:mod:`metrics.auth`, :mod:`metrics.judgements` and :mod:`metrics.watchlist` reach these tables only through
:func:`shared_for`, so the same functions and the same role checks run whichever
store holds them. The SQL they send is written to run on both engines: ``?``
placeholders (translated for psycopg here), no ``QUALIFY`` or list functions,
and the few differences (row locks, id allocation) are methods of the cursor.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from typing import Any, Protocol

import pandas as pd

from metrics.store import Store

SHARED_ENV = "ECM_SHARED_DB"

# The tables ECM_SHARED_DB moves into PostgreSQL, in an order that respects their
# references (a judgement's review comes first). Names in SQL built from this come
# only from here, never from input.
SHARED_TABLES: tuple[str, ...] = ("app_user", "audit_log", "review", "judgement", "watch_item")

# (table, id column) pairs whose ids the cursor may hand out; names in SQL built
# by next_id come only from here, never from input.
ID_COLUMNS: frozenset[tuple[str, str]] = frozenset({("audit_log", "audit_id"), ("judgement", "judgement_id"),
                                                   ("watch_item", "watch_id")})

# One key for pg_advisory_xact_lock: two processes starting at once must not both
# create the schema.
_MIGRATION_LOCK = 0x4543_4D5F_5348  # "ECM_SH"


class SharedCursor(Protocol):
    """What a write transaction on the shared tables offers."""

    for_update: str

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> SharedCursor: ...

    def fetchone(self) -> tuple[Any, ...] | None: ...

    def fetchall(self) -> list[tuple[Any, ...]]: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> SharedCursor: ...

    def next_id(self, table: str, column: str) -> int: ...

    def serialise(self, name: str) -> None: ...


class SharedStore(Protocol):
    """The shared tables' store: DuckDB (embedded default) or PostgreSQL."""

    kind: str
    conflicts: tuple[type[Exception], ...]

    @property
    def writable(self) -> bool: ...

    def df(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame: ...

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any: ...

    def transaction(self) -> Any: ...


def _check_id_column(table: str, column: str) -> None:
    if (table, column) not in ID_COLUMNS:
        raise ValueError(f"no id allocation for {table}.{column}")


# DuckDB --------------------------------------------------------------------------------


class _Cursor:
    """What both engines' cursors share; :meth:`_sql` adapts the SQL to the driver."""

    def __init__(self, cur: Any) -> None:
        self._cur = cur

    def _sql(self, sql: str) -> str:
        return sql

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> _Cursor:
        self._cur.execute(self._sql(sql), list(params or []))
        return self

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._cur.fetchone()

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._cur.fetchall()

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> _Cursor:
        """One statement for many rows: a bulk copy (thousands of audit entries) in one round of calls."""
        if rows:
            self._cur.executemany(self._sql(sql), [list(r) for r in rows])
        return self


class DuckCursor(_Cursor):
    """A DuckDB cursor inside :meth:`Store.transaction`; the file's single writer makes max()+1 safe."""

    for_update = ""  # DuckDB has no row locks; its one writer already serialises transactions

    def next_id(self, table: str, column: str) -> int:
        _check_id_column(table, column)
        return int(self._cur.execute(f"SELECT COALESCE(max({column}), 0) + 1 FROM {table}").fetchone()[0])

    def serialise(self, name: str) -> None:
        """Nothing to do: the file's one writer already runs transactions one at a time."""


class DuckShared:
    """The shared tables in the DuckDB store itself: exactly the behaviour before PostgreSQL."""

    kind = "duckdb"
    # One writer per file: two writers cannot race, so a constraint error is a real
    # error and must not be retried or reworded as a race.
    conflicts: tuple[type[Exception], ...] = ()

    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def writable(self) -> bool:
        return not self.store.read_only

    def df(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        return self.store.df(sql, list(params or []))

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        return self.store.scalar(sql, list(params or []))

    @contextmanager
    def transaction(self) -> Iterator[DuckCursor]:
        """The store's own transaction, without moving the data version.

        These tables (users, audit log, reviews, judgements) are read fresh on
        every page run, never from the caches the data version keys, so a
        sign-in, a refusal or a judgement leaves every page's cache alone.
        """
        with self.store.transaction(data=False) as cur:
            yield DuckCursor(cur)


# PostgreSQL ----------------------------------------------------------------------------


def _pg_sql(sql: str) -> str:
    """``?`` placeholders to psycopg's ``%s``; a literal ``%`` must be doubled for psycopg."""
    return sql.replace("%", "%%").replace("?", "%s")


class PgCursor(_Cursor):
    """A psycopg cursor inside one PostgreSQL transaction."""

    for_update = " FOR UPDATE"

    def _sql(self, sql: str) -> str:
        return _pg_sql(sql)

    def next_id(self, table: str, column: str) -> int:
        """From the column's identity sequence: two processes never get the same id."""
        _check_id_column(table, column)
        self._cur.execute("SELECT nextval(pg_get_serial_sequence(%s, %s))", [table, column])
        return int(self._cur.fetchone()[0])

    def move_ids_past(self, table: str, column: str) -> None:
        """Make the column's sequence hand out ids after the largest in the table (never earlier).

        For rows copied in with their ids kept (``jar migrate-shared``): the
        sequence knows nothing of them, and would otherwise hand out id 1 again.
        It only moves forward, so ids another process already drew stay unique.
        """
        _check_id_column(table, column)
        self._cur.execute(
            "SELECT setval(s.seq, m.top) FROM (SELECT pg_get_serial_sequence(%s, %s) AS seq) s,"
            f" (SELECT max({column}) AS top FROM {table}) m"
            " WHERE m.top > COALESCE(pg_sequence_last_value(s.seq::regclass), 0)",
            [table, column],
        )

    def serialise(self, name: str) -> None:
        """Run this transaction alone among those naming ``name``, for checks no row lock covers.

        E.g. "no admin exists yet": there is no row to lock, so two first-run
        commands could otherwise both pass the check.
        """
        self._cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])


class PgShared:
    """The shared tables in a PostgreSQL database, written by any number of app processes.

    A transaction must not interleave with another thread's statements, and
    Streamlit runs script reruns on threads that come and go, so each call
    borrows an idle connection from a small pool and gives it back, rather than
    pinning one per thread (which would leak a connection per dead thread).
    """

    kind = "postgresql"
    max_idle = 8

    def __init__(self, url: str) -> None:
        import psycopg

        self.url = url
        self._psycopg = psycopg
        self.conflicts: tuple[type[Exception], ...] = (psycopg.errors.UniqueViolation,)
        self._lock = threading.Lock()
        self._idle: list[Any] = []
        self._closed = False
        with self._borrow() as con:
            migrate_pg(con)

    @property
    def writable(self) -> bool:
        return True

    @contextmanager
    def _borrow(self) -> Iterator[Any]:
        with self._lock:
            con = self._idle.pop() if self._idle else None
        if con is None or con.closed or con.broken:
            con = self._psycopg.connect(self.url, autocommit=True)
        try:
            yield con
        finally:
            idle = (not con.closed and not con.broken
                    and con.info.transaction_status == self._psycopg.pq.TransactionStatus.IDLE)
            with self._lock:
                keep = idle and not self._closed and len(self._idle) < self.max_idle
                if keep:
                    self._idle.append(con)
            if not keep:
                con.close()

    def df(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        with self._borrow() as con, con.cursor() as cur:
            cur.execute(_pg_sql(sql), list(params or []))
            columns = [d.name for d in cur.description or []]
            rows = cur.fetchall()
        return pd.DataFrame.from_records(rows, columns=columns)

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        with self._borrow() as con, con.cursor() as cur:
            cur.execute(_pg_sql(sql), list(params or []))
            row = cur.fetchone()
        return None if row is None else row[0]

    @contextmanager
    def transaction(self) -> Iterator[PgCursor]:
        """All-or-nothing, committed on leaving the block (READ COMMITTED; rows locked as asked)."""
        with self._borrow() as con, con.transaction(), con.cursor() as cur:
            yield PgCursor(cur)

    def close(self) -> None:
        """Close the idle connections; any still borrowed close when given back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for con in idle:
            con.close()


def _pg_migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("metrics").joinpath("sql").joinpath("pg")
    out = []
    for f in sorted(folder.iterdir(), key=lambda f: f.name):
        if f.name.endswith(".sql"):
            out.append((int(f.name.split("_", 1)[0]), f.name, f.read_text(encoding="utf-8")))
    return out


def migrate_pg(con: Any) -> int:
    """Create or bring up to date the shared schema, once, however many processes start together."""
    with con.transaction(), con.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [_MIGRATION_LOCK])
        cur.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TIMESTAMP NOT NULL DEFAULT LOCALTIMESTAMP)"
        )
        cur.execute("SELECT COALESCE(max(version), 0) FROM schema_version")
        have = int(cur.fetchone()[0])
        for version, name, sql in _pg_migrations():
            if version <= have:
                continue
            cur.execute(sql)
            cur.execute("INSERT INTO schema_version (version, name) VALUES (%s, %s)", [version, name])
            have = version
    return have


# Choosing ------------------------------------------------------------------------------

_pg_backends: dict[str, PgShared] = {}
_pg_lock = threading.Lock()


def shared_url() -> str | None:
    """The PostgreSQL URL from ``ECM_SHARED_DB``, or None for the embedded default."""
    url = (os.environ.get(SHARED_ENV) or "").strip()
    return url or None


def pg_backend(url: str) -> PgShared:
    """The PostgreSQL backend for ``url``: one per URL per process, with its small pool.

    Also used directly by commands that name their target (``jar migrate-shared
    --to URL``) rather than take it from ``ECM_SHARED_DB``.
    """
    with _pg_lock:
        backend = _pg_backends.get(url)
        if backend is None:
            backend = _pg_backends[url] = PgShared(url)
    return backend


def shared_for(store: Store) -> DuckShared | PgShared:
    """The store holding the shared tables for work on ``store``.

    Read on every call, so a process picks up ``ECM_SHARED_DB`` as it is when it
    acts; one PostgreSQL backend (with its connections) is kept per URL.
    """
    url = shared_url()
    if url is None:
        return DuckShared(store)
    return pg_backend(url)


def describe_url(url: str) -> str:
    """``database on host:port`` for messages: never the password a URL may carry."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        info = conninfo_to_dict(url)
    except Exception:  # an unparsable URL is reported by the connection itself; just say nothing of it here
        return "the PostgreSQL database"
    host = info.get("host") or "localhost"
    port = info.get("port")
    return f"database {info.get('dbname') or '(default)'} on {host}{':' + str(port) if port else ''}"


def writes_enabled(store: Store) -> bool:
    """Whether judgements, users and audit entries can be written for this store.

    A read-only replica can still write them when they live in PostgreSQL.
    """
    return shared_for(store).writable


def close_all() -> None:
    """Close every PostgreSQL connection this process opened (tests, shutdown)."""
    with _pg_lock:
        for backend in _pg_backends.values():
            backend.close()
        _pg_backends.clear()
