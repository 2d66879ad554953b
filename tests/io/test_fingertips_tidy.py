"""The tidy Fingertips extract reader (``area_code, area_name, period, value, indicator,
measure, unit, significance``): real extracts from ../shared and small made-up files,
one per fault class. Expected figures are read from the files by the csv module."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from metrics.framework import load_fingertips_tidy_mapping
from metrics.io.core import ImportFailed, import_source, store_checksum
from metrics.io.fingertips_tidy import open_fingertips_tidy
from metrics.io.formats import FORMATS, detect_format
from metrics.periods import period_label
from metrics.store import Store
from tests.conftest import shared_path
from tests.io.conftest import import_file

HEADER = ["area_code", "area_name", "period", "value", "indicator", "measure", "unit", "significance"]
CLA = "Children in care: rate per 10,000 population aged < 18"
BASE = {"area_code": "E06000001", "area_name": "Hartlepool", "period": "2018", "value": "120.5", "indicator": CLA,
        "measure": "per 10,000", "unit": "Persons", "significance": "Worse"}


def write(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header or HEADER)
        for r in rows:
            writer.writerow([r.get(c, "") for c in (header or HEADER)])
    return path


def row(**changes: str) -> dict[str, str]:
    return {**BASE, **changes}


def stored(store: Store, indicator: str, area: str, year: int, group: str = "all") -> dict:
    frame = store.df(
        "SELECT * FROM observation WHERE indicator_id = ? AND area_code = ? AND period_year = ?"
        " AND client_group_id = ? AND sex = 'persons' AND category = ''",
        [indicator, area, year, group],
    )
    assert len(frame) == 1, f"{len(frame)} rows for {indicator} {area} {year}"
    return frame.iloc[0].to_dict()


def refused(store: Store, path: Path, **kwargs: object) -> ImportFailed:
    before = store_checksum(store)
    with pytest.raises(ImportFailed) as exc:
        import_file(store, path, **kwargs)
    assert store_checksum(store) == before  # all or nothing
    return exc.value


# Real extracts ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_cla() -> Path:
    return shared_path("data", "fingertips_like", "children_in_care.csv")


def file_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_real_extract_detected_by_header(real_cla: Path) -> None:
    assert "fingertips_tidy" in FORMATS
    assert detect_format(real_cla) == "fingertips_tidy"


def test_real_cla_extract_stores_the_files_figures(reference_store: Store, real_cla: Path) -> None:
    result = import_file(reference_store, real_cla, unknown_areas="skip")
    rows = file_rows(real_cla)
    assert result.rows_read == len(rows)
    # Combined authorities and LAs since abolished are skipped and named, never dropped unseen.
    assert "E47000001" in result.skipped_areas and result.skipped > 0
    assert result.new + result.skipped == len(rows)
    checked = 0
    for r in rows:
        if r["area_code"] not in ("E92000001", "E06000001", "E08000001", "E09000002") or r["value"] == "NA":
            continue
        got = stored(reference_store, "LAC_RATE", r["area_code"], int(r["period"]))
        assert got["value"] == pytest.approx(float(r["value"]))
        # The count at 31 March 2011 is the 2010-11 year of the catalogue's financial-year series.
        assert got["period_label"] == period_label(int(r["period"]), "financial")
        assert got["count"] != got["count"]  # values only: no count invented (NaN)
        if r["significance"] not in ("Not compared", ""):
            assert f"Fingertips compared with England: {r['significance']}" in got["note"]
        checked += 1
    assert checked >= 20


def test_real_missing_value_is_missing_never_zero(reference_store: Store, real_cla: Path) -> None:
    na = [r for r in file_rows(real_cla) if r["value"] == "NA" and r["area_code"].startswith(("E06", "E08", "E09"))]
    if not na:
        pytest.skip("this extract has no NA value for a current LA")
    import_file(reference_store, real_cla, unknown_areas="skip")
    got = stored(reference_store, "LAC_RATE", na[0]["area_code"], int(na[0]["period"]))
    assert got["value"] != got["value"] and "NA: no value published" in got["note"]


def test_real_school_readiness_lands_in_the_fsm_client_group(reference_store: Store) -> None:
    path = shared_path("data", "fingertips_like", "school_readiness_fsm.csv")
    import_file(reference_store, path, unknown_areas="skip")
    england = [r for r in file_rows(path) if r["area_code"] == "E92000001"]
    for r in england:
        got = stored(reference_store, "NI72", "E92000001", int(r["period"][:4]) + 1, group="fsm")
        assert got["value"] == pytest.approx(float(r["value"]))
        assert got["period_label"] == r["period"]  # academic years read 2012/13, as published
    assert england


def test_real_unmatched_extract_is_refused_with_the_reason(reference_store: Store) -> None:
    path = shared_path("data", "fingertips_like", "excess_weight_reception.csv")
    failed = refused(reference_store, path, unknown_areas="skip")
    assert "nothing to import" in failed.faults[0].rule
    assert "leaves out" in failed.faults[0].rule


def test_real_extracts_all_reviewed() -> None:
    """Every indicator of every real extract has a reviewed row: none is refused as unknown."""
    folder = shared_path("data", "fingertips_like")
    reviewed = {(m.indicator, m.measure) for m in load_fingertips_tidy_mapping()}
    extracts = [p for p in sorted(folder.glob("*.csv")) if not p.name.startswith("fingertipsnext_")]
    assert len(extracts) >= 9
    for path in extracts:
        assert detect_format(path) == "fingertips_tidy", path.name
        found = {(r["indicator"], r["measure"]) for r in file_rows(path)}
        assert found <= reviewed, f"{path.name}: {found - reviewed}"


# Made-up files, one fault class each --------------------------------------------------------

def test_made_up_row_imports_with_canonical_label(reference_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "cla.csv", [row(), row(area_code="E92000001", area_name="England", value="65",
                                              significance="Not compared")])
    assert detect_format(path) == "fingertips_tidy"
    result = import_file(reference_store, path)
    assert (result.new, result.format) == (2, "fingertips_tidy")
    got = stored(reference_store, "LAC_RATE", "E06000001", 2018)
    assert (got["value"], got["period_label"]) == (120.5, "2017-18")
    assert got["note"] == "Fingertips compared with England: Worse"
    assert stored(reference_store, "LAC_RATE", "E92000001", 2018)["note"] is None


def test_bad_value_names_row_column_and_value(reference_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "bad_value.csv", [row(), row(area_code="E06000002", value="12,5")])
    fault = refused(reference_store, path).faults[0]
    assert (fault.file, fault.row, fault.column, fault.value) == ("bad_value.csv", 3, "value", "12,5")
    assert "decimal comma" in fault.rule


def test_unknown_indicator_refused(reference_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "unknown.csv", [row(indicator="Children in care: a new measure")])
    fault = refused(reference_store, path).faults[0]
    assert (fault.row, fault.column, fault.value) == (2, "indicator", "Children in care: a new measure")
    assert fault.rule.startswith("unknown indicator")


def test_other_measure_refused(reference_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "measure.csv", [row(measure="per 1,000")])
    fault = refused(reference_store, path).faults[0]
    assert (fault.row, fault.column, fault.value) == (2, "measure", "per 1,000")


def test_bad_period_refused(reference_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "period.csv", [row(period="20x8")])
    fault = refused(reference_store, path).faults[0]
    assert (fault.row, fault.column, fault.value) == (2, "period", "20x8")
    assert "unreadable period" in fault.rule


def test_duplicated_column_refused(reference_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "twice.csv", [row()], header=[*HEADER, "value"])
    fault = refused(reference_store, path).faults[0]
    assert (fault.row, fault.column) == (1, "value") and "more than once" in fault.rule


def test_header_only_refused(reference_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "empty.csv", [])
    assert detect_format(path) == "fingertips_tidy"
    assert "no data rows" in refused(reference_store, path).faults[0].rule


def test_unknown_area_refused_unless_skipped(reference_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "ca.csv", [row(), row(area_code="E47000001", area_name="Greater Manchester")])
    fault = refused(reference_store, path).faults[0]
    assert (fault.row, fault.column, fault.value) == (3, "area_code", "E47000001")
    result = import_file(reference_store, path, unknown_areas="skip")
    assert (result.new, result.skipped, result.skipped_areas) == (1, 1, ["E47000001"])


def test_faults_of_one_file_all_listed_nothing_written(reference_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "many.csv", [row(value="abc"), row(area_code="E06000002", period="x"),
                                         row(area_code="E06000003", indicator="?")])
    failed = refused(reference_store, path)
    assert {(f.row, f.column) for f in failed.faults} == {(2, "value"), (3, "period"), (4, "indicator")}


def test_mapping_naming_an_unknown_indicator_is_a_fault(reference_store: Store, tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.csv"
    mapping.write_text(f'indicator,measure,indicator_id,client_group_id,reason\n"{CLA}","per 10,000",NOPE,,test\n')
    path = write(tmp_path / "cla.csv", [row()])
    with pytest.raises(ImportFailed) as exc:
        import_source(reference_store, open_fingertips_tidy(path, reference_store, mapping))
    fault = exc.value.faults[0]
    assert (fault.file, fault.row, fault.column, fault.value) == ("mapping.csv", 2, "indicator_id", "NOPE")


def test_mapping_without_reason_is_a_fault(reference_store: Store, tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.csv"
    mapping.write_text(f'indicator,measure,indicator_id,client_group_id,reason\n"{CLA}","per 10,000",LAC_RATE,,\n')
    path = write(tmp_path / "cla.csv", [row()])
    with pytest.raises(ImportFailed) as exc:
        import_source(reference_store, open_fingertips_tidy(path, reference_store, mapping))
    assert "row 2, column reason" in exc.value.faults[0].rule


def test_cli_imports_and_refuses(reference_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    shutil.copyfile(reference_db, db)
    good = write(tmp_path / "cla.csv", [row()])
    bad = write(tmp_path / "bad.csv", [row(value="abc")])

    def jar(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "metrics", *args], capture_output=True, text=True, timeout=300)

    failed = jar("import", "--db", str(db), str(bad))
    assert failed.returncode == 1 and "bad.csv, row 2, value: 'abc'" in failed.stderr
    ok = jar("import", "--db", str(db), str(good), "--format", "fingertips_tidy")
    assert ok.returncode == 0, ok.stderr
    assert "1 new" in ok.stdout


def test_left_out_indicator_skipped_and_counted(reference_store: Store, tmp_path: Path) -> None:
    weight = {"indicator": "Children aged 4-5 years who have excess weight", "measure": "Percentage", "value": "22.1"}
    path = write(tmp_path / "mixed.csv", [row(), row(**weight), row(area_code="E06000002", **weight)])
    result = import_file(reference_store, path)
    assert result.new == 1
    assert any("2 rows of indicators the reviewed mapping leaves out" in n for n in result.notes)


def test_reimport_changes_nothing(reference_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "again.csv", [row(), row(area_code="E06000002", value="NA")])
    import_file(reference_store, path)
    before = store_checksum(reference_store)
    again = import_file(reference_store, path)
    assert (again.new, again.replaced, again.unchanged, again.batch_id) == (0, 0, 2, None)
    assert store_checksum(reference_store) == before
