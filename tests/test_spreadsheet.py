"""The one formula guard (OWASP "CSV injection") for every CSV and XLSX the product writes.

Proves :mod:`metrics.spreadsheet`: a text cell starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return gets a leading apostrophe and is otherwise unchanged, once
(guarding twice adds nothing); text that merely contains those characters, numbers
(negative ones included), booleans, dates and periods are left as they are, in cells
and in column names; ``csv_bytes`` and ``write_csv`` write UTF-8 without a byte-order
mark or index, with RFC 4180 CRLF line ends so a carriage return inside a cell is
quoted; the import guard refuses the same starts but lets a publisher's bare ``-`` through.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metrics.spreadsheet import (
    FORMULA_RULE,
    FORMULA_START,
    IMPORT_FORMULA_START,
    LINE_END,
    QUOTE,
    csv_bytes,
    is_formula_like,
    neutralise,
    neutralise_frame,
    write_csv,
)

# --- is_formula_like and neutralise ---------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_each_start_owasp_names_is_formula_like(start: str) -> None:
    assert is_formula_like(start + "1+1")
    assert is_formula_like(start)  # even alone
    assert neutralise(start + "SUM(A1)") == QUOTE + start + "SUM(A1)"


@pytest.mark.parametrize("text", ["Telford and Wrekin", "a=b", "3+4", "", " =1+1", "'=1+1", "\n=1", "E06000001"])
def test_text_that_does_not_start_a_formula_is_left_alone(text: str) -> None:
    """Only the first character runs a formula: a leading space, an apostrophe or a line feed make text."""
    assert not is_formula_like(text)
    assert neutralise(text) is text


@pytest.mark.parametrize("value", [-3.5, -2, 0, np.float64(-0.25), np.int64(-7), None, True, b"=1+1", float("nan")])
def test_anything_but_text_is_not_formula_like_and_comes_back_as_it_was(value: object) -> None:
    """A negative figure is a number a reader can add up, not a formula; bytes are not written as text."""
    assert not is_formula_like(value)
    assert neutralise(value) is value


def test_a_numpy_string_is_text_and_is_guarded() -> None:
    assert neutralise(np.str_("=cmd")) == "'=cmd"


def test_guarding_twice_adds_nothing() -> None:
    """An apostrophe is not a formula start, so text already guarded is not quoted again."""
    once = neutralise("=HYPERLINK(\"https://attacker.example\")")
    assert neutralise(once) == once == "'=HYPERLINK(\"https://attacker.example\")"


def test_the_quote_is_a_spreadsheets_text_prefix() -> None:
    assert QUOTE == "'"


# --- neutralise_frame -----------------------------------------------------------------------


def test_only_the_formula_like_cells_of_text_columns_change() -> None:
    frame = pd.DataFrame({"area": ["Hartlepool", "=cmd", "+44 20"], "value": [-3.5, 1.0, -0.1]})
    out = neutralise_frame(frame)
    assert out["area"].tolist() == ["Hartlepool", "'=cmd", "'+44 20"]
    assert out["value"].tolist() == [-3.5, 1.0, -0.1] and out["value"].dtype == np.float64


def test_booleans_dates_and_periods_are_left_alone() -> None:
    frame = pd.DataFrame({
        "flag": [True, False],
        "when": pd.to_datetime(["2024-03-31", "2025-03-31"]),
        "period": pd.period_range("2024", periods=2, freq="Y"),
        "int": pd.array([-1, None], dtype="Int64"),
    })
    out = neutralise_frame(frame)
    pd.testing.assert_frame_equal(out, frame)


def test_missing_text_stays_missing() -> None:
    frame = pd.DataFrame({"note": pd.array(["-2+3", None], dtype="string"), "other": ["@x", None]})
    out = neutralise_frame(frame)
    assert out["note"].iloc[0] == "'-2+3" and pd.isna(out["note"].iloc[1])
    assert out["other"].iloc[0] == "'@x" and pd.isna(out["other"].iloc[1])


def test_column_names_are_guarded_and_non_text_names_kept() -> None:
    frame = pd.DataFrame([[1, 2, 3]], columns=["=title", 2024, "Value"])
    assert list(neutralise_frame(frame).columns) == ["'=title", 2024, "Value"]


def test_the_callers_frame_is_not_changed() -> None:
    frame = pd.DataFrame({"=a": ["=b"]})
    neutralise_frame(frame)
    assert list(frame.columns) == ["=a"] and frame["=a"].tolist() == ["=b"]


def test_an_empty_frame_is_returned_empty() -> None:
    out = neutralise_frame(pd.DataFrame({"a": pd.Series([], dtype=object)}))
    assert out.empty and list(out.columns) == ["a"]


# --- csv_bytes and write_csv -----------------------------------------------------------------


FRAME = pd.DataFrame({"area": ["Ynys Môn", "=1+1"], "value": [-1.5, 2.0]}, index=[7, 8])
EXPECTED = "area,value\r\nYnys Môn,-1.5\r\n'=1+1,2.0\r\n".encode()


def test_csv_bytes_are_utf8_with_crlf_and_no_index_or_bom() -> None:
    assert LINE_END == "\r\n"
    assert csv_bytes(FRAME) == EXPECTED
    assert not csv_bytes(FRAME).startswith(b"\xef\xbb\xbf")


def test_write_csv_writes_the_same_bytes_to_a_file(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(FRAME, path)
    assert path.read_bytes() == EXPECTED


def test_write_csv_accepts_a_path_as_text(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(FRAME, str(path))
    assert path.read_bytes() == EXPECTED


def test_a_carriage_return_inside_a_cell_cannot_start_a_live_row() -> None:
    """Read as a spreadsheet reads it, the cell stays one cell and no cell starts a formula."""
    data = csv_bytes(pd.DataFrame({"note": ["ok\r=1+1", "\r=2+2"], "n": [1, 2]}))
    cells = [c for row in csv.reader(io.StringIO(data.decode("utf-8"), newline="")) for c in row]
    assert cells == ["note", "n", "ok\r=1+1", "1", "'\r=2+2", "2"]
    assert not any(is_formula_like(c) for c in cells)


def test_a_negative_number_stays_unquoted_in_the_csv() -> None:
    text = csv_bytes(pd.DataFrame({"value": [-3.5], "label": ["-3.5"]})).decode()
    assert text == "value,label\r\n-3.5,'-3.5\r\n"  # the number is a number; the text "-3.5" is text


# --- the import guard ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1", "+1", "@SUM(A1)", "\t=1", "\r=1", "-2+3", "-SUM(A1)", "-@x", "-=1",
                                  "-(1)", "-$A$1", "-'x", '-"x'])
def test_the_import_refuses_text_that_could_run(text: str) -> None:
    assert text.startswith(IMPORT_FORMULA_START)


@pytest.mark.parametrize("text", ["-", "- not published", "-: no figure published in LAIT", "–", "a - b", ""])
def test_the_import_accepts_a_publishers_dash_for_no_figure(text: str) -> None:
    assert not text.startswith(IMPORT_FORMULA_START)


def test_every_output_start_but_the_bare_dash_is_refused_on_import() -> None:
    assert {s for s in FORMULA_START if s != "-"} <= set(IMPORT_FORMULA_START)
    assert "-" not in IMPORT_FORMULA_START


def test_the_refusal_names_every_start() -> None:
    for words in ("=", "+", "-", "@", "tab", "carriage return"):
        assert words in FORMULA_RULE
