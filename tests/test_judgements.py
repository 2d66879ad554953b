"""Joint area review judgements: versioned, locked on submission, audited, role-checked."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from metrics.auth import PermissionDenied, User
from metrics.judgements import (
    GRADES,
    ReviewLocked,
    aspects,
    create_review,
    current_judgements,
    grade_counts,
    judgement_history,
    judgements_across_areas,
    judgements_with_data,
    record_judgement,
    review_beside_data,
    submission_summary,
    submit_review,
)
from metrics.store import Store
from tests.support.accounts import add_account

INSPECTOR = User("ian", "inspector")


@pytest.fixture()
def store(demo_db: Path, tmp_path: Path) -> Iterator[Store]:
    copy = tmp_path / "store.duckdb"
    shutil.copy(demo_db, copy)
    s = Store(copy)
    add_account(s, "ian", "inspector")
    add_account(s, "ivy", "inspector")
    yield s
    s.close()


def _grade_all(store: Store, review_id: str, grade: int = 3) -> None:
    for aspect in aspects(store):
        record_judgement(store, INSPECTOR, review_id, aspect, grade, f"evidence for {aspect}")


def test_aspects_are_the_five_outcomes_then_management_and_capacity(store: Store) -> None:
    keys = list(aspects(store))
    assert keys == ["BH", "SS", "EA", "PC", "EW", "service_management", "capacity_to_improve"]
    assert GRADES == {1: "Inadequate", 2: "Adequate", 3: "Good", 4: "Outstanding"}


@pytest.mark.parametrize("role", ["viewer", "director", "analyst", "admin"])
def test_only_inspectors_write_judgements(store: Store, role: str) -> None:
    review = create_review(store, INSPECTOR, "E06000020", 2025)
    other = add_account(store, "someone", role)
    with pytest.raises(PermissionDenied):
        create_review(store, other, "E06000020", 2025)
    with pytest.raises(PermissionDenied):
        record_judgement(store, other, review.review_id, "SS", 2)
    with pytest.raises(PermissionDenied):
        submit_review(store, other, review.review_id)
    assert store.scalar("SELECT count(*) FROM judgement") == 0
    assert store.scalar("SELECT count(*) FROM review") == 1


def test_revisions_supersede_and_history_keeps_every_version(store: Store) -> None:
    review = create_review(store, INSPECTOR, "E06000020", 2025)
    assert record_judgement(store, INSPECTOR, review.review_id, "SS", 2, "re-referrals high", ["NI117"]) == 1
    assert record_judgement(store, User("ivy", "inspector"), review.review_id, "SS", 1, "and rising") == 2
    current = current_judgements(store, review.review_id).set_index("aspect")
    assert current.loc["SS", "grade"] == 1 and current.loc["SS", "recorded_by"] == "ivy"
    assert current.loc["SS", "grade_name"] == "Inadequate"
    history = judgement_history(store, review.review_id)
    assert history[["version", "grade", "recorded_by"]].values.tolist() == [[2, 1, "ivy"], [1, 2, "ian"]]
    assert list(history.iloc[1]["indicator_ids"]) == ["NI117"]
    audit = store.df("SELECT action, detail FROM audit_log WHERE action = 'record_judgement' ORDER BY audit_id")
    assert len(audit) == 2 and '"previous_grade": 2' in audit.iloc[1]["detail"]


def test_submitted_review_is_locked(store: Store) -> None:
    review = create_review(store, INSPECTOR, "E06000020", 2025)
    record_judgement(store, INSPECTOR, review.review_id, "SS", 2)
    with pytest.raises(ValueError, match="no grade yet for Be healthy"):
        submit_review(store, INSPECTOR, review.review_id)
    _grade_all(store, review.review_id)
    submit_review(store, INSPECTOR, review.review_id)
    before = store.scalar("SELECT count(*) FROM judgement")
    with pytest.raises(ReviewLocked):
        record_judgement(store, INSPECTOR, review.review_id, "SS", 4)
    with pytest.raises(ReviewLocked):
        submit_review(store, INSPECTOR, review.review_id)
    assert store.scalar("SELECT count(*) FROM judgement") == before


def test_bad_input_is_refused(store: Store) -> None:
    review = create_review(store, INSPECTOR, "E06000020", 2025)
    with pytest.raises(ValueError, match="grade must be"):
        record_judgement(store, INSPECTOR, review.review_id, "SS", 5)
    with pytest.raises(ValueError, match="unknown aspect"):
        record_judgement(store, INSPECTOR, review.review_id, "XX", 2)
    with pytest.raises(ValueError, match="unknown indicators: NOPE"):
        record_judgement(store, INSPECTOR, review.review_id, "SS", 2, "", ["NOPE"])
    with pytest.raises(ValueError, match="unknown area"):
        create_review(store, INSPECTOR, "E99999999", 2025)


def test_evidence_is_stored_verbatim(store: Store) -> None:
    review = create_review(store, INSPECTOR, "E06000020", 2025)
    text = "<script>alert(1)</script> **not markdown** =SUM(A1)"
    record_judgement(store, INSPECTOR, review.review_id, "BH", 3, text)
    assert current_judgements(store, review.review_id).iloc[0]["evidence"] == text


def test_grade_counts_across_areas_use_each_areas_latest_submitted_review(store: Store) -> None:
    for area, grade in (("E06000020", 1), ("E06000043", 3), ("E10000032", 1)):
        review = create_review(store, INSPECTOR, area, 2025)
        _grade_all(store, review.review_id, grade)
        submit_review(store, INSPECTOR, review.review_id)
    draft = create_review(store, INSPECTOR, "E06000001", 2025)
    _grade_all(store, draft.review_id, 4)  # drafts do not count
    frame = judgements_across_areas(store, 2025)
    assert frame["area_code"].nunique() == 3
    counts = grade_counts(store, 2025).set_index("Aspect")
    assert counts.loc["Stay safe", "Inadequate"] == 2
    assert counts.loc["Stay safe", "Good"] == 1
    assert counts.loc["Stay safe", "Outstanding"] == 0


def test_grades_beside_the_data(store: Store) -> None:
    from metrics.results import Selection, area_results
    from metrics.scorecard import outcome_scorecard

    for area, grade in (("E06000020", 1), ("E06000043", 3)):
        review = create_review(store, INSPECTOR, area, 2025)
        _grade_all(store, review.review_id, grade)
        submit_review(store, INSPECTOR, review.review_id)
    frame = judgements_with_data(store, "SS", 2025)
    assert frame["area_code"].tolist() == ["E06000020", "E06000043"]  # inadequate first
    card = outcome_scorecard(area_results(store, Selection("E06000020", "england", 2025))).set_index("outcome_id")
    assert frame.iloc[0][["better", "similar", "worse"]].tolist() == card.loc["SS", ["better", "similar", "worse"]].tolist()
    management = judgements_with_data(store, "service_management", 2025)
    assert "worse" not in management.columns and len(management) == 2


def test_a_judgement_without_a_grade_is_refused_and_nothing_saved(store: Store) -> None:
    review = create_review(store, INSPECTOR, "E06000020", 2025)
    with pytest.raises(ValueError, match="^Choose a grade: every judgement needs a grade"):
        record_judgement(store, INSPECTOR, review.review_id, "SS", None, "alpha", ["NI117"])
    with pytest.raises(ValueError, match="grade must be"):
        record_judgement(store, INSPECTOR, review.review_id, "SS", True)  # type: ignore[arg-type]
    assert store.scalar("SELECT count(*) FROM judgement") == 0
    assert store.scalar("SELECT count(*) FROM audit_log WHERE action = 'record_judgement'") == 0


def test_submission_summary_lists_every_aspect_with_grade_and_indicator_count(store: Store) -> None:
    review = create_review(store, INSPECTOR, "E06000020", 2025)
    record_judgement(store, INSPECTOR, review.review_id, "SS", 2, "re-referrals", ["NI117", "NI65"])
    record_judgement(store, INSPECTOR, review.review_id, "SS", 1, "and rising", ["NI65"])  # the latest counts
    record_judgement(store, INSPECTOR, review.review_id, "capacity_to_improve", 3)
    summary = submission_summary(store, review.review_id)
    assert summary["aspect"].tolist() == list(aspects(store))
    by = summary.set_index("aspect")
    assert by.loc["SS", ["aspect_name", "grade", "grade_name", "indicators", "recorded_by", "version"]].tolist() == [
        "Stay safe", 1, "Inadequate", 1, "ian", 2]
    assert by.loc["capacity_to_improve", ["grade_name", "indicators", "version"]].tolist() == ["Good", 0, 1]
    ungraded = summary[summary["grade"].isna()]
    assert ungraded["aspect_name"].tolist() == [
        "Be healthy", "Enjoy and achieve", "Make a positive contribution", "Achieve economic well-being",
        "Service management"]
    assert set(ungraded["grade_name"]) == {"not graded"} and set(ungraded["indicators"]) == {0}


def test_submit_refuses_when_a_judgement_changed_after_the_summary_was_checked(store: Store) -> None:
    review = create_review(store, INSPECTOR, "E06000020", 2025)
    _grade_all(store, review.review_id)
    checked = submission_summary(store, review.review_id)
    expect = dict(zip(checked["aspect"], checked["version"].astype(int), strict=True))
    record_judgement(store, User("ivy", "inspector"), review.review_id, "SS", 1, "changed meanwhile")
    with pytest.raises(ValueError, match="changed since you checked"):
        submit_review(store, INSPECTOR, review.review_id, expect=expect)
    assert store.scalar("SELECT status FROM review WHERE review_id = ?", [review.review_id]) == "draft"
    checked = submission_summary(store, review.review_id)
    submit_review(store, INSPECTOR, review.review_id,
                  expect=dict(zip(checked["aspect"], checked["version"].astype(int), strict=True)))
    assert store.scalar("SELECT status FROM review WHERE review_id = ?", [review.review_id]) == "submitted"


def test_an_areas_review_beside_its_data(store: Store) -> None:
    """Each aspect once, its current grade in words (or "not graded"), and for each outcome the
    scorecard's own counts, so the page shows what the library computes."""
    from metrics.results import Selection, area_results
    from metrics.scorecard import outcome_scorecard

    review = create_review(store, INSPECTOR, "E06000020", 2025)
    record_judgement(store, INSPECTOR, review.review_id, "SS", 1, "first")
    record_judgement(store, INSPECTOR, review.review_id, "SS", 2, "revised")
    res = area_results(store, Selection("E06000020", period_year=2025))
    table = review_beside_data(store, res, current_judgements(store, review.review_id)).set_index("Aspect")
    names = aspects(store)
    assert list(table.index) == list(names.values())
    assert table.loc[names["SS"], "Grade"] == f"2 – {GRADES[2]}"
    assert (table.drop(index=names["SS"])["Grade"] == "not graded").all()
    card = outcome_scorecard(res).set_index("outcome_id")
    for outcome in card.index:
        c = card.loc[outcome]
        assert table.loc[names[outcome], "Data: worse / similar / better than benchmark"] == \
            f"{c.worse} / {c.similar} / {c.better}"
    assert review_beside_data(store, res, None)["Grade"].eq("not graded").all()
    for extra in set(names) - set(card.index):  # service management, capacity to improve: no indicators
        assert table.loc[names[extra], "Data: getting worse / better"] == "–"
