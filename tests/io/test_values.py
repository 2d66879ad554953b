"""Published numbers, codes and periods read as their publishers wrote them.

Proves :mod:`metrics.io.values`: ``parse_numbers`` reads thousands separators and
percent signs, keeps every DfE/OHID missing-value code (``c``, ``x``, ``:``, ``..`` ...)
as missing with its note (never zero), marks the suppressing ones, and refuses a
decimal comma, infinity or NaN written out and anything else that is not a number;
``number_rule`` says which of those a cell is; ``parse_period`` reads ``2023/24``,
``2023-24``, ``202324`` and ``2023-2024`` as the same year ending 2024, calendar years
and pooled ranges, keeping ``(OT)``-style qualifiers; ``ragged_rows``, ``check_header``,
``locate_decode_error``, ``MappingFileRow`` and ``read_mapping_rows`` name the file,
line, column and value of what they refuse.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from metrics.io.rules import MAX_COLUMNS
from metrics.io.values import (
    CODE_NOTES,
    DECIMAL_COMMA_RULE,
    MISSING_CODES,
    NOT_FINITE_RULE,
    SUPPRESSING_CODES,
    MappingFileRow,
    check_header,
    locate_decode_error,
    number_rule,
    parse_numbers,
    parse_period,
    ragged_rows,
    read_mapping_rows,
)

# --- parse_numbers --------------------------------------------------------------------


def parsed(*cells: object) -> tuple[list[float], list[bool], list[bool], list[object]]:
    numbers, bad, suppressed, notes = parse_numbers(pd.Series(list(cells), dtype=object))
    return numbers.tolist(), bad.tolist(), suppressed.tolist(), notes.tolist()


@pytest.mark.parametrize(
    ("cell", "number"),
    [("1,234", 1234.0), ("12,345,678", 12_345_678.0), ("-1,234.5", -1234.5), ("1,234%", 1234.0),
     ("12.5%", 12.5), ("+5", 5.0), (" 7 ", 7.0), ("0", 0.0), (".5", 0.5), ("1e3", 1000.0), ("-0.25", -0.25)],
)
def test_numbers_as_publishers_write_them_are_read(cell: str, number: float) -> None:
    """A comma between groups of three is a thousands separator; a percent sign is dropped,
    not divided by 100 (the value's unit is already the percentage)."""
    numbers, bad, suppressed, notes = parsed(cell)
    assert numbers == [number] and bad == [False] and suppressed == [False] and pd.isna(notes[0])


@pytest.mark.parametrize(
    "cell",
    ["90,89662", "12,5", "1,23,456", "1,2345", "inf", "-Infinity", "NaN", "1e400", "abc", "1 234", "1_000",
     "\u22123", "TRUE", "0x1A", "12.5.1", "£5"],
)
def test_anything_else_is_bad_not_missing(cell: str) -> None:
    """A decimal comma dropped would store 90,89662 as 9,089,662; infinities and NaN are not figures;
    a space, underscore or Unicode minus is not how a publisher writes a number."""
    numbers, bad, suppressed, _ = parsed(cell)
    assert np.isnan(numbers[0]) and bad == [True] and suppressed == [False]


@pytest.mark.parametrize("code", list(MISSING_CODES))
def test_each_code_is_missing_with_its_note_never_zero(code: str) -> None:
    for cell in (code, code.upper(), f" {code} "):
        numbers, bad, suppressed, notes = parsed(cell)
        assert np.isnan(numbers[0]), cell
        assert bad == [False]
        assert suppressed == [MISSING_CODES[code][0]]
        assert notes == [CODE_NOTES[code]] and notes[0].startswith(code)


def test_suppressed_codes_are_confidential_and_rounds_to_zero() -> None:
    """``c`` (confidential), ``low``/``k`` (rounds to zero but is not zero) and ``*`` hide a figure;
    ``x``, ``z``, ``u``, ``:``, ``-`` and ``..`` say it does not exist or is unreliable."""
    assert set(SUPPRESSING_CODES) == {"c", "low", "k", "*"}
    assert set(MISSING_CODES) - set(SUPPRESSING_CODES) == {"x", "z", "u", ":", "-", ".."}


@pytest.mark.parametrize("cell", ["", "   ", None, float("nan")])
def test_a_blank_cell_is_missing_but_not_bad_and_has_no_note(cell: object) -> None:
    numbers, bad, suppressed, notes = parsed(cell)
    assert np.isnan(numbers[0]) and bad == [False] and suppressed == [False] and pd.isna(notes[0])


def test_a_column_is_parsed_row_by_row_on_its_own_index() -> None:
    raw = pd.Series(["1,234", "c", "", "12,5", "x"], index=[10, 11, 12, 13, 14])
    numbers, bad, suppressed, notes = parse_numbers(raw)
    for out in (numbers, bad, suppressed, notes):
        assert out.index.tolist() == [10, 11, 12, 13, 14]
    assert numbers.dtype == float and bad.dtype == bool and suppressed.dtype == bool
    assert bad.tolist() == [False, False, False, True, False]
    assert suppressed.tolist() == [False, True, False, False, False]
    assert notes.isna().tolist() == [True, False, True, True, False]
    assert (notes[11], notes[14]) == (CODE_NOTES["c"], CODE_NOTES["x"])


def test_numbers_already_parsed_stay_those_numbers() -> None:
    numbers, bad, _, _ = parse_numbers(pd.Series([3, -2.5, 1_000_000]))
    assert numbers.tolist() == [3.0, -2.5, 1_000_000.0] and not bad.any()


# --- number_rule -----------------------------------------------------------------------


@pytest.mark.parametrize("cell", ["inf", "-Infinity", "+INF", "nan", "NaN%", "1e400", "-1e999"])
def test_infinity_and_nan_written_out_are_not_finite(cell: str) -> None:
    assert number_rule(cell) == NOT_FINITE_RULE


@pytest.mark.parametrize("cell", ["90,89662", "12,5", "1,23,456", " 3,5% "])
def test_a_comma_that_groups_no_thousands_is_a_decimal_comma(cell: str) -> None:
    assert number_rule(cell) == DECIMAL_COMMA_RULE
    assert "write the number with a point" in DECIMAL_COMMA_RULE


@pytest.mark.parametrize("cell", ["abc", "a,b", "1 234", "", "£5"])
def test_other_text_gets_the_callers_words(cell: str) -> None:
    assert number_rule(cell) == "not a number"
    assert number_rule(cell, otherwise="not a count") == "not a count"


def test_number_rule_agrees_with_parse_numbers_on_what_is_bad() -> None:
    cells = ["90,89662", "inf", "abc", "1e400"]
    _, bad, _, _ = parsed(*cells)
    assert all(bad)
    assert [number_rule(c) for c in cells] == [DECIMAL_COMMA_RULE, NOT_FINITE_RULE, "not a number", NOT_FINITE_RULE]


# --- parse_period --------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2023/24", "2023-24", "202324", "2023-2024", "2023/2024", "2023 / 24", 202324])
def test_every_spelling_of_a_year_ending_2024_ends_in_2024(text: object) -> None:
    """Financial (31 March returns), academic and compact spellings all name the year that ends in 2024."""
    parsed_period = parse_period(text)
    assert parsed_period is not None and parsed_period[0] == 2024 and parsed_period[2] is None


@pytest.mark.parametrize(
    ("text", "label"),
    [("2023/24", "2023/24"), ("2023-24", "2023-24"), ("202324", "2023-24"), ("2023-2024", "2023-24"),
     ("2023/2024", "2023/24"), ("2023 / 24", "2023/24")],
)
def test_the_label_keeps_the_publishers_separator_with_two_digits(text: str, label: str) -> None:
    result = parse_period(text)
    assert result is not None and result[1] == label


@pytest.mark.parametrize(("text", "year"), [("2025", 2025), (2025, 2025), (2025.0, 2025), ("2025.0", 2025)])
def test_a_calendar_year_is_that_year_as_text_or_number(text: object, year: int) -> None:
    assert parse_period(text) == (year, str(year), None)


def test_a_century_is_crossed() -> None:
    assert parse_period("199900") == (2000, "1999-00", None)
    assert parse_period("2099/00") == (2100, "2099/00", None)


@pytest.mark.parametrize(("text", "expected"), [("2010 - 20", (2020, "2010-20", None)),
                                                ("2020 - 21", (2021, "2020-21", None))])
def test_a_pooled_range_of_up_to_ten_years_ends_in_its_last_year(text: str, expected: tuple) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize("text", ["2010-21", "2023-23", "2023/2023", "202325", "202423", "FY 2023/24",
                                  "2023/24Q1", "(OT)", "20232024", float("nan"), "23/24"])
def test_what_is_not_a_period_is_none(text: object) -> None:
    """More than ten years, no years at all, a compact pair that is not consecutive, words around it."""
    assert parse_period(text) is None


@pytest.mark.parametrize(("text", "expected"), [("2024 (provisional)", (2024, "2024", "provisional")),
                                                ("2016/17 (Rev) ", (2017, "2016/17", "Rev")),
                                                ("202324 (P)", (2024, "2023-24", "P"))])
def test_a_qualifier_in_brackets_is_kept_as_a_note(text: str, expected: tuple) -> None:
    assert parse_period(text) == expected


# --- ragged_rows --------------------------------------------------------------------------


def write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def test_rows_with_too_few_or_too_many_fields_are_named(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", "a,b,c\n1,2,3\n1,2\n1,2,3,4\n\n1,\"2,x\",3\n")
    faults, total = ragged_rows(path, 3)
    assert total == 2
    assert [str(f) for f in faults] == [
        "r.csv, row 3: 2 fields where the header has 3: a row cut short",
        "r.csv, row 4: 4 fields where the header has 3: an unquoted comma?",
    ]


def test_surplus_fields_can_be_left_to_another_check(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", "a,b,c\n1,2\n1,2,3,4\n")
    faults, total = ragged_rows(path, 3, too_many=False)
    assert total == 1 and [f.row for f in faults] == [2]


def test_every_ragged_row_is_counted_but_only_the_first_listed(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", "a,b\n" + "1\n" * 30)
    faults, total = ragged_rows(path, 2, limit=5)
    assert total == 30 and [f.row for f in faults] == [2, 3, 4, 5, 6]


def test_a_header_after_a_byte_order_mark_is_not_counted(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", b"\xef\xbb\xbfa,b\r\n1,2\r\n")
    assert ragged_rows(path, 2) == ([], 0)


# --- check_header -------------------------------------------------------------------------


def test_a_sound_header_has_no_faults() -> None:
    assert check_header("a.csv", ["Indicator ID", "Area Code", "Value"]) == []


def test_a_name_twice_is_one_fault_each_in_order() -> None:
    header = ["Value", "Count", "Value", "Area", "Count", "Value"]
    faults = check_header("a.xlsx", header, sheet="Data")
    assert [(f.row, f.column, f.sheet) for f in faults] == [(1, "Value", "Data"), (1, "Count", "Data")]
    assert str(faults[0]) == (
        "a.xlsx, sheet Data, row 1, Value: this column appears more than once in the header: which one is meant?")


def test_blank_names_repeated_are_not_a_fault() -> None:
    """A spreadsheet's empty trailing columns have no name to be confused by."""
    assert check_header("a.csv", ["Value", "", ""]) == []


def test_more_than_max_columns_is_one_fault() -> None:
    assert MAX_COLUMNS == 1_000
    assert check_header("wide.csv", [f"c{i}" for i in range(MAX_COLUMNS)]) == []
    faults = check_header("wide.csv", ["same"] * (MAX_COLUMNS + 1))
    assert [str(f) for f in faults] == ["wide.csv, row 1: 1,001 columns: more than the 1,000 an import reads"]


# --- locate_decode_error -------------------------------------------------------------------


def test_the_first_line_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    path = write(tmp_path / "l.csv", b"area,name\nE06000001,Hartlepool\n" + "E06000002,Môn\n".encode("cp1252")
                 + "E06000003,Hélène\n".encode("cp1252"))
    fault = locate_decode_error(path)
    assert (fault.file, fault.row) == ("l.csv", 3)
    assert fault.rule == "not UTF-8 text (byte 0xf4: Latin-1 or Windows-1252?): save the file as 'CSV UTF-8'"


def test_a_byte_order_mark_on_line_one_is_not_the_fault(tmp_path: Path) -> None:
    path = write(tmp_path / "l.csv", b"\xef\xbb\xbf\xef\xbb\xbfa,b\n1,\x92\n")
    assert locate_decode_error(path).row == 2


def test_a_file_that_is_utf8_throughout_gets_a_fault_without_a_row(tmp_path: Path) -> None:
    path = write(tmp_path / "ok.csv", "a,b\n1,é\n")
    assert str(locate_decode_error(path)) == "ok.csv: not UTF-8 text: save the file as 'CSV UTF-8'"


# --- MappingFileRow and read_mapping_rows ------------------------------------------------------


class ScaleRow(MappingFileRow):
    indicator_id: str
    scale: float = 1.0
    note: str | None = None


def test_a_blank_cell_means_the_default_and_text_is_stripped() -> None:
    row = ScaleRow.model_validate({"indicator_id": " NI70 ", "scale": "  ", "note": ""})
    assert row == ScaleRow(indicator_id="NI70", scale=1.0, note=None)


def test_a_mapping_row_refuses_unknown_columns() -> None:
    with pytest.raises(ValidationError):
        ScaleRow.model_validate({"indicator_id": "NI70", "colour": "red"})


def mapping(tmp_path: Path, text: str | bytes, name: str = "map.csv") -> Path:
    return write(tmp_path / name, text)


def test_rows_come_with_their_line_numbers(tmp_path: Path) -> None:
    path = mapping(tmp_path, "indicator_id,scale,note\nNI70,10000,per 10k\nNI71,,\n")
    rows, faults = read_mapping_rows(path, ScaleRow)
    assert faults == []
    assert rows == [(2, ScaleRow(indicator_id="NI70", scale=10_000.0, note="per 10k")),
                    (3, ScaleRow(indicator_id="NI71"))]


def test_a_row_of_empty_cells_is_skipped_and_later_lines_keep_their_numbers(tmp_path: Path) -> None:
    path = mapping(tmp_path, "indicator_id,scale\nNI70,2\n , \nNI71,3\n")
    rows, faults = read_mapping_rows(path, ScaleRow)
    assert faults == [] and [(line, r.indicator_id) for line, r in rows] == [(2, "NI70"), (4, "NI71")]


def test_a_fault_after_an_empty_line_names_its_own_line(tmp_path: Path) -> None:
    path = mapping(tmp_path, "indicator_id,scale\nNI70,2\n\nNI71,abc\n")
    _, faults = read_mapping_rows(path, ScaleRow)
    assert [(f.row, f.column, f.value) for f in faults] == [(4, "scale", "abc")]


def test_a_bad_cell_is_a_fault_naming_line_column_and_value(tmp_path: Path) -> None:
    path = mapping(tmp_path, "indicator_id,scale\nNI70,2\nNI71,ten\n")
    rows, faults = read_mapping_rows(path, ScaleRow)
    assert [line for line, _ in rows] == [2]
    assert [(f.file, f.row, f.column, f.value) for f in faults] == [("map.csv", 3, "scale", "ten")]
    assert faults[0].rule  # pydantic's words for the refusal


def test_an_unknown_column_is_a_fault_naming_it(tmp_path: Path) -> None:
    path = mapping(tmp_path, "indicator_id,colour\nNI70,red\n")
    _, faults = read_mapping_rows(path, ScaleRow)
    assert [(f.row, f.column, f.value) for f in faults] == [(2, "colour", "red")]


def test_a_missing_required_cell_is_a_fault(tmp_path: Path) -> None:
    path = mapping(tmp_path, "indicator_id,scale\n,5\n")
    _, faults = read_mapping_rows(path, ScaleRow)
    assert [(f.row, f.column) for f in faults] == [(2, "indicator_id")]


def test_a_byte_order_mark_does_not_hide_the_indicator_id_column(tmp_path: Path) -> None:
    path = mapping(tmp_path, b"\xef\xbb\xbfindicator_id,scale\r\nNI70,2\r\n")
    rows, faults = read_mapping_rows(path, ScaleRow)
    assert faults == [] and rows[0][1].indicator_id == "NI70"


@pytest.mark.parametrize(
    ("content", "expected"),
    [(None, "map.csv: mapping file not found"),
     ("", "map.csv, row 1: mapping file lacks an indicator_id column"),
     ("indicator,scale\nNI70,2\n", "map.csv, row 1: mapping file lacks an indicator_id column"),
     ("indicator_id,scale\n", "map.csv: mapping file has no rows"),
     ("indicator_id,scale\n,\n\n", "map.csv: mapping file has no rows")],
    ids=["missing", "empty", "no-indicator-id", "header-only", "only-blank-rows"],
)
def test_a_file_that_cannot_be_a_mapping_is_one_fault(tmp_path: Path, content: str | None, expected: str) -> None:
    path = tmp_path / "map.csv"
    if content is not None:
        write(path, content)
    assert [str(f) for f in read_mapping_rows(path, ScaleRow)[1]] == [expected]
    assert read_mapping_rows(path, ScaleRow)[0] == []


def test_a_folder_is_not_found_rather_than_a_crash(tmp_path: Path) -> None:
    (tmp_path / "map.csv").mkdir()
    assert [f.rule for f in read_mapping_rows(tmp_path / "map.csv", ScaleRow)[1]] == ["mapping file not found"]


def test_a_latin1_mapping_names_its_line(tmp_path: Path) -> None:
    path = mapping(tmp_path, b"indicator_id,note\nNI70,ok\nNI71," + "café\n".encode("latin-1"))
    rows, faults = read_mapping_rows(path, ScaleRow)
    assert rows == [] and [f.row for f in faults] == [3]
    assert faults[0].rule.startswith("not UTF-8 text (byte 0xe9:")
