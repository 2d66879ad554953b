"""The FingertipsNext ``healthdata`` reader: the real file from ../shared and small
made-up files, one per fault class. Expected figures are read from the file by the
csv module."""

from __future__ import annotations

import csv
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from metrics.framework import load_healthdata_mapping
from metrics.io.core import ImportFailed, store_checksum
from metrics.io.formats import FORMATS, detect_format
from metrics.io.values import parse_period
from metrics.periods import period_label
from metrics.store import Store
from tests.conftest import shared_path
from tests.io.conftest import import_file

HEADER = ["IndicatorId", "Year", "AgeID", "SexID", "AreaCode", "Count", "Value", "LowerCI", "UpperCI", "Denominator",
          "Trend", "Sex", "Age", "CategoryType", "Category"]
LIST_HEADER = ["IndicatorID", "Polarity", "BenchmarkComparisonMethod", "ValueType", "IndicatorName", "PeriodType",
               "Frequency", "RequiresGeoAggregation"]
# Under-18 conceptions (NI112), Hartlepool 2019, female: made up, consistent figures.
BASE = {"IndicatorId": "20401", "Year": "2019", "AgeID": "173", "SexID": "2", "AreaCode": "E06000001",
        "Count": "40", "Value": "20.5", "LowerCI": "14.6", "UpperCI": "27.9", "Denominator": "1951", "Trend": "",
        "Sex": "Female", "Age": "<18 yrs", "CategoryType": "", "Category": ""}
LIST = [
    {"IndicatorID": "20401", "IndicatorName": "Conception rate in females aged 17 years and under",
     "PeriodType": "Calendar"},
    {"IndicatorID": "93085", "IndicatorName": "Smokers at time of childbirth delivery", "PeriodType": "Financial"},
]


def row(**changes: str) -> dict[str, str]:
    return {**BASE, **changes}


def write(folder: Path, rows: list[dict[str, str]], header: list[str] | None = None,
          listing: list[dict[str, str]] | None = LIST, name: str = "healthdata.csv") -> Path:
    """A healthdata file (with FingertipsNext's BOM) and, unless ``listing`` is None, its indicator list."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header or HEADER)
        for r in rows:
            writer.writerow([r.get(c, "") for c in (header or HEADER)])
    if listing is not None:
        with (folder / "fingertipsnext_indicators.csv").open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.DictWriter(fh, LIST_HEADER, lineterminator="\n", restval="")
            writer.writeheader()
            writer.writerows(listing)
    return path


def stored(store: Store, indicator: str, area: str, year: int, sex: str, category: str = "") -> dict:
    frame = store.df(
        "SELECT * FROM observation WHERE indicator_id = ? AND area_code = ? AND period_year = ?"
        " AND client_group_id = 'all' AND sex = ? AND category = ?",
        [indicator, area, year, sex, category],
    )
    assert len(frame) == 1, f"{len(frame)} rows for {indicator} {area} {year} {sex} {category!r}"
    return frame.iloc[0].to_dict()


def refused(store: Store, path: Path, **kwargs: object) -> ImportFailed:
    before = store_checksum(store)
    with pytest.raises(ImportFailed) as exc:
        import_file(store, path, **kwargs)
    assert store_checksum(store) == before  # all or nothing
    return exc.value


def number(text: str) -> float:
    return float(text) if text else math.nan


# The real file ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_file() -> Path:
    return shared_path("data", "fingertips_like", "fingertipsnext_healthdata.csv")


@pytest.fixture(scope="module")
def real_rows(real_file: Path) -> list[dict[str, str]]:
    with real_file.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def mapped(rows: list[dict[str, str]]) -> list[tuple[int, dict[str, str]]]:
    """(line, row) of the rows the reviewed mapping imports: mapped indicator, its age band."""
    ages = {str(m.fingertips_id): m.age for m in load_healthdata_mapping() if m.indicator_id}
    return [(line, r) for line, r in enumerate(rows, start=2) if ages.get(r["IndicatorId"]) == r["Age"]]


def outside_ci(r: dict[str, str]) -> bool:
    value, low, high = number(r["Value"]), number(r["LowerCI"]), number(r["UpperCI"])
    return not math.isnan(value) and (value < low or value > high)


def test_real_file_detected_by_header(real_file: Path) -> None:
    assert "healthdata" in FORMATS
    assert detect_format(real_file) == "healthdata"


def half_unit(text: str) -> float:
    """Half a unit of the last decimal place of a number as written ("15.6" -> 0.05)."""
    return 0.5 * 10.0 ** -len(text.strip().partition(".")[2])


def outside_rounding(r: dict[str, str]) -> bool:
    """Outside its CI by more than rounding the published value to its places explains."""
    value, low, high = number(r["Value"]), number(r["LowerCI"]), number(r["UpperCI"])
    slack = half_unit(r["Value"]) if r["Value"] else 0.0
    return not math.isnan(value) and (value + slack < low or value - slack > high)


def test_real_file_refused_only_where_published_value_leaves_its_ci(
    reference_store: Store, real_file: Path, real_rows: list[dict[str, str]]
) -> None:
    """FingertipsNext publishes some values rounded to fewer places than their CIs (15.6
    with 15.52 to 15.59): rounding explains those, half a unit of the value's last place,
    so the one rule set refuses only a value outside its CI by more than that, and the
    rounded ones are stored as published."""
    rounded = [(line, r) for line, r in mapped(real_rows) if outside_ci(r)]
    expected = {line for line, r in rounded if outside_rounding(r)}
    if expected:
        failed = refused(reference_store, real_file, unknown_areas="skip")
        assert {(f.row, f.column) for f in failed.faults} == {(line, "Value") for line in expected}
        return
    assert rounded, "the real file has the 15.6 beside 15.52 to 15.59 this rule was made for"
    import_file(reference_store, real_file, unknown_areas="skip")
    for _line, r in rounded:
        iid = {m.fingertips_id: m.indicator_id for m in load_healthdata_mapping() if m.indicator_id}[
            int(r["IndicatorId"])]
        year = int(r["Year"]) + (0 if iid == "NI112" else 1)  # NI112 is calendar; the others start a financial year
        category = f"{r['Category'].strip(chr(34))}: {r['CategoryType']}" if r["CategoryType"] else ""
        got = stored(reference_store, iid, r["AreaCode"], year, r["Sex"].lower(), category)
        assert (got["value"], got["lower95"], got["upper95"]) == (
            float(r["Value"]), float(r["LowerCI"]), float(r["UpperCI"]))


@pytest.mark.parametrize(("value", "imports"), [
    ("15.6", True),    # 15.55 to 15.65 as published: 15.55-15.59 is inside the CI
    ("15.7", False),   # 15.65 at least: above 15.59 whatever the rounding
    ("15.66", False),  # two places: 15.655 at least
    ("15.5", True),    # 15.45 to 15.55: reaches 15.52
    ("15.4", False),
    ("16", True),      # a whole number: 15.5 to 16.5 reaches 15.59
])
def test_a_value_rounded_to_fewer_places_than_its_ci_is_allowed_its_rounding_only(
    reference_store: Store, tmp_path: Path, value: str, imports: bool,
) -> None:
    r = row(IndicatorId="93085", Year="2022", Age="All ages", AreaCode="E06000009", Count="1645057",
            Denominator="10575320", Value=value, LowerCI="15.52", UpperCI="15.59")
    path = write(tmp_path / "rounded", [r])
    if imports:
        assert import_file(reference_store, path).new == 1
        got = stored(reference_store, "SMOK_DEL", "E06000009", 2023, "female")
        assert got["value"] == float(value) and (got["lower95"], got["upper95"]) == (15.52, 15.59)
    else:
        failed = refused(reference_store, path)
        assert [(f.row, f.column) for f in failed.faults] == [(2, "Value")]
        assert f"value {value} lies outside its 95% CI 15.52 to 15.59" in str(failed.faults[0])


@pytest.fixture
def real_clean(tmp_path: Path, real_file: Path, real_rows: list[dict[str, str]]) -> Path:
    """The real file without its inconsistent rows, beside the real indicator list."""
    folder = tmp_path / "real"
    folder.mkdir()
    shutil.copyfile(real_file.parent / "fingertipsnext_indicators.csv", folder / "fingertipsnext_indicators.csv")
    bad = {line for line, r in mapped(real_rows) if outside_ci(r)}
    keep = [r for line, r in enumerate(real_rows, start=2) if line not in bad]
    return write(folder, keep, listing=None, name=real_file.name)


def test_real_figures_stored_as_published(reference_store: Store, real_clean: Path,
                                          real_rows: list[dict[str, str]]) -> None:
    result = import_file(reference_store, real_clean, unknown_areas="skip")
    # GP practices, sub-ICBs and districts are not areas of the store: skipped and named.
    assert result.skipped > 0 and any(a.startswith("E38") for a in result.skipped_areas)
    assert any("leaves out" in n for n in result.notes)
    periods = {r["IndicatorID"]: r["PeriodType"]
               for r in csv.DictReader((real_clean.parent / "fingertipsnext_indicators.csv")
                                       .open(encoding="utf-8-sig", newline=""))}
    catalogue = {m.fingertips_id: m.indicator_id for m in load_healthdata_mapping() if m.indicator_id}
    checked = 0
    for _line, r in mapped(real_rows):
        if r["AreaCode"] not in ("E92000001", "E06000001", "E12000002") or outside_ci(r):
            continue
        iid = catalogue[int(r["IndicatorId"])]
        start = int(r["Year"])
        financial = periods[r["IndicatorId"]] in ("Financial", "Academic")
        year = start + 1 if financial else start
        category = f"{r['Category'].strip(chr(34))}: {r['CategoryType']}" if r["CategoryType"] else ""
        got = stored(reference_store, iid, r["AreaCode"], year, r["Sex"].lower(), category)
        for col, canon in (("Value", "value"), ("Count", "count"), ("Denominator", "denominator"),
                           ("LowerCI", "lower95"), ("UpperCI", "upper95")):
            want = number(r[col])
            assert (got[canon] != got[canon]) if math.isnan(want) else got[canon] == pytest.approx(want), (r, col)
        ptype = dict(NI112="calendar", SMOK_DEL="financial", ABS_LOWINC="financial")[iid]
        assert got["period_label"] == period_label(year, ptype)
        checked += 1
    assert checked >= 30


def test_other_ages_skipped_and_reported(reference_store: Store, tmp_path: Path) -> None:
    """A mapped indicator's rows at an age that is not the catalogue's are skipped, with a note."""
    folder = tmp_path / "ages"
    path = write(folder, [row(), row(Age="15-17 yrs", AgeID="999")])
    result = import_file(reference_store, path)
    assert result.new == 1
    assert any("ages other than the catalogue indicator's" in n and "20401 15-17 yrs: 1" in n for n in result.notes)


def test_real_mapping_reviews_every_indicator_of_the_file(real_rows: list[dict[str, str]]) -> None:
    reviewed = {str(m.fingertips_id) for m in load_healthdata_mapping()}
    assert {r["IndicatorId"] for r in real_rows} <= reviewed


# Made-up files -----------------------------------------------------------------------------

def test_made_up_file_with_bom_imports(reference_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "ok", [row(), row(IndicatorId="93085", Year="2018", Age="All ages", Count="61399",
                                              Value="10.59", LowerCI="10.51", UpperCI="10.67", Denominator="579995",
                                              AreaCode="E92000001"),
                                   row(CategoryType="Most deprived decile (IMD2019)",
                                       Category='"County & UA deprivation deciles in England (IMD2019, 4/21 geography)"')])
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert detect_format(path) == "healthdata"
    result = import_file(reference_store, path)
    assert (result.new, result.format) == (3, "healthdata")
    got = stored(reference_store, "NI112", "E06000001", 2019, "female")
    assert (got["value"], got["count"], got["denominator"], got["lower95"], got["upper95"]) == (
        20.5, 40, 1951, 14.6, 27.9)
    assert got["period_label"] == "2019"
    smoking = stored(reference_store, "SMOK_DEL", "E92000001", 2019, "female")  # Year 2018 starts 2018/19
    assert smoking["period_label"] == "2018-19" and parse_period("2018/19")[0] == 2019
    stored(reference_store, "NI112", "E06000001", 2019, "female",
           "County & UA deprivation deciles in England (IMD2019, 4/21 geography): Most deprived decile (IMD2019)")


def test_bad_value_names_row_column_and_value(reference_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "bad", [row(), row(AreaCode="E06000002", Count="4O")])
    fault = refused(reference_store, path).faults[0]
    assert (fault.file, fault.row, fault.column, fault.value) == ("healthdata.csv", 3, "Count", "4O")


def test_unknown_indicator_refused(reference_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "unknown", [row(IndicatorId="999999")])
    fault = refused(reference_store, path).faults[0]
    assert (fault.row, fault.column, fault.value) == (2, "IndicatorId", "999999")
    assert fault.rule.startswith("unknown indicator")


def test_bad_year_refused(reference_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "year", [row(Year="19")])
    fault = refused(reference_store, path).faults[0]
    assert (fault.row, fault.column, fault.value) == (2, "Year", "19")


def test_duplicated_column_refused(reference_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "twice", [row()], header=[*HEADER, "Value"])
    fault = refused(reference_store, path).faults[0]
    assert (fault.row, fault.column) == (1, "Value") and "more than once" in fault.rule


def test_header_only_refused(reference_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "empty", [])
    assert "no data rows" in refused(reference_store, path).faults[0].rule


def test_missing_indicator_list_refused(reference_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "alone", [row()], listing=None)
    fault = refused(reference_store, path).faults[0]
    assert fault.file == "fingertipsnext_indicators.csv" and "beside" in fault.rule


def test_period_type_year_cannot_place_refused(reference_store: Store, tmp_path: Path) -> None:
    listing = [{**LIST[0], "PeriodType": "Calendar rolling year - monthly"}, LIST[1]]
    path = write(tmp_path / "rolling", [row()], listing=listing)
    fault = refused(reference_store, path).faults[0]
    assert (fault.file, fault.row, fault.column) == ("fingertipsnext_indicators.csv", 2, "PeriodType")


def test_duplicate_key_refused(reference_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "dup", [row(), row(Value="21.5")])
    fault = refused(reference_store, path).faults[0]
    assert fault.row == 3 and "duplicate of row 2" in fault.rule


def test_gp_practice_refused_unless_skipped(reference_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "gp", [row(), row(AreaCode="A82003")])
    fault = refused(reference_store, path).faults[0]
    assert (fault.row, fault.column, fault.value) == (3, "AreaCode", "A82003")
    result = import_file(reference_store, path, unknown_areas="skip")
    assert (result.new, result.skipped, result.skipped_areas) == (1, 1, ["A82003"])


def test_cli_imports_and_refuses(reference_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    shutil.copyfile(reference_db, db)
    good = write(tmp_path / "good", [row()])
    bad = write(tmp_path / "bad", [row(Value="abc")])

    def jar(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "metrics", *args], capture_output=True, text=True, timeout=300)

    failed = jar("import", "--db", str(db), str(bad))
    assert failed.returncode == 1 and "healthdata.csv, row 2, Value: 'abc'" in failed.stderr
    ok = jar("import", "--db", str(db), str(good), "--format", "healthdata")
    assert ok.returncode == 0, ok.stderr
    assert "1 new" in ok.stdout


def test_mapping_row_without_age_is_a_fault(reference_store: Store, tmp_path: Path) -> None:
    from metrics.io.core import import_source
    from metrics.io.healthdata import open_healthdata

    mapping = tmp_path / "mapping.csv"
    mapping.write_text("fingertips_id,name,indicator_id,age,reason\n20401,Conceptions,NI112,,same definition\n")
    path = write(tmp_path / "m", [row()])
    with pytest.raises(ImportFailed) as exc:
        import_source(reference_store, open_healthdata(path, reference_store, mapping))
    fault = exc.value.faults[0]
    assert fault.file == "mapping.csv" and "Age band" in fault.rule
