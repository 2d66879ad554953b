"""The pre-inspection data pack: open the real PDF and XLSX and check their figures against metrics."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from metrics.pack import build_pack, collect_pack, fmt
from metrics.results import Selection, area_results
from metrics.store import Store
from metrics.weak_areas import weak_areas

AREA, YEAR = "E06000020", 2024


@pytest.fixture(scope="module")
def pdf_text(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str]:
    path, _ = build_pack(demo_store, AREA, tmp_path_factory.mktemp("pack") / "pack.pdf", YEAR)
    reader = PdfReader(str(path))
    return len(reader.pages), "\n".join(p.extract_text() for p in reader.pages)


@pytest.fixture(scope="module")
def workbook(demo_store: Store, tmp_path_factory: pytest.TempPathFactory):
    path, _ = build_pack(demo_store, AREA, tmp_path_factory.mktemp("pack") / "pack.xlsx", YEAR)
    return load_workbook(path)


def test_fmt_rounds_half_up_and_marks_suppression() -> None:
    assert fmt(2.25, 1) == "2.3"  # Python's round() would give 2.2
    assert fmt(1234.5, 0) == "1,235"
    assert fmt(float("nan")) == "–"  # the pages' dash; the PDF's Latin-1 font prints it as "-"
    assert fmt(5.0, 1, suppressed=True) == "c"


def test_pdf_has_cover_outcomes_weak_areas_and_appendix(pdf_text: tuple[int, str], demo_store: Store) -> None:
    pages, text = pdf_text
    assert pages >= 8
    assert "Pre-inspection data pack" in text and "Telford and Wrekin (E06000020)" in text
    assert "SYNTHETIC DEMO DATA" in text
    for name in demo_store.df("SELECT name FROM outcome")["name"]:
        assert name in text
    assert "Weak areas" in text and "Appendix: indicator definitions" in text
    weak = weak_areas(demo_store, Selection(AREA, "england", YEAR))
    assert f"{len(weak)} findings" in text


def test_pdf_figures_equal_what_metrics_computes(pdf_text: tuple[int, str], demo_store: Store) -> None:
    _, text = pdf_text
    res = area_results(demo_store, Selection(AREA, "england", YEAR))
    shown = res[~res["suppressed"] & res["value"].notna()]
    words = {"better": "Better", "worse": "Worse", "similar": "Similar"}
    checked = 0
    for r in shown[shown["comparison"].isin(list(words))].itertuples():
        # the chart's label: symbol, significance word and value, e.g. "- Worse: 83.0"
        assert f"{words[r.comparison]}: {fmt(r.value, int(r.decimal_places))}" in text, r.indicator_id
        checked += 1
    assert checked > 30


def test_xlsx_has_one_sheet_per_outcome_and_metadata(workbook, demo_store: Store) -> None:
    outcomes = list(demo_store.df("SELECT name FROM outcome ORDER BY sort_order")["name"])
    assert workbook.sheetnames[:7] == ["About", "Summary", *outcomes]  # the board summary in words first
    said = [r[1] for r in workbook["Summary"].iter_rows(min_row=2, values_only=True)]
    summary = collect_pack(demo_store, AREA, YEAR).summary
    assert summary is not None and said[:len(summary.sentences)] == [s.text for s in summary.sentences]
    assert {"Weak areas", "Definitions", "Sources"} <= set(workbook.sheetnames)
    about = {r[0]: r[1] for r in workbook["About"].iter_rows(values_only=True)}
    assert about["Area"] == "Telford and Wrekin (E06000020)"
    assert about["Data"].startswith("SYNTHETIC")


def test_xlsx_values_and_flags_equal_metrics(workbook, demo_store: Store) -> None:
    res = area_results(demo_store, Selection(AREA, "england", YEAR)).set_index("indicator_id")
    nb = area_results(demo_store, Selection(AREA, "neighbours", YEAR)).set_index("indicator_id")
    ws = workbook["Stay safe"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    assert len(rows) - 1 == int((res["outcome_id"] == "SS").sum())
    for row in rows[1:]:
        rec = dict(zip(header, row, strict=True))
        r = res.loc[rec["ID"]]
        dp = int(r["decimal_places"])
        if bool(r["suppressed"]):
            assert rec["Value"] == "c"
        elif r["value"] != r["value"]:
            assert rec["Value"] is None
        else:  # a number, printing as the PDF and the pages print it
            assert isinstance(rec["Value"], int | float) and not isinstance(rec["Value"], bool)
            assert fmt(rec["Value"], dp) == fmt(r["value"], dp)
            assert abs(rec["Value"] - r["value"]) <= 0.5 * 10 ** -dp + 1e-9
        assert rec["Vs benchmark"].lower().replace(" ", "_") == r["comparison"]
        assert rec["Vs neighbours"].lower().replace(" ", "_") == nb.loc[rec["ID"], "comparison"]
        assert rec["Band"] == r["band"]


def test_suppressed_figures_print_as_c(demo_store: Store) -> None:
    data = collect_pack(demo_store, "E09000001", YEAR)  # City of London: small counts
    suppressed = data.results[data.results["suppressed"]]
    assert not suppressed.empty
    oid = suppressed.iloc[0]["outcome_id"]
    table = data.outcome_table(oid).set_index("ID")
    assert table.loc[suppressed.iloc[0]["indicator_id"], "Value"] == "c"


def test_unknown_area_and_bad_format_are_refused(demo_store: Store, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown area"):
        build_pack(demo_store, "E99999999", tmp_path / "x.pdf")
    with pytest.raises(ValueError, match=r"\.pdf or \.xlsx"):
        build_pack(demo_store, AREA, tmp_path / "x.docx")
