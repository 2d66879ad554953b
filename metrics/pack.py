"""The pre-inspection data pack: one area's evidence, outcome by outcome, as PDF and XLSX.

Inspectors read it before fieldwork, so every figure in it is the figure the
dashboard shows: the pack is assembled from :func:`metrics.results.area_results`,
:func:`metrics.weak_areas.weak_areas` and :mod:`metrics.subgroups`, never from
queries of its own. Charts are drawn with the PDF library's own vector
primitives, so building a pack needs no browser (Plotly's static export would).

Figures are rounded only at the edge, half up as DfE publishes them, by the
same formatter as the pages (:mod:`metrics.display`); suppressed figures print as "c".
The XLSX holds the same figures as numbers (rounded the same way), with "c" text
where a figure is suppressed.

The PDF is not a tagged (PDF/UA) document: fpdf2 2.8.9, which writes it, puts only
images and links in a structure tree (no headings, paragraphs or tables) and offers
PDF/A as its only compliance profile, so the PDF carries title, language, subject and
author metadata and the XLSX, with every figure in plain cells, is the accessible alternative.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from metrics.display import MISSING, ci_text, fmt_value, rank_text, round_half_up
from metrics.labels import (
    COMPARISON_COLOURS,
    COMPARISON_WORDS,
    SUPPRESSED_WORDS,
    TREND_WINDOW,
    TREND_WORDS,
    rgb,
    trend_periods_text,
)
from metrics.lookups import LATEST_AVAILABLE, DatasetStatus, area_info, dataset_status
from metrics.ofsted import Inspection, inspections, inspections_frame, latest_inspection
from metrics.published import read_manifest
from metrics.results import BENCHMARKS, Selection, area_results
from metrics.spreadsheet import neutralise
from metrics.store import Store
from metrics.subgroups import client_group_results, cluster_results
from metrics.summary import Summary, summarise
from metrics.weak_areas import weak_areas

Progress = Callable[[float, str], None]

# Latin-1 symbols for the PDF's core fonts; words and colours are the pages' own (metrics.labels).
COLOURS = {k: rgb(v) for k, v in COMPARISON_COLOURS.items()}
#: Comparisons that are significance tests; the rest may be placed by band instead.
TESTED = ("better", "similar", "worse")
# "!" for worse, never "-": "- Worse: 9.5" read as a minus sign. Every legend gives the words too.
SYMBOLS = {"better": "+", "similar": "=", "worse": "!", "higher": "^", "lower": "v", "not_compared": "o"}
#: Text and backgrounds, set explicitly wherever the PDF writes or fills (each pair >= 4.5:1 contrast).
TEXT = (11, 12, 12)  # the pages' near-black, #0b0c0c
WHITE = (255, 255, 255)
HEADER_FILL = (242, 242, 242)
RULE = (120, 120, 120)  # table borders
BANNER = (166, 64, 0)  # dark orange: 6.3:1 on white (the lighter #D55E00 is only 4.0:1)
#: Polarities that say which direction is better; the rest are activity measures (higher / lower).
POLARITIES = ("high_is_good", "low_is_good")


def fmt(value: object, places: int = 1, suppressed: bool = False) -> str:
    """A figure as printed: the product's one formatter (:func:`metrics.display.fmt_value`)."""
    return fmt_value(value, places, suppressed)


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def number(value: object, places: int = 1, suppressed: bool = False) -> float | int | str | None:
    """A figure as the XLSX holds it: a number rounded half-up as :func:`fmt` prints it, "c" when suppressed.

    None (a blank cell) when there is no figure; a whole number when ``places`` is 0.
    """
    if suppressed:
        return "c"
    rounded = round_half_up(value, max(places, 0))
    if rounded != rounded:  # missing, NaN or infinite: no figure
        return None
    return int(rounded) if places <= 0 else rounded


def spine_x(value: float, centre: float, la_min: float, la_max: float, polarity: str | None) -> float:
    """Where ``value`` sits on a pack chart's row, from -1 (left edge) to +1 (right edge).

    The screen's spine-chart rule (dashboard/charts/spine.py): the benchmark's value
    (``centre``) at 0, the LA farthest from it at +/-1, and for an indicator where
    lower is better the scale flipped, so that better is always to the right. Measures
    without a polarity keep the raw direction (higher to the right). NaN when the
    LAs' range gives no scale; values beyond it are held at the edge.
    """
    if _missing(centre):
        centre = (la_min + la_max) / 2
    half = max(abs(la_max - centre), abs(centre - la_min))
    if _missing(value) or not half > 0:
        return math.nan
    x = (value - centre) / half
    if polarity == "low_is_good":
        x = -x
    return min(max(x, -1.0), 1.0)


def axis_words(polarity: str | None) -> tuple[str, str]:
    """The words at a chart row's (left, right) ends: worse/better where the indicator has a polarity."""
    return ("Worse", "Better") if polarity in POLARITIES else ("Lower", "Higher")


def comparison_counts(results: pd.DataFrame) -> dict[str, int]:
    """Better / similar / worse / not compared (any other comparison) and getting worse, for a summary."""
    comp = results["comparison"]
    return {
        "better": int((comp == "better").sum()),
        "similar": int((comp == "similar").sum()),
        "worse": int((comp == "worse").sum()),
        "not_compared": int((~comp.isin(list(TESTED))).sum()),
        "getting_worse": int((results["trend"] == "getting_worse").sum()),
    }


@dataclass
class PackData:
    """Everything a pack shows, as frames: the PDF and XLSX writers only lay it out."""

    area_code: str
    area_name: str
    period_year: int | None  # None: each indicator's latest available period
    benchmark: str
    benchmark_name: str
    demo: bool
    dataset: DatasetStatus
    generated_at: dt.datetime
    sources: pd.DataFrame
    versions: dict[str, str]
    results: pd.DataFrame
    neighbours: pd.DataFrame
    weak: pd.DataFrame
    clusters: pd.DataFrame
    client_groups: pd.DataFrame
    definitions: pd.DataFrame
    outcomes: list[tuple[str, str]] = field(default_factory=list)
    #: Ofsted's ILACS inspections of the area, newest first (none for England or a region).
    ofsted: list[Inspection] = field(default_factory=list)
    #: The plain-English summary the scorecard opens with (:mod:`metrics.summary`).
    summary: Summary | None = None

    @property
    def ofsted_line(self) -> str | None:
        graded = [i for i in self.ofsted if i.overall]
        if not graded:
            return None
        parts = "; ".join(f"{name}: {grade}" for name, grade in graded[0].judgements[1:])
        return f"Ofsted (ILACS, on Ofsted's own scale): {graded[0].sentence}. {parts}."

    @property
    def period_text(self) -> str:
        """"2025", or "latest available" (each indicator its own latest period, in its row)."""
        return str(self.period_year) if self.period_year else LATEST_AVAILABLE

    def outcome_table(self, outcome_id: str) -> pd.DataFrame:
        """The headline rows of one outcome, as printed (strings), in catalogue order."""
        r = self.results[self.results["outcome_id"] == outcome_id]
        nb = self.neighbours.set_index("indicator_id")
        rows = []
        for x in r.itertuples():
            dp = int(x.decimal_places)
            s = bool(x.suppressed)
            n = nb.loc[x.indicator_id] if x.indicator_id in nb.index else None
            rows.append({
                "Indicator": x.short_title,
                "ID": x.indicator_id,
                "Period": x.period_label if isinstance(x.period_label, str) else "-",
                "Unit": x.unit,
                "Value": fmt(x.value, dp, s),
                "CI used": ci_text(x.compared_lower, x.compared_upper, x.confidence_level, dp, s, "-"),
                "Benchmark": fmt(x.benchmark_value, dp),
                "Vs benchmark": COMPARISON_WORDS.get(x.comparison, x.comparison)
                + (f" (band {x.band}, no test)" if x.comparison not in TESTED and x.band in ("A", "D") else ""),
                "Neighbours": "-" if n is None else fmt(n["benchmark_value"], dp),
                "Vs neighbours": "-" if n is None else COMPARISON_WORDS.get(n["comparison"], n["comparison"]),
                "Band": x.band if isinstance(x.band, str) else "-",
                "Rank": rank_text(x.rank, x.n_ranked, "-"),  # as the pages print it
                "Trend": TREND_WORDS.get(x.trend, str(x.trend)),
                "Trend periods": trend_periods_text(x.trend_periods) if isinstance(x.trend_periods, tuple) else "-",
            })
        return pd.DataFrame(rows)

    def outcome_sheet(self, outcome_id: str) -> pd.DataFrame:
        """The headline rows of one outcome for the XLSX: figures as numbers, "c" where suppressed.

        The same rows and rounding as :meth:`outcome_table`; the confidence interval
        and the rank are split into their numbers so a spreadsheet can sort and sum them.
        """
        r = self.results[self.results["outcome_id"] == outcome_id]
        nb = self.neighbours.set_index("indicator_id")
        rows = []
        for x in r.itertuples():
            dp = int(x.decimal_places)
            s = bool(x.suppressed)
            n = nb.loc[x.indicator_id] if x.indicator_id in nb.index else None
            has_ci = not _missing(x.compared_lower)
            ranked = not _missing(x.rank)
            rows.append({
                "Indicator": x.short_title,
                "ID": x.indicator_id,
                "Period": x.period_label if isinstance(x.period_label, str) else None,
                "Year": number(x.period_year, 0),
                "Unit": x.unit,
                "Count": number(x.count, 0, s),
                "Value": number(x.value, dp, s),
                "CI lower": number(x.compared_lower, dp, s) if has_ci or s else None,
                "CI upper": number(x.compared_upper, dp, s) if has_ci or s else None,
                "CI level (%)": float(x.confidence_level) if has_ci and not s else None,
                "Benchmark": number(x.benchmark_value, dp),
                "Vs benchmark": COMPARISON_WORDS.get(x.comparison, x.comparison)
                + (f" (band {x.band}, no test)" if x.comparison not in TESTED and x.band in ("A", "D") else ""),
                "Neighbours": None if n is None else number(n["benchmark_value"], dp),
                "Vs neighbours": None if n is None else COMPARISON_WORDS.get(n["comparison"], n["comparison"]),
                "Band": x.band if isinstance(x.band, str) else None,
                "Rank": int(x.rank) if ranked else None,
                "Ranked of": int(x.n_ranked) if ranked else None,
                "Trend": TREND_WORDS.get(x.trend, str(x.trend)),
                "Trend periods": trend_periods_text(x.trend_periods) if isinstance(x.trend_periods, tuple) else None,
            })
        return pd.DataFrame(rows, columns=list(rows[0]) if rows else None, dtype=object)

    def weak_sheet(self) -> pd.DataFrame:
        """Every weak area for the XLSX, with the figure and the benchmark's as numbers ("c" where suppressed)."""
        w = self.weak
        dps = [int(d) for d in w["decimal_places"]]
        return pd.DataFrame({
            "Where": w["scope"], "Outcome": w["outcome_name"], "Indicator": w["short_title"],
            "ID": w["indicator_id"], "Period": w["period_label"],
            "Value": [number(v, d, bool(s)) for v, d, s in zip(w["value"], dps, w["suppressed"], strict=True)],
            "Benchmark": [number(v, d) for v, d in zip(w["benchmark_value"], dps, strict=True)],
            "Benchmark name": w["benchmark_name"],
            "Why listed": w["why"],
        })

    def cluster_sheet(self) -> pd.DataFrame:
        """Every cluster figure for the XLSX (the PDF lists the worse ones), "c" where suppressed."""
        c = self.clusters
        if c.empty:
            return pd.DataFrame()
        return pd.DataFrame({
            "Cluster": c["name"], "Code": c["area_code"], "Outcome": c["outcome_name"],
            "Indicator": c["short_title"], "ID": c["indicator_id"], "Period": c["period_label"],
            "Year": [number(y, 0) for y in c["period_year"]],
            **_numbers(c, (("Value", "value"), ("CI lower", "lower95"), ("CI upper", "upper95"))),
            **_numbers(c, (("LA value", "la_value"),), suppressible=False),
            "Compared with LA": c["comparison"].map(lambda k: COMPARISON_WORDS.get(k, k)),
        })

    def client_group_sheet(self) -> pd.DataFrame:
        """Every client-group figure for the XLSX (the PDF lists the worse ones), "c" where suppressed."""
        g = self.client_groups
        if g.empty:
            return pd.DataFrame()
        return pd.DataFrame({
            "Client group": g["group_name"], "Indicator": g["short_title"], "ID": g["indicator_id"],
            "Period": g["period_label"], "Year": [number(y, 0) for y in g["period_year"]],
            **_numbers(g, (("Value", "value"), ("CI lower", "lower95"), ("CI upper", "upper95"))),
            **_numbers(g, (("All children", "all_value"),), suppressible=False),
            **_numbers(g, (("Gap", "gap"), ("Gap lower", "gap_lower"), ("Gap upper", "gap_upper"))),
            "Compared with all children": g["comparison"].map(lambda k: COMPARISON_WORDS.get(k, k)),
        })


def _numbers(frame: pd.DataFrame, columns: tuple[tuple[str, str], ...],
             suppressible: bool = True) -> dict[str, list[object]]:
    """XLSX columns of figures: ``(header, source column)`` at each row's decimal places, "c" where
    the row is suppressed (``suppressible``; a comparator's own value never is)."""
    dps = [int(d) for d in frame["decimal_places"]]
    hidden = [bool(h) and suppressible for h in frame["suppressed"]]
    return {header: [number(v, d, h) for v, d, h in zip(frame[src], dps, hidden, strict=True)]
            for header, src in columns}


def collect_pack(store: Store, area_code: str, period_year: int | None = None,
                 benchmark: str = "england") -> PackData:
    """Gather the pack's figures through the same functions the pages use."""
    info = area_info(store, area_code)
    if info is None:
        raise ValueError(f"unknown area {area_code!r}")
    if benchmark not in BENCHMARKS:
        raise ValueError(f"unknown benchmark {benchmark!r}; one of {', '.join(BENCHMARKS)}")
    # None: each indicator's latest available period, as the pages show by default
    sel = Selection(area_code, benchmark, period_year or None, "all")  # type: ignore[arg-type]
    res = area_results(store, sel)
    if res["value"].notna().sum() == 0 and not res["suppressed"].any():
        raise ValueError(f"no data for {info['name']} in {sel.period_text}")
    nb = area_results(store, Selection(area_code, "neighbours", sel.period_year, "all"))
    weak = weak_areas(store, sel)
    clusters = cluster_results(store, area_code, sel) if info["area_type"] == "la" else pd.DataFrame()
    groups = client_group_results(store, sel)
    outcomes = store.df("SELECT outcome_id, name FROM outcome ORDER BY sort_order")
    definitions = store.df(
        """SELECT indicator_id, short_title, title, definition, numerator_definition, denominator_definition,
                  polarity, value_type, unit, ci_method, source, period_type, outcome_id, aim_id
           FROM indicator WHERE mapped ORDER BY outcome_id, indicator_id"""
    )
    definitions = definitions[definitions["indicator_id"].isin(res["indicator_id"])]
    sources = store.df(
        "SELECT batch_id, source_file, format, imported_at, imported_by, rows_written, status"
        " FROM import_batch ORDER BY batch_id"
    )
    # Who published each file the snapshot holds (data/published/manifest.csv), so the
    # pack names its sources as the Open Government Licence asks.
    origin = pd.DataFrame([(m.file, m.publisher, m.title) for m in read_manifest()],
                          columns=["source_file", "publisher", "title"]).drop_duplicates("source_file")
    sources = sources.merge(origin, on="source_file", how="left")
    status = dataset_status(store)
    versions = {
        "dataset": status.label,
        "data version": store.data_version(),
        "schema version": str(store.scalar("SELECT max(version) FROM schema_version")),
    }
    return PackData(
        area_code=area_code, area_name=str(info["name"]), period_year=sel.period_year, benchmark=benchmark,
        benchmark_name=str(res["benchmark_name"].iloc[0]) if len(res) else BENCHMARKS[benchmark],
        demo=status.any_synthetic, dataset=status, generated_at=dt.datetime.now().replace(microsecond=0), sources=sources,
        versions=versions, results=res, neighbours=nb[["indicator_id", "benchmark_value", "comparison"]],
        weak=weak, clusters=clusters, client_groups=groups, definitions=definitions,
        outcomes=list(outcomes.itertuples(index=False, name=None)),
        ofsted=inspections(store, area_code) if info["area_type"] == "la" else [],
        summary=summarise(str(info["name"]), sel, res, groups,
                          latest_inspection(store, area_code) if info["area_type"] == "la" else None,
                          str(info["area_type"])),
    )


# --- XLSX -------------------------------------------------------------------------------------

def _summary_frame(summary: Summary) -> pd.DataFrame:
    """The board summary, a sentence a row: the area's first, then each outcome's."""
    rows = [("Area", s.text) for s in summary.sentences]
    rows += [(summary.outcome_names[oid], s.text) for oid, ss in summary.outcomes.items() for s in ss]
    rows.append(("Method", summary.note))
    return pd.DataFrame(rows, columns=["About", "Summary"])


def _safe_cell(value: object) -> object:
    """A cell as written: "-" (nothing to show) left blank, formula-like text made inert, numbers as numbers."""
    if _missing(value):
        return None
    if isinstance(value, bool):
        return value
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars: openpyxl wants Python numbers
        value = value.item()
    if value in ("-", MISSING):
        return None
    return neutralise(value)


def write_pack_xlsx(data: PackData, path: Path | str) -> Path:
    """One sheet per outcome plus metadata, weak areas, clusters, client groups and definitions."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    path = Path(path)
    wb = Workbook()
    meta = wb.active
    meta.title = "About"
    rows = [
        ("Pre-inspection data pack", ""),
        ("Area", f"{data.area_name} ({data.area_code})"),
        ("Period ending", data.period_text),
        ("Benchmark", data.benchmark_name),
        ("Significance", "Area's confidence interval (95%, or 99.8% where Fingertips sets it; the CI used "
                         "column says which) compared with the benchmark value; polarity decides better/worse"),
        ("Trend", f"{TREND_WINDOW.capitalize()} (listed per indicator), chi-square test at 99.8%"),
        ("Quartile bands", "LAIT's rule: intervals closed on the right, so a value on a cut point takes the "
                           "band below; no band for measures LAIT flags No_Quartile or without a polarity"),
        ("Generated", data.generated_at.isoformat(sep=" ")),
        *[(k.capitalize(), v) for k, v in data.versions.items()],
        ("Data", "SYNTHETIC DEMO DATA: describes no real area" if data.dataset.kind == "synthetic"
                 else data.dataset.sentence().replace("Mixed data", "MIXED DATA (some figures SYNTHETIC)", 1)),
        ("Suppression", SUPPRESSED_WORDS),
        ("Accessibility", "The PDF pack is not a tagged PDF (its library cannot write one): this workbook, "
                          "with every figure in its own cell and figures as numbers, is the accessible version"),
        *([("Ofsted", data.ofsted_line)] if data.ofsted_line else []),
    ]
    for r in rows:
        meta.append([_safe_cell(c) for c in r])
    meta["A1"].font = Font(bold=True, size=14)

    def sheet(title: str, frame: pd.DataFrame, places: list[int] | None = None,
              figures: tuple[str, ...] = ()) -> None:
        """``places``: each row's decimal places, shown on its ``figures`` columns' numbers."""
        ws = wb.create_sheet(title[:31])
        ws.append([_safe_cell(c) for c in frame.columns])
        for c in ws[1]:
            c.font = Font(bold=True)
        cols = [i for i, c in enumerate(frame.columns) if c in figures]
        for k, rec in enumerate(frame.itertuples(index=False)):
            ws.append([_safe_cell(v) for v in rec])
            if places is not None:
                shown = "#,##0" + ("." + "0" * places[k] if places[k] > 0 else "")
                for i in cols:
                    cell = ws.cell(row=k + 2, column=i + 1)
                    if cell.data_type == "n":
                        cell.number_format = shown

    figures = ("Value", "CI lower", "CI upper", "Benchmark", "Neighbours", "LA value", "All children", "Gap",
               "Gap lower", "Gap upper")
    if data.summary is not None:
        sheet("Summary", _summary_frame(data.summary))
    for oid, name in data.outcomes:
        rows = data.results[data.results["outcome_id"] == oid]
        sheet(name, data.outcome_sheet(oid), [int(d) for d in rows["decimal_places"]], figures)
    sheet("Weak areas", data.weak_sheet(), [int(d) for d in data.weak["decimal_places"]], figures)
    if not data.clusters.empty:
        sheet("Clusters", data.cluster_sheet(), [int(d) for d in data.clusters["decimal_places"]], figures)
    if not data.client_groups.empty:
        sheet("Client groups", data.client_group_sheet(), [int(d) for d in data.client_groups["decimal_places"]],
              figures)
    if data.ofsted:
        sheet("Ofsted inspections", inspections_frame(data.ofsted))
    sheet("Definitions", data.definitions)
    sheet("Sources", data.sources.astype({"imported_at": str}) if not data.sources.empty else data.sources)
    wb.save(path)
    return path


# --- PDF --------------------------------------------------------------------------------------

_ASCII = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "≥": ">=",
                        "≤": "<=", "…": "...", "×": "x", "•": "*", "\u00a0": " "})


def latin1_text(text: object) -> str:
    """The PDF's core fonts are Latin-1: map typographic characters, replace the rest."""
    return str(text).translate(_ASCII).encode("latin-1", "replace").decode("latin-1")


def _ink(pdf: object, text: tuple[int, int, int] = TEXT, fill: tuple[int, int, int] = WHITE) -> None:
    """Set the text, fill and draw colours explicitly: no fill may leak from a chart into a table."""
    pdf.set_text_color(*text)  # type: ignore[attr-defined]
    pdf.set_fill_color(*fill)  # type: ignore[attr-defined]
    pdf.set_draw_color(*RULE)  # type: ignore[attr-defined]


def _draw_outcome_chart(pdf: object, data: PackData, outcome_id: str) -> None:
    """Each indicator on the LAs' range, better to the right: the area's value and CI, the benchmark line.

    A small spine chart, as the screen's (dashboard/charts/spine.py): the
    benchmark's value at the centre, grey bar = LA range, darker box = middle half,
    black tick = benchmark, coloured dot = the area with its significance written
    beside it. Each row's ends say "Worse" and "Better" (or "Lower" and "Higher" for
    an activity measure with no polarity, drawn on its raw scale).
    """
    r = data.results[data.results["outcome_id"] == outcome_id]
    x0, width, label_w, end_w = 15.0, 267.0, 76.0, 11.0
    chart_x = x0 + label_w + end_w
    chart_w = width - label_w - 2 * end_w - 42
    if pdf.get_y() > 172:  # type: ignore[attr-defined]  # the key with at least its first rows
        pdf.add_page()  # type: ignore[attr-defined]
    _ink(pdf)
    pdf.set_font("Helvetica", size=6.5)  # type: ignore[attr-defined]
    _para(pdf, 3.5, latin1_text(
        f"Chart: better is always to the right (for indicators where lower is better the scale is flipped); "
        f"black tick at the centre = {data.benchmark_name} value (England's where it has none); grey bar = range "
        "of LA values in England, darker box = middle half (25th to 75th percentile), the farthest LA at the "
        "edge; dot and line = this area's value and 95% CI. Measures with no better or worse direction run "
        "from Lower (left) to Higher (right). Beside each dot, symbol and words give the comparison: "
        + _legend() + ". Colour is never the only signal."))
    pdf.ln(1)  # type: ignore[attr-defined]
    for row in r.itertuples():
        if pdf.get_y() > 185:  # type: ignore[attr-defined]
            pdf.add_page()  # type: ignore[attr-defined]
        y = pdf.get_y()  # type: ignore[attr-defined]
        _ink(pdf)
        pdf.set_font("Helvetica", size=7)  # type: ignore[attr-defined]
        pdf.set_xy(x0, y)  # type: ignore[attr-defined]
        pdf.cell(label_w, 5, latin1_text(row.short_title)[:58])  # type: ignore[attr-defined]
        lo, hi = row.la_min, row.la_max
        centre = row.benchmark_value if not _missing(row.benchmark_value) else row.england_value

        def xpos(v: float, lo: float = lo, hi: float = hi, centre: float = centre,
                 polarity: str = row.polarity) -> float:
            return chart_x + (spine_x(v, centre, lo, hi, polarity) + 1) / 2 * chart_w

        if _missing(lo) or _missing(hi) or hi <= lo or math.isnan(xpos(lo)):
            pdf.set_xy(chart_x, y)  # type: ignore[attr-defined]
            pdf.cell(chart_w, 5, "no range to draw")  # type: ignore[attr-defined]
            pdf.ln(6)  # type: ignore[attr-defined]
            continue
        left, right = axis_words(row.polarity)
        pdf.set_font("Helvetica", size=6)  # type: ignore[attr-defined]
        pdf.set_xy(chart_x - end_w, y)  # type: ignore[attr-defined]
        pdf.cell(end_w - 1, 5, left, align="R")  # type: ignore[attr-defined]
        pdf.set_xy(chart_x + chart_w + 1, y)  # type: ignore[attr-defined]
        pdf.cell(end_w - 1, 5, right, align="L")  # type: ignore[attr-defined]

        a, b = sorted((xpos(lo), xpos(hi)))
        pdf.set_fill_color(225, 225, 225)  # type: ignore[attr-defined]
        pdf.rect(a, y + 1.5, max(b - a, 0.3), 2.5, style="F")  # type: ignore[attr-defined]
        if not _missing(row.la_q1) and not _missing(row.la_q3):
            a, b = sorted((xpos(row.la_q1), xpos(row.la_q3)))
            pdf.set_fill_color(160, 160, 160)  # type: ignore[attr-defined]
            pdf.rect(a, y + 1.5, max(b - a, 0.3), 2.5, style="F")  # type: ignore[attr-defined]
        if not _missing(centre):
            pdf.set_draw_color(0, 0, 0)  # type: ignore[attr-defined]
            pdf.set_line_width(0.5)  # type: ignore[attr-defined]
            bx = xpos(centre)
            pdf.line(bx, y + 0.5, bx, y + 5)  # type: ignore[attr-defined]
        word = COMPARISON_WORDS.get(row.comparison, str(row.comparison))
        if not row.suppressed and not _missing(row.value):
            colour = COLOURS.get(row.comparison, (153, 153, 153))
            if not _missing(row.lower95) and not _missing(row.upper95):
                pdf.set_draw_color(*colour)  # type: ignore[attr-defined]
                pdf.set_line_width(0.4)  # type: ignore[attr-defined]
                pdf.line(xpos(row.lower95), y + 2.75, xpos(row.upper95), y + 2.75)  # type: ignore[attr-defined]
            pdf.set_fill_color(*colour)  # type: ignore[attr-defined]
            pdf.set_draw_color(0, 0, 0)  # type: ignore[attr-defined]
            pdf.set_line_width(0.2)  # type: ignore[attr-defined]
            vx = xpos(row.value)
            pdf.ellipse(vx - 1.4, y + 1.35, 2.8, 2.8, style="DF")  # type: ignore[attr-defined]
            text = f"{SYMBOLS.get(row.comparison, 'o')} {word}: {fmt(row.value, int(row.decimal_places))}"
        else:
            text = "c (suppressed)" if row.suppressed else "no value"
        _ink(pdf)
        pdf.set_line_width(0.2)  # type: ignore[attr-defined]
        pdf.set_font("Helvetica", size=7)  # type: ignore[attr-defined]
        pdf.set_xy(chart_x + chart_w + end_w + 1, y)  # type: ignore[attr-defined]
        pdf.cell(41, 5, latin1_text(text))  # type: ignore[attr-defined]
        pdf.ln(6)  # type: ignore[attr-defined]


def _legend() -> str:
    """Every symbol with its words, e.g. "+ Better, = Similar, ! Worse"."""
    return ", ".join(f"{SYMBOLS[k]} {COMPARISON_WORDS.get(k, k)}" for k in SYMBOLS)


def _para(pdf: object, height: float, text: str) -> None:
    """A wrapped paragraph the full width of the page, leaving the cursor at the next line."""
    pdf.set_x(pdf.l_margin)  # type: ignore[attr-defined]
    # Left-aligned: justified lines of long file names stretch into gaps that are hard to read.
    pdf.multi_cell(0, height, text, align="L", new_x="LMARGIN", new_y="NEXT")  # type: ignore[attr-defined]


def _table(pdf: object, frame: pd.DataFrame, widths: list[float], font: float = 6.5) -> None:
    """A bordered table: dark text on white, the header row bold on light grey and repeated on each new page.

    Every colour is set here, not inherited: a chart drawn before leaves its own
    fill colour behind, which fpdf2's table would otherwise take for its cells.
    """
    from fpdf.fonts import FontFace

    _ink(pdf)
    pdf.set_line_width(0.2)  # type: ignore[attr-defined]
    pdf.set_font("Helvetica", size=font)  # type: ignore[attr-defined]
    heading = FontFace(emphasis="BOLD", color=TEXT, fill_color=HEADER_FILL)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=3.6 * font / 6.5,  # type: ignore[attr-defined]
                   first_row_as_headings=True, headings_style=heading, cell_fill_color=WHITE,
                   cell_fill_mode="ALL", repeat_headings="ON_TOP_OF_EVERY_PAGE") as table:
        table.row([latin1_text(c) for c in frame.columns])
        for rec in frame.itertuples(index=False):
            table.row([latin1_text(v) for v in rec], style=FontFace(color=TEXT, fill_color=WHITE))
    _ink(pdf)


#: How many weak areas the summary page names (the weak-areas section lists them all).
SUMMARY_WEAK = 8


def _summary_page(pdf: object, data: PackData) -> None:
    """Page 1: the area, period and benchmark, each outcome's comparisons, the weakest areas, Ofsted."""
    pdf.add_page()  # type: ignore[attr-defined]
    pdf.start_section("Summary")  # type: ignore[attr-defined]
    _ink(pdf)
    pdf.set_font("Helvetica", style="B", size=18)  # type: ignore[attr-defined]
    _para(pdf, 8, "Pre-inspection data pack: summary")
    pdf.set_font("Helvetica", style="B", size=14)  # type: ignore[attr-defined]
    _para(pdf, 7, latin1_text(f"{data.area_name} ({data.area_code})"))
    pdf.set_font("Helvetica", size=10)  # type: ignore[attr-defined]
    pdf.ln(1)  # type: ignore[attr-defined]
    _para(pdf, 5, latin1_text(f"Period ending: {data.period_year}" if data.period_year
                          else "Period: each indicator's latest available (the period is given in each row)"))
    _para(pdf, 5, latin1_text(f"Benchmark: {data.benchmark_name} (significance from the area's confidence interval; "
                          "better or worse follows each indicator's polarity)"))
    if data.demo:
        pdf.set_font("Helvetica", style="B", size=10)  # type: ignore[attr-defined]
        _ink(pdf, text=BANNER)
        _para(pdf, 5, latin1_text(data.dataset.sentence().replace("Synthetic demo data", "SYNTHETIC DEMO DATA", 1)
                              .replace("Mixed data", "MIXED DATA", 1)))
        _ink(pdf)
        pdf.set_font("Helvetica", size=10)  # type: ignore[attr-defined]
    pdf.ln(2)  # type: ignore[attr-defined]

    pdf.set_font("Helvetica", style="B", size=11)  # type: ignore[attr-defined]
    _para(pdf, 6, latin1_text(f"Headline indicators compared with {data.benchmark_name}, by Every Child Matters outcome"))
    rows = []
    for oid, name in [*data.outcomes, (None, "All outcomes")]:
        sub = data.results if oid is None else data.results[data.results["outcome_id"] == oid]
        c = comparison_counts(sub)
        rows.append({"Outcome": name, "Indicators": f"{len(sub)}",
                     f"{SYMBOLS['better']} Better": f"{c['better']}",
                     f"{SYMBOLS['similar']} Similar": f"{c['similar']}",
                     f"{SYMBOLS['worse']} Worse": f"{c['worse']}",
                     "Not compared": f"{c['not_compared']}", "Getting worse": f"{c['getting_worse']}"})
    _table(pdf, pd.DataFrame(rows), [70, 22, 22, 22, 22, 26, 26], font=8.5)
    pdf.set_font("Helvetica", size=7.5)  # type: ignore[attr-defined]
    _para(pdf, 4, latin1_text(
        "Better, similar and worse are significance tests against the benchmark; not compared = higher / lower "
        "(activity measures with no better direction) or no test possible. Getting worse = a significant trend "
        f"over the {TREND_WINDOW}."))
    pdf.ln(2)  # type: ignore[attr-defined]

    pdf.set_font("Helvetica", style="B", size=11)  # type: ignore[attr-defined]
    weak = data.weak
    _para(pdf, 6, latin1_text(f"Weak areas: {len(weak)} findings"
                          + (f", the first {SUMMARY_WEAK} (worse and getting worse first)" if len(weak) > SUMMARY_WEAK
                             else "")))
    pdf.set_font("Helvetica", size=9)  # type: ignore[attr-defined]
    if weak.empty:
        _para(pdf, 5, "No weak areas: nothing significantly worse, in band D or getting worse.")
    for w in weak.head(SUMMARY_WEAK).itertuples():
        _para(pdf, 4.6, latin1_text(f"* {w.short_title} ({w.scope}, {w.outcome_name}): {w.why}"))
    if len(weak) > SUMMARY_WEAK:
        _para(pdf, 4.6, latin1_text(f"... and {len(weak) - SUMMARY_WEAK} more: all are listed in the weak-areas section."))
    if data.ofsted_line:
        pdf.ln(2)  # type: ignore[attr-defined]
        pdf.set_font("Helvetica", style="B", size=11)  # type: ignore[attr-defined]
        _para(pdf, 6, "Ofsted")
        pdf.set_font("Helvetica", size=9)  # type: ignore[attr-defined]
        _para(pdf, 4.6, latin1_text(data.ofsted_line))


def _board_summary_page(pdf: object, summary: Summary) -> None:
    """Page 1: the summary in plain English, as the scorecard opens with it."""
    pdf.add_page()  # type: ignore[attr-defined]
    pdf.start_section("Summary for the board")  # type: ignore[attr-defined]
    _ink(pdf)
    pdf.set_font("Helvetica", style="B", size=18)  # type: ignore[attr-defined]
    _para(pdf, 8, latin1_text(summary.title[:1].upper() + summary.title[1:]))
    pdf.ln(1)  # type: ignore[attr-defined]
    pdf.set_font("Helvetica", size=10)  # type: ignore[attr-defined]
    for s in summary.sentences:
        _para(pdf, 5, latin1_text(f"* {s.text}"))
        pdf.ln(0.8)  # type: ignore[attr-defined]
    for oid, sentences in summary.outcomes.items():
        if not sentences:
            continue
        pdf.ln(1.5)  # type: ignore[attr-defined]
        if pdf.will_page_break(16):  # type: ignore[attr-defined]  # a heading never ends a page alone
            pdf.add_page()  # type: ignore[attr-defined]
        pdf.set_font("Helvetica", style="B", size=11)  # type: ignore[attr-defined]
        _para(pdf, 6, latin1_text(summary.outcome_names[oid]))
        pdf.set_font("Helvetica", size=9.5)  # type: ignore[attr-defined]
        _para(pdf, 4.8, latin1_text(" ".join(s.text for s in sentences)))
    pdf.ln(2)  # type: ignore[attr-defined]
    pdf.set_font("Helvetica", style="I", size=8)  # type: ignore[attr-defined]
    _para(pdf, 4, latin1_text(summary.note))


def write_pack_pdf(data: PackData, path: Path | str) -> Path:
    from fpdf import FPDF

    path = Path(path)

    class Pack(FPDF):
        def header(self) -> None:
            if data.demo:
                self.set_font("Helvetica", style="B", size=9)
                _ink(self, text=BANNER)
                self.cell(0, 5, "SYNTHETIC DEMO DATA - describes no real area" if data.dataset.kind == "synthetic"
                          else "MIXED DATA - some figures are synthetic", align="R")
                _ink(self)
                self.ln(6)

        def footer(self) -> None:
            self.set_y(-10)
            _ink(self)
            self.set_font("Helvetica", size=7)
            self.cell(0, 5, latin1_text(f"{data.area_name} data pack, {'period ending ' + str(data.period_year) if data.period_year else 'latest available periods'} - page "
                                    f"{self.page_no()}/{{nb}}"), align="C")

    pdf = Pack(orientation="L", unit="mm", format="A4")
    pdf.set_title(latin1_text(f"Pre-inspection data pack: {data.area_name}, {data.period_text}"))
    pdf.set_author("Children's services outcomes and joint area review dashboard")
    pdf.set_subject(latin1_text(
        f"Every Child Matters outcomes for {data.area_name} ({data.area_code}) compared with "
        f"{data.benchmark_name}, {data.period_text}" + (" - synthetic demo data" if data.demo else "")))
    pdf.set_keywords("pre-inspection data pack; children's services; Every Child Matters")
    pdf.set_creator("metrics.pack (fpdf2)")
    pdf.set_lang("en-GB")
    pdf.alias_nb_pages()
    pdf.set_auto_page_break(True, margin=14)

    if data.summary is not None:
        _board_summary_page(pdf, data.summary)
    _summary_page(pdf, data)

    # About this pack
    pdf.add_page()
    pdf.start_section("About this pack")
    pdf.set_font("Helvetica", style="B", size=18)
    _para(pdf, 9, latin1_text(f"About this pack: {data.area_name} ({data.area_code})"))
    pdf.set_font("Helvetica", size=12)
    pdf.ln(3)
    lines = [
        f"Period ending: {data.period_year}" if data.period_year
        else "Period: each indicator's latest available (the period is given in each row)",
        f"Benchmark: {data.benchmark_name} (the area's confidence interval, 95% or 99.8% as each indicator "
        "sets, compared with the benchmark value; better or worse follows each indicator's polarity)",
        f"Generated: {data.generated_at:%d %B %Y %H:%M}",
        "Versions: " + "; ".join(f"{k} {v}" for k, v in data.versions.items()),
    ]
    if data.ofsted_line:
        lines.append(data.ofsted_line)
    if data.demo:
        lines.append(data.dataset.sentence().replace("Synthetic demo data", "SYNTHETIC DEMO DATA", 1)
                     .replace("Mixed data", "MIXED DATA", 1))
    for line in lines:
        _para(pdf, 7, latin1_text(line))
    pdf.ln(3)
    pdf.set_font("Helvetica", style="B", size=11)
    pdf.cell(0, 7, "Data sources", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    if data.sources.empty:
        pdf.cell(0, 6, "No import batches recorded.", new_x="LMARGIN", new_y="NEXT")
    for s in data.sources.tail(15).itertuples():
        origin = f"{s.publisher}: {s.title}; " if isinstance(s.publisher, str) and s.publisher else ""
        _para(pdf, 5, latin1_text(f"Batch {s.batch_id}: {origin}{s.source_file} ({s.format}), {s.rows_written:,} rows, "
                                     f"{s.imported_at:%d %b %Y} by {s.imported_by}, {s.status}"))
    if data.sources["publisher"].notna().any():
        _para(pdf, 5, latin1_text("Published figures are Crown copyright, used under the Open Government Licence v3.0."))

    # Per outcome
    for oid, name in data.outcomes:
        pdf.add_page()
        pdf.start_section(latin1_text(name))
        pdf.set_font("Helvetica", style="B", size=16)
        pdf.cell(0, 9, latin1_text(name), new_x="LMARGIN", new_y="NEXT")
        table = data.outcome_table(oid)
        if table.empty:
            pdf.set_font("Helvetica", size=10)
            pdf.cell(0, 6, "No indicators with data for this outcome.", new_x="LMARGIN", new_y="NEXT")
            continue
        _table(pdf, table.drop(columns=["ID"]), [42, 14, 14, 16, 26, 18, 20, 18, 20, 10, 16, 24, 34])
        pdf.ln(3)
        _draw_outcome_chart(pdf, data, oid)

    # Weak areas
    pdf.add_page()
    pdf.start_section("Weak areas")
    pdf.set_font("Helvetica", style="B", size=16)
    pdf.cell(0, 9, "Weak areas: where the area, its clusters or client groups need attention",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=8)
    _para(pdf, 4.5, latin1_text(
        f"{len(data.weak)} findings: significantly worse than {data.benchmark_name}, in band D, or getting "
        "worse; worse and getting worse ('red-red') first. All are listed (the XLSX pack has them as figures)."))
    weak = data.weak
    if not weak.empty:
        _table(pdf, pd.DataFrame({
            "Where": weak["scope"], "Outcome": weak["outcome_name"], "Indicator": weak["short_title"],
            "Value": [fmt(v, int(d), s) for v, d, s in zip(weak["value"], weak["decimal_places"],
                                                           weak["suppressed"], strict=True)],
            "Benchmark": [fmt(v, int(d)) for v, d in zip(weak["benchmark_value"], weak["decimal_places"],
                                                         strict=True)],
            "Why listed": weak["why"],
        }), [50, 45, 80, 20, 20, 52])

    # Clusters and client groups
    pdf.add_page()
    pdf.start_section("Cluster and client-group highlights")
    pdf.set_font("Helvetica", style="B", size=16)
    pdf.cell(0, 9, "Cluster and client-group highlights", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=8)
    cl = data.clusters
    if cl.empty:
        _para(pdf, 4.5, "No clusters are defined for this area.")
    else:
        flagged = cl[cl["comparison"] == "worse"]
        _para(pdf, 4.5, latin1_text(
            f"{cl['area_code'].nunique()} clusters; {len(flagged)} cluster figures significantly worse than the "
            "LA's own value (cluster's 95% CI vs LA value)."))
        if not flagged.empty:
            _table(pdf, pd.DataFrame({
                "Cluster": flagged["name"], "Indicator": flagged["short_title"],
                "Value": [fmt(v, int(d), s) for v, d, s in zip(flagged["value"], flagged["decimal_places"],
                                                               flagged["suppressed"], strict=True)],
                "LA value": [fmt(v, int(d)) for v, d in zip(flagged["la_value"], flagged["decimal_places"],
                                                            strict=True)],
                "Compared with LA": flagged["comparison"].map(COMPARISON_WORDS),
            }), [60, 100, 25, 25, 40])
    pdf.ln(3)
    cg = data.client_groups
    worse = cg[cg["comparison"] == "worse"] if not cg.empty else cg
    _para(pdf, 4.5, latin1_text(
        f"Client groups: {len(worse)} figures where a client group is significantly worse than all children in "
        "the area (Newcombe's interval for the gap between two proportions; otherwise the group's 95% CI vs the "
        "all-children value)."))
    if not worse.empty:
        _table(pdf, pd.DataFrame({
            "Client group": worse["group_name"], "Indicator": worse["short_title"],
            "Group": [fmt(v, int(d), s) for v, d, s in zip(worse["value"], worse["decimal_places"],
                                                           worse["suppressed"], strict=True)],
            "All children": [fmt(v, int(d)) for v, d in zip(worse["all_value"], worse["decimal_places"],
                                                            strict=True)],
            "Gap": [fmt(v, int(d)) for v, d in zip(worse["gap"], worse["decimal_places"], strict=True)],
        }), [60, 100, 25, 30, 25])

    # Appendix
    pdf.add_page()
    pdf.start_section("Appendix: indicator definitions")
    pdf.set_font("Helvetica", style="B", size=16)
    pdf.cell(0, 9, "Appendix: indicator definitions", new_x="LMARGIN", new_y="NEXT")
    for d in data.definitions.itertuples():
        pdf.set_font("Helvetica", style="B", size=8)
        _para(pdf, 4, latin1_text(f"{d.indicator_id}: {d.title}"))
        pdf.set_font("Helvetica", size=7.5)
        _para(pdf, 3.8, latin1_text(
            f"{d.definition or ''} Numerator: {d.numerator_definition or '-'}. Denominator: "
            f"{d.denominator_definition or '-'}. Polarity: {str(d.polarity).replace('_', ' ')}; unit {d.unit}; "
            f"CI method {d.ci_method}; source {d.source or '-'}."))
        pdf.ln(1)
    pdf.output(str(path))
    return path


def build_pack(
    store: Store, area_code: str, out: Path | str, period_year: int | None = None,
    benchmark: str = "england", fmt_: str | None = None, progress: Progress | None = None,
) -> tuple[Path, float]:
    """Collect and write a pack (format from ``fmt_`` or the file suffix); returns (path, seconds)."""
    say = progress or (lambda _f, _m: None)
    start = time.perf_counter()
    out = Path(out)
    kind = (fmt_ or out.suffix.lstrip(".")).lower()
    if kind not in ("pdf", "xlsx"):
        raise ValueError(f"{out.name}: a pack is written as .pdf or .xlsx")
    say(0.1, "Collecting the area's results")
    data = collect_pack(store, area_code, period_year, benchmark)
    say(0.6, f"Writing the {kind.upper()}")
    if kind == "pdf":
        write_pack_pdf(data, out)
    else:
        write_pack_xlsx(data, out)
    say(1.0, "Done")
    return out, time.perf_counter() - start
