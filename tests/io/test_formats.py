"""Which reader opens a file: by ``--format``, or sniffed from its suffix and first line.

Proves :mod:`metrics.io.formats`: ``detect_format`` names each publisher's layout from
its header alone (Fingertips, Fingertips tidy, the OHID API's CSV, DfE's tidy files, the
template) or from the suffix (LAIT parquet, an XLSX template), looks only at the first
line, knows a UTF-16 Fingertips file so its reader can refuse the encoding by name, and
otherwise asks for ``--format`` with the file name escaped; ``open_source`` refuses a
missing file, a folder, an oversized file, an unknown format and a format that needs a
mapping without one, before any reader runs.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path

import pytest

from metrics.io.faults import ImportFailed
from metrics.io.formats import FORMATS, detect_format, open_source
from metrics.io.rules import MAX_FILE_BYTES
from metrics.store import Store
from tests.io.make_big_fingertips import HEADER

FINGERTIPS = ",".join(HEADER)
# DfE's explore-education-statistics tidy layout: time and geography columns first.
DFE = "time_period,time_identifier,geographic_level,country_code,country_name,region_code,new_la_code,la_name,cla_rate"
TEMPLATE = "indicator_id,area_code,period_label,client_group_id,sex,category,count,denominator,value,note"
FINGERTIPS_TIDY = "indicator,area_code,period,measure,value,lower_ci,upper_ci,significance"
HEALTHDATA = "IndicatorId,AreaCode,AreaType,Year,AgeID,SexID,CategoryID,Value,LowerCI95,UpperCI95"


@pytest.fixture(scope="module")
def catalogue(empty_db: Path) -> Iterator[Store]:
    """The reference data only (``jar init``): all ``open_source`` reads is the indicator catalogue."""
    store = Store(empty_db, read_only=True)
    yield store
    store.close()


def write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


# --- detect_format -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "fmt"),
    [(FINGERTIPS, "fingertips"), (DFE, "dfe"), (TEMPLATE, "template"), (FINGERTIPS_TIDY, "fingertips_tidy"),
     (HEALTHDATA, "healthdata")],
)
def test_each_layout_is_known_by_its_header(tmp_path: Path, header: str, fmt: str) -> None:
    path = write(tmp_path / "data.csv", header + "\n1,2,3\n")
    assert detect_format(path) == fmt
    assert fmt in FORMATS


@pytest.mark.parametrize(
    ("header", "fmt"),
    [(f'"{FINGERTIPS_TIDY.replace(",", chr(34) + "," + chr(34))}"', "fingertips_tidy"),
     (HEALTHDATA.replace(",", ", "), "healthdata")],
    ids=["quoted-names", "spaces-after-commas"],
)
def test_named_column_sets_are_matched_however_the_names_are_quoted_or_spaced(
        tmp_path: Path, header: str, fmt: str) -> None:
    assert detect_format(write(tmp_path / "data.csv", header + "\r\n")) == fmt


def test_a_subset_of_a_layouts_names_is_not_that_layout(tmp_path: Path) -> None:
    """The tidy Fingertips layout needs all five of its names, not four."""
    path = write(tmp_path / "data.csv", "area_code,period,indicator,measure\n")
    with pytest.raises(ValueError, match="cannot tell the format"):
        detect_format(path)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("bds_long_0.parquet", "lait"), ("LAIT.PARQUET", "lait"), ("ecm.xlsx", "template"),
     ("ECM.XLSX", "template"), ("macro.xlsm", "template")],
)
def test_the_suffix_decides_for_parquet_and_workbooks(tmp_path: Path, name: str, fmt: str) -> None:
    """Binary formats have no text header; the suffix says which they are, in any case."""
    assert detect_format(write(tmp_path / name, b"PK\x03\x04\x00\x00")) == fmt


@pytest.mark.parametrize("bom", [codecs.BOM_UTF8, codecs.BOM_UTF8 * 2], ids=["one-bom", "two-boms"])
def test_a_byte_order_mark_does_not_hide_a_fingertips_header(tmp_path: Path, bom: bytes) -> None:
    assert detect_format(write(tmp_path / "ft.csv", bom + (FINGERTIPS + "\n").encode())) == "fingertips"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_a_utf16_fingertips_file_is_sent_to_its_reader_to_be_refused_by_name(tmp_path: Path, codec: str) -> None:
    """Told only "unknown format", a user would not know to re-save the file as UTF-8."""
    data = (FINGERTIPS + "\n").encode(codec)
    if codec == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    assert detect_format(write(tmp_path / "u16.csv", data)) == "fingertips"


def test_a_utf16_file_opened_by_format_detection_is_refused_as_utf16(catalogue: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "u16.csv", (FINGERTIPS + "\n").encode("utf-16"))
    source = open_source(catalogue, path)
    faults = [f for chunk in source.chunks for f in chunk.faults]
    assert [f.rule for f in faults] == [
        "UTF-16 text, not UTF-8: save the file as 'CSV UTF-8' (Fingertips downloads are UTF-8)"]


def test_only_the_first_line_is_the_header(tmp_path: Path) -> None:
    """A title line above the header (a hand-edited download) is not a Fingertips header."""
    path = write(tmp_path / "titled.csv", "Hospital admissions, 2023/24\n" + FINGERTIPS + "\n")
    with pytest.raises(ValueError, match=r"^titled\.csv: cannot tell the format from its header; pass --format$"):
        detect_format(path)


def test_a_header_beyond_the_first_64_kib_is_not_read(tmp_path: Path) -> None:
    path = write(tmp_path / "long.csv", "x" * (64 * 1024) + FINGERTIPS + "\n")
    with pytest.raises(ValueError, match="cannot tell the format"):
        detect_format(path)


def test_an_unreadable_path_is_a_value_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"^absent\.csv: cannot read: "):
        detect_format(tmp_path / "absent.csv")


def test_a_hostile_file_name_is_escaped_in_the_refusal(tmp_path: Path) -> None:
    path = write(tmp_path / "a\x1b[2Jb.csv", "nothing,known\n")
    with pytest.raises(ValueError) as info:
        detect_format(path)
    assert "\x1b" not in str(info.value)
    assert str(info.value).startswith("a\\x1b[2Jb.csv: cannot tell")


# --- open_source -------------------------------------------------------------------


def test_open_source_detects_a_fingertips_file(catalogue: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "ft.csv", FINGERTIPS + "\n")
    source = open_source(catalogue, str(path))  # a str path is accepted too
    assert source.format == "fingertips"
    assert source.path == path and source.name == "ft.csv"


def test_a_missing_file_is_file_not_found(catalogue: Store, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="absent.csv: no such file"):
        open_source(catalogue, tmp_path / "absent.csv")


def test_a_folder_is_refused_with_one_fault(catalogue: Store, tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    with pytest.raises(ImportFailed) as info:
        open_source(catalogue, folder)
    assert [str(f) for f in info.value.faults] == ["downloads: a folder (or device), not a file: name the file"]


def test_an_oversized_file_is_refused_before_its_format_is_sniffed(catalogue: Store, tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: all zero bytes, which no sniffing would recognise
    with pytest.raises(ImportFailed) as info:
        open_source(catalogue, path)
    assert "more than the 2,147,483,648 an import reads" in info.value.faults[0].rule


def test_an_unknown_format_lists_the_known_ones(catalogue: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "ft.csv", FINGERTIPS + "\n")
    with pytest.raises(ValueError) as info:
        open_source(catalogue, path, fmt="excel")
    assert str(info.value) == f"unknown format 'excel'; one of {', '.join(FORMATS)}"


@pytest.mark.parametrize(("fmt", "words"), [("dfe", "a DfE tidy CSV needs --mapping"),
                                            ("lait_counts", "LAIT counts need --mapping")])
def test_a_format_that_needs_a_mapping_is_refused_without_one(
        catalogue: Store, tmp_path: Path, fmt: str, words: str) -> None:
    path = write(tmp_path / "data.csv", DFE + "\n")
    with pytest.raises(ValueError, match=f"^data.csv: {words}"):
        open_source(catalogue, path, fmt=fmt)


def test_a_dfe_file_found_by_detection_still_needs_its_mapping(catalogue: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "dfe.csv", DFE + "\n")
    with pytest.raises(ValueError, match="needs --mapping"):
        open_source(catalogue, path)


def test_the_given_format_wins_over_detection(catalogue: Store, tmp_path: Path) -> None:
    """``--format`` is obeyed even when the header looks like another layout's."""
    path = write(tmp_path / "ft.csv", FINGERTIPS + "\n")
    with pytest.raises(ValueError, match="a DfE tidy CSV needs --mapping"):
        open_source(catalogue, path, fmt="dfe")
