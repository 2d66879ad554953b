"""The pre-inspection data pack: one area's evidence, outcome by outcome, as PDF and XLSX.

Inspectors read it before fieldwork, so every figure in it is the figure the
dashboard shows: the pack is assembled from :func:`metrics.results.area_results`,
:func:`metrics.weak_areas.weak_areas` and :mod:`metrics.subgroups`, never from
queries of its own. Charts are drawn with the PDF library's own vector
primitives, so building a pack needs no browser (Plotly's static export would).

Figures are rounded only at the edge, half up as DfE publishes them, by the
same formatter as the pages (:mod:`metrics.display`); suppressed figures print as "c".
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from metrics.catalogue import DatasetStatus, dataset_status
from metrics.display import MISSING, fmt_value
from metrics.labels import (
    COMPARISON_COLOURS,
    COMPARISON_WORDS,
    TREND_WORDS,
    confidence_text,
    rgb,
    trend_periods_text,
)
from metrics.ofsted import Inspection, inspections, inspections_frame
from metrics.published import read_manifest
from metrics.results import BENCHMARKS, LATEST_AVAILABLE, Selection, area_info, area_results
from metrics.spreadsheet import neutralise
from metrics.store import Store
from metrics.subgroups import client_group_results, cluster_results
from metrics.weak_areas import weak_areas

Progress = Callable[[float, str], None]

# Latin-1 symbols for the PDF's core fonts; words and colours are the pages' own (metrics.labels).
COLOURS = {k: rgb(v) for k, v in COMPARISON_COLOURS.items()}
#: Comparisons that are significance tests; the rest may be placed by band instead.
TESTED = ("better", "similar", "worse")
SYMBOLS = {"better": "+", "similar": "=", "worse": "-", "higher": "^", "lower": "v", "not_compared": "o"}


def fmt(value: object, places: int = 1, suppressed: bool = False) -> str:
    """A figure as printed: the product's one formatter (:func:`metrics.display.fmt_value`)."""
    return fmt_value(value, places, suppressed)


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
                "CI used": "c" if s else (f"{fmt(x.compared_lower, dp)} to {fmt(x.compared_upper, dp)} "
                                          f"({confidence_text(float(x.confidence_level))})"
                                          if x.compared_lower == x.compared_lower else "-"),
                "Benchmark": fmt(x.benchmark_value, dp),
                "Vs benchmark": COMPARISON_WORDS.get(x.comparison, x.comparison)
                + (f" (band {x.band}, no test)" if x.comparison not in TESTED and x.band in ("A", "D") else ""),
                "Neighbours": "-" if n is None else fmt(n["benchmark_value"], dp),
                "Vs neighbours": "-" if n is None else COMPARISON_WORDS.get(n["comparison"], n["comparison"]),
                "Band": x.band if isinstance(x.band, str) else "-",
                "Rank": f"{int(x.rank)}/{int(x.n_ranked)}" if x.rank == x.rank else "-",
                "Trend": TREND_WORDS.get(x.trend, str(x.trend)),
                "Trend periods": trend_periods_text(x.trend_periods) if isinstance(x.trend_periods, tuple) else "-",
            })
        return pd.DataFrame(rows)


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
    )


# --- XLSX -------------------------------------------------------------------------------------

def _safe_cell(value: object) -> object:
    """A cell as written: "-" (nothing to show) left blank, formula-like text made inert."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if value in ("-", MISSING):
        return None
    return neutralise(value)


def write_pack_xlsx(data: PackData, path: Path | str) -> Path:
    """One sheet per outcome plus metadata, weak areas and definitions."""
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
        ("Trend", "Latest five periods with a valid value (listed per indicator), chi-square test at 99.8%"),
        ("Quartile bands", "LAIT's rule: intervals closed on the right, so a value on a cut point takes the "
                           "band below; no band for measures LAIT flags No_Quartile or without a polarity"),
        ("Generated", data.generated_at.isoformat(sep=" ")),
        *[(k.capitalize(), v) for k, v in data.versions.items()],
        ("Data", "SYNTHETIC DEMO DATA: describes no real area" if data.dataset.kind == "synthetic"
                 else data.dataset.sentence().replace("Mixed data", "MIXED DATA (some figures SYNTHETIC)", 1)),
        ("Suppression", "c = confidential: count below the disclosure threshold"),
        *([("Ofsted", data.ofsted_line)] if data.ofsted_line else []),
    ]
    for r in rows:
        meta.append([_safe_cell(c) for c in r])
    meta["A1"].font = Font(bold=True, size=14)

    def sheet(title: str, frame: pd.DataFrame) -> None:
        ws = wb.create_sheet(title[:31])
        ws.append(list(frame.columns))
        for c in ws[1]:
            c.font = Font(bold=True)
        for rec in frame.itertuples(index=False):
            ws.append([_safe_cell(v) for v in rec])

    for oid, name in data.outcomes:
        sheet(name, data.outcome_table(oid))
    weak = data.weak[["scope", "outcome_name", "short_title", "indicator_id", "why"]].rename(
        columns={"scope": "Where", "outcome_name": "Outcome", "short_title": "Indicator",
                 "indicator_id": "ID", "why": "Why listed"})
    sheet("Weak areas", weak)
    if data.ofsted:
        sheet("Ofsted inspections", inspections_frame(data.ofsted))
    sheet("Definitions", data.definitions)
    sheet("Sources", data.sources.astype({"imported_at": str}) if not data.sources.empty else data.sources)
    wb.save(path)
    return path


# --- PDF --------------------------------------------------------------------------------------

_ASCII = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "≥": ">=",
                        "≤": "<=", "…": "...", "×": "x", "•": "*", "\u00a0": " "})


def _latin1(text: object) -> str:
    """The PDF's core fonts are Latin-1: map typographic characters, replace the rest."""
    return str(text).translate(_ASCII).encode("latin-1", "replace").decode("latin-1")


def _draw_outcome_chart(pdf: object, data: PackData, outcome_id: str) -> None:
    """Each indicator on the LAs' range (min, quartiles, max): the area's value and CI, the benchmark line.

    A small spine chart: grey bar = LA range, darker box = middle half, black
    tick = benchmark, coloured dot = the area with its significance written beside it.
    """
    r = data.results[data.results["outcome_id"] == outcome_id]
    x0, width, label_w = 15.0, 267.0, 80.0
    chart_x, chart_w = x0 + label_w, width - label_w - 40
    for row in r.itertuples():
        if pdf.get_y() > 185:  # type: ignore[attr-defined]
            pdf.add_page()  # type: ignore[attr-defined]
        y = pdf.get_y()  # type: ignore[attr-defined]
        pdf.set_font("Helvetica", size=7)  # type: ignore[attr-defined]
        pdf.set_xy(x0, y)  # type: ignore[attr-defined]
        pdf.cell(label_w, 5, _latin1(row.short_title)[:60])  # type: ignore[attr-defined]
        lo, hi = row.la_min, row.la_max
        if not (lo == lo and hi == hi) or hi <= lo:
            pdf.set_xy(chart_x, y)  # type: ignore[attr-defined]
            pdf.cell(chart_w, 5, "no range to draw")  # type: ignore[attr-defined]
            pdf.ln(6)  # type: ignore[attr-defined]
            continue

        def xpos(v: float, lo: float = lo, hi: float = hi) -> float:
            return chart_x + (min(max(v, lo), hi) - lo) / (hi - lo) * chart_w

        pdf.set_fill_color(225, 225, 225)  # type: ignore[attr-defined]
        pdf.rect(chart_x, y + 1.5, chart_w, 2.5, style="F")  # type: ignore[attr-defined]
        if row.la_q1 == row.la_q1 and row.la_q3 == row.la_q3:
            pdf.set_fill_color(160, 160, 160)  # type: ignore[attr-defined]
            pdf.rect(xpos(row.la_q1), y + 1.5, max(xpos(row.la_q3) - xpos(row.la_q1), 0.3), 2.5,
                     style="F")  # type: ignore[attr-defined]
        if row.benchmark_value == row.benchmark_value:
            pdf.set_draw_color(0, 0, 0)  # type: ignore[attr-defined]
            pdf.set_line_width(0.5)  # type: ignore[attr-defined]
            bx = xpos(row.benchmark_value)
            pdf.line(bx, y + 0.5, bx, y + 5)  # type: ignore[attr-defined]
        word = COMPARISON_WORDS.get(row.comparison, str(row.comparison))
        if not row.suppressed and row.value == row.value:
            colour = COLOURS.get(row.comparison, (153, 153, 153))
            if row.lower95 == row.lower95:
                pdf.set_draw_color(*colour)  # type: ignore[attr-defined]
                pdf.set_line_width(0.4)  # type: ignore[attr-defined]
                pdf.line(xpos(row.lower95), y + 2.75, xpos(row.upper95), y + 2.75)  # type: ignore[attr-defined]
            pdf.set_fill_color(*colour)  # type: ignore[attr-defined]
            vx = xpos(row.value)
            pdf.ellipse(vx - 1.4, y + 1.35, 2.8, 2.8, style="F")  # type: ignore[attr-defined]
            text = f"{SYMBOLS.get(row.comparison, 'o')} {word}: {fmt(row.value, int(row.decimal_places))}"
        else:
            text = "c (suppressed)" if row.suppressed else "no value"
        pdf.set_xy(chart_x + chart_w + 2, y)  # type: ignore[attr-defined]
        pdf.cell(38, 5, _latin1(text))  # type: ignore[attr-defined]
        pdf.ln(6)  # type: ignore[attr-defined]
    pdf.set_font("Helvetica", size=6.5)  # type: ignore[attr-defined]
    pdf.set_x(x0)  # type: ignore[attr-defined]
    _para(
        pdf, 3.5,
        _latin1(f"Chart: grey bar = range of LA values in England, darker box = middle half (25th to 75th "
                f"percentile), black tick = {data.benchmark_name} value, dot and line = this area's value and "
                "95% CI. The word beside each dot gives the significance; colour is never the only signal."),
    )


def _para(pdf: object, height: float, text: str) -> None:
    """A wrapped paragraph the full width of the page, leaving the cursor at the next line."""
    pdf.set_x(pdf.l_margin)  # type: ignore[attr-defined]
    # Left-aligned: justified lines of long file names stretch into gaps that are hard to read.
    pdf.multi_cell(0, height, text, align="L", new_x="LMARGIN", new_y="NEXT")  # type: ignore[attr-defined]


def _table(pdf: object, frame: pd.DataFrame, widths: list[float], font: float = 6.5) -> None:
    pdf.set_font("Helvetica", style="B", size=font)  # type: ignore[attr-defined]
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=3.6 * font / 6.5,  # type: ignore[attr-defined]
                   first_row_as_headings=True) as table:
        table.row([_latin1(c) for c in frame.columns])
        pdf.set_font("Helvetica", size=font)  # type: ignore[attr-defined]
        for rec in frame.itertuples(index=False):
            table.row([_latin1(v) for v in rec])


def write_pack_pdf(data: PackData, path: Path | str) -> Path:
    from fpdf import FPDF

    path = Path(path)

    class Pack(FPDF):
        def header(self) -> None:
            if data.demo:
                self.set_font("Helvetica", style="B", size=9)
                self.set_text_color(213, 94, 0)
                self.cell(0, 5, "SYNTHETIC DEMO DATA - describes no real area" if data.dataset.kind == "synthetic"
                          else "MIXED DATA - some figures are synthetic", align="R")
                self.set_text_color(0, 0, 0)
                self.ln(6)

        def footer(self) -> None:
            self.set_y(-10)
            self.set_font("Helvetica", size=7)
            self.cell(0, 5, _latin1(f"{data.area_name} data pack, {'period ending ' + str(data.period_year) if data.period_year else 'latest available periods'} - page "
                                    f"{self.page_no()}/{{nb}}"), align="C")

    pdf = Pack(orientation="L", unit="mm", format="A4")
    pdf.set_title(_latin1(f"Pre-inspection data pack: {data.area_name}, {data.period_text}"))
    pdf.set_author("Children's services outcomes and joint area review dashboard")
    pdf.set_lang("en-GB")
    pdf.alias_nb_pages()
    pdf.set_auto_page_break(True, margin=14)

    # Cover
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=22)
    pdf.ln(20)
    _para(pdf, 11, _latin1(f"Pre-inspection data pack\n{data.area_name} ({data.area_code})"))
    pdf.set_font("Helvetica", size=12)
    pdf.ln(4)
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
        _para(pdf, 7, _latin1(line))
    pdf.ln(3)
    pdf.set_font("Helvetica", style="B", size=11)
    pdf.cell(0, 7, "Data sources", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    if data.sources.empty:
        pdf.cell(0, 6, "No import batches recorded.", new_x="LMARGIN", new_y="NEXT")
    for s in data.sources.tail(15).itertuples():
        origin = f"{s.publisher}: {s.title}; " if isinstance(s.publisher, str) and s.publisher else ""
        _para(pdf, 5, _latin1(f"Batch {s.batch_id}: {origin}{s.source_file} ({s.format}), {s.rows_written:,} rows, "
                                     f"{s.imported_at:%d %b %Y} by {s.imported_by}, {s.status}"))
    if data.sources["publisher"].notna().any():
        _para(pdf, 5, _latin1("Published figures are Crown copyright, used under the Open Government Licence v3.0."))

    # Per outcome
    for oid, name in data.outcomes:
        pdf.add_page()
        pdf.set_font("Helvetica", style="B", size=16)
        pdf.cell(0, 9, _latin1(name), new_x="LMARGIN", new_y="NEXT")
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
    pdf.set_font("Helvetica", style="B", size=16)
    pdf.cell(0, 9, "Weak areas: where the area, its clusters or client groups need attention",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=8)
    _para(pdf, 4.5, _latin1(
        f"{len(data.weak)} findings: significantly worse than {data.benchmark_name}, in band D, or getting "
        "worse; worse and getting worse ('red-red') first. The first 60 are listed; the XLSX pack has all."))
    weak = data.weak.head(60)
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
    pdf.set_font("Helvetica", style="B", size=16)
    pdf.cell(0, 9, "Cluster and client-group highlights", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=8)
    cl = data.clusters
    if cl.empty:
        _para(pdf, 4.5, "No clusters are defined for this area.")
    else:
        flagged = cl[cl["comparison"] == "worse"]
        _para(pdf, 4.5, _latin1(
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
            }).head(40), [60, 100, 25, 25, 40])
    pdf.ln(3)
    cg = data.client_groups
    worse = cg[cg["comparison"] == "worse"] if not cg.empty else cg
    _para(pdf, 4.5, _latin1(
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
        }).head(40), [60, 100, 25, 30, 25])

    # Appendix
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=16)
    pdf.cell(0, 9, "Appendix: indicator definitions", new_x="LMARGIN", new_y="NEXT")
    for d in data.definitions.itertuples():
        pdf.set_font("Helvetica", style="B", size=8)
        _para(pdf, 4, _latin1(f"{d.indicator_id}: {d.title}"))
        pdf.set_font("Helvetica", size=7.5)
        _para(pdf, 3.8, _latin1(
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
