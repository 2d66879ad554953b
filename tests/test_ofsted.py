"""Ofsted's ILACS judgements: the reference scale, the importer, the read functions.

The real-file tests read the publishers' files in ../shared and skip without
them; the bad-file tests write small files of their own; the published-store
tests need only the repository's snapshot.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from metrics.framework import ReferenceDataError, load_jar_scale
from metrics.io.faults import ImportFailed
from metrics.ofsted import (
    DFE_CODE,
    good_or_outstanding_areas,
    import_ofsted,
    inspection_history,
    inspections,
    latest_inspection,
    load_ofsted_scale,
    period_year_of,
)
from metrics.published import init_store
from metrics.store import Store
from tests.conftest import shared_path

HISTORY = "LA_Inspection_Outcomes_as_at_31_March_2025__ILACS_inspection_history.csv"
CURRENT = "LA_Inspection_Outcomes_as_at_31_March_2025__Inspections_as_at_31_March.csv"
TELFORD = "E06000020"


@pytest.fixture
def empty(tmp_path: Path):
    with Store(init_store(tmp_path / "s.duckdb")) as store:
        yield store


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


# --- the scale -------------------------------------------------------------------------------


def test_scale_is_ofsteds_own_and_apart_from_jar() -> None:
    scale = load_ofsted_scale()
    assert [g.name for g in sorted(scale.grades, key=lambda g: g.ofsted_grade)] == [
        "Outstanding", "Good", "Requires improvement to be good", "Inadequate"]
    assert scale.good_or_better == {"outstanding", "good"}
    assert scale.by_word["requires improvement"] == "requires_improvement"
    jar, _ = load_jar_scale()
    assert "Requires improvement to be good" not in jar.values()  # two scales, not one


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace("4,Inadequate", "5,Inadequate"), "less than or equal to 4"),
    (lambda t: t.replace("outstanding,true", "outstanding;good,true"), "a word names two grades"),
])
def test_scale_file_is_validated(tmp_path: Path, edit, message: str) -> None:
    from metrics.framework import REPO_ROOT

    ref = tmp_path / "reference"
    ref.mkdir()
    for name in ("ofsted_grades.csv", "ofsted_judgements.csv"):
        text = (REPO_ROOT / "data" / "reference" / name).read_text(encoding="utf-8")
        (ref / name).write_text(edit(text) if name == "ofsted_grades.csv" else text, encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=message):
        load_ofsted_scale(tmp_path)


@pytest.mark.parametrize(("day", "period_type", "year"), [
    (dt.date(2024, 4, 29), "financial", 2025),  # April starts 2024-25
    (dt.date(2024, 3, 31), "financial", 2024),  # 31 March closes 2023-24
    (dt.date(2024, 8, 31), "academic", 2024),
    (dt.date(2024, 9, 1), "academic", 2025),  # September starts 2024/25
    (dt.date(2024, 12, 31), "calendar", 2024),
])
def test_inspection_falls_in_the_period_containing_its_date(day: dt.date, period_type: str, year: int) -> None:
    assert period_year_of(day, period_type) == year


# --- the real files ----------------------------------------------------------------------------


def test_history_imports_every_current_la_inspection(empty: Store) -> None:
    path = shared_path("data", "dfe_ees", HISTORY)
    rows = _rows(path)
    result = import_ofsted(empty, path, "tester")
    gone = [r for r in rows if r["Local authority status"] == "No longer exists"]
    assert result.inspections == len(rows) - len(gone)
    assert "no longer exist" in result.summary()
    # Barnsley's old code is recoded to the store's.
    assert empty.scalar("SELECT count(*) FROM ofsted_inspection WHERE area_code = 'E08000038'") > 0
    again = import_ofsted(empty, path, "tester")
    assert again.batch_id is None  # the same file changes nothing


def test_every_sub_judgement_is_kept(empty: Store) -> None:
    path = shared_path("data", "dfe_ees", HISTORY)
    import_ofsted(empty, path, "tester")
    rows = _rows(path)
    expected = sum(1 for r in rows if r["Local authority status"] != "No longer exists"
                   for j in load_ofsted_scale().judgements if r[j.dfe_column])
    assert empty.scalar("SELECT count(*) FROM ofsted_judgement") == expected


def test_all_three_files_agree_on_telford(empty: Store) -> None:
    for path in (shared_path("data", "dfe_ees", HISTORY), shared_path("data", "dfe_ees", CURRENT),
                 shared_path("data", "d2i", "ofsted_csc_ilacs_overview.xlsx")):
        import_ofsted(empty, path, "tester")
    got = inspections(empty, TELFORD)
    assert [i.inspection_date for i in got] == [dt.date(2024, 4, 29), dt.date(2020, 1, 20)]
    latest = got[0]
    assert latest.overall == "Outstanding" and latest.inspection_type == "short"
    assert latest.publication_date == dt.date(2024, 7, 12)
    assert latest.inspection_end_date == dt.date(2024, 5, 3)  # only the workbook has it
    assert dict(latest.judgements)["The experiences and progress of children who need help and protection"] == "Good"
    # The 2020 inspection predates the care leavers judgement.
    assert "The experiences and progress of care leavers" not in dict(got[1].judgements)


# --- bad files: nothing written, every fault named ---------------------------------------------


# Telford and Wrekin's row of the "as at 31 March 2025" file, as published.
TELFORD_ROW = dict(zip(
    ["Web link", "Local authority area code", "Local authority name", "Ofsted region", "Inspection date",
     "Publication date", "Overall effectiveness",
     "The impact of leaders on social work practice with children and families",
     "The experiences and progress of children who need help and protection",
     "The experiences and progress of children in care", "The experiences and progress of care leavers"],
    ["Ofsted Local Authority Webpage", TELFORD, "Telford & Wrekin", "West Midlands", "2024-04-29", "2024-07-12",
     "Outstanding", "Outstanding", "Good", "Outstanding", "Outstanding"],
    strict=True,
))


def _telford_rows() -> list[dict[str, str]]:
    return [dict(TELFORD_ROW)]


def test_a_good_file_imports(empty: Store, tmp_path: Path) -> None:
    result = import_ofsted(empty, _write(tmp_path / "current.csv", _telford_rows()), "tester")
    assert (result.source, result.inspections, result.judgements) == ("ilacs_current", 1, 5)
    assert latest_inspection(empty, TELFORD).overall == "Outstanding"


def test_cli_imports_and_an_ofsted_batch_is_not_rolled_back(tmp_path: Path) -> None:
    from metrics.cli import main
    from metrics.io.core import rollback_batch

    db = init_store(tmp_path / "cli.duckdb")
    path = _write(tmp_path / "current.csv", _telford_rows())
    # as the operating-system user: naming another account needs its password (the door)
    assert main(["import", "--db", str(db), str(path), "--format", "ofsted"]) == 0
    with Store(db) as store:
        assert latest_inspection(store, TELFORD).overall == "Outstanding"
        batch = int(store.scalar("SELECT batch_id FROM import_batch WHERE format = 'ofsted'"))
        with pytest.raises(ValueError, match="import the earlier file again"):
            rollback_batch(store, batch)


def test_missing_column_is_refused(empty: Store, tmp_path: Path) -> None:
    rows = [{k: v for k, v in r.items() if k != "Publication date"} for r in _telford_rows()]
    with pytest.raises(ImportFailed) as exc:
        import_ofsted(empty, _write(tmp_path / "current.csv", rows), "tester")
    assert "current.csv, row 1, Publication date: required column missing" in str(exc.value)
    assert empty.scalar("SELECT count(*) FROM ofsted_inspection") == 0


def test_unknown_rating_word_is_refused(empty: Store, tmp_path: Path) -> None:
    rows = _telford_rows()
    rows[0]["The experiences and progress of children in care"] = "Adequate"
    with pytest.raises(ImportFailed) as exc:
        import_ofsted(empty, _write(tmp_path / "current.csv", rows), "tester")
    text = str(exc.value)
    assert "current.csv, row 2, The experiences and progress of children in care: 'Adequate':" in text
    assert "not a grade on Ofsted's scale" in text
    assert empty.scalar("SELECT count(*) FROM ofsted_judgement") == 0


def test_unknown_la_is_refused(empty: Store, tmp_path: Path) -> None:
    rows = _telford_rows() + [{**TELFORD_ROW, DFE_CODE: "E06009999"}]
    with pytest.raises(ImportFailed) as exc:
        import_ofsted(empty, _write(tmp_path / "current.csv", rows), "tester")
    assert "row 3, Local authority area code: 'E06009999': not the ONS code of a current LA" in str(exc.value)
    assert empty.scalar("SELECT count(*) FROM ofsted_inspection") == 0


def test_bad_date_and_order_of_dates_are_refused(empty: Store, tmp_path: Path) -> None:
    rows = [{**TELFORD_ROW, "Inspection date": "29th April"},
            {**TELFORD_ROW, "Publication date": "2024-01-01"}]
    with pytest.raises(ImportFailed) as exc:
        import_ofsted(empty, _write(tmp_path / "current.csv", rows), "tester")
    text = str(exc.value)
    assert "row 2, Inspection date: '29th April': not a date" in text
    assert "row 3, Publication date: '2024-01-01': published before the inspection began" in text


# --- the published store -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def published(published_db: Path):
    with Store(published_db, read_only=True) as store:
        yield store


def test_published_store_has_telford_outstanding_april_2024(published: Store) -> None:
    latest = latest_inspection(published, TELFORD)
    assert latest is not None
    assert latest.overall == "Outstanding"
    assert latest.inspection_date == dt.date(2024, 4, 29)
    assert latest.publication_date == dt.date(2024, 7, 12)
    assert latest.label == "Outstanding (ILACS short inspection, 29 April 2024)"


def test_published_store_has_an_inspection_for_every_la(published: Store) -> None:
    las = set(published.df("SELECT area_code FROM area WHERE area_type = 'la'")["area_code"])
    have = set(inspection_history(published)["area_code"])
    assert las == have


def test_good_or_outstanding_areas_follow_latest_grade(published: Store) -> None:
    good = set(good_or_outstanding_areas(published))
    assert TELFORD in good
    hist = inspection_history(published)
    graded = hist[hist["overall_effectiveness"].notna()]
    latest = graded.sort_values("inspection_date").groupby("area_code").tail(1).set_index("area_code")
    assert all(latest.loc[a, "overall_effectiveness"] in {"good", "outstanding"} for a in good)
    assert not any(latest.loc[a, "overall_effectiveness"] in {"good", "outstanding"}
                   for a in set(latest.index) - good)


def test_good_or_outstanding_benchmark_is_those_las_mean(published: Store) -> None:
    from metrics.results import BENCHMARKS, Selection, area_results

    assert "good_or_outstanding" in BENCHMARKS
    good = good_or_outstanding_areas(published)
    res = area_results(published, Selection(TELFORD, "good_or_outstanding", 2024)).set_index("indicator_id")
    row = res.loc["LAC_RATE"]
    values = published.df(
        "SELECT value FROM ecm_observation WHERE indicator_id = 'LAC_RATE' AND period_year = 2024"
        " AND client_group_id = 'all' AND list_contains(?, area_code)", [good])["value"]
    assert row["benchmark_name"] == "LAs graded Good or Outstanding by Ofsted (mean)"
    assert int(row["benchmark_n"]) == values.notna().sum()
    assert row["benchmark_value"] == pytest.approx(values.mean())


def test_good_or_outstanding_falls_back_to_england_without_inspections(demo_store: Store) -> None:
    from metrics.results import Selection, area_results

    res = area_results(demo_store, Selection(TELFORD, "good_or_outstanding", 2024))
    assert set(res["benchmark_name"]) == {"England"}


def test_pack_cover_states_the_ofsted_judgement(published: Store, tmp_path: Path) -> None:
    import openpyxl

    from metrics.pack import collect_pack, write_pack_xlsx

    data = collect_pack(published, TELFORD, 2024)
    assert data.ofsted_line is not None
    assert "Outstanding overall effectiveness; inspected 29 April 2024 (short inspection)" in data.ofsted_line
    book = openpyxl.load_workbook(write_pack_xlsx(data, tmp_path / "pack.xlsx"), read_only=True)
    about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True)}
    assert about["Ofsted"] == data.ofsted_line
    assert "Ofsted inspections" in book.sheetnames
