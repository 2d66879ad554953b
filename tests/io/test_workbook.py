"""The export XLSX writer: what openpyxl (an independent reader) reads back is what was written.

Floats bit for bit (including those that need 17 significant digits), text
guarded against formulas and escaped for XML, dates as dates, empty cells
left empty, sheets in order; a bad sheet name is refused before any file is made.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from metrics.io.workbook import column_letters, write_workbook

# Each needs 17 significant digits to read back exactly: "%.16g" would change it.
HARD_FLOATS = [0.1 + 0.2, 1 / 3, 2 / 3 * 100, 5e-324, 1.7976931348623157e308, -0.0]


def read(path: Path, sheet: str) -> list[tuple[object, ...]]:
    return list(load_workbook(path)[sheet].iter_rows(values_only=True))


def test_floats_read_back_bit_for_bit(tmp_path: Path) -> None:
    path = tmp_path / "f.xlsx"
    write_workbook(path, [("Data", [["x"], *([v] for v in HARD_FLOATS)])])
    back = [r[0] for r in read(path, "Data")[1:]]
    assert back == HARD_FLOATS and all(isinstance(v, float) for v in back)
    assert repr(back[0]) == "0.30000000000000004"


def test_ints_bools_dates_and_empty_cells(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    when = dt.datetime(2024, 4, 29, 13, 45, 30)
    write_workbook(path, [("S", [["n", "flag", "day", "at", "none", "nan", "inf"],
                                 [12345678901234, True, dt.date(2024, 7, 12), when, None, float("nan"),
                                  float("inf")]])])
    [_, row] = read(path, "S")
    assert row[0] == 12345678901234 and row[1] is True
    assert row[2] == dt.datetime(2024, 7, 12) and row[3] == when
    assert row[4:] == (None, None, None)


def test_text_is_guarded_escaped_and_kept_whole(tmp_path: Path) -> None:
    path = tmp_path / "s.xlsx"
    texts = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3",
             "<b>&amp;</b>", "  two spaces  ", "line one\nline two", "Ofsted: Outstanding ✓"]
    write_workbook(path, [("S", [[t] for t in texts])])
    ws = load_workbook(path)["S"]
    back = [ws.cell(row=i + 1, column=1) for i in range(len(texts))]
    assert [c.value for c in back] == ["'" + t for t in texts[:4]] + texts[4:]
    assert all(c.data_type == "s" for c in back)


def test_characters_xml_cannot_hold_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "c.xlsx"
    write_workbook(path, [("S", [["a\x00b\x1bc\td"]])])
    assert read(path, "S") == [("abc\td",)]


def test_sheets_keep_their_order_and_names(tmp_path: Path) -> None:
    path = tmp_path / "o.xlsx"
    write_workbook(path, [("Data", [[1]]), ("Metadata", [["item", "value"]]), ("Indicators & notes", [])])
    assert load_workbook(path).sheetnames == ["Data", "Metadata", "Indicators & notes"]
    assert zipfile.ZipFile(path).testzip() is None


def test_rows_may_be_streamed(tmp_path: Path) -> None:
    path = tmp_path / "g.xlsx"
    write_workbook(path, [("S", ([i, i / 7] for i in range(1000)))])
    rows = read(path, "S")
    assert len(rows) == 1000 and rows[999] == (999, 999 / 7)


@pytest.mark.parametrize("names", [["a/b"], ["x" * 32], [""], ["Data", "data"]])
def test_a_bad_sheet_name_is_refused_before_writing(tmp_path: Path, names: list[str]) -> None:
    path = tmp_path / "bad.xlsx"
    with pytest.raises(ValueError, match="sheet name"):
        write_workbook(path, [(n, [[1]]) for n in names])
    assert not path.exists()


@pytest.mark.parametrize(("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (52, "BA"),
                                                (701, "ZZ"), (702, "AAA"), (16383, "XFD")])
def test_column_letters(index: int, letters: str) -> None:
    assert column_letters(index) == letters


def test_numpy_scalars_stay_numbers(tmp_path: Path) -> None:
    """A row built from a DataFrame may hold numpy's scalars: they are numbers, not text."""
    import numpy as np

    path = tmp_path / "np.xlsx"
    write_workbook(path, [("S", [[np.int64(7), np.float64(0.1) + np.float64(0.2), np.float32(0.5), np.float64("nan")]])])
    ws = load_workbook(path)["S"]
    cells = [ws.cell(row=1, column=c) for c in (1, 2, 3, 4)]
    assert [c.value for c in cells] == [7, 0.30000000000000004, 0.5, None]
    assert [c.data_type for c in cells[:3]] == ["n", "n", "n"]
