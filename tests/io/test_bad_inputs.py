"""A corpus of bad Fingertips files: each is refused with the fault that names what
is wrong (file, row, column, rule), through the library and through ``jar import``,
and leaves the store exactly as it was.

Small files live in ``bad_inputs/``; the 10 MB ones are generated per run.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from metrics.cli import main
from metrics.io.core import ImportFailed, import_source, store_checksum
from metrics.io.fingertips import open_fingertips
from metrics.io.formats import open_source
from metrics.io.values import HEAD_BYTES
from metrics.store import Store
from tests.io.conftest import BAD_INPUTS, ci, row, write_fingertips
from tests.io.make_big_fingertips import HEADER, write_big_fingertips

TEN_MB = 10 * 1024 * 1024


@dataclass(frozen=True)
class Expected:
    """One fault as the user must see it."""

    row: int | None
    column: str | None
    rule: str  # the start of the rule text, or all of it


CORPUS: dict[str, list[Expected]] = {
    "wrong_header.csv": [Expected(1, None, "not a Fingertips CSV: header lacks Indicator ID, Area Code, Sex")],
    "latin1.csv": [Expected(5, None, "not UTF-8 text (byte 0xe9: Latin-1 or Windows-1252?)")],
    "utf16.csv": [Expected(None, None, "UTF-16 text, not UTF-8")],
    "bom_mid_file.csv": [Expected(4, None, "the header is repeated here: two files joined into one?")],
    "blank_line.csv": [Expected(3, None, "blank line")],
    "duplicate_key.csv": [Expected(4, None, "duplicate of row 2: same indicator, area, period")],
    "negative_count.csv": [Expected(2, "Count", "Count must not be negative")],
    "count_over_denominator.csv": [Expected(2, "Count", "37 exceeds Denominator 20")],
    "ci_excludes_value.csv": [
        Expected(3, "Value", "value 150 lies outside its 95% CI 105.1 to 137.6"),
        Expected(3, "Value", "value 150 lies outside its 99.8% CI 97.9 to 147"),
        # 150 is not 220 / 18,255 per 10,000 either (issue 15's consistency rule).
        Expected(3, "Value", "value 150 does not agree with Count 220 / Denominator 18,255"),
    ],
    "unknown_area.csv": [Expected(3, "Area Code", "unknown area code: not an area in the store")],
    "unknown_indicator.csv": [Expected(2, "Indicator ID", "unknown indicator: no catalogue indicator has this "
                                                          "Fingertips id")],
    "future_period.csv": [Expected(3, "Time period", "period 2098/99 is in the future")],
    "unreadable_period.csv": [Expected(2, "Time period", "unreadable period")],
    "not_a_number.csv": [Expected(3, "Value", "not a number")],
    "formula_injection.csv": [
        Expected(2, "Category", "text starts like a spreadsheet formula"),
        Expected(3, "Value note", "text starts like a spreadsheet formula"),
        Expected(4, "Value", "text starts like a spreadsheet formula"),
    ],
    "extra_field.csv": [Expected(3, None, "28 fields where the header has 27")],
    "truncated_mid_row.csv": [Expected(5, None, "the file ends mid-row: 15 of 27 fields")],
    "short_row_mid_file.csv": [Expected(3, None, "20 fields where the header has 27: a row cut short")],
    "truncated_mid_quote.csv": [Expected(5, None, "the file ends inside a quoted field")],
}


def data_checksum(store: Store) -> dict[str, tuple[int, int]]:
    """The store's checksum without the audit log, which records refusals too."""
    return {t: v for t, v in store_checksum(store).items() if t != "audit_log"}


def catalogue(store: Store):  # noqa: ANN201 - a DataFrame
    return store.df("SELECT indicator_id, fingertips_id FROM indicator")


def refuse(store: Store, path: Path) -> ImportFailed:
    with pytest.raises(ImportFailed) as exc:
        import_source(store, open_fingertips(path, catalogue(store)))
    return exc.value


def assert_faults(failed: ImportFailed, name: str, expected: list[Expected]) -> None:
    got = [(f.file, f.row, f.column) for f in failed.faults]
    assert got == [(name, e.row, e.column) for e in expected], [str(f) for f in failed.faults]
    for fault, e in zip(failed.faults, expected, strict=True):
        assert fault.rule.startswith(e.rule), str(fault)
    assert failed.total == len(expected)


def test_the_corpus_is_complete() -> None:
    assert sorted(p.name for p in BAD_INPUTS.iterdir() if p.suffix == ".csv") == sorted(CORPUS)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_library_refuses_with_the_right_fault(store: Store, checksum: dict, name: str) -> None:
    failed = refuse(store, BAD_INPUTS / name)
    assert_faults(failed, name, CORPUS[name])
    message = str(failed)
    assert message.startswith("import refused, nothing written")
    for fault in failed.faults:
        assert str(fault) in message
    assert store_checksum(store) == checksum


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_cli_exits_non_zero_with_faults_on_stderr(
    store_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with Store(store_path) as s:
        before = data_checksum(s)
    code = main(["import", str(BAD_INPUTS / name), "--db", str(store_path), "--format", "fingertips"])
    out, err = capsys.readouterr()
    assert code != 0
    assert "nothing written" in err and "imported" not in out
    for e in CORPUS[name]:
        where = ", ".join(str(x) for x in (name, f"row {e.row:,}" if e.row else None, e.column) if x)
        assert where in err, err
        assert e.rule in err, err
    with Store(store_path) as s:
        assert data_checksum(s) == before
        # The refusal itself is on the record (the CLI audits every import it is asked for).
        log = s.df("SELECT target, outcome, detail FROM audit_log WHERE action = 'import'")
        assert log[["target", "outcome"]].values.tolist() == [[name, "failed"]]
        assert f'"faults": {len(CORPUS[name])}' in log.loc[0, "detail"]


def test_cli_names_the_encoding_without_format(store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Detection reads a UTF-16 header, so the reader refuses the encoding by name.
    code = main(["import", str(BAD_INPUTS / "utf16.csv"), "--db", str(store_path)])
    err = capsys.readouterr().err
    assert code != 0 and "utf16.csv: UTF-16 text, not UTF-8" in err


def test_cli_refuses_an_undetectable_file_cleanly(
    store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "noise.csv"
    path.write_bytes(np.random.default_rng(3).bytes(TEN_MB))
    with Store(store_path) as s:
        before = store_checksum(s)
    started = time.perf_counter()
    code = main(["import", str(path), "--db", str(store_path)])
    assert time.perf_counter() - started < 5
    err = capsys.readouterr().err
    assert code != 0 and "noise.csv: cannot tell the format" in err and "Traceback" not in err
    with Store(store_path) as s:
        assert store_checksum(s) == before


def test_a_real_formula_payload_is_not_stored(store: Store, checksum: dict) -> None:
    failed = refuse(store, BAD_INPUTS / "formula_injection.csv")
    assert failed.faults[0].value == "=cmd|' /C calc'!A0"
    assert store.scalar("SELECT count(*) FROM observation WHERE category LIKE '%cmd|%'") == 0
    assert store_checksum(store) == checksum


# --- generated: the big ones --------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "rule"),
    [
        ("random bytes", "binary data, not a CSV text file"),
        ("header then random bytes", "binary data, not a CSV text file"),
        ("one endless line", f"no line break in the first {HEAD_BYTES // 1024} KiB: not a CSV file"),
        ("text lines", "not a Fingertips CSV: header lacks"),
        ("header then text lines", "1,000 of the first 1,000 rows are unreadable (first: garbage.csv, row 2"),
    ],
)
def test_ten_megabytes_of_garbage_is_refused_at_once_with_one_fault(
    store: Store, checksum: dict, tmp_path: Path, kind: str, rule: str
) -> None:
    rng = np.random.default_rng(5)
    path = tmp_path / "garbage.csv"
    header = (",".join(HEADER) + "\n").encode()
    if kind == "random bytes":
        data = rng.bytes(TEN_MB)
    elif kind == "header then random bytes":
        data = header + rng.bytes(TEN_MB)
    elif kind == "one endless line":
        data = rng.choice(list(b"abcdefgh ,;"), TEN_MB).astype(np.uint8).tobytes()
    elif kind == "text lines":
        data = rng.choice(list(b"abcdefgh ,;\n"), TEN_MB).astype(np.uint8).tobytes()
    else:
        data = header + rng.choice(list(b"abcdefgh ,;\n"), TEN_MB).astype(np.uint8).tobytes()
    path.write_bytes(data)
    started = time.perf_counter()
    failed = refuse(store, path)
    assert time.perf_counter() - started < 2.0
    assert failed.total == 1 and failed.faults[0].rule.startswith(rule) and failed.faults[0].file == "garbage.csv"
    assert len(str(failed)) < 400
    assert store_checksum(store) == checksum


def test_latin1_deep_in_a_big_file_names_its_row(store: Store, checksum: dict, tmp_path: Path) -> None:
    # Past the first 64 KiB the sniffer has passed the file; the parser's decode error is
    # traced back to its line rather than reported as a byte offset.
    path = write_big_fingertips(tmp_path / "late_latin1.csv", 2_000)
    bad = row(Category_Type="Région", Category="Décile 1")
    with path.open("ab") as fh:
        fh.write((",".join(bad[h] for h in HEADER) + "\n").encode("latin-1"))
    failed = refuse(store, path)
    assert [(f.row, f.column) for f in failed.faults] == [(2_002, None)]
    assert failed.faults[0].rule.startswith("not UTF-8 text (byte 0xe9")
    assert store_checksum(store) == checksum


def test_faults_on_every_row_of_a_big_file_are_counted_not_listed(
    store: Store, checksum: dict, tmp_path: Path
) -> None:
    path = write_big_fingertips(tmp_path / "all_bad.csv", 20_000)
    path.write_text(path.read_text().replace("\n90284,", "\n99999,"))  # an unknown indicator on every row
    started = time.perf_counter()
    failed = refuse(store, path)
    assert time.perf_counter() - started < 15
    assert failed.total == 20_000
    assert len(str(failed).splitlines()) <= 202
    assert store_checksum(store) == checksum


def test_the_issue_example_reads_as_written(store: Store, checksum: dict, tmp_path: Path) -> None:
    # Issue #5's own example: "row 1,204, Count: 37 exceeds Denominator 20".
    path = write_big_fingertips(tmp_path / "smoking.csv", 1_202)
    bad = row(Indicator_ID="93085", Value="", Count="37", Denominator="20",
              **dict.fromkeys([h for h in HEADER if "CI" in h], ""))
    with path.open("a", encoding="utf-8") as fh:
        fh.write(",".join(bad[h] for h in HEADER) + "\n")
    failed = refuse(store, path)
    assert [str(f) for f in failed.faults] == ["smoking.csv, row 1,204, Count: 37 exceeds Denominator 20"]
    assert store_checksum(store) == checksum


# --- classes of rule (issue 15): one good row, then the same row with one thing broken -------

NO_CI = ci("", "", "", "")
NO_COUNTS = {"Count": "", "Denominator": ""}
SMOKING = "93085"  # a Fingertips proportion (SMOK_DEL, %), for the range rules


def broken_file(tmp_path: Path, **changes: str) -> Path:
    """A Fingertips download: the base row, then a male row with ``changes`` (row 3)."""
    return write_fingertips(tmp_path / "broken.csv", [row(), row(Sex="Male", **changes)])


def only_fault(failed: ImportFailed) -> str:
    assert failed.total == 1, [str(f) for f in failed.faults]
    return str(failed.faults[0])


# (changes to row 3, the column the fault names, the start of its rule)
NUMBERS: dict[str, tuple[dict[str, str], str, str]] = {
    "inf": ({"Value": "inf", **NO_CI, **NO_COUNTS}, "Value", "not a finite number"),
    "1e400": ({"Value": "1e400", **NO_CI, **NO_COUNTS}, "Value", "not a finite number"),
    "-Infinity in a CI": ({"Value": "", **ci("-Infinity", "", "", ""), **NO_COUNTS}, "Lower CI 95.0 limit",
                          "not a finite number"),
    "NaN count": ({"Count": "NaN"}, "Count", "not a finite number"),
    "decimal comma": ({"Value": "120,5"}, "Value", "a comma that is not a thousands separator"),
    "decimal comma in a count": ({"Count": "220,0"}, "Count", "a comma that is not a thousands separator"),
}

RANGES: dict[str, tuple[dict[str, str], str, str]] = {
    "percentage of 150": ({"Indicator_ID": SMOKING, "Value": "150", **NO_CI, **NO_COUNTS}, "Value",
                          "Value 150 is above 100: a proportion runs from 0 to 100"),
    "percentage of -3.5": ({"Indicator_ID": SMOKING, "Value": "-3.5", **NO_CI, **NO_COUNTS}, "Value",
                           "Value must not be negative for a proportion"),
    "negative rate": ({"Value": "-3.5", **NO_CI, **NO_COUNTS}, "Value", "Value must not be negative for a crude rate"),
    "1e308 beside its count": ({"Value": "1e308", **NO_CI}, "Value",
                               "value 1e+308 does not agree with Count 220 / Denominator 18,255"),
    "9,089,662 beside its count": ({"Value": "9,089,662", **NO_CI}, "Value",
                                   "value 9,089,662 does not agree with Count 220 / Denominator 18,255"),
    "CI upside down, value blank": ({"Value": "", **ci("137.6", "105.1", "", ""), **NO_COUNTS},
                                    "Lower CI 95.0 limit", "95% CI is upside down: Lower CI 95.0 limit 137.6 is above"),
    "period 0001": ({"Time_period": "0001"}, "Time period", "period 0001 is before 1990"),
    "period 1066": ({"Time_period": "1066"}, "Time period", "period 1066 is before 1990"),
}


@pytest.mark.parametrize("case", sorted(NUMBERS), ids=str)
def test_numbers_that_are_not_figures_are_refused(store: Store, checksum: dict, tmp_path: Path, case: str) -> None:
    changes, column, rule = NUMBERS[case]
    failed = refuse(store, broken_file(tmp_path, **changes))
    assert only_fault(failed).startswith(f"broken.csv, row 3, {column}: ")
    assert failed.faults[0].rule.startswith(rule), str(failed.faults[0])
    assert store_checksum(store) == checksum


@pytest.mark.parametrize("case", sorted(RANGES), ids=str)
def test_figures_out_of_range_or_inconsistent_are_refused(
    store: Store, checksum: dict, tmp_path: Path, case: str
) -> None:
    changes, column, rule = RANGES[case]
    failed = refuse(store, broken_file(tmp_path, **changes))
    assert only_fault(failed).startswith(f"broken.csv, row 3, {column}: ")
    assert failed.faults[0].rule.startswith(rule), str(failed.faults[0])
    assert store_checksum(store) == checksum


@pytest.mark.parametrize("changes", [
    {"Value": "120.6"},  # rounding: within the stated tolerance of 220 / 18,255
    {"Count": "1,220", "Denominator": "101,245"},  # thousands separators
    {"Indicator_ID": SMOKING, "Value": "100", **NO_CI, **NO_COUNTS},  # the top of the range
    {"Value": "", **ci("-1", "-1", "-1", "-1"), **NO_COUNTS},  # Fingertips' mark for a value not presented
], ids=["rounded value", "thousands", "100%", "-1 CIs under a blank value"])
def test_what_the_rules_allow_is_imported(store: Store, tmp_path: Path, changes: dict[str, str]) -> None:
    result = import_source(store, open_fingertips(broken_file(tmp_path, **changes), catalogue(store)))
    assert result.rows_read == 2 and result.new + result.replaced == 2


def test_every_reader_refuses_the_same_numbers(store: Store, checksum: dict, tmp_path: Path) -> None:
    # One rule set for every reader: a DfE tidy file, names its own columns (not "count").
    from tests.io.test_dfe import dfe_import, la, mapping, write

    data = write(tmp_path / "dfe.csv", [
        la("2025", "E06000020", "5", "50", "10"),
        la("2025", "E06000021", "inf", "50", "10"),
        la("2025", "E06000022", "5", "50", "90,89662"),
        la("2025", "E06000023", "60", "50", ""),
        la("2025", "E06000024", "5", "50", "150"),
        la("1066", "E06000025", "5", "50", "10"),
    ])
    with pytest.raises(ImportFailed) as exc:
        dfe_import(store, data, mapping(tmp_path / "map.csv"))
    got = [(f.row, f.column, f.rule.split(":")[0]) for f in exc.value.faults]
    assert got == [
        (3, "num", "not a finite number"),
        (4, "pct", "a comma that is not a thousands separator (a decimal comma?)"),
        (5, "num", "60 exceeds den 50"),
        (6, "pct", "pct 150 is above 100"),
        (7, "time_period", "period 1065-66 is before 1990"),  # labelled as the catalogue labels NI62
    ], [str(f) for f in exc.value.faults]
    assert store_checksum(store) == checksum


def test_lait_refuses_non_finite_and_decimal_comma_values(store: Store, checksum: dict, tmp_path: Path) -> None:
    import pandas as pd

    la_number = store.scalar("SELECT la_number FROM area WHERE area_code = 'E06000001'")
    values = ["12.5", "inf", "NaN", "90,89662"]
    frame = pd.DataFrame({
        "Short Desc": "LACHealth%", "Data item": "x", "Years": [str(2015 + i) for i in range(len(values))],
        "LA and Regions": "Hartlepool", "Values": values, "LA Number": la_number, "Region": "North East",
    })
    path = tmp_path / "bds_long_0.parquet"
    frame.to_parquet(path)
    with pytest.raises(ImportFailed) as exc:
        import_source(store, open_source(store, path))
    got = [(f.row, f.column, f.rule.split(":")[0]) for f in exc.value.faults]
    assert got == [
        (2, "Values", "not a finite number"),
        (3, "Values", "not a finite number"),
        (4, "Values", "a comma that is not a thousands separator (a decimal comma?)"),
    ], [str(f) for f in exc.value.faults]
    assert store_checksum(store) == checksum


@pytest.mark.parametrize("name", ["bad\x1b[2J.csv", "two\nlines.csv", "rtl\u202evsc.csv"], ids=["escape", "newline", "bidi"])
def test_control_characters_in_a_file_name_are_escaped(
    store_path: Path, tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_fingertips(tmp_path / name, [row(Value="inf")])
    code = main(["import", str(path), "--db", str(store_path), "--format", "fingertips"])
    err = capsys.readouterr().err
    assert code != 0
    shown = name.encode("unicode_escape").decode("ascii")
    assert f"{shown}, row 2, Value: 'inf': not a finite number" in err, err
    assert not any(c in err for c in ("\x1b", "\u202e")) and "two\nlines" not in err


# --- files: columns, rows, cells and sizes ---------------------------------------------------


def _with_header(tmp_path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path = tmp_path / "columns.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.mark.parametrize("column", ["Value", "Count", "Area Code"])
def test_a_column_named_twice_is_refused(store: Store, checksum: dict, tmp_path: Path, column: str) -> None:
    # The first copy used to win silently; which one the publisher meant is unknowable.
    good = row()
    header = [*HEADER, column]
    path = _with_header(tmp_path, header, [[good[h] for h in HEADER] + ["999"]])
    failed = refuse(store, path)
    assert only_fault(failed) == (f"columns.csv, row 1, {column}: this column appears more than once in the header: "
                                  "which one is meant?")
    assert store_checksum(store) == checksum


def test_a_header_only_file_is_refused(store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_fingertips(tmp_path / "empty.csv", [])
    with Store(store_path) as s:
        before = data_checksum(s)
    code = main(["import", str(path), "--db", str(store_path)])
    err = capsys.readouterr().err
    assert code != 0 and "empty.csv: no data rows" in err, err
    with Store(store_path) as s:
        assert data_checksum(s) == before


@pytest.mark.parametrize(("column", "field"), [("Category", "category"), ("Value note", "note")])
def test_a_huge_cell_is_refused_and_not_quoted_whole(
    store: Store, checksum: dict, tmp_path: Path, column: str, field: str
) -> None:
    big = "x" * (10 * 1024 * 1024)
    failed = refuse(store, broken_file(tmp_path, **{column.replace(" ", "_"): big}))
    text = only_fault(failed)
    assert text.startswith(f"broken.csv, row 3, {column}: 10,485,760 characters starting 'xxxx")
    assert len(text) < 300
    assert store_checksum(store) == checksum


def test_too_many_columns_are_refused_before_parsing(store: Store, checksum: dict, tmp_path: Path) -> None:
    header = [*HEADER, *(f"extra {i}" for i in range(1_000))]
    path = _with_header(tmp_path, header, [[row()[h] for h in HEADER] + [""] * 1_000])
    assert only_fault(refuse(store, path)).startswith("columns.csv, row 1: 1,027 columns: more than the 1,000")
    assert store_checksum(store) == checksum


def test_limits_on_size_and_rows_are_checked(
    store: Store, checksum: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import metrics.io.core as core
    import metrics.io.files as files

    path = broken_file(tmp_path)
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 100)
    assert "bytes: more than the 100 an import reads" in only_fault(refuse(store, path))
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 10**9)
    monkeypatch.setattr(core, "MAX_ROWS", 1)
    assert only_fault(refuse(store, path)) == "broken.csv: more than 1 rows: more than an import reads"
    assert store_checksum(store) == checksum


def test_a_folder_as_the_path_is_a_fault_not_a_traceback(
    store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "a_folder.csv"
    folder.mkdir()
    code = main(["import", str(folder), "--db", str(store_path), "--format", "fingertips"])
    err = capsys.readouterr().err
    assert code != 0 and "a_folder.csv: a folder (or device), not a file" in err and "Traceback" not in err


# --- faults, never tracebacks -------------------------------------------------------------------


def _lait_file(tmp_path: Path, store: Store, **columns: object) -> Path:
    import pandas as pd

    la_number = store.scalar("SELECT la_number FROM area WHERE area_code = 'E06000001'")
    frame = pd.DataFrame({"Short Desc": ["LACHealth%"], "Data item": ["x"], "Years": ["2020"],
                          "LA and Regions": ["Hartlepool"], "Values": ["12.5"], "LA Number": [la_number],
                          "Region": ["North East"]})
    for name, value in columns.items():
        frame[name.replace("_", " ")] = [value]
    path = tmp_path / "bds_long_0.parquet"
    frame.to_parquet(path)
    return path


@pytest.mark.parametrize("title", ["=HYPERLINK(\"https://attacker.example\",\"x\")", "@SUM(A1:A9)", "+1+cmd|' /C calc'!A0"],
                         ids=["hyperlink", "at", "plus"])
def test_a_lait_measure_titled_like_a_formula_is_refused(store: Store, checksum: dict, tmp_path: Path,
                                                         title: str) -> None:
    """A measure the catalogue lacks becomes an indicator named by the file; that name reaches every
    page and export, so it is refused as the rows' own text would be."""
    path = _lait_file(tmp_path, store, Short_Desc="Not_in_the_catalogue", Data_item=title)
    with pytest.raises(ImportFailed) as exc:
        import_source(store, open_source(store, path))
    assert any(f.value == title and "formula" in f.rule for f in exc.value.faults), [str(f) for f in exc.value.faults]
    assert store_checksum(store) == checksum


def _cli_fault(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code != 0 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("header", ["fid,iid", "fingertips_id", ""], ids=["renamed", "one column", "empty"])
def test_a_bad_fingertips_mapping_is_a_fault(
    store_path: Path, tmp_path: Path, header: str, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = tmp_path / "map.csv"
    mapping.write_text(f"{header}\n99999,NI70\n" if header else "", encoding="utf-8")
    data = write_fingertips(tmp_path / "mapped.csv", [row(Indicator_ID="99999")])
    err = _cli_fault(["import", str(data), "--db", str(store_path), "--mapping", str(mapping)], capsys)
    assert "map.csv, row 1: not a mapping file: header lacks" in err, err


@pytest.mark.parametrize("columns", [{"LA_Number": "eight hundred"}, {"Values": 12.5}],
                         ids=["text LA number", "numeric Values column"])
def test_lait_columns_of_the_wrong_type_are_a_fault_naming_the_file(
    store: Store, checksum: dict, tmp_path: Path, columns: dict[str, object]
) -> None:
    path = _lait_file(tmp_path, store, **columns)
    with pytest.raises(ImportFailed) as exc:
        import_source(store, open_source(store, path))
    assert only_fault(exc.value).startswith("bds_long_0.parquet: unreadable LAIT data: ")
    assert store_checksum(store) == checksum


def test_dfe_latin1_names_its_row_and_duplicated_columns_are_refused(
    store: Store, checksum: dict, tmp_path: Path
) -> None:
    from tests.io.test_dfe import HEADER as DFE_HEADER
    from tests.io.test_dfe import dfe_import, la, mapping, write

    data = write(tmp_path / "dfe.csv", [la("2025", "E06000020", "5", "50", "10"), la("2025", "E06000021", "5", "50", "10")])
    data.write_bytes(data.read_bytes().replace(b"E06000021,,x", "E06000021,,Tél".encode("latin-1")))
    with pytest.raises(ImportFailed) as exc:
        dfe_import(store, data, mapping(tmp_path / "map.csv"))
    assert only_fault(exc.value).startswith("dfe.csv, row 3: not UTF-8 text (byte 0xe9")
    twice = write(tmp_path / "twice.csv", [la("2025", "E06000020", "5", "50", "10") + ["6"]], [*DFE_HEADER, "num"])
    with pytest.raises(ImportFailed) as exc:
        dfe_import(store, twice, mapping(tmp_path / "map.csv"))
    assert only_fault(exc.value) == "twice.csv, row 1, num: this column appears more than once in the header: " \
                                    "which one is meant?"
    assert store_checksum(store) == checksum


# --- workbooks: read safely or refused, saying which part, sheet or cell ------------------------


def _template_xlsx(store: Store, tmp_path: Path) -> Path:
    from metrics.io.template import write_template

    path = tmp_path / "filled.xlsx"
    write_template(store, path, "E06000020", indicator_ids=["LAC_RATE"], period_year=2024)
    return path


def _far_cell(wb) -> None:  # noqa: ANN001 - an openpyxl workbook
    wb.worksheets[1].cell(1_048_576, 16_384).value = "x"


def _hidden(wb) -> None:  # noqa: ANN001
    wb.worksheets[1].sheet_state = "hidden"


def _formula(wb) -> None:  # noqa: ANN001
    ws = wb.worksheets[1]
    ws.cell(2, [c.value for c in ws[1]].index("count") + 1).value = "=SUM(1,2)"


def _twice(wb) -> None:  # noqa: ANN001
    ws = wb.worksheets[1]
    ws.cell(1, ws.max_column + 1).value = "count"


WORKBOOK_DAMAGE = {
    "a cell at XFD1048576": (_far_cell, None, "the sheet reaches cell XFD1048576: more than the"),
    "a hidden sheet": (_hidden, None, "sheet {sheet} is hidden: unhide it or delete it"),
    "a formula": (_formula, ("count", 2), "a formula: type the figure itself"),
    "a column twice": (_twice, ("count", 1), "this column appears more than once"),
}


@pytest.mark.parametrize("case", sorted(WORKBOOK_DAMAGE))
def test_a_damaged_workbook_is_refused_quickly(store: Store, checksum: dict, tmp_path: Path, case: str) -> None:
    from openpyxl import load_workbook

    from metrics.io.template import open_template

    damage, where, rule = WORKBOOK_DAMAGE[case]
    path = _template_xlsx(store, tmp_path)
    wb = load_workbook(path)
    sheet = wb.worksheets[1].title
    damage(wb)
    wb.save(path)
    started = time.perf_counter()
    with pytest.raises(ImportFailed) as exc:
        import_source(store, open_template(path))
    assert time.perf_counter() - started < 10
    fault = exc.value.faults[0]
    assert exc.value.total == 1, [str(f) for f in exc.value.faults]
    assert fault.sheet == sheet and fault.rule.startswith(rule.format(sheet=sheet)), str(fault)
    if where:
        assert (fault.column, fault.row) == where
    assert store_checksum(store) == checksum


def test_a_decompression_bomb_is_refused_before_openpyxl(
    store: Store, checksum: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zipfile

    import metrics.io.template as template

    path = _template_xlsx(store, tmp_path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/bomb.bin", b"\0" * (64 * 1024 * 1024))  # 64 MB packed into about 64 KB
    started = time.perf_counter()
    with pytest.raises(ImportFailed) as exc:
        import_source(store, template.open_template(path))
    assert time.perf_counter() - started < 5
    assert only_fault(exc.value).startswith("filled.xlsx: part xl/media/bomb.bin unpacks 1,0")
    assert "a decompression bomb?" in exc.value.faults[0].rule
    monkeypatch.setattr(template, "MAX_XLSX_BYTES", 1_000)
    with pytest.raises(ImportFailed) as exc:
        import_source(store, template.open_template(_template_xlsx(store, tmp_path)))
    assert "bytes: more than the 1,000 a workbook import reads" in only_fault(exc.value)
    assert store_checksum(store) == checksum


def test_a_file_name_is_escaped_in_the_summary_and_in_errors(
    store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_fingertips(tmp_path / "ok\x1b[2J.csv", [row()])
    assert main(["import", str(good), "--db", str(store_path), "--format", "fingertips"]) == 0
    out = capsys.readouterr().out
    assert "ok\\x1b[2J.csv: imported 1 rows" in out and "\x1b" not in out
    missing = tmp_path / "gone\x1b[2J.csv"
    assert main(["import", str(missing), "--db", str(store_path)]) != 0
    err = capsys.readouterr().err
    assert "gone\\x1b[2J.csv: no such file" in err and "\x1b" not in err
