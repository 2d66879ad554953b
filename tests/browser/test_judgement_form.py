"""The "Record judgements" form in a real browser: it records only what the inspector meant.

Issue 14 item 4: Enter in the indicators box selected every match, what was typed
for one aspect was saved with the next, the grade defaulted to Inadequate and a
review was locked in one click. Each test runs its own server on its own writable
copy of the demo store and stops it before reading the store back, since DuckDB
lets only the server's process open the file while it runs.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from metrics.auth import User, create_first_admin, create_user
from metrics.judgements import (
    aspects,
    create_review,
    current_judgements,
    judgement_history,
    record_judgement,
)
from metrics.store import Store
from tests.browser.conftest import ARTIFACTS, streamlit_server
from tests.browser.helpers import assert_no_serious_violations, choose, wait_for_app

pytestmark = pytest.mark.browser
PASSWORD = "a long test password"
INSPECTOR = User("ian", "inspector")


@pytest.fixture()
def db(demo_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "store.duckdb"
    shutil.copy(demo_db, path)
    with Store(path) as store:
        admin = create_first_admin(store, "ada", PASSWORD)
        create_user(store, admin, "ian", "inspector", PASSWORD)
    return path


def _open_record_tab(page, url: str, area: str) -> None:
    page.goto(f"{url}/judgements?area={area}&period=2025")
    wait_for_app(page)
    page.get_by_role("tab", name="Record judgements (inspectors)").click()
    page.get_by_label("User name").fill("ian")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as").wait_for()
    wait_for_app(page)
    page.get_by_role("tab", name="Record judgements (inspectors)").click()
    page.get_by_text("Evidence notes").wait_for()


def _chips(page) -> list[str]:
    """The indicators shown as chosen in the multiselect."""
    tags = page.locator('[data-testid="stMultiSelect"] .react-aria-ComboBox [data-tag]')
    return [t.get_attribute("aria-label") or "" for t in tags.all()]


def _settled(page) -> None:
    """The script has finished and the form redrawn: after a save its fields have new keys,
    and for a moment the old fields are still shown beside the new ones."""
    wait_for_app(page)
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=\"stForm\"] textarea').length === 1")


def _evidence(page) -> str:
    _settled(page)
    return page.get_by_label("Evidence notes").input_value()


def _save(page) -> None:
    page.get_by_role("button", name="Save judgement").click()
    _settled(page)


def _listed(page) -> list[list[str]]:
    """The rows of the confirmation's table (an HTML table: st.table)."""
    table = page.locator('.st-key-submit-confirm [data-testid="stTable"] table')
    table.wait_for()
    return [[c.strip() for c in tr.locator("td, th").all_inner_texts()] for tr in table.locator("tbody tr").all()]


def test_each_aspect_saves_only_its_own_evidence_and_no_grade_saves_nothing(db: Path, page) -> None:
    with Store(db) as store:
        review = create_review(store, INSPECTOR, "E06000020", 2025)
        names = list(aspects(store).values())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server({"ECM_DB": str(db), "ECM_WRITABLE": "1"}, "judgement-form-server.log") as url:
        _open_record_tab(page, url, "E06000020")
        assert page.locator('[data-testid="stRadio"] input:checked').count() == 0  # no default grade

        # Aspect A (Be healthy, the first): "NI11" matches nine indicators; Enter must choose one.
        page.get_by_label("Evidence notes").fill("alpha")
        page.get_by_role("combobox", name=re.compile("Indicators relied on")).click()
        page.keyboard.type("NI11")
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
        chips = _chips(page)
        assert len(chips) == 1, chips
        chosen = re.search(r"\((\w+)\)$", chips[0]).group(1)

        _save(page)  # no grade chosen
        page.get_by_text("Choose a grade").wait_for()
        page.screenshot(path=str(ARTIFACTS / "judge-no-grade.png"))
        assert _evidence(page) == "alpha"  # what was typed is kept
        page.get_by_text("2 – Adequate").click()
        _save(page)
        page.get_by_text("Saved Be healthy: Adequate (version 1).").wait_for()

        # Aspect B: the form shows B's own (empty) judgement, nothing of A's.
        choose(page, "Aspect", "Stay safe")
        _settled(page)
        page.get_by_text("Stay safe has no judgement in this review yet.").wait_for()
        assert _evidence(page) == ""
        assert _chips(page) == []
        assert page.locator('[data-testid="stRadio"] input:checked').count() == 0
        page.get_by_label("Evidence notes").fill("beta")
        page.get_by_text("3 – Good").click()
        _save(page)
        page.get_by_text("Saved Stay safe: Good (version 1).").wait_for()
        assert _evidence(page) == "beta"  # B's saved judgement
        assert _chips(page) == []
        page.screenshot(path=str(ARTIFACTS / "judge-record.png"), full_page=True)

        # Back to A: its saved judgement, not B's.
        choose(page, "Aspect", "Be healthy")
        _settled(page)
        assert _evidence(page) == "alpha"
        assert _chips(page) == chips
        assert_no_serious_violations(page)

        # Submitting first lists what would be locked; with aspects not graded it cannot go on.
        page.get_by_role("button", name="Submit and lock this review…").click()
        page.get_by_text("Check before you submit").wait_for()
        wait_for_app(page)
        rows = _listed(page)
        assert [r[:3] for r in rows[:2]] == [["Be healthy", "Adequate", "1"], ["Stay safe", "Good", "0"]]
        assert [r[0] for r in rows] == names
        assert {r[1] for r in rows[2:]} == {"not graded"}
        page.get_by_text("Not graded: Enjoy and achieve").wait_for()
        assert page.get_by_role("button", name="Confirm: submit and lock").is_disabled()
        assert_no_serious_violations(page)
        page.get_by_role("button", name="Cancel").click()
        page.get_by_text("Check before you submit").wait_for(state="detached")
        page.get_by_role("button", name="Submit and lock this review…").wait_for()

    with Store(db, read_only=True) as store:
        current = current_judgements(store, review.review_id).set_index("aspect")
        history = judgement_history(store, review.review_id)
        status = store.scalar("SELECT status FROM review WHERE review_id = ?", [review.review_id])
    assert sorted(current.index) == ["BH", "SS"]
    assert current.loc["BH", "evidence"] == "alpha" and list(current.loc["BH", "indicator_ids"]) == [chosen]
    assert current.loc["BH", "grade"] == 2
    assert current.loc["SS", "evidence"] == "beta" and list(current.loc["SS", "indicator_ids"]) == []
    assert len(history) == 2  # the save without a grade wrote nothing
    assert status == "draft"


def test_submit_lists_what_will_be_locked_and_needs_an_explicit_confirm(db: Path, page) -> None:
    with Store(db) as store:
        review = create_review(store, INSPECTOR, "E06000043", 2025)
        for i, aspect in enumerate(aspects(store)):
            record_judgement(store, INSPECTOR, review.review_id, aspect, 1 + i % 4, "", ["NI55"] * (i % 2))
        names = list(aspects(store).values())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server({"ECM_DB": str(db), "ECM_WRITABLE": "1"}, "judgement-submit-server.log") as url:
        _open_record_tab(page, url, "E06000043")
        page.get_by_role("button", name="Submit and lock this review…").click()
        page.get_by_text("Check before you submit").wait_for()
        wait_for_app(page)
        rows = _listed(page)
        grades = ["Inadequate", "Adequate", "Good", "Outstanding"]
        assert [r[:3] for r in rows] == [[n, grades[i % 4], str(i % 2)] for i, n in enumerate(names)]
        confirm = page.get_by_role("button", name="Confirm: submit and lock")
        assert confirm.is_disabled()  # until the inspector says the list was checked
        page.get_by_text("I have checked these judgements").click()
        wait_for_app(page)
        page.screenshot(path=str(ARTIFACTS / "judge-confirm.png"), full_page=True)
        assert_no_serious_violations(page)
        confirm.click()
        page.get_by_text(f"Submitted: review {review.review_id} is now locked.").wait_for()
        wait_for_app(page)
        assert page.get_by_text("No draft review of this area").count() == 1
    with Store(db, read_only=True) as store:
        assert store.scalar("SELECT status FROM review WHERE review_id = ?", [review.review_id]) == "submitted"
