"""The import door a person goes through: role checked by the library, every action audited."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from metrics.auth import PermissionDenied, User
from metrics.io.core import store_checksum
from metrics.io.faults import ImportFailed
from metrics.services import run_import, run_rollback
from metrics.store import Store
from tests.io.conftest import ci, row, write_fingertips
from tests.support.accounts import add_account


def _fingertips(path: Path, count: str) -> Path:
    """A one-row Fingertips CSV for NI70 (injury admissions, Fingertips id 90284), Telford 2015/16."""
    return write_fingertips(path, [row(**{
        "Area Code": "E06000020", "Area Name": "Telford and Wrekin", "Time period": "2015/16",
        "Count": count, "Denominator": "35000", "Value": "", **ci("", "", "", "")})])


@pytest.fixture()
def store(demo_db: Path, tmp_path: Path) -> Store:
    copy = tmp_path / "store.duckdb"
    shutil.copy(demo_db, copy)
    s = Store(copy)
    add_account(s, "ann", "analyst")
    add_account(s, "ian", "inspector")
    yield s
    s.close()


@pytest.mark.parametrize("role", ["viewer", "inspector", "director", "admin"])
def test_only_analysts_import_and_refusals_change_nothing_but_the_log(
    store: Store, tmp_path: Path, role: str
) -> None:
    path = _fingertips(tmp_path / "one.csv", "120")
    someone = add_account(store, "someone", role)
    before = store_checksum(store)
    with pytest.raises(PermissionDenied):
        run_import(store, someone, path)
    after = store_checksum(store)
    assert {t: v for t, v in after.items() if t != "audit_log"} == {
        t: v for t, v in before.items() if t != "audit_log"}
    assert store.df("SELECT username, action, outcome FROM audit_log").values.tolist() == [
        ["someone", "import_data", "refused"]]


def test_analyst_imports_then_rolls_back_with_audit(store: Store, tmp_path: Path) -> None:
    analyst = User("ann", "analyst")
    path = _fingertips(tmp_path / "one.csv", "120")
    dry = run_import(store, analyst, path, dry_run=True)
    assert dry.batch_id is None and dry.new + dry.replaced == 1
    result = run_import(store, analyst, path)
    assert result.batch_id is not None
    stored = store.df(
        "SELECT count, denominator, batch_id FROM observation WHERE indicator_id = 'NI70'"
        " AND area_code = 'E06000020' AND period_year = 2016 AND client_group_id = 'all' AND sex = 'persons'"
    )
    assert stored.values.tolist() == [[120.0, 35000.0, result.batch_id]]
    with pytest.raises(PermissionDenied):
        run_rollback(store, User("ian", "inspector"), result.batch_id)
    run_rollback(store, analyst, result.batch_id)
    log = store.df("SELECT username, action, outcome FROM audit_log ORDER BY audit_id").values.tolist()
    assert log == [["ann", "import", "ok"], ["ian", "rollback_import", "refused"], ["ann", "rollback", "ok"]]


def test_failed_import_is_audited_and_writes_nothing_else(store: Store, tmp_path: Path) -> None:
    path = _fingertips(tmp_path / "bad.csv", "-3")
    before = store_checksum(store)
    with pytest.raises(ImportFailed, match="bad.csv, row 2, Count"):
        run_import(store, User("ann", "analyst"), path)
    after = store_checksum(store)
    assert {t: v for t, v in after.items() if t != "audit_log"} == {
        t: v for t, v in before.items() if t != "audit_log"}
    entry = store.df("SELECT action, outcome, detail FROM audit_log").iloc[0]
    assert (entry["action"], entry["outcome"]) == ("import", "failed")
    assert "must not be negative" in entry["detail"]
