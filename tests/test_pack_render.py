"""The data pack as drawn: colours and contrast read from the PDF's own content streams, every weak
area listed, the summary first, charts better to the right, and the XLSX's figures stored as numbers."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from metrics import pack
from metrics.results import Selection, area_results
from metrics.store import Store
from metrics.weak_areas import weak_areas

AREA, YEAR = "E06000020", 2024  # Telford and Wrekin in the demo store: more than 60 weak areas
SMALL = "E09000001"  # City of London: suppressed small counts


# --- WCAG 2 contrast, computed here rather than taken from the code under test -----------------

def luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG 2 relative luminance of an sRGB colour with channels 0..1."""
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


BLACK, WHITE = (0.0, 0.0, 0.0), (1.0, 1.0, 1.0)


def test_contrast_formula_matches_wcag_reference_points() -> None:
    assert contrast(BLACK, WHITE) == pytest.approx(21.0)
    assert contrast(WHITE, WHITE) == pytest.approx(1.0)
    # WCAG's own example threshold: #767676 on white is just over 4.5:1
    assert 4.5 < contrast((0x76 / 255,) * 3, WHITE) < 4.6


# --- A small reader of the content stream fpdf2 writes ------------------------------------------

TOKEN = re.compile(rb"\((?:\\.|[^\\)])*\)|/[^\s/\[\]()<>]+|-?\d*\.?\d+|[A-Za-z*'\"]+|\[|\]|<[0-9A-Fa-f]*>")
FILLS = {b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"}


@dataclass
class Rect:
    x0: float
    y0: float
    x1: float
    y1: float
    fill: tuple[float, float, float]

    def holds(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1


@dataclass
class Text:
    x: float
    y: float
    colour: tuple[float, float, float]
    text: str
    size: float = 0.0


def unescape(raw: bytes) -> str:
    body = raw[1:-1]
    body = re.sub(rb"\\([()\\])", rb"\1", body)
    return body.decode("latin-1")


def read_page(content: bytes) -> tuple[list[Rect], list[Text]]:
    """The filled rectangles and the text runs of one page, in drawing order, with their colours.

    Tracks the non-stroking colour (rg / g) through q/Q, rectangles (re) painted by a
    fill operator, and each Tj's text position (Td inside BT) and the colour it is shown in.
    """
    fill: tuple[float, float, float] = BLACK
    stack: list[tuple[float, float, float]] = []
    operands: list[bytes] = []
    pending: list[tuple[float, float, float, float]] = []
    rects: list[Rect] = []
    texts: list[Text] = []
    tx = ty = size = 0.0
    for tok in TOKEN.findall(content):
        if re.fullmatch(rb"-?\d*\.?\d+", tok) or tok[:1] in (b"(", b"/", b"<", b"[", b"]"):
            operands.append(tok)
            continue
        op = tok
        nums = [float(t) for t in operands if re.fullmatch(rb"-?\d*\.?\d+", t)]
        if op == b"q":
            stack.append(fill)
        elif op == b"Q":
            fill = stack.pop()
        elif op == b"rg":
            fill = (nums[-3], nums[-2], nums[-1])
        elif op == b"g":
            fill = (nums[-1],) * 3
        elif op == b"re":
            x, y, w, h = nums[-4:]
            pending.append((min(x, x + w), min(y, y + h), max(x, x + w), max(y, y + h)))
        elif op in FILLS:
            rects.extend(Rect(*p, fill=fill) for p in pending)
            pending = []
        elif op in (b"S", b"s", b"n"):
            pending = []
        elif op == b"BT":
            tx = ty = 0.0
        elif op == b"Tf":
            size = nums[-1]
        elif op == b"Td":
            tx, ty = tx + nums[-2], ty + nums[-1]
        elif op == b"Tj":
            texts.append(Text(tx, ty, fill, unescape(operands[-1]), size))
        operands = []
    return rects, texts


def background(rects: list[Rect], t: Text) -> tuple[float, float, float] | None:
    """The colour of the last rectangle filled under a text run's first glyph (None: the white page)."""
    under = [r for r in rects if r.holds(t.x + 1, t.y + 2)]
    return under[-1].fill if under else None


# --- Fixtures ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pdf(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> PdfReader:
    path, _ = pack.build_pack(demo_store, AREA, tmp_path_factory.mktemp("pack") / "pack.pdf", YEAR)
    return PdfReader(str(path))


@pytest.fixture(scope="module")
def drawn(pdf: PdfReader) -> list[tuple[list[Rect], list[Text]]]:
    return [read_page(p.get_contents().get_data()) for p in pdf.pages]


@pytest.fixture(scope="module")
def page_texts(pdf: PdfReader) -> list[str]:
    return [p.extract_text() for p in pdf.pages]


@pytest.fixture(scope="module")
def results(demo_store: Store) -> pd.DataFrame:
    return area_results(demo_store, Selection(AREA, "england", YEAR))


@pytest.fixture(scope="module")
def weak(demo_store: Store) -> pd.DataFrame:
    return weak_areas(demo_store, Selection(AREA, "england", YEAR))


def half_up(value: float, places: int) -> float:
    return float(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


# --- Colours -----------------------------------------------------------------------------------

def test_every_text_run_has_at_least_4_5_to_1_contrast_with_what_it_is_drawn_on(drawn) -> None:
    checked = on_fill = 0
    for page_no, (rects, texts) in enumerate(drawn, start=1):
        for t in texts:
            bg = background(rects, t) or WHITE
            ratio = contrast(t.colour, bg)
            assert ratio >= 4.5, f"page {page_no}: {t.text!r} {t.colour} on {bg}: {ratio:.2f}:1"
            checked += 1
            on_fill += background(rects, t) is not None
    assert checked > 2000 and on_fill > 1000  # the tables' cells are among them


def test_no_table_cell_background_is_dark_on_any_page(drawn) -> None:
    """The reported bug: cells filled with the last chart's dark grey, orange or blue."""
    pages_with_tables = 0
    for page_no, (rects, texts) in enumerate(drawn, start=1):
        behind_text = {background(rects, t) for t in texts} - {None}
        for fill in behind_text:
            assert contrast(fill, BLACK) >= 4.5, f"page {page_no}: a cell filled {fill}"
            assert luminance(fill) > 0.8, f"page {page_no}: a cell filled {fill}"
        pages_with_tables += bool(behind_text)
    # the summary's table, the five outcomes', the weak areas' and the highlights' at least
    assert pages_with_tables >= 8


def test_tables_after_a_chart_are_white_with_a_light_grey_header(drawn, page_texts: list[str]) -> None:
    weak_page = next(i for i, t in enumerate(page_texts) if "Weak areas: where the area" in t)
    assert any("Chart: better is always to the right" in t for t in page_texts[:weak_page])
    rects, texts = drawn[weak_page]
    fills = Counter(background(rects, t) for t in texts if background(rects, t) is not None)
    assert set(fills) == {(1.0, 1.0, 1.0), (0.949, 0.949, 0.949)}
    assert fills[(1.0, 1.0, 1.0)] > fills[(0.949, 0.949, 0.949)]


def test_demo_banner_is_dark_enough_on_white(drawn) -> None:
    rects, texts = drawn[0]
    banner = next(t for t in texts if t.text.startswith("SYNTHETIC DEMO DATA"))
    assert background(rects, banner) is None
    assert contrast(banner.colour, WHITE) >= 4.5
    assert banner.colour != (213 / 255, 94 / 255, 0.0)


# --- Every weak area, the summary first ---------------------------------------------------------

def test_pdf_lists_every_weak_area(pdf: PdfReader, page_texts: list[str], weak: pd.DataFrame) -> None:
    assert len(weak) > 60
    start = next(i for i, t in enumerate(page_texts) if "Weak areas: where the area" in t)
    end = next(i for i, t in enumerate(page_texts) if "Cluster and client-group highlights" in t)
    text = "\n".join(page_texts[start:end])
    assert end - start >= 2  # more than one page, its header row repeated
    assert text.count("Why listed") == end - start
    for name in weak["short_title"].unique():
        assert name in text, name
    # one table row per finding: a line ending in its reason
    whys = set(weak["why"])
    rows = [line for line in text.splitlines() if any(line.rstrip().endswith(w) for w in whys)]
    assert len(rows) == len(weak)
    assert Counter(r for r in rows if r.startswith("Whole area")) == Counter(
        r for r in rows if r.startswith("Whole area"))  # sanity: lines are whole rows
    assert sum(line.startswith("Whole area") for line in rows) == int((weak["scope"] == "Whole area").sum())


def _figures_page(page_texts: list[str]) -> int:
    return next(i for i, t in enumerate(page_texts) if "Pre-inspection data pack: summary" in t)


def test_the_pack_opens_with_the_board_summary_in_words(page_texts: list[str], demo_store: Store) -> None:
    data = pack.collect_pack(demo_store, AREA, YEAR)
    assert data.summary is not None
    words = page_texts[:_figures_page(page_texts)]
    assert 1 <= len(words) <= 2  # a board reads it on a page or two
    footer = re.compile(r"Telford and Wrekin data pack, period ending 2024 - page \d+/\d+|SYNTHETIC DEMO DATA - describes no real area")
    flat = " ".join(footer.sub(" ", " ".join(words)).split())
    assert flat.startswith("Telford and Wrekin: summary for the board")
    for s in [*data.summary.sentences, *(x for xs in data.summary.outcomes.values() for x in xs)]:
        assert " ".join(pack.latin1_text(s.text).split()) in flat, s.text
    for name in data.summary.outcome_names.values():  # no heading left alone at a page's foot
        for page in words:
            lines = [ln.strip() for ln in page.splitlines() if ln.strip() and not footer.fullmatch(ln.strip())]
            assert not lines or lines[-1] != name, f"{name} ends a page alone"


def test_then_the_summary_in_figures(page_texts: list[str], results: pd.DataFrame, weak: pd.DataFrame,
                                     demo_store: Store) -> None:
    at = _figures_page(page_texts)
    first = page_texts[at]
    flat = " ".join(first.split())
    assert "Telford and Wrekin (E06000020)" in first and "Period ending: 2024" in first
    assert "Benchmark: England" in first
    assert "About this pack" in page_texts[at + 1] and "About this pack" not in first
    outcomes = demo_store.df("SELECT outcome_id, name FROM outcome ORDER BY sort_order")
    for oid, name in outcomes.itertuples(index=False):
        r = results[results["outcome_id"] == oid]
        c = r["comparison"]
        expected = [len(r), (c == "better").sum(), (c == "similar").sum(), (c == "worse").sum(),
                    (~c.isin(["better", "similar", "worse"])).sum(), (r["trend"] == "getting_worse").sum()]
        assert f"{name} " + " ".join(str(int(n)) for n in expected) in first, name
    assert f"All outcomes {len(results)} " in first
    assert f"{len(weak)} findings" in first
    for w in weak.head(5).itertuples():
        assert f"{w.short_title} ({w.scope}" in flat
    data = pack.collect_pack(demo_store, AREA, YEAR)
    if data.ofsted_line:
        assert " ".join(data.ofsted_line.split()) in flat


def test_pdf_metadata_title_language_subject(pdf: PdfReader) -> None:
    meta = pdf.metadata
    assert meta is not None
    assert "Telford and Wrekin" in meta.title and "Telford and Wrekin" in meta.subject
    assert meta.author
    assert pdf.trailer["/Root"]["/Lang"] == "en-GB"


# --- Symbols and chart orientation ---------------------------------------------------------------

def test_worse_is_never_a_bare_minus_and_legends_say_the_words(page_texts: list[str], results: pd.DataFrame) -> None:
    text = "\n".join(page_texts)
    assert "- Worse" not in text
    symbols = set(pack.SYMBOLS.values())
    assert len(symbols) == len(pack.SYMBOLS) and "-" not in symbols
    worse = results[(results["comparison"] == "worse") & ~results["suppressed"]]
    assert not worse.empty
    for r in worse.itertuples():
        assert f"{pack.SYMBOLS['worse']} Worse: {pack.fmt(r.value, int(r.decimal_places))}" in text
    flat = " ".join(text.split())
    for key, symbol in pack.SYMBOLS.items():  # the chart key: each symbol with its words
        word = {"not_compared": "Not compared"}.get(key, key.capitalize())
        assert f"{symbol} {word}" in flat, key


def test_position_flips_where_lower_is_better() -> None:
    # a benchmark of 5 among LAs from 0 to 10: a value of 2 is better than 8 where lower is better
    better, worse = pack.spine_x(2, 5, 0, 10, "low_is_good"), pack.spine_x(8, 5, 0, 10, "low_is_good")
    assert better > 0 > worse
    assert better == pytest.approx(0.6) and worse == pytest.approx(-0.6)
    # higher is better: the raw direction
    assert pack.spine_x(8, 5, 0, 10, "high_is_good") == pytest.approx(0.6)
    # no polarity: raw direction, higher to the right
    assert pack.spine_x(8, 5, 0, 10, "no_judgement") > pack.spine_x(2, 5, 0, 10, "no_judgement")
    assert pack.spine_x(5, 5, 0, 10, "low_is_good") == 0  # the benchmark at the centre
    assert pack.spine_x(-3, 5, 0, 10, "high_is_good") == -1  # held at the edge
    assert pack.axis_words("low_is_good") == ("Worse", "Better")
    assert pack.axis_words("high_is_good") == ("Worse", "Better")
    assert pack.axis_words("no_judgement") == ("Lower", "Higher")


def test_better_is_to_the_right_for_every_compared_indicator(results: pd.DataFrame) -> None:
    tested = results[results["comparison"].isin(["better", "worse"]) & results["polarity"].isin(pack.POLARITIES)]
    assert {"low_is_good", "high_is_good"} <= set(tested["polarity"])
    for r in tested.itertuples():
        x = pack.spine_x(r.value, r.benchmark_value, r.la_min, r.la_max, r.polarity)
        assert (x > 0) == (r.comparison == "better"), r.indicator_id


def test_chart_rows_say_worse_on_the_left_and_better_on_the_right(drawn, results: pd.DataFrame) -> None:
    rows = 0
    for _, texts in drawn:
        by_line: dict[float, dict[str, float]] = {}
        for t in texts:  # the chart rows' end words, in their own small type (tables say "Higher" too)
            if t.text in ("Worse", "Better", "Lower", "Higher") and t.size < 6.5:
                by_line.setdefault(round(t.y, 1), {})[t.text] = t.x
        for ends in by_line.values():
            assert set(ends) in ({"Worse", "Better"}, {"Lower", "Higher"}), ends
            left, right = ("Worse", "Better") if "Worse" in ends else ("Lower", "Higher")
            assert ends[left] < ends[right]
            rows += 1
    drawable = results[results["la_max"] > results["la_min"]]
    assert rows == len(drawable)
    assert sum("Lower" in [t.text for t in texts] for _, texts in drawn) >= 1


# --- XLSX: numbers as numbers --------------------------------------------------------------------

@pytest.fixture(scope="module")
def xlsx(demo_store: Store, tmp_path_factory: pytest.TempPathFactory):
    path, _ = pack.build_pack(demo_store, AREA, tmp_path_factory.mktemp("pack") / "pack.xlsx", YEAR)
    return load_workbook(path)


def sheet_rows(ws) -> list[dict[str, object]]:
    cells = list(ws.iter_rows())
    header = [c.value for c in cells[0]]
    return [dict(zip(header, row, strict=True)) for row in cells[1:]]


def assert_figure(cell, value: float, places: int) -> None:
    assert cell.data_type == "n", (cell.coordinate, cell.value)
    assert not isinstance(cell.value, bool)
    assert cell.value == pytest.approx(half_up(value, places), abs=1e-9), cell.coordinate


def test_xlsx_outcome_sheets_hold_numbers_equal_to_metrics(xlsx, results: pd.DataFrame, demo_store: Store) -> None:
    nb = area_results(demo_store, Selection(AREA, "neighbours", YEAR)).set_index("indicator_id")
    res = results.set_index("indicator_id")
    outcomes = demo_store.df("SELECT outcome_id, name FROM outcome ORDER BY sort_order")
    checked = 0
    for oid, name in outcomes.itertuples(index=False):
        rows = sheet_rows(xlsx[name])
        assert len(rows) == int((results["outcome_id"] == oid).sum())
        for rec in rows:
            r = res.loc[rec["ID"].value]
            dp = int(r["decimal_places"])
            assert_figure(rec["Benchmark"], r["benchmark_value"], dp)
            assert rec["Indicator"].data_type == "s" and rec["Indicator"].value == r["short_title"]
            checked += 1
            if r["suppressed"]:  # "c" text, no figure of it anywhere in the row
                assert rec["Value"].value == "c" and rec["Value"].data_type == "s"
                assert rec["Count"].value == "c" and rec["CI lower"].value == "c"
                continue
            assert_figure(rec["Value"], r["value"], dp)
            assert_figure(rec["Neighbours"], nb.loc[rec["ID"].value, "benchmark_value"], dp)
            assert_figure(rec["Year"], r["period_year"], 0)
            if r["count"] == r["count"]:
                assert_figure(rec["Count"], r["count"], 0)
            if r["compared_lower"] == r["compared_lower"]:
                assert_figure(rec["CI lower"], r["compared_lower"], dp)
                assert_figure(rec["CI upper"], r["compared_upper"], dp)
                assert_figure(rec["CI level (%)"], r["confidence_level"], 1)
            else:
                assert rec["CI lower"].value is None
            if r["rank"] == r["rank"]:
                assert_figure(rec["Rank"], r["rank"], 0)
                assert_figure(rec["Ranked of"], r["n_ranked"], 0)
            else:
                assert rec["Rank"].value is None
    assert checked == len(results)


def test_xlsx_weak_areas_sheet_has_every_finding_with_value_and_benchmark(xlsx, weak: pd.DataFrame) -> None:
    rows = sheet_rows(xlsx["Weak areas"])
    assert len(rows) == len(weak)
    for rec, w in zip(rows, weak.itertuples(), strict=True):
        assert rec["Indicator"].value == w.short_title and rec["Where"].value == w.scope
        assert rec["Why listed"].value == w.why
        dp = int(w.decimal_places)
        if w.suppressed:
            assert rec["Value"].value == "c" and rec["Value"].data_type == "s"
        else:
            assert_figure(rec["Value"], w.value, dp)
        assert_figure(rec["Benchmark"], w.benchmark_value, dp)


def test_xlsx_suppressed_figures_stay_c_text(demo_store: Store, tmp_path: Path) -> None:
    path, _ = pack.build_pack(demo_store, SMALL, tmp_path / "small.xlsx", YEAR)
    wb = load_workbook(path)
    res = area_results(demo_store, Selection(SMALL, "england", YEAR)).set_index("indicator_id")
    outcomes = demo_store.df("SELECT name FROM outcome ORDER BY sort_order")["name"]
    suppressed = 0
    for name in outcomes:
        for rec in sheet_rows(wb[name]):
            r = res.loc[rec["ID"].value]
            if r["suppressed"]:
                for col in ("Value", "Count", "CI lower", "CI upper"):
                    assert rec[col].value == "c" and rec[col].data_type == "s", (rec["ID"].value, col)
                assert rec["CI level (%)"].value is None
                suppressed += 1
            elif r["value"] == r["value"]:
                assert rec["Value"].data_type == "n"
    assert suppressed > 0


def test_formula_guard_applies_to_text_cells_only() -> None:
    assert str(pack._safe_cell("=HYPERLINK(\"x\")")).startswith("'")
    assert pack._safe_cell("+44 1234") != "+44 1234"
    assert pack._safe_cell(-3.5) == -3.5 and pack._safe_cell(12) == 12
    assert pack._safe_cell("c") == "c" and pack._safe_cell("-") is None
    assert pack._safe_cell(float("nan")) is None


def test_xlsx_cluster_and_client_group_sheets_hold_every_figure_as_a_number(xlsx, demo_store: Store) -> None:
    from metrics.subgroups import client_group_results, cluster_results

    sel = Selection(AREA, "england", YEAR)
    for sheet, frame, pairs in (
        ("Clusters", cluster_results(demo_store, AREA, sel),
         (("Value", "value"), ("CI lower", "lower95"), ("CI upper", "upper95"), ("LA value", "la_value"))),
        ("Client groups", client_group_results(demo_store, sel),
         (("Value", "value"), ("CI lower", "lower95"), ("CI upper", "upper95"), ("All children", "all_value"),
          ("Gap", "gap"), ("Gap lower", "gap_lower"), ("Gap upper", "gap_upper"))),
    ):
        rows = sheet_rows(xlsx[sheet])
        assert len(rows) == len(frame) > 0
        for rec, f in zip(rows, frame.to_dict("records"), strict=True):
            assert rec["ID"].value == f["indicator_id"]
            assert_figure(rec["Year"], f["period_year"], 0)
            for col, src in pairs:
                if f["suppressed"] and src not in ("la_value", "all_value"):
                    assert rec[col].value == "c" and rec[col].data_type == "s"
                elif f[src] == f[src]:
                    assert_figure(rec[col], f[src], int(f["decimal_places"]))
                else:
                    assert rec[col].value is None
