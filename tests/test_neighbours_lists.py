"""DfE statistical-neighbour lists: every fault named, merged per LA, dry run, rollback.

Files are written here in DfE's own layouts (the LAIT layout, "LA num ... SN1, SNP,
..., SN10, SNP"), from the reference areas' real LA numbers.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook

from metrics.auth import User
from metrics.framework import load_reference
from metrics.io.core import rollback_batch, store_checksum
from metrics.io.faults import Fault, ImportFailed
from metrics.lookups import neighbour_codes
from metrics.neighbours import read_dfe_neighbours
from metrics.services import run_neighbours_import, run_rollback
from metrics.store import Store
from tests.support.accounts import add_account
from tests.support.reference_reads import neighbours

ANALYST = User("ann", "analyst")
HEADER = ["LA num", "LA Name", "LA number", "GOInd", "GOReg",
          *[x for k in range(1, 11) for x in (f"SN{k}", "SNP")]]
REF = load_reference()
NUMBERS = [a.la_number for a in REF.local_authorities if a.la_number]
CODE = {a.la_number: a.area_code for a in REF.local_authorities if a.la_number}


def la_row(number: str, neighbour_numbers: Sequence[str], closeness: str = "Very Close") -> list[str]:
    return [number, f"LA {number}", number, "1", "Somewhere",
            *[x for n in neighbour_numbers for x in (n, closeness)]]


def others(number: str, start: int = 0) -> list[str]:
    """Ten LA numbers other than ``number`` (a different ten for a different ``start``)."""
    return [n for n in NUMBERS if n != number][start:start + 10]


def write_csv(path: Path, rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[object]], header: Sequence[str] = HEADER) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "LA SN Groups"
    ws.append(["A", "B"])  # DfE's workbook has lettered and numbered rows above its header
    ws.append(list(header))
    for r in rows:
        ws.append([int(c) if isinstance(c, str) and c.isdigit() else c for c in r])
    wb.save(path)
    return path


def only_fault(path: Path) -> Fault:
    with pytest.raises(ImportFailed) as info:
        read_dfe_neighbours(path, REF)
    assert info.value.total == 1, str(info.value)
    return info.value.faults[0]


@pytest.fixture()
def store(demo_db: Path, tmp_path: Path) -> Iterator[Store]:
    copy = tmp_path / "store.duckdb"
    shutil.copy(demo_db, copy)
    s = Store(copy)
    add_account(s, "ann", "analyst")
    yield s
    s.close()


def dfe_lists(store: Store) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for code, n_code in store.cursor().execute(
            "SELECT area_code, neighbour_code FROM area_neighbour WHERE source = 'dfe'"
            " ORDER BY area_code, rank").fetchall():
        out.setdefault(code, []).append(n_code)
    return out


# --- one test per class of fault: file, row, column (the file's own name), value and rule ---------

def test_an_la_as_its_own_neighbour_is_refused(tmp_path: Path) -> None:
    a = NUMBERS[0]
    listed = others(a)
    listed[2] = a
    f = only_fault(write_csv(tmp_path / "own.csv", [la_row(a, listed)]))
    assert (f.file, f.row, f.column, f.value) == ("own.csv", 2, "SN3", a)
    assert "own neighbour" in f.rule


def test_a_neighbour_listed_twice_is_refused(tmp_path: Path) -> None:
    a = NUMBERS[0]
    listed = others(a)
    listed[4] = listed[1]
    f = only_fault(write_csv(tmp_path / "twice.csv", [la_row(a, listed)]))
    assert (f.row, f.column, f.value) == (2, "SN5", listed[1])
    assert "listed twice" in f.rule and "SN2" in f.rule


def test_an_unknown_neighbour_number_is_refused(tmp_path: Path) -> None:
    a = NUMBERS[0]
    listed = others(a)
    listed[3] = "999"
    f = only_fault(write_csv(tmp_path / "unknown.csv", [la_row(NUMBERS[1], others(NUMBERS[1])), la_row(a, listed)]))
    assert (f.row, f.column, f.value) == (3, "SN4", "999")
    assert "not the DfE number of a current LA" in f.rule


def test_an_unknown_la_number_is_refused_naming_the_files_column(tmp_path: Path) -> None:
    f = only_fault(write_csv(tmp_path / "la.csv", [la_row("998", others("998"))]))
    assert (f.row, f.column, f.value) == (2, "LA num", "998")


def test_an_la_listed_twice_is_refused(tmp_path: Path) -> None:
    a = NUMBERS[0]
    f = only_fault(write_csv(tmp_path / "dup.csv", [la_row(a, others(a)), la_row(a, others(a, 10))]))
    assert (f.row, f.column, f.value) == (3, "LA num", a)
    assert "first on row 2" in f.rule


def test_a_missing_neighbour_is_refused(tmp_path: Path) -> None:
    a = NUMBERS[0]
    listed = others(a)
    listed[6] = ""
    f = only_fault(write_xlsx(tmp_path / "gap.xlsx", [la_row(a, listed)]))
    # Sheet row 3: the workbook's header is on row 2.
    assert (f.file, f.sheet, f.row, f.column) == ("gap.xlsx", "LA SN Groups", 3, "SN7")
    assert "neighbour missing" in f.rule


def test_a_missing_neighbour_column_is_refused(tmp_path: Path) -> None:
    header = HEADER[:-2]  # no SN10 nor its closeness
    a = NUMBERS[0]
    f = only_fault(write_csv(tmp_path / "nine.csv", [la_row(a, others(a))[:-2]], header=header))
    assert (f.row, f.column) == (1, "SN10")
    assert "column missing" in f.rule


def test_a_file_of_no_known_layout_is_refused_naming_the_layouts(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("area,neighbour\nE06000020,E06000051\n", encoding="utf-8")
    f = only_fault(path)
    assert "no header row of a known statistical-neighbour layout" in f.rule
    assert "neighbour_layouts.csv" in f.rule


def test_a_file_with_a_header_and_no_lists_is_refused(tmp_path: Path) -> None:
    f = only_fault(write_csv(tmp_path / "empty.csv", [["", "Old SNs:"]]))
    assert "no LA's neighbour list below the header" in f.rule


def test_an_old_xls_workbook_and_a_missing_file_are_faults_not_tracebacks(tmp_path: Path) -> None:
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    assert ".xls" in only_fault(xls).rule
    assert only_fault(tmp_path / "absent.csv").rule == "no such file"


def test_every_fault_is_reported_at_once(tmp_path: Path) -> None:
    a, b = NUMBERS[0], NUMBERS[1]
    bad_a = others(a)
    bad_a[0] = a
    bad_b = others(b)
    bad_b[9] = bad_b[8]
    with pytest.raises(ImportFailed) as info:
        read_dfe_neighbours(write_csv(tmp_path / "two.csv", [la_row(a, bad_a), la_row(b, bad_b)]), REF)
    assert [(f.row, f.column) for f in info.value.faults] == [(2, "SN1"), (3, "SN10")]


# --- the reader is chosen by content, not by suffix ----------------------------------------------

def test_the_reader_follows_the_content_not_the_suffix(tmp_path: Path) -> None:
    a = NUMBERS[0]
    rows = [la_row(a, others(a))]
    csv_named_xlsx = write_csv(tmp_path / "lists.xlsx", rows)
    xlsx_named_csv = tmp_path / "lists.csv"
    write_xlsx(tmp_path / "real.xlsx", rows).rename(xlsx_named_csv)
    from_csv = read_dfe_neighbours(csv_named_xlsx, REF)
    from_xlsx = read_dfe_neighbours(xlsx_named_csv, REF)
    expected = [CODE[n] for n in others(a)]
    assert from_csv["neighbour_code"].tolist() == expected
    assert from_xlsx["neighbour_code"].tolist() == expected
    assert from_csv["closeness"].tolist() == ["Very close"] * 10


def test_the_wide_model_layout_is_read_from_its_own_column_names(tmp_path: Path) -> None:
    header = ["old_la_code", "la_name", "region_ind", "region_name",
              *[x for k in range(1, 11) for x in (f"SN_{k}", f"SN_{k}P")]]
    a = NUMBERS[0]
    row = [a, "LA", "1", "Region", *[x for n in others(a) for x in (n, "Close ")]]
    frame = read_dfe_neighbours(write_csv(tmp_path / "wide.csv", [row], header=header), REF)
    assert frame["neighbour_code"].tolist() == [CODE[n] for n in others(a)]
    assert frame["rank"].tolist() == list(range(1, 11))
    assert set(frame["closeness"]) == {"Close"}


# --- abolished LAs: own rows skipped, as a neighbour dropped with the list marked short -----------

def test_an_abolished_la_is_skipped_as_a_row_and_dropped_as_a_neighbour(tmp_path: Path) -> None:
    a = NUMBERS[0]
    listed = others(a)
    listed[4] = "909"  # Cumbria, split in April 2023
    rows = [la_row(a, listed), la_row("909", others("909")), ["942", "Cumberland", "942", "5", "North West",
                                                                *["-"] * 20]]
    frame = read_dfe_neighbours(write_csv(tmp_path / "old.csv", rows), REF)
    assert frame["area_code"].unique().tolist() == [CODE[a]]
    assert frame["rank"].tolist() == [1, 2, 3, 4, 6, 7, 8, 9, 10]  # DfE's ranks, SN5 gone
    assert [s.split()[:3] for s in frame.attrs["skipped"]] == [["row", "3:", "909"]]
    assert "Cumberland" in frame.attrs["unlisted"][0]
    (short,) = frame.attrs["short"]
    assert "9 neighbours" in short and "SN5 Cumbria (909" in short


# --- through the door: merge per LA, dry run, rollback -------------------------------------------

def test_a_file_of_some_las_replaces_only_those_las_lists(store: Store, tmp_path: Path) -> None:
    a, b, c = NUMBERS[0], NUMBERS[1], NUMBERS[2]
    model_rows = store.scalar("SELECT count(*) FROM area_neighbour WHERE source = 'model'")
    first = run_neighbours_import(store, ANALYST, write_csv(tmp_path / "all.csv",
                                                            [la_row(x, others(x)) for x in (a, b, c)]))
    assert (len(first.attrs["new"]), len(first.attrs["replaced"])) == (3, 0)
    second = run_neighbours_import(store, ANALYST, write_csv(tmp_path / "one.csv", [la_row(b, others(b, 10))]))
    assert second.attrs["replaced"] == [CODE[b]] and second.attrs["new"] == []
    lists = dfe_lists(store)
    assert lists[CODE[a]] == [CODE[n] for n in others(a)]
    assert lists[CODE[b]] == [CODE[n] for n in others(b, 10)]
    assert lists[CODE[c]] == [CODE[n] for n in others(c)]
    assert store.scalar("SELECT count(*) FROM area_neighbour WHERE source = 'model'") == model_rows
    # An LA with no DfE list keeps the model's on the pages.
    d = CODE[NUMBERS[3]]
    model_d = store.df("SELECT neighbour_code FROM area_neighbour WHERE source = 'model' AND area_code = ?"
                       " ORDER BY rank", [d])["neighbour_code"].tolist()
    assert neighbours(store, d) == model_d == neighbour_codes(store, d)
    assert neighbour_codes(store, CODE[b]) == lists[CODE[b]]


def test_the_same_file_again_writes_no_batch(store: Store, tmp_path: Path) -> None:
    a = NUMBERS[0]
    path = write_csv(tmp_path / "one.csv", [la_row(a, others(a))])
    run_neighbours_import(store, ANALYST, path)
    before = store_checksum(store)
    again = run_neighbours_import(store, ANALYST, path)
    assert again.attrs["batch_id"] is None and again.attrs["unchanged"] == [CODE[a]]
    after = store_checksum(store)
    assert {t: v for t, v in after.items() if t != "audit_log"} == {
        t: v for t, v in before.items() if t != "audit_log"}


def test_a_dry_run_writes_nothing_and_says_what_would_change(store: Store, tmp_path: Path) -> None:
    a, b = NUMBERS[0], NUMBERS[1]
    run_neighbours_import(store, ANALYST, write_csv(tmp_path / "first.csv", [la_row(a, others(a))]))
    before = store_checksum(store)
    dry = run_neighbours_import(store, ANALYST, write_csv(
        tmp_path / "second.csv", [la_row(a, others(a, 10)), la_row(b, others(b))]), dry_run=True)
    assert store_checksum(store) == before  # no batch, no rows, no audit entry
    assert dry.attrs["batch_id"] is None
    assert (dry.attrs["new"], dry.attrs["replaced"], dry.attrs["unchanged"]) == ([CODE[b]], [CODE[a]], [])


def test_a_refused_file_writes_nothing_but_the_audit_entry(store: Store, tmp_path: Path) -> None:
    a = NUMBERS[0]
    listed = others(a)
    listed[0] = a
    before = store_checksum(store)
    with pytest.raises(ImportFailed, match=r"bad.csv, row 2, SN1"):
        run_neighbours_import(store, ANALYST, write_csv(tmp_path / "bad.csv", [la_row(NUMBERS[1], others(NUMBERS[1])),
                                                                              la_row(a, listed)][::-1]))
    after = store_checksum(store)
    assert {t: v for t, v in after.items() if t != "audit_log"} == {
        t: v for t, v in before.items() if t != "audit_log"}
    assert store.df("SELECT action, outcome FROM audit_log WHERE username = 'ann'").values.tolist() == [
        ["import", "failed"]]


def test_rollback_restores_exactly_the_lists_a_batch_replaced(store: Store, tmp_path: Path) -> None:
    a, b, c = NUMBERS[0], NUMBERS[1], NUMBERS[2]
    first = run_neighbours_import(store, ANALYST, write_csv(tmp_path / "first.csv",
                                                            [la_row(x, others(x)) for x in (a, b)]))
    lists_after_first = dfe_lists(store)
    before = store_checksum(store)
    second = run_neighbours_import(store, ANALYST, write_csv(
        tmp_path / "second.csv", [la_row(b, others(b, 10), "Close"), la_row(c, others(c))]))
    assert dfe_lists(store) != lists_after_first
    # The first batch cannot go while the second holds lists that replaced its own.
    with pytest.raises(ValueError, match=f"roll back batch {second.attrs['batch_id']} first"):
        rollback_batch(store, first.attrs["batch_id"])
    removed = run_rollback(store, ANALYST, second.attrs["batch_id"])
    assert removed == 20
    after = store_checksum(store)
    history = {"import_batch", "audit_log"}  # these record the import and its rollback, by design
    assert {t: v for t, v in after.items() if t not in history} == {
        t: v for t, v in before.items() if t not in history}
    assert dfe_lists(store) == lists_after_first
    assert store.scalar("SELECT status FROM import_batch WHERE batch_id = ?",
                        [second.attrs["batch_id"]]) == "rolled_back"
    # Then the first, back to no DfE list at all: every LA on the model's again.
    run_rollback(store, ANALYST, first.attrs["batch_id"])
    assert dfe_lists(store) == {}
    assert store.scalar("SELECT count(*) FROM area_neighbour_history") == 0


def test_rollback_round_trip_leaves_the_store_as_before_the_import(store: Store, tmp_path: Path) -> None:
    a = NUMBERS[0]
    before = store_checksum(store)
    frame = run_neighbours_import(store, ANALYST, write_csv(tmp_path / "one.csv", [la_row(a, others(a))]))
    assert store_checksum(store)["area_neighbour"] != before["area_neighbour"]
    run_rollback(store, ANALYST, frame.attrs["batch_id"])
    after = store_checksum(store)
    history = {"import_batch", "audit_log"}
    assert {t: v for t, v in after.items() if t not in history} == {
        t: v for t, v in before.items() if t not in history}


def test_only_the_rollback_engine_restores_lists() -> None:
    """The door (tests/test_services.py) covers the import engine; the restore is reached only by rollback."""
    root = Path(__file__).resolve().parents[1]
    callers = sorted(str(p.relative_to(root)) for p in (root / "metrics").rglob("*.py")
                     if "restore_neighbour_lists(" in p.read_text(encoding="utf-8")
                     and p.name != "neighbours.py")
    assert callers == ["metrics/io/core.py"]


def test_the_command_line_finds_the_format_and_reports_faults_without_a_traceback(
        demo_db: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    db = tmp_path / "store.duckdb"
    shutil.copy(demo_db, db)
    a = NUMBERS[0]
    listed = others(a)
    listed[1] = listed[0]
    bad = write_csv(tmp_path / "bad.csv", [la_row(a, listed)])
    good = write_csv(tmp_path / "good.csv", [la_row(a, others(a))])

    def jar(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "metrics", *args, "--db", str(db)],
                              capture_output=True, text=True, timeout=300)

    refused = jar("import", str(bad), "--format", "neighbours")
    assert refused.returncode == 1
    assert "bad.csv, row 2, SN2" in refused.stderr and "listed twice" in refused.stderr
    assert "Traceback" not in refused.stderr
    with Store(db) as s:
        before = store_checksum(s)
    dry = jar("import", str(good), "--format", "neighbours", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Would import 10 neighbour rows for 1 LAs (1 new, 0 replaced, 0 unchanged)" in dry.stdout
    with Store(db) as s:
        assert store_checksum(s) == before  # no batch, no audit entry, no rows
    imported = jar("import", str(good))  # no --format: read from the header
    assert imported.returncode == 0, imported.stderr
    assert "Imported 10 neighbour rows for 1 LAs" in imported.stdout


def test_only_neighbour_files_look_like_neighbour_files(tmp_path: Path) -> None:
    from metrics.neighbours import looks_like_neighbours

    a = NUMBERS[0]
    assert looks_like_neighbours(write_csv(tmp_path / "sn.csv", [la_row(a, others(a))]))
    assert looks_like_neighbours(write_xlsx(tmp_path / "sn.xlsx", [la_row(a, others(a))]))
    other = tmp_path / "fingertips.csv"
    other.write_text("Indicator ID,Area Code\n90284,E06000020\n", encoding="utf-8")
    assert not looks_like_neighbours(other)
    assert not looks_like_neighbours(tmp_path / "absent.csv")


def test_the_reference_files_are_checked_when_read(tmp_path: Path) -> None:
    from metrics.framework import (
        DATA_DIR,
        ReferenceDataError,
        load_former_las,
        load_neighbour_layouts,
    )

    assert load_former_las()["909"].successor_codes == ("E06000063", "E06000064")
    assert {lo.layout for lo in load_neighbour_layouts()} == {"dfe_lait", "dfe_model_wide"}
    (tmp_path / "reference").mkdir()
    (tmp_path / "mappings").mkdir()
    shutil.copy(DATA_DIR / "reference" / "areas.csv", tmp_path / "reference" / "areas.csv")
    former = tmp_path / "reference" / "former_las.csv"
    former.write_text("la_number,area_code,name,ended_year,successor_codes,reason\n"
                      "909,E10000006,Cumbria,2023,E06000063;E99999999,split\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="successor_codes"):
        load_former_las(tmp_path)
    former.write_text("la_number,area_code,name,ended_year,successor_codes,reason\n"
                      "894,E06000020,Telford,2023,E06000063,not abolished\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="894"):
        load_former_las(tmp_path)
    (tmp_path / "mappings" / "neighbour_layouts.csv").write_text(
        "layout,title,la_column,name_column,neighbour_column,closeness_column,neighbours,old_section_marker\n"
        "x,X,LA num,LA Name,SN,SNP,10,\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"row 2, column neighbour_column"):
        load_neighbour_layouts(tmp_path)


def test_a_neighbour_batch_from_before_the_history_is_not_rolled_back_as_if_restored(store: Store) -> None:
    from metrics.store import new_batch

    with store.transaction() as cur:  # as the importer before schema 13 left it: rows not marked
        old = new_batch(cur, "sn_may_2025.xlsx", "neighbours", "tester", note="153 LAs")
    before = store_checksum(store)
    with pytest.raises(ValueError, match="before neighbour lists kept their history"):
        run_rollback(store, ANALYST, old)
    after = store_checksum(store)
    assert {t: v for t, v in after.items() if t != "audit_log"} == {
        t: v for t, v in before.items() if t != "audit_log"}
    assert store.scalar("SELECT status FROM import_batch WHERE batch_id = ?", [old]) == "committed"
