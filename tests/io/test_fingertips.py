"""The Fingertips reader on a real download (OHID indicator 90284, Feb 2025), with
every expected figure read independently from the file by the csv module.
"""

from __future__ import annotations

import csv
import math
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from metrics.io.core import ImportFailed, ImportResult, import_source, store_checksum
from metrics.io.fingertips import open_fingertips
from metrics.io.formats import detect_format
from metrics.io.values import parse_period
from metrics.periods import period_label
from metrics.store import Store
from tests.conftest import shared_path
from tests.io.conftest import import_file

DECILES = "County & UA deprivation deciles in England (IMD2019, 4/23 geography)"


@pytest.fixture(scope="module")
def real_file() -> Path:
    return shared_path("data", "fingertips", "injury_admissions_0_14_county_ua.csv")


@pytest.fixture(scope="module")
def file_rows(real_file: Path) -> list[dict[str, str]]:
    with real_file.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


FIGURES = ["Value", "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Lower CI 99.8 limit", "Upper CI 99.8 limit",
           "Count", "Denominator", "Value note"]


def pick(rows: list[dict[str, str]], **where: str) -> dict[str, str]:
    """The one distinct row matching ``where`` (Fingertips lists England rows twice, with
    and without a parent: the same figures)."""
    found = {tuple(r[c] for c in FIGURES): r for r in rows
             if all(r[k.replace("_", " ")] == v for k, v in where.items())}
    assert len(found) == 1, f"{len(found)} rows match {where}"
    return next(iter(found.values()))


def number(text: str) -> float:
    return float(text) if text else math.nan


def stored(store: Store, area: str, label: str, sex: str = "persons", category: str = "") -> dict:
    """The stored row for Fingertips' period ``label``, which the store holds under the
    catalogue's one label for that financial year (Fingertips' ``2010/11`` is ``2010-11``)."""
    parsed = parse_period(label)
    assert parsed is not None, label
    year = parsed[0]
    frame = store.df(
        "SELECT * FROM observation WHERE indicator_id = 'NI70' AND area_code = ? AND period_year = ?"
        " AND sex = ? AND category = ? AND client_group_id = 'all'",
        [area, year, sex, category],
    )
    assert len(frame) == 1, f"{len(frame)} observations for {area} {label} {sex} {category!r}"
    assert frame.iloc[0]["period_label"] == period_label(year, "financial")
    return frame.iloc[0].to_dict()


def assert_as_published(got: dict, published: dict[str, str]) -> None:
    for col, canon in (("Value", "value"), ("Lower CI 95.0 limit", "lower95"), ("Upper CI 95.0 limit", "upper95"),
                       ("Lower CI 99.8 limit", "lower998"), ("Upper CI 99.8 limit", "upper998"),
                       ("Count", "count"), ("Denominator", "denominator")):
        want = number(published[col])
        if math.isnan(want):
            assert got[canon] is None or math.isnan(got[canon]), canon
        else:
            assert got[canon] == want, canon


@pytest.fixture(scope="module")
def imported_store(demo_db: Path, real_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        tuple[Store, ImportResult]]:
    """One demo store with the real file imported, shared by the tests that only read it."""
    path = tmp_path_factory.mktemp("fingertips") / "store.duckdb"
    shutil.copyfile(demo_db, path)
    s = Store(path)
    yield s, import_file(s, real_file, user="tester")
    s.close()


@pytest.fixture
def store(imported_store: tuple[Store, ImportResult]) -> Store:  # noqa: F811 - this module's store is shared
    return imported_store[0]


@pytest.fixture
def imported(imported_store: tuple[Store, ImportResult]) -> ImportResult:
    return imported_store[1]


def test_real_file_is_detected_as_fingertips(real_file: Path) -> None:
    assert detect_format(real_file) == "fingertips"


def test_every_row_is_read_and_each_fact_stored_once(
    store: Store, imported: ImportResult, file_rows: list[dict[str, str]]
) -> None:
    assert imported.rows_read == len(file_rows)
    keys = {(r["Area Code"], r["Sex"], r["Category Type"], r["Category"], r["Time period"]) for r in file_rows}
    assert imported.new + imported.replaced + imported.unchanged == len(keys)
    assert store.scalar("SELECT count(*) FROM observation WHERE batch_id = ?", [imported.batch_id]) == (
        imported.new + imported.replaced)


def test_england_2010_11_value_and_cis_as_published(
    store: Store, imported: ImportResult, file_rows: list[dict[str, str]]
) -> None:
    published = pick(file_rows, Area_Code="E92000001", Sex="Persons", Category_Type="", Time_period="2010/11")
    got = stored(store, "E92000001", "2010/11")
    assert got["period_year"] == 2011
    assert_as_published(got, published)
    assert got["batch_id"] == imported.batch_id


def test_a_named_county_latest_value(store: Store, imported: ImportResult, file_rows: list[dict[str, str]]) -> None:
    telford = [r for r in file_rows if r["Area Name"] == "Telford and Wrekin" and r["Sex"] == "Persons"]
    latest = max(telford, key=lambda r: r["Time period Sortable"])
    got = stored(store, latest["Area Code"], latest["Time period"])
    assert latest["Time period"] == "2023/24"
    assert_as_published(got, latest)
    assert not got["suppressed"]


def test_deprivation_decile_kept_as_a_breakdown(
    store: Store, imported: ImportResult, file_rows: list[dict[str, str]]
) -> None:
    published = pick(file_rows, Area_Code="E92000001", Sex="Persons", Category_Type=DECILES,
                     Category="Most deprived decile (IMD2019)", Time_period="2023/24")
    got = stored(store, "E92000001", "2023/24", category=f"{DECILES}: Most deprived decile (IMD2019)")
    assert_as_published(got, published)
    headline = stored(store, "E92000001", "2023/24")
    assert got["value"] != headline["value"]


def test_female_row_kept_as_a_breakdown(store: Store, imported: ImportResult, file_rows: list[dict[str, str]]) -> None:
    published = pick(file_rows, Area_Name="Telford and Wrekin", Sex="Female", Category_Type="", Time_period="2015/16")
    assert_as_published(stored(store, published["Area Code"], "2015/16", sex="female"), published)


def test_recoded_barnsley_is_stored_under_its_new_code(
    store: Store, imported: ImportResult, file_rows: list[dict[str, str]]
) -> None:
    published = pick(file_rows, Area_Code="E08000016", Sex="Persons", Category_Type="", Time_period="2023/24")
    assert_as_published(stored(store, "E08000038", "2023/24"), published)
    assert store.scalar("SELECT count(*) FROM observation WHERE area_code = 'E08000016'") == 0


def test_value_suppressed_by_fingertips_is_flagged(
    store: Store, imported: ImportResult, file_rows: list[dict[str, str]]
) -> None:
    published = pick(file_rows, Area_Name="Rutland", Sex="Male", Category_Type="", Time_period="2021/22")
    assert "suppressed" in published["Value note"] and published["Value"] == ""
    got = stored(store, published["Area Code"], "2021/22", sex="male")
    assert math.isnan(got["value"]) and got["suppressed"]
    assert got["denominator"] == number(published["Denominator"])
    assert got["note"] == published["Value note"]


def test_reimporting_the_real_file_changes_nothing(store: Store, imported: ImportResult, real_file: Path) -> None:
    before = store_checksum(store)
    again = import_file(store, real_file)
    assert again.batch_id is None and again.new == 0 and again.replaced == 0
    assert store_checksum(store) == before
    assert store.scalar("SELECT count(*) FROM import_batch WHERE source_file = ?", [real_file.name]) == 1


def test_dry_run_of_the_real_file_writes_nothing(store_path: Path, real_file: Path) -> None:
    with Store(store_path) as fresh:
        before = store_checksum(fresh)
        result = import_file(fresh, real_file, dry_run=True)
        assert result.batch_id is None and result.new > 0
        assert store_checksum(fresh) == before


@pytest.mark.parametrize(
    ("name", "reader"),
    [("children_in_care.csv", "fingertips_tidy"), ("neets.csv", "fingertips_tidy"),
     ("dental_decay.csv", "fingertips_tidy"), ("fingertipsnext_healthdata.csv", "healthdata")],
)
def test_fingertips_like_extracts_are_refused_with_one_clear_fault(store: Store, name: str, reader: str) -> None:
    # Tidy extracts derived from Fingertips are not Fingertips downloads: the header says so at once,
    # and detection sends them to their own readers.
    path = shared_path("data", "fingertips_like", name)
    checksum = store_checksum(store)
    source = open_fingertips(path, store.df("SELECT indicator_id, fingertips_id FROM indicator"))
    with pytest.raises(ImportFailed) as exc:
        import_source(store, source)
    assert exc.value.total == 1
    fault = exc.value.faults[0]
    assert (fault.file, fault.row) == (name, 1)
    assert fault.rule.startswith("not a Fingertips CSV: header lacks Indicator ID")
    assert store_checksum(store) == checksum
    assert detect_format(path) == reader
