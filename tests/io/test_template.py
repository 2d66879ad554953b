"""The data-entry template: written for an LA, filled in as a user would, imported."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from openpyxl import load_workbook

from metrics.io.core import ImportResult
from metrics.io.faults import ImportFailed
from metrics.io.formats import detect_format
from metrics.io.template import COLUMNS, README_SHEET, template_rows, write_template
from metrics.store import Store
from tests.io.conftest import import_file

LA = "E06000020"  # Telford and Wrekin, which has demo clusters
YEAR = 2024


@pytest.fixture
def store(reference_store: Store) -> Store:
    """Reference tables only: every figure in the store came from the file under test."""
    return reference_store


def load(store: Store, path: Path) -> ImportResult:
    return import_file(store, path)


def test_rows_cover_the_la_its_clusters_and_client_groups(store: Store) -> None:
    rows = template_rows(store, LA, period_year=YEAR)
    clusters = set(store.df("SELECT area_code FROM area WHERE area_type = 'cluster' AND parent_code = ?",
                            [LA])["area_code"])
    assert clusters, "the demo reference data has clusters for this LA"
    assert set(rows["area_code"]) == clusters | {LA}
    groups = store.scalar("SELECT client_groups FROM indicator WHERE indicator_id = 'NI73'")
    ni73 = rows[(rows["indicator_id"] == "NI73") & (rows["area_code"] == LA)]
    assert sorted(ni73["client_group_id"]) == sorted(groups)
    assert set(ni73["period"]) == {"2023/24"}  # academic label
    assert set(rows.loc[rows["indicator_id"] == "REREF12", "period"]) == {"2023-24"}
    historic = set(store.df("SELECT indicator_id FROM indicator WHERE status = 'historic'")["indicator_id"])
    assert not historic & set(rows["indicator_id"])


def test_unknown_area_is_refused(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no area"):
        write_template(store, tmp_path / "t.csv", "E99999999")


def test_xlsx_has_readme_and_one_sheet_per_outcome(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    n = write_template(store, path, LA, period_year=YEAR)
    wb = load_workbook(path, read_only=True)
    outcomes = list(store.df("SELECT name FROM outcome ORDER BY sort_order")["name"])
    assert wb.sheetnames[0] == README_SHEET
    assert wb.sheetnames[1:] == outcomes
    readme = " ".join(str(c) for r in wb[README_SHEET].iter_rows(values_only=True) for c in r if c)
    assert "blank rows are skipped" in readme
    header = [c for c in next(wb[outcomes[0]].iter_rows(values_only=True))]
    assert header == COLUMNS
    assert sum(ws.max_row - 1 for ws in wb.worksheets[1:]) == n
    assert detect_format(path) == "template"


def fill_xlsx(path: Path, fills: dict[tuple[str, str, str], dict[str, object]]) -> dict[tuple[str, str, str], tuple[str, int]]:
    """Type figures into rows keyed (indicator, area, client group); returns where each went."""
    wb = load_workbook(path)
    where = {}
    for ws in wb.worksheets[1:]:
        header = [c.value for c in ws[1]]
        col = {name: i + 1 for i, name in enumerate(header)}
        for r in range(2, ws.max_row + 1):
            key = tuple(ws.cell(r, col[k]).value for k in ("indicator_id", "area_code", "client_group_id"))
            if key in fills:
                for name, value in fills[key].items():
                    ws.cell(r, col[name]).value = value
                where[key] = (ws.title, r)
    wb.save(path)
    assert set(where) == set(fills)
    return where


def test_xlsx_round_trip(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write_template(store, path, LA, period_year=YEAR)
    cluster = f"{LA}-C01"
    fill_xlsx(path, {
        ("NI73", LA, "all"): {"count": 1532, "denominator": 2493},
        ("NI73", cluster, "lac"): {"count": "c", "denominator": 12},
        ("ATT8", cluster, "all"): {"value": 45.25},
        ("REREF12", LA, "cin"): {"count": 300, "denominator": 1500, "note": "local return"},
    })
    result = load(store, path)
    assert result.new == 4 and result.batch_id is not None
    assert any("left blank" in n for n in result.notes)
    got = store.df("SELECT * FROM observation").set_index(["indicator_id", "area_code", "client_group_id"])
    la_row = got.loc[("NI73", LA, "all")]
    assert (la_row["count"], la_row["denominator"]) == (1532, 2493)
    assert la_row["value"] == pytest.approx(1532 / 2493 * 100)
    assert la_row["period_year"] == YEAR and la_row["period_label"] == "2023/24"
    hidden = got.loc[("NI73", cluster, "lac")]
    assert hidden["suppressed"] and math.isnan(hidden["count"])
    assert got.loc[("ATT8", cluster, "all")]["value"] == 45.25
    assert got.loc[("REREF12", LA, "cin")]["note"] == "local return"


def test_csv_round_trip(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    write_template(store, path, LA, indicator_ids=["NI62", "LAC_RATE"], period_year=YEAR)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        if r["area_code"] == LA and r["indicator_id"] == "LAC_RATE":
            r.update(count="350", denominator="36000")
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    assert detect_format(path) == "template"
    result = load(store, path)
    assert result.new == 1
    value = store.scalar("SELECT value FROM observation WHERE indicator_id = 'LAC_RATE' AND area_code = ?", [LA])
    assert value == pytest.approx(350 / 36000 * 10_000)


def test_faults_name_the_sheet_and_row(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write_template(store, path, LA, period_year=YEAR)
    where = fill_xlsx(path, {
        ("NI73", LA, "all"): {"count": "lots", "denominator": 10},
        ("REREF12", LA, "cin"): {"count": 20, "denominator": 10},
        ("NI62", LA, "lac"): {"count": 1, "denominator": 10, "area_code": "E06999999"},
    })
    with pytest.raises(ImportFailed) as exc:
        load(store, path)
    found = {(f.sheet, f.row, f.column) for f in exc.value.faults}
    sheet, row = where[("NI73", LA, "all")]
    assert (sheet, row, "count") in found
    sheet, row = where[("REREF12", LA, "cin")]
    assert (sheet, row, "count") in found  # 20 exceeds its denominator 10
    sheet, row = where[("NI62", LA, "lac")]
    assert (sheet, row, "area_code") in found
    assert store.scalar("SELECT count(*) FROM observation") == 0


def test_csv_row_cut_short_is_refused(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    write_template(store, path, LA, indicator_ids=["LAC_RATE"], period_year=YEAR)
    lines = path.read_text(encoding="utf-8").splitlines()
    header = next(csv.reader([lines[0]]))
    first = next(csv.reader([lines[1]]))
    first[header.index("count")], first[header.index("denominator")] = "350", "36000"
    lines[1] = ",".join(first[: header.index("denominator") + 1])  # the rest of the row lost
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as exc:
        load(store, path)
    assert [(f.file, f.row) for f in exc.value.faults] == [("t.csv", 2)]
    assert "a row cut short" in exc.value.faults[0].rule
