"""metrics.neighbours, function by function: the model's own lists, the cells a file is read
as, which files look like neighbour lists, DfE's files read, previewed, imported and restored.

The model is run on a handful of LAs made up here, so each LA's nearest follow from
their scores by hand. DfE files are written here in the LAIT layout from the
reference areas' real LA numbers. (Each fault class, the merge through the import
door and the published files are in tests/test_neighbours_lists.py and
tests/test_neighbours_real.py.)
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from metrics.framework import CONTEXT_VARIABLES, Area, Reference
from metrics.io.faults import ImportFailed
from metrics.neighbours import (
    DFE_SOURCE,
    HEADER_ROWS,
    MODEL_SOURCE,
    compute_neighbours,
    import_dfe_neighbours,
    looks_like_neighbours,
    preview_dfe_neighbours,
    read_dfe_neighbours,
    read_sheets,
    restore_neighbour_lists,
)
from metrics.store import Store, load_reference_tables

HEADER = ["LA num", "LA Name", "LA number", "GOInd", "GOReg",
          *[x for k in range(1, 11) for x in (f"SN{k}", "SNP")]]


@pytest.fixture(scope="module")
def numbers(reference: Reference) -> list[str]:
    return [a.la_number for a in reference.local_authorities if a.la_number]


@pytest.fixture(scope="module")
def code(reference: Reference) -> dict[str, str]:
    return {a.la_number: a.area_code for a in reference.local_authorities if a.la_number}


def ten_others(numbers: Sequence[str], number: str, start: int = 0) -> list[str]:
    return [n for n in numbers if n != number][start:start + 10]


def la_row(number: str, neighbours: Sequence[str], closeness: Sequence[str] | str = "Very Close") -> list[str]:
    marks = [closeness] * len(neighbours) if isinstance(closeness, str) else list(closeness)
    return [number, f"LA {number}", number, "1", "Somewhere",
            *[x for n, c in zip(neighbours, marks, strict=True) for x in (n, c)]]


def write_csv(path: Path, rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


# ---------------------------------------------------------------- compute_neighbours


def make_la(area_code: str, imd: float | None, population: float = 10_000.0) -> Area:
    """An LA that differs from the others only by its IMD score (every other variable 0)."""
    others = {v: 0.0 for v in CONTEXT_VARIABLES if v != "imd_score"}
    return Area(area_code=area_code, name=area_code, area_type="la", population_0_17=population,
                imd_score=imd, **others)


def with_las(reference: Reference, las: Sequence[Area]) -> Reference:
    return dataclasses.replace(reference, areas=(reference.england, *las))


def test_the_model_lists_the_nearest_las_on_the_standardised_scores(reference: Reference) -> None:
    scores = {"E06000001": 10.0, "E06000002": 11.0, "E06000003": 20.0, "E06000004": 40.0}
    frame = compute_neighbours(with_las(reference, [make_la(c, s) for c, s in scores.items()]), n=2)
    lists = {c: rows["neighbour_code"].tolist() for c, rows in frame.groupby("area_code")}
    assert lists == {
        "E06000001": ["E06000002", "E06000003"],  # 1 and 10 points away
        "E06000002": ["E06000001", "E06000003"],
        "E06000003": ["E06000002", "E06000001"],  # 9 and 10 away
        "E06000004": ["E06000003", "E06000002"],
    }
    assert frame["rank"].tolist() == [1, 2] * 4
    assert set(frame["source"]) == {MODEL_SOURCE} and frame["closeness"].isna().all()
    # one variable varies, so the distance is the score gap over its (population) standard deviation
    sd = float(np.std(list(scores.values())))
    first = frame[frame["area_code"] == "E06000003"]["distance"].tolist()
    assert first == pytest.approx([9 / sd, 10 / sd])


def test_equally_near_las_are_ordered_by_code(reference: Reference) -> None:
    las = [make_la("E06000005", 10.0), make_la("E06000003", 20.0), make_la("E06000001", 30.0)]
    frame = compute_neighbours(with_las(reference, las), n=2)
    middle = frame[frame["area_code"] == "E06000003"]
    assert middle["neighbour_code"].tolist() == ["E06000001", "E06000005"]  # both 10 away: lower code first


def test_a_missing_score_is_neutral(reference: Reference) -> None:
    # the missing score takes the mean, 20: the same as E06000002's
    las = [make_la("E06000001", 10.0), make_la("E06000002", 20.0), make_la("E06000003", 30.0),
           make_la("E06000004", None)]
    frame = compute_neighbours(with_las(reference, las), n=1)
    nearest = dict(zip(frame["area_code"], frame["neighbour_code"], strict=True))
    assert nearest["E06000004"] == "E06000002"
    assert frame.loc[frame["area_code"] == "E06000004", "distance"].tolist() == [0.0]


def test_population_tells_apart_las_of_equal_deprivation(reference: Reference) -> None:
    las = [make_la("E06000001", 20.0, 10_000), make_la("E06000002", 20.0, 12_000),
           make_la("E06000003", 20.0, 400_000)]
    frame = compute_neighbours(with_las(reference, las), n=1)
    nearest = dict(zip(frame["area_code"], frame["neighbour_code"], strict=True))
    assert nearest == {"E06000001": "E06000002", "E06000002": "E06000001", "E06000003": "E06000002"}


def test_the_real_model_gives_every_la_ten_others(reference: Reference) -> None:
    frame = compute_neighbours(reference)
    las = {a.area_code for a in reference.local_authorities}
    assert set(frame["area_code"]) == las and set(frame["neighbour_code"]) <= las
    for la, rows in frame.groupby("area_code"):
        assert rows["rank"].tolist() == list(range(1, 11))
        assert la not in set(rows["neighbour_code"]) and rows["neighbour_code"].nunique() == 10
        assert rows["distance"].is_monotonic_increasing


# ---------------------------------------------------------------- read_sheets


def test_a_csv_is_one_unnamed_sheet_of_text(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("LA num,SN1\n894,\n\n", encoding="utf-8-sig")  # the BOM is not part of the first cell
    (sheet,) = read_sheets(path)
    assert sheet.name is None
    assert sheet.rows == [["LA num", "SN1"], ["894", ""], []]


def test_an_old_windows_csv_is_read_as_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "old.csv"
    path.write_bytes("LA Name\nSouthend\u2013on\u2013Sea\n".encode("cp1252"))
    assert read_sheets(path)[0].rows[1] == ["Southend\u2013on\u2013Sea"]


def test_max_rows_reads_only_the_first_rows(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("".join(f"{i},x\n" for i in range(100)), encoding="utf-8")
    assert [r[0] for r in read_sheets(path, max_rows=3)[0].rows] == ["0", "1", "2"]
    assert len(read_sheets(path)[0].rows) == 100


def test_a_workbook_is_every_sheet_by_name_with_whole_numbers_as_text(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Notes"
    ws.append(["About these lists"])
    lists = wb.create_sheet("LA SN Groups")
    lists.append(["LA num", "SN1", "Share"])
    lists.append([894, 893.0, 0.25])
    lists.append([None, " Close ", None])
    path = tmp_path / "sn.xlsx"
    wb.save(path)
    sheets = read_sheets(path)
    assert [s.name for s in sheets] == ["Notes", "LA SN Groups"]
    assert sheets[1].rows == [["LA num", "SN1", "Share"], ["894", "893", "0.25"], ["", "Close", ""]]


@pytest.mark.parametrize(("content", "rule"), [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Excel 97-2003"),
    (b"LA num\x00\x00\x01\x02", "neither a CSV file nor an Excel workbook"),
    (b"PK\x03\x04 not really a zip", "not a readable Excel workbook"),
])
def test_files_that_are_not_sheets_are_faults(tmp_path: Path, content: bytes, rule: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFailed, match=rule):
        read_sheets(path)


def test_a_missing_file_is_a_fault(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="no such file"):
        read_sheets(tmp_path / "absent.csv")


# ---------------------------------------------------------------- looks_like_neighbours


def test_the_header_is_looked_for_in_the_first_rows_only(tmp_path: Path, numbers: list[str]) -> None:
    a = numbers[0]
    near = write_csv(tmp_path / "near.csv", [["notes"]] * (HEADER_ROWS - 2) + [HEADER, la_row(a, ten_others(numbers, a))],
                     header=["title"])
    assert looks_like_neighbours(near)  # the header is row 30
    far = write_csv(tmp_path / "far.csv", [["notes"]] * HEADER_ROWS + [HEADER, la_row(a, ten_others(numbers, a))],
                    header=["title"])
    assert not looks_like_neighbours(far)  # row 32: past where a header is looked for


def test_a_header_naming_the_la_but_no_first_neighbour_is_not_a_neighbour_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "las.csv", [["894", "Telford and Wrekin"]], header=["LA num", "LA Name"])
    assert not looks_like_neighbours(path)
    assert looks_like_neighbours(write_csv(tmp_path / "upper.csv", [], header=["la NUM", "sn1"]))  # case ignored


# ---------------------------------------------------------------- read_dfe_neighbours


def test_each_list_is_read_in_rank_order_as_current_codes(tmp_path: Path, numbers: list[str],
                                                           code: dict[str, str], reference: Reference) -> None:
    a, b = numbers[0], numbers[1]
    path = write_csv(tmp_path / "sn.csv", [la_row(a, ten_others(numbers, a)), la_row(b, ten_others(numbers, b, 5))])
    frame = read_dfe_neighbours(path, reference)
    assert list(frame.columns) == ["area_code", "source", "rank", "neighbour_code", "distance", "closeness"]
    assert frame["area_code"].tolist() == [code[a]] * 10 + [code[b]] * 10
    assert frame["neighbour_code"].tolist() == ([code[n] for n in ten_others(numbers, a)]
                                                + [code[n] for n in ten_others(numbers, b, 5)])
    assert frame["rank"].tolist() == list(range(1, 11)) * 2
    assert set(frame["source"]) == {DFE_SOURCE} and frame["distance"].isna().all()
    assert frame.attrs["layout"].startswith("DfE statistical neighbours, LAIT layout") and frame.attrs["sheet"] is None


def test_closeness_is_spelt_one_way_and_a_dash_is_none(tmp_path: Path, numbers: list[str],
                                                       reference: Reference) -> None:
    a = numbers[0]
    marks = ["VERY CLOSE", "  Close ", "very  close", "Somewhat close", "-", "", "Close", "Close", "Close", "Close"]
    frame = read_dfe_neighbours(write_csv(tmp_path / "sn.csv", [la_row(a, ten_others(numbers, a), marks)]), reference)
    read = [None if pd.isna(c) else c for c in frame["closeness"]]
    assert read[:6] == ["Very close", "Close", "Very close", "Somewhat close", None, None]


def test_blank_rows_are_passed_over_and_the_old_section_is_skipped(tmp_path: Path, numbers: list[str],
                                                                   code: dict[str, str],
                                                                   reference: Reference) -> None:
    a, b = numbers[0], numbers[1]
    rows = [la_row(a, ten_others(numbers, a)), [], ["", "", "", "", ""],
            ["", "Old SNs:"], la_row(b, ten_others(numbers, b))]
    frame = read_dfe_neighbours(write_csv(tmp_path / "sn.csv", rows), reference)
    assert frame["area_code"].unique().tolist() == [code[a]]
    (skipped,) = frame.attrs["skipped"]
    assert skipped.startswith(f"row 6: {b} LA {b}") and "Old SNs" in skipped
    assert frame.attrs["unlisted"] == [] and frame.attrs["short"] == []


def test_a_row_listing_neighbours_without_an_la_number_is_a_fault(tmp_path: Path, numbers: list[str],
                                                                  reference: Reference) -> None:
    a = numbers[0]
    row = la_row(a, ten_others(numbers, a))
    row[0] = ""
    with pytest.raises(ImportFailed) as info:
        read_dfe_neighbours(write_csv(tmp_path / "sn.csv", [row]), reference)
    (fault,) = info.value.faults
    assert (fault.row, fault.column) == (2, "LA num") and "LA number missing" in fault.rule


def test_the_header_may_sit_below_other_rows_of_a_named_sheet(tmp_path: Path, numbers: list[str],
                                                              code: dict[str, str], reference: Reference) -> None:
    a = numbers[0]
    wb = Workbook()
    ws = wb.active
    ws.title = "LA SN Groups"
    ws.append(["Statistical neighbours"])
    ws.append([])
    ws.append(HEADER)
    ws.append([int(c) if c.isdigit() else c for c in la_row(a, ten_others(numbers, a))])
    path = tmp_path / "sn.xlsx"
    wb.save(path)
    frame = read_dfe_neighbours(path, reference)
    assert frame.attrs["sheet"] == "LA SN Groups"
    assert frame["neighbour_code"].tolist() == [code[n] for n in ten_others(numbers, a)]


# ---------------------------------------------------------------- preview, import and restore


@pytest.fixture()
def store(reference: Reference) -> Iterator[Store]:
    with Store(":memory:") as s:
        with s.transaction() as cur:
            load_reference_tables(cur, reference)
        yield s


def dfe_lists(store: Store) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for area, n in store.cursor().execute(
            "SELECT area_code, neighbour_code FROM area_neighbour WHERE source = 'dfe' ORDER BY area_code, rank"
    ).fetchall():
        out.setdefault(area, []).append(n)
    return out


def test_a_preview_says_what_an_import_would_do_and_writes_nothing(store: Store, tmp_path: Path,
                                                                   numbers: list[str], code: dict[str, str]) -> None:
    a, b = numbers[0], numbers[1]
    first = write_csv(tmp_path / "first.csv", [la_row(a, ten_others(numbers, a))])
    import_dfe_neighbours(store, first, "ann")
    second = write_csv(tmp_path / "second.csv", [la_row(a, ten_others(numbers, a, 10)), la_row(b, ten_others(numbers, b))])
    batches = store.scalar("SELECT count(*) FROM import_batch")
    preview = preview_dfe_neighbours(store, second)
    assert (preview.attrs["new"], preview.attrs["replaced"], preview.attrs["unchanged"]) == ([code[b]], [code[a]], [])
    assert preview.attrs["batch_id"] is None and len(preview) == 20
    assert store.scalar("SELECT count(*) FROM import_batch") == batches
    assert dfe_lists(store) == {code[a]: [code[n] for n in ten_others(numbers, a)]}


def test_an_import_records_its_batch_and_keeps_what_it_replaced(store: Store, tmp_path: Path,
                                                                numbers: list[str], code: dict[str, str]) -> None:
    a, b = numbers[0], numbers[1]
    one = import_dfe_neighbours(store, write_csv(tmp_path / "one.csv", [la_row(a, ten_others(numbers, a))]), "ann")
    two = import_dfe_neighbours(store, write_csv(tmp_path / "two.csv", [la_row(a, ten_others(numbers, a, 10)),
                                                                        la_row(b, ten_others(numbers, b))]), "ann")
    assert two.attrs["batch_id"] == one.attrs["batch_id"] + 1
    batch = store.df("SELECT source_file, format, imported_by, rows_read, rows_written, rows_replaced, note"
                     " FROM import_batch WHERE batch_id = ?", [two.attrs["batch_id"]]).iloc[0]
    assert (batch["source_file"], batch["format"], batch["imported_by"]) == ("two.csv", "neighbours", "ann")
    assert (batch["rows_read"], batch["rows_written"], batch["rows_replaced"]) == (20, 20, 10)
    assert batch["note"].startswith("1 LA lists new, 1 replaced, 0 unchanged")
    kept = store.df("SELECT area_code, neighbour_code, batch_id, superseded_by FROM area_neighbour_history"
                    " ORDER BY rank")
    assert kept["area_code"].tolist() == [code[a]] * 10
    assert kept["neighbour_code"].tolist() == [code[n] for n in ten_others(numbers, a)]
    assert set(kept["batch_id"]) == {one.attrs["batch_id"]} and set(kept["superseded_by"]) == {two.attrs["batch_id"]}


def test_restoring_a_batch_puts_back_the_lists_it_replaced(store: Store, tmp_path: Path,
                                                           numbers: list[str], code: dict[str, str]) -> None:
    a, b = numbers[0], numbers[1]
    one = import_dfe_neighbours(store, write_csv(tmp_path / "one.csv", [la_row(a, ten_others(numbers, a))]), "ann")
    before = dfe_lists(store)
    two = import_dfe_neighbours(store, write_csv(tmp_path / "two.csv", [la_row(a, ten_others(numbers, a, 10)),
                                                                        la_row(b, ten_others(numbers, b))]), "ann")
    with pytest.raises(ValueError, match=f"roll back batch {two.attrs['batch_id']} first"), \
            store.transaction() as cur:
        restore_neighbour_lists(cur, one.attrs["batch_id"])
    with store.transaction() as cur:
        removed = restore_neighbour_lists(cur, two.attrs["batch_id"])
    assert removed == 20  # both of the second file's lists
    assert dfe_lists(store) == before
    assert store.scalar("SELECT count(*) FROM area_neighbour_history") == 0
    with store.transaction() as cur:
        assert restore_neighbour_lists(cur, one.attrs["batch_id"]) == 10
    assert dfe_lists(store) == {}


def test_the_same_file_twice_writes_one_batch(store: Store, tmp_path: Path, numbers: list[str],
                                              code: dict[str, str]) -> None:
    a = numbers[0]
    path = write_csv(tmp_path / "one.csv", [la_row(a, ten_others(numbers, a))])
    import_dfe_neighbours(store, path, "ann")
    again = import_dfe_neighbours(store, path, "ann")
    assert again.attrs["batch_id"] is None and again.attrs["unchanged"] == [code[a]]
    assert store.scalar("SELECT count(*) FROM import_batch") == 1
