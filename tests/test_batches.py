"""Import batches recorded for the team in PostgreSQL: history, sync, repair, conflicts.

Uses the throwaway PostgreSQL cluster of :mod:`tests.test_shared` (its
fixtures, imported here; each test gets a database of its own, and everything
skips with the reason when the server cannot start). Unlike that module's
read-only replica, the DuckDB stores here are private writable copies of the
demo: imports and rollbacks commit in DuckDB and are then recorded in
PostgreSQL's ``import_batch`` for the team.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from metrics import cli, shared
from metrics.auth import (
    User,
)
from metrics.batches import (
    BatchConflict,
    batch_history,
    pending_sync,
    rollback_choices,
    store_identity,
    sync_batches,
)
from metrics.io.core import import_history
from metrics.services import run_import, run_rollback
from metrics.store import Store
from tests import test_shared
from tests.io.conftest import ci, row, write_fingertips
from tests.support.accounts import add_account

# The throwaway server and the per-test database (with ECM_SHARED_DB set) of tests/test_shared.py.
pg_server = test_shared.pg_server
pg_url = test_shared.pg_url
PASSWORD = test_shared.PASSWORD
ANALYST = User("ann", "analyst")
INSPECTOR_PASSWORD = "another long secret"


def one_row_fingertips(path: Path, count: str, area: str = "E06000020") -> Path:
    """A one-row Fingertips CSV for NI70 (Fingertips id 90284), 2015/16."""
    return write_fingertips(path, [row(**{
        "Area Code": area, "Area Name": "somewhere", "Time period": "2015/16",
        "Count": count, "Denominator": "35000", "Value": "", **ci("", "", "", "")})])


@pytest.fixture()
def store_path(demo_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "store.duckdb"
    shutil.copy(demo_db, copy)
    return copy


@pytest.fixture()
def store(store_path: Path) -> Iterator[Store]:
    """A private writable copy of the demo, as the authoring instance has it."""
    s = Store(store_path)
    yield s
    s.close()


Query = Callable[..., list[tuple]]


@pytest.fixture()
def analyst(pg_url: str, store: Store) -> User:
    """ann's analyst account in PostgreSQL, where authorise reads it with ECM_SHARED_DB set."""
    return add_account(store, ANALYST.username, ANALYST.role)


@pytest.fixture()
def pg(pg_url: str) -> Query:
    """Run SQL on the test's database directly, whatever ``ECM_SHARED_DB`` says at that moment.

    (``tests.test_shared.pg_rows`` reads the variable by default, which these tests unset to write to DuckDB.)
    """
    return lambda text, params=None: test_shared.pg_rows(text, params, url=pg_url)


@pytest.fixture()
def batches(pg: Query) -> Callable[..., list[tuple]]:
    def read(columns: str = "batch_id, status") -> list[tuple]:
        return pg(f"SELECT {columns} FROM import_batch ORDER BY store_id, batch_id")

    return read


@pytest.fixture()
def outage(pg: Query) -> Iterator[Callable[[], object]]:
    """The shared database refuses every write to import_batch (a real server-side error) until recovered."""
    pg("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
       " $$ BEGIN RAISE EXCEPTION 'simulated outage of the shared database'; END $$")
    pg("CREATE TRIGGER outage BEFORE INSERT OR UPDATE ON import_batch FOR EACH ROW EXECUTE FUNCTION refuse()")
    yield lambda: pg("DROP TRIGGER outage ON import_batch")
    pg("DROP TRIGGER IF EXISTS outage ON import_batch")


# Recorded for the team -----------------------------------------------------------------


def test_import_and_rollback_are_recorded_in_postgres(
    pg_url: str, analyst: User, pg: Query, store: Store, tmp_path: Path
) -> None:
    path = one_row_fingertips(tmp_path / "one.csv", "120")
    result = run_import(store, ANALYST, path)
    assert result.batch_id is not None and not any("PostgreSQL" in n for n in result.notes)
    after_import = store.data_version()
    rows = pg("SELECT batch_id, source_file, file_hash, format, imported_by, rows_written, status,"
              " data_version, store_id, store_path, recorded_via FROM import_batch ORDER BY batch_id")
    # The demo's own batch comes along (recorded late, by the sync), then the import itself.
    assert [r[0] for r in rows] == [1, result.batch_id]
    assert rows[0][6] == "committed" and rows[0][10] == "sync" and rows[0][7] is None
    assert rows[1] == (result.batch_id, "one.csv", hashlib.sha256(path.read_bytes()).hexdigest(), "fingertips",
                       "ann", 1, "committed", after_import, store_identity(store), store.path, "import")
    # The batch's fixed facts are DuckDB's, copied exactly.
    duck = store.cursor().execute("SELECT imported_at, rows_read FROM import_batch WHERE batch_id = ?",
                                  [result.batch_id]).fetchall()
    assert pg("SELECT imported_at, rows_read FROM import_batch WHERE batch_id = %s", [result.batch_id]) == duck

    assert run_rollback(store, ANALYST, result.batch_id) == 1
    status = pg("SELECT status, note, rolled_back_by, rolled_back_at IS NOT NULL, rollback_data_version"
                " FROM import_batch WHERE batch_id = %s", [result.batch_id])[0]
    assert status[0] == "rolled_back" and "rolled back by ann" in status[1]
    assert status[2:] == ("ann", True, store.data_version()) and store.data_version() != after_import
    assert pg("SELECT username, action, outcome FROM audit_log ORDER BY audit_id") == [
        ("ann", "import", "ok"), ("ann", "rollback", "ok")]
    for table in ("audit_log", "app_user"):  # the shared tables were written in PostgreSQL, not DuckDB
        assert store.scalar(f"SELECT count(*) FROM {table}") == 0


def test_history_is_the_teams_read_from_postgres(
    pg_url: str, analyst: User, pg: Query, store: Store, store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    older = tmp_path / "older-snapshot.duckdb"
    shutil.copy(store_path, older)  # a replica's snapshot, published before the import below
    result = run_import(store, ANALYST, one_row_fingertips(tmp_path / "one.csv", "120"))
    history = batch_history(store)
    assert list(history["batch_id"]) == [result.batch_id, 1]
    assert history["synced"].all() and history["in_store"].all()
    assert history.iloc[0]["imported_by"] == "ann" and history.iloc[0]["data_version"] == store.data_version()

    # What is shown comes from PostgreSQL, not from the DuckDB file.
    pg("UPDATE import_batch SET imported_by = 'ann (seen in PostgreSQL)' WHERE batch_id = %s", [result.batch_id])
    assert batch_history(store).iloc[0]["imported_by"] == "ann (seen in PostgreSQL)"

    # A replica on the older snapshot sees the team's newer batch, marked as not in its store.
    with Store(older, read_only=True) as replica:
        assert store_identity(replica) == store_identity(store)
        seen = batch_history(replica).set_index("batch_id")
        assert list(seen.index) == [result.batch_id, 1]
        assert not seen.loc[result.batch_id, "in_store"] and seen.loc[1, "in_store"]
        assert list(import_history(replica)["batch_id"]) == [1]  # its own file knows only the demo batch

    store.close()
    assert cli.main(["history", "--db", str(store_path)]) == 0
    out = capsys.readouterr().out
    assert "ann (seen in PostgreSQL)" in out and "synced" in out

    # Without the variable the history is the DuckDB store's own, exactly as before.
    monkeypatch.delenv(shared.SHARED_ENV)
    with Store(store_path, read_only=True) as alone:
        assert batch_history(alone).equals(import_history(alone))
        own = batch_history(alone)  # the file's, not PostgreSQL's edited copy
        assert "synced" not in own and own.iloc[0]["imported_by"] == "ann" and not pending_sync(own)
        assert rollback_choices(own) == [result.batch_id, 1]


def test_data_page_shows_the_teams_history_and_offers_only_this_stores_batches(
    pg_url: str, analyst: User, store: Store, store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from metrics.framework import REPO_ROOT

    older = tmp_path / "older.duckdb"
    shutil.copy(store_path, older)
    result = run_import(store, ANALYST, one_row_fingertips(tmp_path / "one.csv", "120"))
    store.close()
    monkeypatch.setenv("ECM_DB", str(older))
    monkeypatch.setenv("ECM_WRITABLE", "1")
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60)
        at.switch_page("dashboard/pages/data.py")
        at.session_state["signed_in_user"] = ANALYST
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        history = next(d.value for d in at.dataframe if "Batch" in d.value.columns)
        assert list(history["Batch"]) == [result.batch_id, 1]
        # The team's newer batch is listed, but only this store's own can be rolled back from here.
        assert [str(o) for o in at.selectbox(key="rollback-batch").options] == ["1"]
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()


# A failed write after the DuckDB commit, and its repair ---------------------------------


def test_the_next_import_records_what_a_failed_write_missed(
    pg_url: str, analyst: User, pg: Query, batches: Callable[..., list[tuple]], outage: Callable[[], object],
    store: Store, tmp_path: Path,
) -> None:
    first = run_import(store, ANALYST, one_row_fingertips(tmp_path / "one.csv", "120"))
    assert first.batch_id is not None  # committed in DuckDB whatever PostgreSQL said
    assert any("simulated outage" in n and "jar sync-batches" in n for n in first.notes)
    assert "not updated" in first.summary()
    assert store.scalar("SELECT status FROM import_batch WHERE batch_id = ?", [first.batch_id]) == "committed"
    assert batches() == []
    history = batch_history(store).set_index("batch_id")
    assert not history.loc[first.batch_id, "synced"]  # shown, and shown as not yet the team's
    assert pending_sync(batch_history(store))  # the Data page says so
    assert '"shared_history": "pending"' in pg("SELECT detail FROM audit_log WHERE action = 'import'")[0][0]

    outage()  # the server is back
    second = run_import(store, ANALYST, one_row_fingertips(tmp_path / "two.csv", "130", area="E06000001"))
    assert not any("PostgreSQL" in n for n in second.notes)
    assert batches("batch_id, status, recorded_via, data_version IS NULL") == [
        (1, "committed", "sync", True),
        (first.batch_id, "committed", "sync", True),  # recorded late: its data version is not known
        (second.batch_id, "committed", "import", False),
    ]
    assert batch_history(store)["synced"].all() and not pending_sync(batch_history(store))


def test_sync_batches_repairs_idempotently_and_never_moves_backwards(
    pg_url: str, analyst: User, pg: Query, batches: Callable[..., list[tuple]], outage: Callable[[], object],
    store: Store, store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    result = run_import(store, ANALYST, one_row_fingertips(tmp_path / "one.csv", "120"))
    store.close()
    before_rollback = tmp_path / "before-rollback.duckdb"
    shutil.copy(store_path, before_rollback)
    with Store(store_path) as again:
        run_rollback(again, ANALYST, result.batch_id)  # PostgreSQL still refuses: the status change is lost too
    assert batches() == []

    outage()  # the server is back
    assert cli.main(["sync-batches", "--db", str(store_path)]) == 0
    assert "2 batch(es) recorded" in capsys.readouterr().out
    assert batches("batch_id, status, recorded_via") == [
        (1, "committed", "sync"), (result.batch_id, "rolled_back", "sync")]
    assert pg("SELECT count(*) FROM audit_log WHERE action = 'sync_batches'") == [(1,)]

    # Again: nothing to do, nothing written twice.
    assert cli.main(["sync-batches", "--db", str(store_path), "--to", pg_url]) == 0
    assert "0 batch(es) recorded, 0 marked rolled back, 2 already up to date" in capsys.readouterr().out
    assert len(batches()) == 2

    # A snapshot from before the rollback must not undo it in the team's history.
    with Store(before_rollback, read_only=True) as old:
        report = sync_batches(old)
    assert report is not None and report.ahead == [result.batch_id] and report.changed == 0
    assert batches()[-1] == (result.batch_id, "rolled_back")


def test_two_stores_claiming_one_history_are_refused(
    pg_url: str, analyst: User, batches: Callable[..., list[tuple]], store: Store, store_path: Path, tmp_path: Path
) -> None:
    store.close()
    twin_path = tmp_path / "twin.duckdb"
    shutil.copy(store_path, twin_path)  # a copied file: the same identity...
    with Store(store_path) as one:
        run_import(one, ANALYST, one_row_fingertips(tmp_path / "one.csv", "120"))
    with Store(twin_path) as twin:
        # ...then a different import under the same next batch id.
        result = run_import(twin, ANALYST, one_row_fingertips(tmp_path / "other.csv", "7", area="E06000001"))
        assert any("BatchConflict" in n for n in result.notes)  # the import stands; the copy is refused
        with pytest.raises(BatchConflict, match="copied"):
            sync_batches(twin)
    assert batches("batch_id, source_file") == [(1, "embedded demo (synthetic)"), (2, "one.csv")]


def test_sync_batches_needs_a_database(store_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv(shared.SHARED_ENV, raising=False)
    assert cli.main(["sync-batches", "--db", str(store_path)]) == 1
    assert "no PostgreSQL database" in capsys.readouterr().err
