"""The watchlist as a director uses it, in a real browser: watch two figures, an import moves them,
the next visit lists them as changed (on the page and in the sidebar), the CSV holds the same, and
"Mark all as seen" clears them. Each server runs on its own writable copy of the published store and
is stopped before the import, since DuckDB lets only the server's process open the file while it runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from metrics.auth import User, create_first_admin, create_user
from metrics.services import run_import
from metrics.store import Store
from tests.browser.conftest import ARTIFACTS, streamlit_server
from tests.browser.helpers import assert_no_serious_violations, wait_for_app
from tests.test_watchlist import AREA, revision_file

pytestmark = pytest.mark.browser
PASSWORD = "a long test password"


@pytest.fixture()
def db(published_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "store.duckdb"
    shutil.copy(published_db, path)
    with Store(path) as store:
        admin = create_first_admin(store, "ada", PASSWORD)
        create_user(store, admin, "dora", "director", PASSWORD)
        create_user(store, admin, "ann", "analyst", PASSWORD)
    return path


def _sign_in(page, url: str) -> None:
    page.goto(f"{url}/watchlist?area={AREA}")
    wait_for_app(page)
    page.get_by_label("User name").fill("dora")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as").wait_for()
    wait_for_app(page)


def _watch(page, text: str) -> None:
    page.get_by_role("combobox", name="Indicators to watch").click()
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")


def test_watch_import_see_the_changes_export_and_mark_seen(db: Path, page, tmp_path: Path) -> None:
    env = {"ECM_DB": str(db), "ECM_WRITABLE": "1"}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server(env, "watchlist-server.log") as url:
        _sign_in(page, url)
        page.get_by_text("You watch nothing yet").wait_for()
        _watch(page, "3+ placements")
        _watch(page, "Care leavers in suitable accommodation")
        page.get_by_role("button", name="Add to my watchlist").click()
        page.get_by_text("Added 2 items to your watchlist.").wait_for()
        page.get_by_text("None of your 2 watched items changed since you last looked.").wait_for()
        assert_no_serious_violations(page)

    with Store(db) as store:
        run_import(store, User("ann", "analyst"), revision_file(store, tmp_path / "r.csv"),
                   fmt="template")

    with streamlit_server(env, "watchlist-server-2.log") as url:
        _sign_in(page, url)
        page.get_by_text("2 of your 2 watched items changed since you last looked.").first.wait_for()
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert "2 of your watched items changed since you last looked." in sidebar.inner_text()
        body = page.inner_text("body")
        assert page.locator('[data-testid="stException"]').count() == 0, body[:2000]
        page.screenshot(path=str(ARTIFACTS / "watchlist-changed.png"), full_page=True)
        assert_no_serious_violations(page)
        with page.expect_download() as got:
            page.get_by_role("button", name="Download your watchlist (CSV)").click()
        text = Path(got.value.path()).read_text(encoding="utf-8")
        assert "Compared with benchmark: Similar to Worse" in text
        rows = text.splitlines()[1:]
        assert "(2025-26)" in text and sum(r.startswith("Yes,") for r in rows) == 2, text
        page.get_by_role("button", name="Mark all as seen").click()
        page.get_by_text("Marked 2 changed items as seen.").wait_for()
        page.get_by_text("None of your 2 watched items changed since you last looked.").wait_for()
        assert "watched items changed" not in page.locator('[data-testid="stSidebar"]').inner_text()
