"""The Fingertips CSV layout, and the checks on a file's first and last bytes.

Proves :mod:`metrics.io.fingertips_layout`: ``sniff_header`` reads a real Fingertips
header (with one or two byte-order marks, LF, CRLF or old-Mac CR line ends) and refuses
a wrong file from its first bytes with one fault that says what it is: UTF-16, binary,
Latin-1 (naming the line), one endless line, a header lacking required columns, a
column named twice; ``clean_name``, ``decode_fault`` and ``truncated_tail``, which
tells a file cut mid-row or mid-quote from one that merely lacks a final line break.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pytest

from metrics.io.fingertips_layout import (
    NUMBER_COLUMNS,
    OPTIONAL,
    REQUIRED,
    USED,
    clean_name,
    decode_fault,
    sniff_header,
    truncated_tail,
)
from metrics.io.values import HEAD_BYTES
from metrics.store import VALUE_COLUMNS
from tests.io.conftest import BASE_ROW
from tests.io.make_big_fingertips import HEADER

UTF8_RULE = "not UTF-8 text (byte 0x{:02x}: Latin-1 or Windows-1252?): save the file as 'CSV UTF-8'"


def csv_text(rows: list[list[str]], end: str = "\n") -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=end).writerows(rows)
    return buf.getvalue()


def fingertips_text(n_rows: int = 2, end: str = "\n") -> str:
    return csv_text([HEADER, *([BASE_ROW[c] for c in HEADER] for _ in range(n_rows))], end)


def write(path: Path, data: str | bytes) -> Path:
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# --- the layout ------------------------------------------------------------------


def test_every_canonical_figure_has_its_fingertips_column() -> None:
    assert set(NUMBER_COLUMNS.values()) == set(VALUE_COLUMNS)
    assert set(NUMBER_COLUMNS) <= USED


def test_a_real_download_header_holds_every_used_column() -> None:
    """The 27-column download has all the required and optional columns but ``Client group``
    (which only some files carry)."""
    assert len(HEADER) == 27
    assert set(REQUIRED) <= set(HEADER)
    assert set(OPTIONAL) - set(HEADER) == {"Client group"}
    assert set(REQUIRED).isdisjoint(OPTIONAL)


# --- sniff_header: a good file -------------------------------------------------------


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "old-mac-cr"])
def test_a_fingertips_header_is_read_with_any_line_ending(tmp_path: Path, end: str) -> None:
    header, faults = sniff_header(write(tmp_path / "ft.csv", fingertips_text(end=end)))
    assert faults == []
    assert header == HEADER


@pytest.mark.parametrize("boms", [1, 2])
def test_byte_order_marks_are_not_part_of_the_first_name(tmp_path: Path, boms: int) -> None:
    """Excel's "CSV UTF-8" writes one; a file re-saved by some tools has two."""
    path = write(tmp_path / "bom.csv", codecs.BOM_UTF8 * boms + fingertips_text().encode("utf-8"))
    header, faults = sniff_header(path)
    assert faults == [] and header[0] == "Indicator ID"


def test_spaces_around_column_names_are_dropped(tmp_path: Path) -> None:
    padded = [f" {c} " for c in HEADER]
    header, faults = sniff_header(write(tmp_path / "pad.csv", csv_text([padded])))
    assert faults == [] and header == HEADER


def test_a_header_only_file_without_a_line_break_is_still_a_header(tmp_path: Path) -> None:
    """A short file without a line break is a header with no rows (a later check says so),
    not "one endless line": that needs a whole 64 KiB window without one."""
    header, faults = sniff_header(write(tmp_path / "h.csv", ",".join(HEADER)))
    assert faults == [] and header == HEADER


def test_a_utf8_character_cut_by_the_window_is_not_a_decode_fault(tmp_path: Path) -> None:
    """The window ends at 64 KiB whatever the text; a two-byte ``é`` split across that edge is sound UTF-8."""
    head = fingertips_text(0).encode("utf-8")
    filler = b"x" * (HEAD_BYTES - len(head) - 1)  # "é" starts at the window's last byte
    path = write(tmp_path / "cut.csv", head + filler + "é".encode() + b"\n")
    assert path.read_bytes()[HEAD_BYTES - 1:HEAD_BYTES + 1] == "é".encode()
    assert sniff_header(path) == (HEADER, [])


# --- sniff_header: a wrong file -------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        fingertips_text().encode("utf-16"),  # with its byte-order mark, as Windows writes it
        codecs.BOM_UTF16_BE + fingertips_text().encode("utf-16-be"),
        fingertips_text().encode("utf-16-le"),  # no byte-order mark: every other byte is zero
    ],
    ids=["bom", "big-endian-bom", "little-endian-no-bom"],
)
def test_utf16_is_refused_by_name(tmp_path: Path, data: bytes) -> None:
    header, faults = sniff_header(write(tmp_path / "u16.csv", data))
    assert header == []
    assert [str(f) for f in faults] == [
        "u16.csv: UTF-16 text, not UTF-8: save the file as 'CSV UTF-8' (Fingertips downloads are UTF-8)"]


def test_binary_data_is_refused_as_binary(tmp_path: Path) -> None:
    data = b"PK\x03\x04" + bytes(range(256)) * 40  # a zip (an .xlsx renamed .csv) and then anything
    header, faults = sniff_header(write(tmp_path / "book.csv", data))
    assert header == []
    assert [str(f) for f in faults] == ["book.csv: binary data, not a CSV text file"]


def test_tabs_and_line_breaks_are_not_binary(tmp_path: Path) -> None:
    """A tab-separated file is text: it is refused as not a Fingertips CSV, not as binary."""
    header, faults = sniff_header(write(tmp_path / "t.tsv", "\t".join(HEADER) + "\r\n" + "1\t2\r\n" * 50))
    assert len(faults) == 1
    assert faults[0].rule.startswith("not a Fingertips CSV: header lacks Indicator ID, Area Code")


def test_latin1_text_names_its_line_and_byte(tmp_path: Path) -> None:
    """``é`` in Latin-1 is the byte 0xe9, not UTF-8; the fault names line 3, where it is."""
    data = fingertips_text(1).encode("utf-8") + "Ynys Môn,é\n".encode("latin-1")
    header, faults = sniff_header(write(tmp_path / "latin1.csv", data))
    assert header == []
    assert len(faults) == 1
    assert (faults[0].row, faults[0].rule) == (3, UTF8_RULE.format(0xF4))


def test_one_endless_line_is_refused_at_once(tmp_path: Path) -> None:
    header, faults = sniff_header(write(tmp_path / "endless.csv", ",".join(HEADER) + ",x" * HEAD_BYTES))
    assert header == []
    assert [str(f) for f in faults] == ["endless.csv, row 1: no line break in the first 64 KiB: not a CSV file"]


def test_a_header_lacking_required_columns_names_them_in_order(tmp_path: Path) -> None:
    names = [c for c in HEADER if c not in ("Count", "Area Code", "Denominator")]
    header, faults = sniff_header(write(tmp_path / "w.csv", csv_text([names])))
    assert header == names
    assert [str(f) for f in faults] == [
        "w.csv, row 1: not a Fingertips CSV: header lacks Area Code, Count, Denominator"]


def test_a_column_named_twice_is_one_fault_naming_it(tmp_path: Path) -> None:
    header, faults = sniff_header(write(tmp_path / "twice.csv", csv_text([[*HEADER, "Value"]])))
    assert header[-1] == "Value"
    assert [(f.row, f.column) for f in faults] == [(1, "Value")]
    assert faults[0].rule == "this column appears more than once in the header: which one is meant?"


# --- clean_name and decode_fault ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "clean"),
    [("Indicator ID", "Indicator ID"), ("\ufeffIndicator ID", "Indicator ID"),
     ("\ufeff\ufeffIndicator ID", "Indicator ID"), ("  Value note \t", "Value note"), ("", "")],
)
def test_clean_name_drops_byte_order_marks_and_surrounding_space(name: str, clean: str) -> None:
    assert clean_name(name) == clean


def test_decode_fault_counts_lines_to_the_bad_byte() -> None:
    data = b"a,b\n1,2\n3,\xe9\n"
    fault = decode_fault("x.csv", data, data.index(b"\xe9"))
    assert (fault.file, fault.row, fault.column, fault.value) == ("x.csv", 3, None, None)
    assert fault.rule == UTF8_RULE.format(0xE9)


def test_decode_fault_adds_the_lines_before_the_block() -> None:
    """A block read from the middle of a file: its first line is ``line_offset + 1``."""
    assert decode_fault("x.csv", b"\x92abc", 0, line_offset=1_000).row == 1_001
    assert "byte 0x92" in decode_fault("x.csv", b"\x92abc", 0).rule  # Windows-1252's right quote


# --- truncated_tail ---------------------------------------------------------------------


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_a_file_ending_in_a_line_break_is_complete(tmp_path: Path, end: str) -> None:
    assert truncated_tail(write(tmp_path / "ok.csv", fingertips_text(end=end)), len(HEADER)) is None


def test_a_complete_last_row_without_a_final_line_break_is_not_cut(tmp_path: Path) -> None:
    assert truncated_tail(write(tmp_path / "ok.csv", fingertips_text().rstrip("\n")), len(HEADER)) is None


def test_an_empty_file_is_not_called_truncated(tmp_path: Path) -> None:
    assert truncated_tail(write(tmp_path / "empty.csv", b""), len(HEADER)) is None


def test_a_file_cut_mid_row_says_how_many_fields_it_has(tmp_path: Path) -> None:
    text = fingertips_text()
    cut = text[: text.rindex("\n", 0, len(text) - 1) + 1] + ",".join(BASE_ROW[c] for c in HEADER[:12])
    assert truncated_tail(write(tmp_path / "cut.csv", cut), len(HEADER)) == (
        "the file ends mid-row: 12 of 27 fields (truncated download?)")


def test_a_file_cut_inside_a_quoted_field_says_so(tmp_path: Path) -> None:
    cut = fingertips_text() + '90284,"Hospital admissions caused by'
    assert truncated_tail(write(tmp_path / "quote.csv", cut), len(HEADER)) == (
        "the file ends inside a quoted field: it was cut short (truncated download?)")


def test_doubled_quotes_inside_a_complete_field_are_not_an_open_quote(tmp_path: Path) -> None:
    """RFC 4180 writes a quote inside a quoted field as two: an even count, a closed field."""
    text = csv_text([["a", "b", "c"]]) + '1,"say ""hi""",3'
    assert truncated_tail(write(tmp_path / "q.csv", text), 3) is None


def test_a_long_file_is_judged_by_its_last_row_only(tmp_path: Path) -> None:
    """Only the last 64 KiB are read; a file well beyond that is still judged correctly."""
    text = fingertips_text(1_000)
    assert len(text.encode()) > 2 * HEAD_BYTES
    path = write(tmp_path / "long.csv", text + "90284,Hospital")
    assert truncated_tail(path, len(HEADER)) == "the file ends mid-row: 2 of 27 fields (truncated download?)"


def test_surplus_fields_are_not_a_truncation(tmp_path: Path) -> None:
    """Too many fields is an unquoted comma, which the ragged-row check reports, not a cut file."""
    assert truncated_tail(write(tmp_path / "extra.csv", "a,b\n1,2,3"), 2) is None


def test_a_complete_last_row_with_a_multi_line_note_is_not_cut(tmp_path: Path) -> None:
    text = csv_text([["Value", "Value note", "Count"]]) + '1.5,"first line\nsecond line",3'
    assert list(csv.reader(io.StringIO(text)))[-1] == ["1.5", "first line\nsecond line", "3"]  # a whole record
    assert truncated_tail(write(tmp_path / "note.csv", text), 3) is None
