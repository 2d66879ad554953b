"""The DuckDB store: migrations, keys, transactions, read-only opening."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from metrics.framework import Reference
from metrics.store import (
    SCHEMA_VERSION,
    Store,
    StoreError,
    duplicate_keys,
    load_reference_tables,
    new_batch,
    table_counts,
)


@pytest.fixture()
def store(tmp_path: Path, reference: Reference) -> Store:
    s = Store(tmp_path / "t.duckdb")
    with s.transaction() as cur:
        load_reference_tables(cur, reference)
    return s


def _obs(batch: int, value: float = 50.0) -> list[object]:
    return ["NI117", "E06000020", 2025, "2024-25", "all", "persons", "", 5, 10, value,
            None, None, None, None, False, None, batch]


INSERT = "INSERT INTO observation VALUES (" + ", ".join(["?"] * 17) + ")"


def test_migration_records_schema_version(store: Store) -> None:
    assert store.scalar("SELECT max(version) FROM schema_version") == SCHEMA_VERSION
    # Re-opening does not re-apply migrations.
    path = store.path
    store.close()
    again = Store(path)
    assert again.scalar("SELECT count(*) FROM schema_version") == SCHEMA_VERSION


def test_round_trip_observation(store: Store) -> None:
    with store.transaction() as cur:
        batch = new_batch(cur, "t.csv", "test", "tester")
        cur.execute(INSERT, _obs(batch))
    path = store.path
    store.close()
    reopened = Store(path, read_only=True)
    row = reopened.df("SELECT * FROM observation").iloc[0]
    assert (row["indicator_id"], row["count"], row["denominator"], row["value"]) == ("NI117", 5, 10, 50.0)
    assert reopened.df("SELECT * FROM import_batch")["source_file"].tolist() == ["t.csv"]


def test_observation_key_is_checked_not_indexed(store: Store) -> None:
    # Migration 007 drops the primary-key index (an in-memory ART that made a
    # national store's imports take 13.8 GB); the writers keep the key unique, and
    # duplicate_keys is how tests (tests/io/test_ecm_observation.py after every kind
    # of write) and anyone else check it.
    assert store.scalar(
        "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'observation'"
        " AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')"
    ) == 0
    with store.transaction() as cur:
        batch = new_batch(cur, "t.csv", "test", "tester")
        cur.execute(INSERT, _obs(batch))
    assert duplicate_keys(store) == 0
    with store.transaction() as cur:
        cur.execute(INSERT, _obs(batch, 60.0))  # a raw second insert: what no writer does
    assert duplicate_keys(store) == 1


def test_failed_transaction_leaves_store_unchanged(store: Store) -> None:
    before = table_counts(store)
    version = store.data_version()
    with pytest.raises(RuntimeError), store.transaction() as cur:
        batch = new_batch(cur, "t.csv", "test", "tester")
        cur.execute(INSERT, _obs(batch))
        raise RuntimeError("fault half-way")
    assert table_counts(store) == before
    assert store.data_version() == version


def test_data_version_moves_on_each_write(store: Store) -> None:
    v1 = store.data_version()
    with store.transaction() as cur:
        new_batch(cur, "t.csv", "test", "tester")
    assert store.data_version() != v1


def test_read_only_store_refuses_writes(store: Store) -> None:
    path = store.path
    store.close()
    ro = Store(path, read_only=True)
    with pytest.raises(StoreError, match="read-only"), ro.transaction():
        pass


def test_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such store"):
        Store(tmp_path / "nope.duckdb", read_only=True)


def test_parameters_are_bound_not_pasted(store: Store) -> None:
    hostile = "E06000020'; DROP TABLE area; --"
    assert store.df("SELECT * FROM area WHERE area_code = ?", [hostile]).empty
    assert store.scalar("SELECT count(*) FROM area") > 150


def test_a_read_only_store_reads_its_version_once_because_no_writer_can_open_it(store: Store) -> None:
    """Store.data_version keeps a read-only store's version: DuckDB's file lock is why that is safe."""
    path = store.path
    store.close()
    ro = Store(path, read_only=True)
    version = ro.data_version()
    writer = subprocess.run(
        [sys.executable, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1])", path],
        capture_output=True, text=True, timeout=60,
    )
    assert writer.returncode != 0 and "lock" in writer.stderr.lower()
    assert ro.data_version() == version
    # Read once: asked again, it does not go back to the store.
    ro.scalar = lambda *a, **k: pytest.fail("data_version queried the store again")  # type: ignore[method-assign]
    assert ro.data_version() == version
    ro.close()


def test_memo_keeps_an_answer_until_the_data_change(store: Store) -> None:
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert store.memo("k", compute) == 1
    assert store.memo("k", compute) == 1  # kept: no recompute
    with store.transaction() as cur:
        new_batch(cur, "t.csv", "test", "tester")
    assert store.memo("k", compute) == 2  # any write bumps the data version
    assert store.memo("other", compute) == 3  # keys are separate


def test_a_migration_below_the_stores_highest_is_still_applied(empty_db: Path, tmp_path: Path) -> None:
    """Two branches each add a migration; the store took the higher number first. Opening it
    (writable or read-only) applies the one it lacks, not only those above its highest."""
    import shutil

    import duckdb

    from metrics.store import missing_versions

    for read_only in (False, True):
        path = tmp_path / f"gap-{read_only}.duckdb"
        shutil.copy(empty_db, path)
        with duckdb.connect(str(path)) as con:
            con.execute("DELETE FROM schema_version WHERE version = 14")
            for column in ("fetch_series", "source_url", "fetched_at"):
                con.execute(f"ALTER TABLE import_batch DROP COLUMN {column}")
            assert missing_versions(con) == [14] and con.execute("SELECT max(version) FROM schema_version"
                                                                 ).fetchone()[0] == SCHEMA_VERSION
        with Store(path, read_only=read_only) as store:
            assert store.scalar("SELECT count(*) FROM schema_version WHERE version = 14") == 1
            columns = set(store.df("SELECT column_name FROM information_schema.columns"
                                   " WHERE table_name = 'import_batch'")["column_name"])
            assert {"fetch_series", "source_url", "fetched_at"} <= columns
