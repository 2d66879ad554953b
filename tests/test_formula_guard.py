"""One formula guard for every CSV and XLSX the product writes; numbers stay numbers."""

from __future__ import annotations

import ast
import csv
import io
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from metrics.framework import REPO_ROOT
from metrics.spreadsheet import (
    FORMULA_START,
    csv_bytes,
    is_formula_like,
    neutralise,
    neutralise_frame,
)
from metrics.store import Store

ATTACKS = ["=HYPERLINK(\"https://attacker.example\",\"x\")", "-2+3+cmd|' /C calc'!A0", "@SUM(A1:A9)",
           "+1+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Telford and Wrekin", "Telford and Wrekin"),
        ("a=b", "a=b"),  # only the first character matters
        ("", ""),
        (-3.5, -3.5),  # numbers stay numbers, negative ones included
        (-2, -2),
        (np.float64(-0.25), np.float64(-0.25)),
        (None, None),
    ],
)
def test_neutralise(value: object, written: object) -> None:
    assert neutralise(value) == written
    assert type(neutralise(value)) is type(written)


def test_the_guard_covers_every_start_owasp_names() -> None:
    assert set(FORMULA_START) == {"=", "+", "-", "@", "\t", "\r"}


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        *((attack, True) for attack in ATTACKS),
        ("-SUM(A1:A9)", True),
        ("-@x", True),
        ("-", False),  # publishers' "no figure" marks, which no spreadsheet runs
        ("- not published", False),
        ("-: no figure published in LAIT", False),
        ("note - with a dash", False),
    ],
)
def test_what_an_import_refuses(text: str, refused: bool) -> None:
    """The importers refuse formula-like text with the same starts (the readers use this tuple)."""
    from metrics.io.core import FORMULA_START as IMPORT_START

    assert text.startswith(IMPORT_START) is refused
    assert is_formula_like(text) is (text[:1] in FORMULA_START)  # on the way out, every such start is quoted


def test_a_frame_keeps_its_numbers_and_guards_its_text() -> None:
    frame = pd.DataFrame({
        "value": [-3.5, 2.0], "count": pd.array([-1, 4], dtype="Int64"), "title": ["=cmd", "fine"],
        "mixed": ["-2+3", -7.0], "label": pd.Series(["@x", "y"], dtype="string"),
        "kind": pd.Categorical(["+a", "b"]), "=name": [1, 2],
    })
    out = neutralise_frame(frame)
    assert out["value"].tolist() == [-3.5, 2.0] and out["value"].dtype == frame["value"].dtype
    assert out["count"].tolist() == [-1, 4]
    assert out["title"].tolist() == ["'=cmd", "fine"]
    assert out["mixed"].tolist() == ["'-2+3", -7.0]
    assert out["label"].tolist() == ["'@x", "y"] and out["kind"].tolist() == ["'+a", "b"]
    assert list(out.columns)[-1] == "'=name"
    text = csv_bytes(frame).decode("utf-8")
    assert "-3.5" in text and ",-1," in text and "'=cmd" in text and "\n=cmd" not in text
    # A carriage return inside a cell is quoted, so it cannot start a new row with a live formula.
    cr = csv_bytes(pd.DataFrame({"note": ["ok\r=1+1"]})).decode("utf-8")
    assert '"ok\r=1+1"' in cr
    assert frame["title"].tolist() == ["=cmd", "fine"]  # the caller's frame is not changed


# Every writer, on a store holding hostile text ----------------------------------------------


@pytest.fixture()
def hostile(demo_db: Path, tmp_path: Path) -> Iterator[Store]:
    """NI70's title, an observation's note and category, and a user name are formula-like text."""
    copy = tmp_path / "store.duckdb"
    shutil.copy(demo_db, copy)
    s = Store(copy)
    with s.transaction() as cur:
        cur.execute("UPDATE indicator SET title = ?, short_title = ?, definition = ? WHERE indicator_id = 'NI70'",
                    [ATTACKS[0], ATTACKS[1], ATTACKS[2]])
        cur.execute("UPDATE observation SET note = ? WHERE indicator_id = 'NI70' AND area_code = 'E06000020'",
                    [ATTACKS[3]])
    yield s
    s.close()


def _text_cells_csv(data: bytes | str) -> list[str]:
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    # As a spreadsheet splits rows: at every line break, so a CR inside an unquoted cell would show.
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def _cells_xlsx(path: Path) -> list[object]:
    wb = load_workbook(path, read_only=True)
    return [c for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row]


def _number(cell: object) -> bool:
    """A CSV cell holding a number ("-1.5"): a spreadsheet reads it as that number, not a formula."""
    try:
        float(str(cell))
    except ValueError:
        return False
    return True


def _assert_inert(cells: Iterable[object], must_see: str) -> None:
    cells = list(cells)
    live = [c for c in cells if is_formula_like(c) and not _number(c)]
    assert live == [], live[:5]
    assert any(isinstance(c, str) and c == "'" + must_see for c in cells), f"{must_see!r} not written"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export(hostile: Store, tmp_path: Path, fmt: str) -> None:
    from metrics.io.export import export_observations

    out = tmp_path / f"export.{fmt}"
    export_observations(hostile, out, fmt, indicator_ids=["NI70"], area_codes=["E06000020"])
    cells = _text_cells_csv(out.read_bytes()) if fmt == "csv" else _cells_xlsx(out)
    _assert_inert(cells, ATTACKS[0])
    assert any(c == "'" + ATTACKS[3] for c in cells)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_template(hostile: Store, tmp_path: Path, fmt: str) -> None:
    from metrics.io.template import write_template

    out = tmp_path / f"template.{fmt}"
    write_template(hostile, out, area_code="E06000020", indicator_ids=["NI70"], fmt=fmt)
    cells = _text_cells_csv(out.read_bytes()) if fmt == "csv" else _cells_xlsx(out)
    _assert_inert(cells, ATTACKS[0])


def test_pack_xlsx(hostile: Store, tmp_path: Path) -> None:
    from metrics.pack import build_pack

    path, _ = build_pack(hostile, "E06000020", tmp_path / "pack.xlsx")
    cells = _cells_xlsx(path)
    _assert_inert(cells, ATTACKS[1])
    assert any(isinstance(c, (int, float)) and not isinstance(c, bool) for c in cells)  # figures stay numbers


def test_audit_log_csv(hostile: Store) -> None:
    from metrics.auth import AuthError, audit_log_csv, authenticate, create_first_admin

    admin = create_first_admin(hostile, "ada", "a sound long passphrase")
    with pytest.raises(AuthError):
        authenticate(hostile, ATTACKS[0], "whatever it is")  # sign-ins record the name typed
    _assert_inert(_text_cells_csv(audit_log_csv(hostile, admin)), ATTACKS[0])


def test_page_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    """``download_csv`` (catalogue, compare, clusters, profile, ... tables) goes through the guard."""
    import streamlit as st

    from dashboard.components import download_csv

    sent: dict[str, bytes] = {}
    monkeypatch.setattr(st, "download_button", lambda label, data, **kw: sent.setdefault("data", data))
    download_csv(pd.DataFrame({"title": ATTACKS, "value": [-1.5] * len(ATTACKS)}), "x.csv")
    cells = _text_cells_csv(sent["data"])
    _assert_inert(cells, ATTACKS[1])
    assert cells.count("-1.5") == len(ATTACKS)  # negative numbers are not quoted


# Nothing writes a spreadsheet around the guard -------------------------------------------

# Modules allowed to call the writers directly, each with why.
WRITERS_ALLOWED = {
    Path("metrics/spreadsheet.py"): "the guard itself",
    Path("metrics/published.py"): "rebuilds the publisher's own file for our importer, never for a person",
}
WRITER_CALLS = {"to_csv", "to_excel", "writerow", "writerows", "append"}
NEEDS_GUARD = {"Workbook", "writer"}  # openpyxl.Workbook, csv.writer


def test_every_spreadsheet_writer_uses_the_guard() -> None:
    """A module that builds a CSV writer or an openpyxl workbook must also use metrics.spreadsheet."""
    offenders = []
    for folder in ("metrics", "dashboard"):
        for file in sorted((REPO_ROOT / folder).rglob("*.py")):
            rel = file.relative_to(REPO_ROOT)
            if rel in WRITERS_ALLOWED:
                continue
            tree = ast.parse(file.read_text(encoding="utf-8"))
            calls = {getattr(n.func, "attr", None) or getattr(n.func, "id", None)
                     for n in ast.walk(tree) if isinstance(n, ast.Call)}
            guarded = any(isinstance(n, ast.ImportFrom) and n.module == "metrics.spreadsheet"
                          for n in ast.walk(tree))
            if ("to_csv" in calls or "to_excel" in calls or calls & NEEDS_GUARD) and not guarded:
                offenders.append(str(rel))
    assert offenders == []
