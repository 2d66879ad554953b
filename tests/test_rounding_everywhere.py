"""One rounding rule everywhere: a page, the pack's PDF and XLSX print the same string.

The tricky values are those where half-up (DfE's and OHID's rule) and Python's
or JavaScript's binary rounding disagree: 2.25 (exactly representable, so
half-to-even gives 2.2), 12.5 at no decimals (half-to-even gives 12), 0.05 and
0.15 (stored just above and just below the half). The expected strings are the
published rule applied by hand, not the product's output.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from metrics.derived import refresh_derived
from metrics.display import fmt_interval, fmt_value, round_half_up
from metrics.framework import REPO_ROOT
from metrics.pack import build_pack
from metrics.results import Selection, area_results
from metrics.store import Store

AREA = "E06000020"  # Telford and Wrekin
# value written to the store -> (decimal places, what a reader of DfE's tables would see)
TRICKY = [(2.25, 1, "2.3"), (0.05, 1, "0.1"), (0.15, 1, "0.2"), (12.5, 0, "13")]


@pytest.mark.parametrize(("value", "places", "expected"), [
    *[(v, p, e) for v, p, e in TRICKY],
    (1234.5, 0, "1,235"), (2.675, 2, "2.68"), (-0.04, 1, "0.0"), (-2.25, 1, "-2.3"), (1e6, 1, "1,000,000.0"),
])
def test_fmt_value_rounds_half_up(value: float, places: int, expected: str) -> None:
    assert fmt_value(value, places) == expected


@pytest.mark.parametrize("missing", [None, float("nan"), float("inf"), float("-inf"), "n/a"])
def test_missing_and_infinite_values_print_as_a_dash(missing: object) -> None:
    assert fmt_value(missing) == "–"
    assert fmt_interval(missing, 3.0) == "–"
    assert round_half_up(missing) != round_half_up(missing)  # NaN


def test_suppressed_prints_c_whatever_the_value() -> None:
    assert fmt_value(12.5, 0, suppressed=True) == "c"
    assert fmt_value(float("nan"), 1, suppressed=True) == "c"


def test_interval_reads_lower_to_upper() -> None:
    assert fmt_interval(2.25, 12.5, 1) == "2.3 to 12.5"


@pytest.fixture(scope="module")
def tricky_store(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, list[dict]]:
    """A copy of the demo store where four of Telford's headline figures are tricky values."""
    path = tmp_path_factory.mktemp("tricky") / "tricky.duckdb"
    shutil.copy(demo_db, path)
    store = Store(path)
    try:
        year = int(store.df("SELECT max(period_year) AS y FROM ecm_observation")["y"].iloc[0])
        res = area_results(store, Selection(AREA, "england", year))
        headline = res[(~res["suppressed"].astype(bool)) & res["value"].notna()]
        chosen: list[dict] = []
        for value, places, expected in TRICKY:
            pool = headline[(headline["decimal_places"] == places)
                            & ~headline["indicator_id"].isin([c["indicator_id"] for c in chosen])]
            row = pool.iloc[0]
            chosen.append({"indicator_id": row["indicator_id"], "short_title": row["short_title"],
                           "group": row["headline_group"], "value": value, "places": places, "expected": expected})
        with store.transaction() as cur:
            for c in chosen:
                cur.execute(
                    "UPDATE observation SET value = ? WHERE indicator_id = ? AND area_code = ? "
                    "AND period_year = ? AND client_group_id = ? AND sex = 'persons' AND category = ''",
                    [c["value"], c["indicator_id"], AREA, year, c["group"]])
            refresh_derived(cur)
        after = area_results(store, Selection(AREA, "england", year)).set_index("indicator_id")
        for c in chosen:
            assert after.loc[c["indicator_id"], "value"] == c["value"], c
    finally:
        store.close()
    return path, year, chosen


def test_page_pack_pdf_and_xlsx_print_the_same_strings(tricky_store: tuple[Path, int, list[dict]],
                                                        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path, year, chosen = tricky_store
    monkeypatch.setenv("ECM_DB", str(path))
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=90)
    at.switch_page("dashboard/pages/profile.py")
    at.query_params.update({"area": AREA, "period": str(year), "benchmark": "england"})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown: dict[str, str] = {}
    for df in at.dataframe:
        frame = df.value
        if {"Indicator", "Value"} <= set(frame.columns):
            shown.update(zip(frame["Indicator"], frame["Value"], strict=True))

    store = Store(path, read_only=True)
    try:
        pdf, _ = build_pack(store, AREA, tmp_path / "pack.pdf", year)
        xlsx, _ = build_pack(store, AREA, tmp_path / "pack.xlsx", year)
    finally:
        store.close()
    pdf_lines = [line for page in PdfReader(pdf).pages for line in page.extract_text().splitlines()]
    cells: dict[str, object] = {}
    wb = load_workbook(xlsx)
    for ws in wb.worksheets:
        header = [c.value for c in ws[1]]
        if "Indicator" in header and "Value" in header:
            i, v = header.index("Indicator"), header.index("Value")
            for row in ws.iter_rows(min_row=2, values_only=True):
                cells.setdefault(row[i], row[v])

    for c in chosen:
        title, expected = c["short_title"], c["expected"]
        assert shown.get(title) == expected, (title, shown.get(title))
        in_pdf = [line for line in pdf_lines if title[:40] in line]
        assert any(expected in line.split() for line in in_pdf), (title, in_pdf)
        half_even = f"{c['value']:.{c['places']}f}"  # what Python's own formatting would print
        if half_even != expected:
            assert not any(half_even in line.split() for line in in_pdf), (title, in_pdf)
        cell = cells.get(title)
        # The workbook holds the figure as a number, already rounded as printed (2.25 is stored as 2.3).
        assert isinstance(cell, int | float) and cell == float(expected.replace(",", "")), (title, cell)
