"""The pages that write (judgements, data, users) for a signed-in user on a writable store.

Streamlit keeps ``st.cache_resource`` for the whole process, so each test clears it
around itself: the shared read-only demo store of the other page tests must not
leak in, nor this writable copy leak out.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from metrics.auth import User
from metrics.framework import REPO_ROOT
from metrics.judgements import GRADES, aspects, create_review, record_judgement
from metrics.store import Store
from tests.support.accounts import add_account


@pytest.fixture()
def writable(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    copy = tmp_path / "store.duckdb"
    shutil.copy(demo_db, copy)
    with Store(copy) as s:  # the accounts the tests sign in as: pages re-check them on every run
        for name, role in (("ian", "inspector"), ("val", "viewer"), ("ann", "analyst"), ("ada", "admin")):
            add_account(s, name, role)
    monkeypatch.setenv("ECM_DB", str(copy))
    monkeypatch.setenv("ECM_WRITABLE", "1")
    st.cache_resource.clear()
    st.cache_data.clear()
    yield copy
    st.cache_resource.clear()
    st.cache_data.clear()


def _app(page: str, user: User | None, **params: str) -> AppTest:
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60)
    at.switch_page(f"dashboard/pages/{page}.py")
    for k, v in params.items():
        at.query_params[k] = v
    if user is not None:
        at.session_state["signed_in_user"] = user
    return at


def test_inspector_records_a_judgement_through_the_form(writable: Path) -> None:
    inspector = User("ian", "inspector")
    with Store(writable) as s:
        review = create_review(s, inspector, "E06000020", 2025)
        record_judgement(s, inspector, review.review_id, "BH", 3, "healthy enough", ["NI55"])
    at = _app("judgements", inspector, area="E06000020", period="2025")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="draft-review").set_value(review.review_id)
    at.run()
    # The form opens on the first aspect's saved judgement, never on a default grade.
    assert next(r for r in at.radio if r.label == "Grade").value == 3
    assert next(t for t in at.text_area if t.label == "Evidence notes").value == "healthy enough"
    assert next(m for m in at.multiselect if m.label == "Indicators relied on").value == ["NI55"]
    at.selectbox(key="judge-aspect").set_value("SS")
    at.run()
    grade = next(r for r in at.radio if r.label == "Grade")
    assert grade.value is None  # no grade until one is chosen
    assert next(t for t in at.text_area if t.label == "Evidence notes").value == ""
    assert next(m for m in at.multiselect if m.label == "Indicators relied on").value == []
    next(t for t in at.text_area if t.label == "Evidence notes").input("no grade yet")
    next(b for b in at.button if b.label == "Save judgement").click()
    at.run()
    assert any(e.value.startswith("Choose a grade") for e in at.error)
    next(r for r in at.radio if r.label == "Grade").set_value(1)
    next(t for t in at.text_area if t.label == "Evidence notes").input("<b>re-referrals</b> rising")
    next(b for b in at.button if b.label == "Save judgement").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Saved Stay safe: Inadequate (version 1)" in s.value for s in at.success)
    with Store(writable, read_only=False) as s:
        rows = s.df("SELECT aspect, grade, evidence, indicator_ids, recorded_by FROM judgement ORDER BY judgement_id")
    assert len(rows) == 2  # the save without a grade wrote nothing
    assert rows.iloc[1][["aspect", "grade", "evidence", "recorded_by"]].tolist() == [
        "SS", 1, "<b>re-referrals</b> rising", "ian"]
    assert list(rows.iloc[1]["indicator_ids"]) == []


def test_submitting_asks_for_a_check_of_what_will_be_locked(writable: Path) -> None:
    inspector = User("ian", "inspector")
    with Store(writable) as s:
        review = create_review(s, inspector, "E06000020", 2025)
        for aspect in list(aspects(s))[:-1]:
            record_judgement(s, inspector, review.review_id, aspect, 2, "", ["NI55", "NI56"])
    at = _app("judgements", inspector, area="E06000020", period="2025")
    at.run()
    at.button(key="submit-review").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    listed = at.table[0].value
    assert listed["Aspect"].tolist()[-1] == "Capacity to improve"
    assert listed["Grade"].tolist() == ["Adequate"] * 6 + ["not graded"]
    assert listed["Indicators relied on"].tolist() == [2] * 6 + [0]
    assert any("Not graded: Capacity to improve" in w.value for w in at.warning)
    assert at.button(key="confirm-submit").disabled
    with Store(writable) as s:
        record_judgement(s, inspector, review.review_id, "capacity_to_improve", 4)
    at.run()
    assert at.table[0].value["Grade"].tolist()[-1] == "Outstanding"
    assert at.button(key="confirm-submit").disabled  # not until the list is ticked as checked
    next(c for c in at.checkbox if c.label == "I have checked these judgements").check()
    at.run()
    at.button(key="confirm-submit").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(f"Submitted: review {review.review_id} is now locked" in s.value for s in at.success)
    with Store(writable) as s:
        assert s.scalar("SELECT status FROM review WHERE review_id = ?", [review.review_id]) == "submitted"


def test_board_member_reads_judgements_beside_the_data_and_cannot_record(writable: Path) -> None:
    inspector = User("ian", "inspector")
    with Store(writable) as s:
        review = create_review(s, inspector, "E06000020", 2025)
        for aspect in aspects(s):
            record_judgement(s, inspector, review.review_id, aspect, 2, "<script>x</script>")
    at = _app("judgements", User("val", "viewer"), area="E06000020", period="2025")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    table = next(d.value for d in at.dataframe if "Aspect" in d.value.columns)
    assert set(table["Grade"]) == {f"2 – {GRADES[2]}"}
    assert "Data: worse / similar / better than benchmark" in table.columns
    assert any("<script>x</script>" in t.value for t in at.text)  # shown as text, not markup
    assert any("needs the inspector role" in w.value for w in at.warning)


def test_data_page_for_an_analyst_on_a_writable_store_offers_upload(writable: Path) -> None:
    at = _app("data", User("ann", "analyst"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not any("read-only" in w.value for w in at.warning)
    assert any("Import a file" in h.value for h in at.subheader)


def test_admin_page_lists_users_and_audit_log(writable: Path) -> None:
    at = _app("admin", User("ada", "admin"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    frames = [d.value for d in at.dataframe]
    assert any("role" in f.columns and "password_hash" not in f.columns for f in frames)  # users
    assert any("action" in f.columns and "outcome" in f.columns for f in frames)  # audit log


def test_catalogue_lists_imported_measures_not_mapped_to_ecm(writable: Path) -> None:
    with Store(writable) as s, s.transaction() as cur:
        cur.execute(
            "INSERT INTO indicator (indicator_id, short_title, title, polarity, value_type, multiplier, unit,"
            " ci_method, period_type, client_groups, headline_group, source, mapped) VALUES"
            " ('LAIT_FinSpend', 'Spend', 'Spend on children''s services per child', 'no_judgement',"
            " 'as_published', 1, 'GBP', 'none', 'financial', ['all'], 'all', 'DfE LAIT', FALSE)"
        )
    at = _app("catalogue", None)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    unmapped = next(d.value for d in at.dataframe if list(d.value.columns) == ["id", "title", "source", "rows"])
    assert unmapped["id"].tolist() == ["LAIT_FinSpend"]


def test_compare_tab_shows_grades_beside_the_data(writable: Path) -> None:
    from metrics.judgements import submit_review

    inspector = User("ian", "inspector")
    with Store(writable) as s:
        for area, grade in (("E06000020", 1), ("E06000043", 4)):
            review = create_review(s, inspector, area, 2025)
            for aspect in aspects(s):
                record_judgement(s, inspector, review.review_id, aspect, grade)
            submit_review(s, inspector, review.review_id)
    at = _app("judgements", None, area="E06000020", period="2025")
    at.run()
    at.selectbox(key="compare-aspect").set_value("SS")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    beside = next(d.value for d in at.dataframe if "Worse" in d.value.columns)
    assert beside["Area"].tolist() == ["Telford and Wrekin", "Brighton and Hove"]
    assert beside["Grade"].tolist() == ["Inadequate", "Outstanding"]


def test_change_a_user_preselects_no_new_role(writable: Path) -> None:
    at = _app("admin", User("ada", "admin"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="change-who").set_value("ann")
    at.run()
    role = next(sb for sb in at.selectbox if sb.label == "New role")
    assert role.value is None  # no role is preselected
    assert any("Current role: Analyst" in c.value for c in at.caption)
    next(b for b in at.button if b.label == "Save").click()
    at.run()
    assert any("Nothing changed for ann" in i.value for i in at.info)
    with Store(writable) as s:
        assert s.df("SELECT role FROM app_user WHERE username = 'ann'")["role"].tolist() == ["analyst"]
    next(sb for sb in at.selectbox if sb.label == "New role").set_value("viewer")
    next(b for b in at.button if b.label == "Save").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    with Store(writable) as s:
        assert s.df("SELECT role FROM app_user WHERE username = 'ann'")["role"].tolist() == ["viewer"]
