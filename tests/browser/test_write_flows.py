"""Writing as users do it, in a real browser: an analyst imports a file, an inspector records a grade.

A second server runs on a writable copy of the demo store (``ECM_WRITABLE=1``).
DuckDB lets only that server's process open the file while it runs, so the tests
read the outcome back as users would: the confirmation on the page, and the
audit log on the admin page.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from metrics.auth import User, create_first_admin, create_user
from metrics.judgements import create_review
from metrics.store import Store
from tests.browser.conftest import streamlit_server
from tests.browser.helpers import axe_violations, grid, wait_for_app
from tests.io.conftest import ci, row, write_fingertips

pytestmark = pytest.mark.browser
PASSWORD = "a long test password"

def _fingertips(path: Path, count: str) -> Path:
    """A one-row Fingertips CSV for NI70 (injury admissions, Fingertips id 90284), Telford 2015/16."""
    return write_fingertips(path, [row(**{
        "Area Code": "E06000020", "Area Name": "Telford and Wrekin", "Time period": "2015/16",
        "Count": count, "Denominator": "35000", "Value": "", **ci("", "", "", "")})])


@pytest.fixture(scope="module")
def writable_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("writable") / "store.duckdb"
    shutil.copy(demo_db, db)
    with Store(db) as store:
        admin = create_first_admin(store, "ada", PASSWORD)
        create_user(store, admin, "ann", "analyst", PASSWORD)
        create_user(store, admin, "ian", "inspector", PASSWORD)
        create_review(store, User("ian", "inspector"), "E06000020", 2025)
    return db


@pytest.fixture(scope="module")
def writable_server(writable_db: Path) -> Iterator[str]:
    with streamlit_server({"ECM_DB": str(writable_db), "ECM_WRITABLE": "1"}, "writable-server.log") as url:
        yield url


def _sign_in(page, name: str) -> None:
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as").wait_for()
    wait_for_app(page)


def test_analyst_imports_a_file_and_a_bad_one_is_refused(writable_server: str, page, tmp_path: Path) -> None:
    page.goto(writable_server + "/data")
    wait_for_app(page)
    _sign_in(page, "ann")
    assert axe_violations(page) == []

    bad = _fingertips(tmp_path / "bad_counts.csv", "-3")
    page.locator('input[type="file"]').first.set_input_files(str(bad))
    page.get_by_text("refused, nothing would be written").wait_for()
    wait_for_app(page)
    assert "bad_counts.csv: refused, nothing would be written (1 fault)" in page.inner_text("body")
    faults = grid(page.locator('[data-testid="stDataFrame"]').last)
    assert [(f["Row"], f["Column"]) for f in faults] == [("2", "Count")]
    assert "must not be negative" in faults[0]["Rule"]
    assert page.get_by_role("button", name="Confirm: import this file").count() == 0

    good = _fingertips(tmp_path / "injuries.csv", "120")
    page.locator('input[type="file"]').first.set_input_files(str(good))
    page.get_by_text("Validation passed").wait_for()
    assert "would import 1 rows" in page.inner_text("body")
    page.get_by_role("button", name="Confirm: import this file").click()
    page.get_by_text(re.compile(r"injuries\.csv: imported 1 rows")).wait_for()
    wait_for_app(page)
    history = grid(page.locator('[data-testid="stDataFrame"]').first)
    assert [r["File"] for r in history][:1] == ["injuries.csv"]  # newest first


def test_inspector_records_a_grade(writable_server: str, page) -> None:
    page.goto(writable_server + "/judgements?area=E06000020&period=2025")
    wait_for_app(page)
    page.get_by_role("tab", name="Record judgements (inspectors)").click()
    _sign_in(page, "ian")
    page.get_by_role("tab", name="Record judgements (inspectors)").click()
    page.get_by_text("Evidence notes").wait_for()
    page.get_by_label("Evidence notes").fill("Re-referrals rising <b>fast</b>")
    page.get_by_text("1 – Inadequate").click()
    page.get_by_role("button", name="Save judgement").click()
    page.get_by_text(re.compile(r"Saved Be healthy: Inadequate \(version 1\)")).wait_for()
    # the summary is redrawn by the rerun that follows the save: wait for it, do not race it
    page.get_by_text(re.compile(r"Graded so far: Be healthy Inadequate")).wait_for()
    assert axe_violations(page) == []


def test_admin_reads_every_write_in_the_audit_log(writable_server: str, page) -> None:
    """Runs after the two flows above (pytest keeps file order): the log names each action."""
    page.goto(writable_server + "/admin")
    wait_for_app(page)
    _sign_in(page, "ada")
    rows = grid(page.locator('[data-testid="stDataFrame"]').last)
    seen = {(r["username"], r["action"], r["outcome"]) for r in rows}
    # The refused file was only validated (a dry run writes nothing, so it is not an import).
    assert {("ann", "login", "ok"), ("ann", "import", "ok"),
            ("ian", "record_judgement", "ok"), ("ada", "login", "ok")} <= seen
    assert axe_violations(page) == []
