"""DfE's four published statistical-neighbour files, as published (skipped without ../shared).

The May 2025 model comes as a LAIT workbook and a wide CSV; the April 2021 groupings
as a LAIT workbook and a CSV. Each pair is one publication in two layouts, so each
pair must give the same lists; the expected lists are read here with the csv module
straight from the files, not through the reader under test.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from metrics.auth import User
from metrics.framework import load_reference
from metrics.io.core import store_checksum
from metrics.services import run_neighbours_import, run_rollback
from metrics.store import Store
from tests.conftest import shared_path

ANALYST = User("ann", "analyst")
FILES = {
    "may_2025_xlsx": ("data", "lait", "sn_may_2025.xlsx"),
    "may_2025_wide_csv": ("data", "dfe_ees", "sn_model_2025_wide.csv"),
    "april_2021_xlsx": ("data", "lait", "sn_april_2021.xlsx"),
    "april_2021_csv": ("data", "dfe_ees", "New_Statistical_Neighbour_Groupings_April_2021.csv"),
}
CUMBRIA = "909"
CODE = {a.la_number: a.area_code for a in load_reference().local_authorities if a.la_number}


@pytest.fixture()
def store(demo_db: Path, tmp_path: Path) -> Iterator[Store]:
    from tests.support.accounts import add_account

    copy = tmp_path / "store.duckdb"
    shutil.copy(demo_db, copy)
    s = Store(copy)
    add_account(s, "ann", "analyst")
    yield s
    s.close()


def stored(store: Store) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for code, n_code in store.cursor().execute(
            "SELECT area_code, neighbour_code FROM area_neighbour WHERE source = 'dfe'"
            " ORDER BY area_code, rank").fetchall():
        out.setdefault(code, []).append(n_code)
    return out


def csv_lists(path: Path, la: str, first: str) -> dict[str, list[str]]:
    """LA number -> its published neighbour numbers, from a CSV read with the csv module."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = {}
    for r in rows:
        if (r.get(la) or "").strip() in CODE:
            out[r[la].strip()] = [r[first.format(k)].strip() for k in range(1, 11)]
        if (r.get("LA Name") or "").startswith("Old SNs"):
            break
    return out


@pytest.mark.parametrize("key", list(FILES))
def test_each_published_file_imports(store: Store, key: str) -> None:
    path = shared_path(*FILES[key])
    frame = run_neighbours_import(store, ANALYST, path)
    lists = stored(store)
    if "2025" in key:
        assert len(lists) == 153 and all(len(v) == 10 for v in lists.values())
        assert frame.attrs["short"] == []
    else:
        # Cumbria's own row skipped; Cumberland and Westmorland and Furness post-date the model.
        assert len(lists) == 151
        assert CODE["942"] not in lists and CODE["943"] not in lists
        assert any(f": {CUMBRIA} Cumbria" in s for s in frame.attrs["skipped"])
        short = {code for code, v in lists.items() if len(v) == 9}
        assert len(short) == len(frame.attrs["short"]) == 8
        assert all(len(v) in (9, 10) for v in lists.values())
    for code, items in lists.items():
        assert code not in items and len(set(items)) == len(items)


@pytest.mark.parametrize(("key", "la", "first"), [
    ("april_2021_csv", "LA num", "SN{}"),
    ("may_2025_wide_csv", "old_la_code", "SN_{}"),
])
def test_the_lists_are_the_published_ones_less_abolished_las(store: Store, key: str, la: str, first: str) -> None:
    path = shared_path(*FILES[key])
    expected = {CODE[n]: [CODE[x] for x in items if x != CUMBRIA] for n, items in csv_lists(path, la, first).items()}
    run_neighbours_import(store, ANALYST, path)
    assert stored(store) == expected
    if key == "april_2021_csv":
        # Lincolnshire (925): Norfolk first, then Cumbria, dropped, so Derbyshire is its second listed.
        assert stored(store)[CODE["925"]][:2] == [CODE["926"], CODE["830"]]
        rank = store.scalar("SELECT rank FROM area_neighbour WHERE source = 'dfe' AND area_code = ?"
                            " AND neighbour_code = ?", [CODE["925"], CODE["830"]])
        assert rank == 3  # DfE's rank kept


def test_the_two_layouts_of_one_publication_agree(demo_db: Path, tmp_path: Path) -> None:
    for pair in (("may_2025_xlsx", "may_2025_wide_csv"), ("april_2021_xlsx", "april_2021_csv")):
        seen = []
        for key in pair:
            copy = tmp_path / f"{key}.duckdb"
            shutil.copy(demo_db, copy)
            with Store(copy) as s:
                from tests.support.accounts import add_account

                add_account(s, "ann", "analyst")
                run_neighbours_import(s, ANALYST, shared_path(*FILES[key]))
                seen.append(s.df("SELECT area_code, rank, neighbour_code, closeness FROM area_neighbour"
                                 " WHERE source = 'dfe' ORDER BY area_code, rank").values.tolist())
        assert seen[0] == seen[1]


def test_2021_over_2025_replaces_only_the_las_it_lists_and_rolls_back(store: Store) -> None:
    run_neighbours_import(store, ANALYST, shared_path(*FILES["may_2025_xlsx"]))
    lists_2025 = stored(store)
    before = store_checksum(store)
    frame = run_neighbours_import(store, ANALYST, shared_path(*FILES["april_2021_xlsx"]))
    lists = stored(store)
    # Cumberland and Westmorland and Furness have no 2021 list: their 2025 lists stay.
    assert lists[CODE["942"]] == lists_2025[CODE["942"]] and lists[CODE["943"]] == lists_2025[CODE["943"]]
    assert len(frame.attrs["replaced"]) + len(frame.attrs["unchanged"]) == 151
    run_rollback(store, ANALYST, frame.attrs["batch_id"])
    after = store_checksum(store)
    history = {"import_batch", "audit_log"}
    assert {t: v for t, v in after.items() if t not in history} == {
        t: v for t, v in before.items() if t not in history}
    assert stored(store) == lists_2025


def jar(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "metrics", *args], capture_output=True, text=True, timeout=300)


def test_the_command_line_imports_a_csv_and_a_dry_run_writes_nothing(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    shutil.copy(demo_db, db)
    wide = shared_path(*FILES["may_2025_wide_csv"])
    result = jar("import", "--db", str(db), str(wide), "--format", "neighbours")
    assert result.returncode == 0, result.stderr
    assert "Imported 1530 neighbour rows for 153 LAs" in result.stdout
    with Store(db) as s:
        before = store_checksum(s)
    workbook = shared_path(*FILES["april_2021_xlsx"])
    dry = jar("import-neighbours", "--db", str(db), str(workbook), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "dry run, nothing written" in dry.stdout and "short list" in dry.stdout
    assert "Cumbria" in dry.stdout
    assert "would be replaced: " in dry.stdout and "Lincolnshire (E10000019)" in dry.stdout
    with Store(db) as s:
        assert store_checksum(s) == before


def test_the_four_files_are_told_from_other_published_files_by_content() -> None:
    from metrics.neighbours import looks_like_neighbours

    assert all(looks_like_neighbours(shared_path(*parts)) for parts in FILES.values())
    assert not looks_like_neighbours(shared_path("data", "fingertips", "injury_admissions_0_14_county_ua.csv"))
    assert not looks_like_neighbours(shared_path("data", "lait", "bds_long_0.parquet"))
