"""Joint area review judgements: recorded by inspectors, versioned, locked on submission.

A review belongs to one area and period. For each aspect (the five ECM outcomes,
service management, capacity to improve) an inspector records a grade on the JAR
scale with evidence notes and the indicators relied on. Nothing is updated or
deleted: each change inserts a new version that supersedes the one before, so the
history of who concluded what, and when, is always there. Submitting a review
locks it. Every change is written to the audit log in the same transaction.

Reviews and judgements live in the shared store (:mod:`metrics.shared`): the
DuckDB store by default, or PostgreSQL when ``ECM_SHARED_DB`` is set. Names of
areas and outcomes come from the DuckDB store and are joined here in Python, so
no query mixes the two databases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from metrics.auth import User, audit, authorise
from metrics.display import MISSING
from metrics.framework import load_jar_scale
from metrics.scorecard import outcome_scorecard
from metrics.shared import shared_for
from metrics.store import Store

# The JAR scale and the aspects graded besides the outcomes are reviewed reference
# data (data/reference/jar_grades.csv, jar_aspects.csv), read once at import.
GRADES, EXTRA_ASPECTS = load_jar_scale()
MAX_EVIDENCE_CHARS = 20_000
NO_GRADE = "Choose a grade"  # how a save without a grade is refused
_ATTEMPTS = 5  # tries at a review number when other processes open reviews of the same area at once


class ReviewLocked(Exception):
    """The review was submitted; its judgements can no longer change."""


@dataclass(frozen=True)
class Review:
    review_id: str
    area_code: str
    period_year: int
    title: str
    status: str


def aspects(store: Store) -> dict[str, str]:
    """Aspect id -> name: the outcomes from the store, then the two JAR extras."""
    outcomes = store.df("SELECT outcome_id, name FROM outcome ORDER BY sort_order")
    return {**dict(zip(outcomes["outcome_id"], outcomes["name"], strict=True)), **EXTRA_ASPECTS}


def create_review(store: Store, actor: User, area_code: str, period_year: int, title: str = "") -> Review:
    """Open a draft review of an area (inspectors only)."""
    actor = authorise(store, actor, "record_judgement", area_code)
    name = store.scalar("SELECT name FROM area WHERE area_code = ?", [area_code])
    if name is None:
        raise ValueError(f"unknown area {area_code!r}")
    title = title.strip() or f"Joint area review of {name}, {period_year}"
    shared = shared_for(store)
    for attempt in range(_ATTEMPTS):
        try:
            with shared.transaction() as cur:
                n = cur.execute("SELECT count(*) FROM review WHERE area_code = ? AND period_year = ?",
                                [area_code, period_year]).fetchone()[0]
                review_id = f"{area_code}-{period_year}-{n + 1}"
                cur.execute(
                    "INSERT INTO review (review_id, area_code, period_year, title, created_by)"
                    " VALUES (?, ?, ?, ?, ?)",
                    [review_id, area_code, period_year, title, actor.username],
                )
                audit(cur, actor.username, actor.role, "create_review", review_id, detail={"title": title})
        except shared.conflicts:
            # Another process opened a review of this area and year at the same moment and
            # took the number: count again.
            if attempt == _ATTEMPTS - 1:
                raise
        else:
            break
    return Review(review_id, area_code, period_year, title, "draft")


def get_review(store: Store, review_id: str) -> Review:
    row = shared_for(store).df(
        "SELECT review_id, area_code, period_year, title, status FROM review WHERE review_id = ?", [review_id])
    if row.empty:
        raise ValueError(f"no review {review_id!r}")
    r = row.iloc[0]
    return Review(str(r["review_id"]), str(r["area_code"]), int(r["period_year"]), str(r["title"]), str(r["status"]))


def _with_area_names(store: Store, frame: pd.DataFrame, after: str) -> pd.DataFrame:
    """Add ``area_name`` from the DuckDB store, keeping only areas it knows (as a join would).

    Areas live beside the data, the reviews perhaps in PostgreSQL, so the two
    are joined here rather than in SQL.
    """
    names = store.df("SELECT area_code, name FROM area")
    names = dict(zip(names["area_code"], names["name"], strict=True))
    frame = frame[frame["area_code"].isin(list(names))].copy()
    frame.insert(frame.columns.get_loc(after) + 1, "area_name", frame["area_code"].map(names).astype(object))
    return frame.reset_index(drop=True)


def list_reviews(store: Store, area_code: str | None = None) -> pd.DataFrame:
    sql = ("SELECT * FROM review" + (" WHERE area_code = ?" if area_code else "")
           + " ORDER BY created_at DESC, review_id")
    frame = shared_for(store).df(sql, [area_code] if area_code else None)
    return _with_area_names(store, frame, frame.columns[-1])


def record_judgement(
    store: Store,
    actor: User,
    review_id: str,
    aspect: str,
    grade: int | None,
    evidence: str = "",
    indicator_ids: list[str] | None = None,
) -> int:
    """Record (or revise) one aspect's grade; returns the new version number.

    The review's row is locked for the transaction (PostgreSQL; DuckDB has one
    writer anyway), so two inspectors saving at the same moment get consecutive
    versions and neither save is lost. A judgement always has a grade: ``None``
    (no grade chosen) is refused, never taken as a default.
    """
    actor = authorise(store, actor, "record_judgement", review_id)
    valid = aspects(store)
    if aspect not in valid:
        raise ValueError(f"unknown aspect {aspect!r}; one of {', '.join(valid)}")
    if grade is None:
        raise ValueError(f"{NO_GRADE}: every judgement needs a grade on the JAR scale; nothing was saved")
    if isinstance(grade, bool) or int(grade) not in GRADES:
        raise ValueError("grade must be 1 (inadequate), 2 (adequate), 3 (good) or 4 (outstanding)")
    evidence = evidence or ""
    if len(evidence) > MAX_EVIDENCE_CHARS:
        raise ValueError(f"evidence notes are limited to {MAX_EVIDENCE_CHARS:,} characters")
    ids = list(dict.fromkeys(indicator_ids or []))
    if ids:
        known = set(store.df("SELECT indicator_id FROM indicator")["indicator_id"])
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise ValueError(f"unknown indicators: {', '.join(unknown)}")
    with shared_for(store).transaction() as cur:
        review = cur.execute("SELECT area_code, status FROM review WHERE review_id = ?" + cur.for_update,
                             [review_id]).fetchone()
        if review is None:
            raise ValueError(f"no review {review_id!r}")
        if review[1] == "submitted":
            raise ReviewLocked(f"review {review_id} was submitted and is locked")
        prev = cur.execute(
            "SELECT judgement_id, version, grade FROM judgement WHERE review_id = ? AND aspect = ?"
            " ORDER BY version DESC LIMIT 1", [review_id, aspect],
        ).fetchone()
        version = 1 if prev is None else int(prev[1]) + 1
        jid = cur.next_id("judgement", "judgement_id")
        cur.execute(
            "INSERT INTO judgement (judgement_id, review_id, area_code, aspect, grade, evidence, indicator_ids,"
            " recorded_by, recorded_at, version, supersedes, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft')",
            [jid, review_id, review[0], aspect, int(grade), evidence, ids, actor.username, dt.datetime.now(),
             version, None if prev is None else int(prev[0])],
        )
        audit(cur, actor.username, actor.role, "record_judgement", review_id,
              detail={"aspect": aspect, "grade": int(grade), "version": version,
                      "previous_grade": None if prev is None else int(prev[2])})
    return version


def submission_summary(store: Store, review_id: str) -> pd.DataFrame:
    """What submitting a review would lock: one row per aspect, in framework order.

    Columns: ``aspect``, ``aspect_name``, ``grade`` (missing where not graded),
    ``grade_name`` ("not graded" there), ``indicators`` (how many indicators the
    current judgement relies on), ``recorded_by`` and ``version``. Pass the
    versions back to :func:`submit_review` (``expect``) so that what is locked is
    exactly what the inspector checked.
    """
    current = current_judgements(store, review_id).set_index("aspect")
    rows = []
    for aspect, name in aspects(store).items():
        if aspect in current.index:
            j = current.loc[aspect]
            ids = j["indicator_ids"]
            rows.append({"aspect": aspect, "aspect_name": name, "grade": int(j["grade"]),
                         "grade_name": GRADES[int(j["grade"])],
                         "indicators": 0 if ids is None else len(ids),
                         "recorded_by": str(j["recorded_by"]), "version": int(j["version"])})
        else:
            rows.append({"aspect": aspect, "aspect_name": name, "grade": None, "grade_name": "not graded",
                         "indicators": 0, "recorded_by": None, "version": None})
    frame = pd.DataFrame(rows, columns=["aspect", "aspect_name", "grade", "grade_name", "indicators",
                                        "recorded_by", "version"])
    return frame.astype({"grade": "Int64", "version": "Int64", "indicators": int})


def submit_review(store: Store, actor: User, review_id: str, expect: dict[str, int] | None = None) -> None:
    """Lock a review once every aspect has a grade.

    ``expect`` (aspect -> version, as :func:`submission_summary` listed them) makes
    the submission refuse if any judgement changed after the inspector checked it.
    """
    actor = authorise(store, actor, "submit_review", review_id)
    review = get_review(store, review_id)
    if review.status == "submitted":
        raise ReviewLocked(f"review {review_id} is already submitted")
    graded = set(current_judgements(store, review_id)["aspect"])
    missing = [name for a, name in aspects(store).items() if a not in graded]
    if missing:
        raise ValueError(f"cannot submit: no grade yet for {', '.join(missing)}")
    with shared_for(store).transaction() as cur:
        # Checked again under the row lock: another process may have submitted meanwhile.
        status = cur.execute("SELECT status FROM review WHERE review_id = ?" + cur.for_update,
                             [review_id]).fetchone()
        if status is None or status[0] == "submitted":
            raise ReviewLocked(f"review {review_id} is already submitted")
        if expect is not None:
            now = dict(cur.execute(
                "SELECT j.aspect, j.version FROM judgement j WHERE j.review_id = ? AND " + _LATEST,
                [review_id]).fetchall())
            if {a: int(v) for a, v in now.items()} != {a: int(v) for a, v in expect.items()}:
                raise ValueError("cannot submit: judgements changed since you checked them; check them again")
        cur.execute(
            "UPDATE review SET status = 'submitted', submitted_by = ?, submitted_at = ? WHERE review_id = ?"
            " AND status = 'draft'", [actor.username, dt.datetime.now(), review_id],
        )
        audit(cur, actor.username, actor.role, "submit_review", review_id)


# The latest version of each (review, aspect): a correlated subquery both DuckDB and
# PostgreSQL run (no QUALIFY), over the table's own alias j.
_LATEST = ("j.version = (SELECT max(k.version) FROM judgement k"
           " WHERE k.review_id = j.review_id AND k.aspect = j.aspect)")


def current_judgements(store: Store, review_id: str) -> pd.DataFrame:
    """The latest version of each aspect's judgement in a review, outcomes first in framework order."""
    frame = shared_for(store).df(f"SELECT j.* FROM judgement j WHERE j.review_id = ? AND {_LATEST}", [review_id])
    order = store.df("SELECT outcome_id, sort_order FROM outcome")
    order = dict(zip(order["outcome_id"], order["sort_order"], strict=True))
    names = aspects(store)
    return (frame.assign(_order=frame["aspect"].map(order).fillna(100))
            .sort_values(["_order", "aspect"], kind="stable").drop(columns="_order").reset_index(drop=True)
            .assign(aspect_name=lambda f: f["aspect"].map(names).fillna(f["aspect"]).astype(object),
                    grade_name=lambda f: f["grade"].map(GRADES)))


def judgement_history(store: Store, review_id: str) -> pd.DataFrame:
    """Every version of every judgement in a review, newest first: who, when, what changed."""
    return shared_for(store).df(
        """SELECT aspect, version, grade, evidence, indicator_ids, recorded_by, recorded_at, supersedes
           FROM judgement WHERE review_id = ? ORDER BY recorded_at DESC, judgement_id DESC""",
        [review_id],
    ).assign(grade_name=lambda f: f["grade"].map(GRADES))


def judgements_across_areas(store: Store, period_year: int | None = None) -> pd.DataFrame:
    """Grades of each area's latest submitted review: one row per area and aspect.

    Used to answer "how many areas are judged inadequate for staying safe?" with
    the data alongside.
    """
    where, params = "r.status = 'submitted'", []
    if period_year is not None:
        where, params = where + " AND r.period_year = ?", [int(period_year)]
    frame = shared_for(store).df(
        f"""SELECT l.area_code, l.review_id, l.period_year, j.aspect, j.grade
            FROM (SELECT r.*, row_number() OVER (PARTITION BY r.area_code ORDER BY r.submitted_at DESC) AS rn
                  FROM review r WHERE {where}) l
            JOIN judgement j ON j.review_id = l.review_id
            WHERE l.rn = 1 AND {_LATEST}""",
        params,
    )
    frame = _with_area_names(store, frame, "area_code")
    return (frame.sort_values(["area_name", "aspect"], kind="stable").reset_index(drop=True)
            .assign(grade_name=lambda f: f["grade"].map(GRADES)))


def grade_counts(store: Store, period_year: int | None = None) -> pd.DataFrame:
    """Aspect x grade: how many areas received each grade in their latest submitted review."""
    frame = judgements_across_areas(store, period_year)
    names = aspects(store)
    table = (frame.pivot_table(index="aspect", columns="grade", values="area_code", aggfunc="count", fill_value=0)
             .reindex(index=list(names), columns=list(GRADES), fill_value=0))
    table.index = [names[a] for a in table.index]
    table.columns = [GRADES[g] for g in table.columns]
    return table.rename_axis("Aspect").reset_index()


def judgements_with_data(
    store: Store, aspect: str, period_year: int | None = None, benchmark: str = "england"
) -> pd.DataFrame:
    """Each area's latest submitted grade for one aspect, beside what its data say.

    For an outcome aspect the data are the outcome's scorecard counts (indicators
    significantly better / similar / worse than the benchmark, getting better or
    worse) for the review's period, so a reader can see where a grade and the
    figures agree and where they do not. All areas' results come from one batched
    pass (:func:`metrics.results.area_results_many`), not one pass per area: the
    table can hold all 153 LAs.
    """
    from metrics.results import Selection, area_results_many

    frame = judgements_across_areas(store, period_year)
    frame = frame[frame["aspect"] == aspect].reset_index(drop=True)
    counts = ["better", "similar", "worse", "improving", "worsening"]
    if aspect not in EXTRA_ASPECTS:
        sels = [Selection(r.area_code, benchmark, int(r.period_year)) for r in frame.itertuples()]  # type: ignore[arg-type]
        rows = []
        for res in area_results_many(store, sels):
            card = outcome_scorecard(res)
            card = card[card["outcome_id"] == aspect]
            rows.append({c: int(card.iloc[0][c]) if len(card) else 0 for c in counts})
        frame = pd.concat([frame, pd.DataFrame(rows, columns=counts, index=frame.index)], axis=1)
    return frame.sort_values(["grade", "area_name"]).reset_index(drop=True)


def grade_label(grade: int) -> str:
    """A JAR grade as every table prints it: "3 – Good"."""
    return f"{grade} – {GRADES[grade]}"


def review_beside_data(store: Store, results: pd.DataFrame, current: pd.DataFrame | None) -> pd.DataFrame:
    """Each aspect of a review with its current grade (or "not graded") and, for an outcome,
    what the area's figures say: how many indicators are worse, similar and better than the
    benchmark, and getting worse or better (``results``: :func:`metrics.results.area_results`)."""
    card = outcome_scorecard(results).set_index("outcome_id")
    rows = []
    for aspect, name in aspects(store).items():
        j = current[current["aspect"] == aspect] if current is not None else current
        row = {"Aspect": name, "Grade": grade_label(int(j.iloc[0]["grade"])) if j is not None and len(j)
               else "not graded"}
        # Service management and capacity to improve have no indicators of their own.
        row["Data: worse / similar / better than benchmark"] = row["Data: getting worse / better"] = MISSING
        if aspect in card.index:
            c = card.loc[aspect]
            row["Data: worse / similar / better than benchmark"] = f"{c.worse} / {c.similar} / {c.better}"
            row["Data: getting worse / better"] = f"{c.worsening} / {c.improving}"
        rows.append(row)
    return pd.DataFrame(rows)
