"""The project's own data-entry template: written for an area, filled in, read back.

A performance team collects local figures (an LA's clusters, client groups the
national publications do not break down) that no published file carries. The
template lists one row per indicator x area x client group for one period, with
the key columns filled in, so the team only types counts and denominators (or a
value) and nothing can be mis-keyed into the wrong indicator or area.

- XLSX: a ``README`` sheet (the rules below, the columns), then one sheet per ECM
  outcome (the headline grouping of the dashboard), rows for the LA, each of its
  clusters, and every client group the indicator is published for.
- CSV: the same rows in one file (an ``outcome`` column says which sheet a row
  would be on).

Reading back (:func:`open_template`): rows whose figure cells (count,
denominator, value, CIs, note) are all blank were not filled in and are skipped
(counted in the import's notes); suppression codes (``c``, ``x``, ``z``...) are
accepted as in DfE files; proportions and rates need only a count and a
denominator (value and CIs are computed by core). Faults name the sheet and the
spreadsheet row.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from metrics.io.core import Chunk, Source, canonical_frame
from metrics.io.faults import MAX_REPORTED, Fault
from metrics.io.values import check_header, number_rule, parse_numbers, parse_period, ragged_rows
from metrics.io.workbook import column_letters
from metrics.periods import period_label
from metrics.spreadsheet import neutralise, write_csv
from metrics.store import VALUE_COLUMNS, Store

COLUMNS = [
    "indicator_id", "indicator", "unit", "area_code", "area_name", "client_group_id", "period", "sex",
    "category", "count", "denominator", "value", "lower95", "upper95", "note",
]
KEYS = ["indicator_id", "area_code", "period"]
INFORMATION = ["indicator", "unit", "area_name", "outcome"]
README_SHEET = "README"
# Workbook limits, far above any template (all 153 LAs' clusters and client
# groups make about 60,000 rows on 6 sheets of 16 columns, a few MB unpacked).
MAX_XLSX_BYTES = 500 * 1024**2  # all parts unpacked
MAX_XLSX_PARTS = 1_000
MAX_XLSX_RATIO = 200  # a part's unpacked size over its packed size (sheet XML: 5-30)
RATIO_FROM_BYTES = 10 * 1024**2  # small parts may compress as well as they like
MAX_SHEET_ROWS = 1_048_576 // 4
MAX_SHEET_COLUMNS = 100

README = [
    ("What this is", "A data-entry template for the children's services outcomes dashboard. "
                     "Each row is one indicator, area, client group and period."),
    ("How to fill it in", "Type the count and the denominator for proportions and rates (the value and its "
                          "confidence interval are then computed), or the value for means and scores. Leave a "
                          "row blank if you have no figure: blank rows are skipped, never read as zero."),
    ("Suppressed or missing", "Type c for a figure withheld to protect individuals, x for not available, "
                              "z for not applicable. Counts under the indicator's disclosure threshold (usually "
                              "5) are stored but never shown."),
    ("Do not change", "indicator_id, area_code, client_group_id, period, sex and category identify the row. "
                      "indicator, unit and area_name are for reading only and are ignored on import."),
    ("Import", "jar import PATH --format template (all or nothing: any fault and nothing is written; "
               "every fault names the sheet, row and column)."),
    ("", ""),
    ("column", "meaning"),
    ("indicator_id", "catalogue indicator code (see the dashboard's indicator pages)"),
    ("indicator", "indicator title (ignored on import)"),
    ("unit", "unit of the value: %, per 10,000, score... (ignored on import)"),
    ("area_code", "ONS code of the LA, or the cluster code (LA code-Cnn)"),
    ("area_name", "area name (ignored on import)"),
    ("client_group_id", "all, lac, cin, cpp, care_leavers, ... (the indicator's client groups)"),
    ("period", "2024-25 (financial year), 2024/25 (academic year) or 2025 (calendar year)"),
    ("sex", "persons, male or female"),
    ("category", "a further breakdown, usually blank"),
    ("count", "numerator: children counted (a whole number)"),
    ("denominator", "children in the population or cohort"),
    ("value", "only if there is no count and denominator, or to record the published value"),
    ("lower95, upper95", "published 95% confidence limits, if any (otherwise computed)"),
    ("note", "free text; must not start with =, +, - or @"),
]


def _sheet_name(name: str, used: set[str]) -> str:
    """Excel's limits: 31 characters, none of []:*?/\\ ; unique."""
    clean = "".join(" " if c in "[]:*?/\\" else c for c in name).strip()[:31] or "Sheet"
    out, n = clean, 2
    while out.lower() in used:
        out = f"{clean[:28]} {n}"
        n += 1
    used.add(out.lower())
    return out


def template_rows(
    store: Store,
    area_code: str | None = None,
    indicator_ids: Sequence[str] | None = None,
    period_year: int | None = None,
) -> pd.DataFrame:
    """The template's rows: indicator x (LA and its clusters) x client group, one period.

    Without ``period_year`` each indicator gets the period after its latest one in
    the store (not beyond this year): the next figure the team will collect.
    """
    if area_code is not None:
        areas = store.df(
            """SELECT area_code, name, area_type, parent_code FROM area
               WHERE area_code = ? OR (area_type = 'cluster' AND parent_code = ?)
               ORDER BY area_type <> 'cluster' DESC, area_code""",
            [area_code, area_code],
        )
        if areas.empty or area_code not in set(areas["area_code"]):
            raise ValueError(f"no area {area_code!r} in the store")
    else:
        areas = store.df(
            """SELECT area_code, name, area_type, parent_code FROM area WHERE area_type IN ('la', 'cluster')
               ORDER BY coalesce(parent_code, area_code), area_type <> 'la', area_code"""
        )
    ids = list(indicator_ids) if indicator_ids else None
    inds = store.df(
        """SELECT i.indicator_id, i.title, i.unit, i.period_type, i.client_groups, i.outcome_id,
                  coalesce(o.name, 'Other indicators') AS outcome, coalesce(o.sort_order, 99) AS outcome_order,
                  (SELECT max(period_year) FROM observation ob WHERE ob.indicator_id = i.indicator_id) AS latest
           FROM indicator i LEFT JOIN outcome o USING (outcome_id)
           WHERE (?::VARCHAR[] IS NULL AND i.status = 'current' AND i.mapped)
              OR list_contains(?::VARCHAR[], i.indicator_id)
           ORDER BY outcome_order, i.indicator_id""",
        [ids, ids],
    )
    if ids:
        unknown = sorted(set(ids) - set(inds["indicator_id"]))
        if unknown:
            raise ValueError(f"unknown indicator(s): {', '.join(unknown)}")
    this_year = dt.date.today().year
    if period_year is not None:
        years = pd.Series(int(period_year), index=inds.index)
    else:
        years = (inds["latest"].fillna(this_year - 2) + 1).clip(upper=this_year).astype(int)
    inds = inds.assign(year=years.to_numpy())
    inds["period"] = [period_label(int(y), pt) for y, pt in zip(inds["year"], inds["period_type"], strict=True)]
    grid = inds.explode("client_groups").rename(columns={"client_groups": "client_group_id"})
    rows = grid.merge(areas.rename(columns={"name": "area_name"}), how="cross")
    out = pd.DataFrame({
        "indicator_id": rows["indicator_id"], "indicator": rows["title"], "unit": rows["unit"],
        "area_code": rows["area_code"], "area_name": rows["area_name"],
        "client_group_id": rows["client_group_id"], "period": rows["period"], "sex": "persons", "category": "",
        "count": None, "denominator": None, "value": None, "lower95": None, "upper95": None, "note": None,
        "outcome": rows["outcome"],
    })
    return out.reset_index(drop=True)


def write_template(
    store: Store,
    path: Path | str,
    area_code: str | None = None,
    indicator_ids: Sequence[str] | None = None,
    period_year: int | None = None,
    fmt: str | None = None,
) -> int:
    """Write the template (CSV, or XLSX by suffix); returns the number of rows to fill."""
    path = Path(path)
    fmt = fmt or ("xlsx" if path.suffix.lower() in (".xlsx", ".xlsm") else "csv")
    rows = template_rows(store, area_code, indicator_ids, period_year)
    if fmt == "csv":
        write_csv(rows[[*COLUMNS, "outcome"]], path)  # indicator titles may be imported text
    elif fmt == "xlsx":
        _write_xlsx(rows, path)
    else:
        raise ValueError(f"unknown template format {fmt!r}; csv or xlsx")
    return len(rows)


def _text(x: object) -> object:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return None
    return neutralise(x)


def _write_xlsx(rows: pd.DataFrame, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    readme = wb.active
    readme.title = README_SHEET
    for key, text in README:
        readme.append([key, text])
    readme.column_dimensions["A"].width = 24
    readme.column_dimensions["B"].width = 110
    for cell in readme["A"]:
        cell.font = Font(bold=True)
    used = {README_SHEET.lower()}
    widths = {"indicator_id": 14, "indicator": 40, "unit": 11, "area_code": 15, "area_name": 28,
              "client_group_id": 15, "period": 10, "note": 30}
    for outcome, group in rows.groupby("outcome", sort=False):
        ws = wb.create_sheet(_sheet_name(str(outcome), used))
        ws.append(COLUMNS)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for i, col in enumerate(COLUMNS):
            ws.column_dimensions[ws.cell(row=1, column=i + 1).column_letter].width = widths.get(col, 12)
        for rec in group[COLUMNS].itertuples(index=False):
            ws.append([_text(v) for v in rec])
    wb.save(path)


def open_template(path: Path | str) -> Source:
    """Open a filled-in template (CSV or XLSX); nothing is read until the chunks are iterated."""
    path = Path(path)
    source = Source(path=path, format="template", chunks=[], columns={c: c for c in COLUMNS} | {
        "period_year": "period", "period_label": "period"})
    source.chunks = _chunks(source)
    return source


def _cell_text(x: object) -> str:
    """A cell as text, floats by repr so no digit is lost."""
    if x is None:
        return ""
    if isinstance(x, float):
        if np.isnan(x):
            return ""
        return str(int(x)) if x.is_integer() else repr(x)
    if isinstance(x, (dt.datetime, dt.date)):
        return x.isoformat()
    return str(x)


def _workbook_faults(path: Path) -> list[Fault]:
    """Refuse a workbook that would unpack too big, read through zipfile before openpyxl.

    An XLSX is a zip of XML parts; a few kilobytes can declare gigabytes (a
    decompression bomb). The sizes in the zip's directory are checked here, and
    zipfile checks them again as openpyxl reads each part.
    """
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            parts = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        return [Fault(path.name, None, None, None, f"unreadable workbook (not an XLSX zip): {exc}")]
    if len(parts) > MAX_XLSX_PARTS:
        return [Fault(path.name, None, None, None, f"{len(parts):,} parts: more than the {MAX_XLSX_PARTS:,} "
                                                    "a workbook import reads")]
    total = sum(p.file_size for p in parts)
    if total > MAX_XLSX_BYTES:
        return [Fault(path.name, None, None, None, f"unpacks to {total:,} bytes: more than the {MAX_XLSX_BYTES:,} "
                                                    "a workbook import reads")]
    for p in parts:
        ratio = p.file_size / max(p.compress_size, 1)
        if p.file_size > RATIO_FROM_BYTES and ratio > MAX_XLSX_RATIO:
            return [Fault(path.name, None, None, None,
                          f"part {p.filename} unpacks {ratio:,.0f} times its size (more than {MAX_XLSX_RATIO:,}): "
                          "a decompression bomb?")]
    return []


def _sheet_faults(name: str, ws: object) -> list[Fault]:
    """A sheet that must not be imported unseen: hidden, or reaching past the limits."""
    title = str(getattr(ws, "title", ""))
    if getattr(ws, "sheet_state", "visible") != "visible":
        return [Fault(name, None, None, None, f"sheet {title} is {ws.sheet_state}: unhide it or delete it "  # type: ignore[attr-defined]
                                              "(a hidden sheet is never imported unseen)", title)]
    rows, cols = getattr(ws, "max_row", None) or 0, getattr(ws, "max_column", None) or 0
    if rows > MAX_SHEET_ROWS or cols > MAX_SHEET_COLUMNS:
        return [Fault(name, None, None, None,
                      f"the sheet reaches cell {column_letters(max(cols, 1) - 1)}{rows}: more than the "
                      f"{MAX_SHEET_ROWS:,} rows and {MAX_SHEET_COLUMNS} columns a template sheet may have "
                      "(clear the cells beyond the table)", title)]
    return []


def _read_sheet(name: str, ws: object) -> tuple[pd.DataFrame, list[Fault]]:
    """A sheet's table as text, or faults: no formulas (the figure must be typed), no rows past the limit.

    Rows are read only as wide as the header, so a stray cell far to the right
    cannot make every row 16,384 cells long.
    """
    rows = ws.iter_rows(max_row=1)  # type: ignore[attr-defined]
    header = [_cell_text(c.value).strip() for c in next(rows, ())]
    while header and header[-1] == "":
        header.pop()
    title = str(ws.title)  # type: ignore[attr-defined]
    faults = check_header(name, header, title)
    if faults:
        return pd.DataFrame(), faults
    width = len(header)
    body: list[list[str]] = []
    for number, row in enumerate(ws.iter_rows(min_row=2, max_col=max(width, 1)), start=2):  # type: ignore[attr-defined]
        if number > MAX_SHEET_ROWS:
            return pd.DataFrame(), [Fault(name, number, None, None, f"more than {MAX_SHEET_ROWS:,} rows", title)]
        cells = []
        for i, cell in enumerate(row):
            if getattr(cell, "data_type", None) == "f":
                if len(faults) < MAX_REPORTED:
                    faults.append(Fault(name, number, header[i] if i < width else None, str(cell.value)[:60],
                                        "a formula: type the figure itself (a formula's result is not read)",
                                        title))
                cells.append("")
            else:
                cells.append(_cell_text(cell.value))
        body.append((cells + [""] * width)[:width])
    if faults:
        return pd.DataFrame(), faults
    return pd.DataFrame(body, columns=header, dtype=object).astype(str), []


def _sheets(path: Path) -> Iterator[tuple[str | None, pd.DataFrame, list[Fault]]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        faults = _workbook_faults(path)
        if faults:
            yield None, pd.DataFrame(), faults
            return
        try:
            # Not data_only: a formula must be seen as one (refused), never read as its
            # cached result or, when none was saved, as a blank.
            wb = load_workbook(path, read_only=True, data_only=False)
        except Exception as exc:  # openpyxl raises many types for a damaged workbook
            yield None, pd.DataFrame(), [Fault(path.name, None, None, None, f"unreadable workbook: {exc}")]
            return
        try:
            for ws in wb.worksheets:
                faults = _sheet_faults(path.name, ws)
                if faults:
                    yield ws.title, pd.DataFrame(), faults
                    continue
                if ws.title == README_SHEET:
                    continue
                frame, faults = _read_sheet(path.name, ws)
                yield ws.title, frame, faults
        finally:
            wb.close()
        return
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = [c.strip() for c in next(csv.reader(fh), [])]
        header_faults = check_header(path.name, header)
        if header_faults:
            yield None, pd.DataFrame(), header_faults
            return
        ragged, _ = ragged_rows(path, len(header))
    except (csv.Error, UnicodeDecodeError):
        ragged = []  # reported by the parser below
    if ragged:  # pandas would pad a short row with blanks, importing it with figures missing
        yield None, pd.DataFrame(), ragged
        return
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        yield None, pd.DataFrame(), [Fault(path.name, None, None, None, f"unreadable CSV: {exc}")]
        return
    frame.columns = [str(c).strip() for c in frame.columns]
    yield None, frame, []


def _chunks(source: Source) -> Iterator[Chunk]:
    path = source.path
    blank_rows = 0
    for sheet, raw, faults in _sheets(path):
        source.sheet = sheet  # core names this sheet in the faults it finds in this chunk
        if faults:
            yield Chunk(pd.DataFrame(), faults)
            continue
        missing = [c for c in KEYS if c not in raw]
        if missing:
            yield Chunk(pd.DataFrame(), [Fault(path.name, 1, None, None,
                                               f"not a template sheet: no {', '.join(missing)} column", sheet)])
            continue
        chunk, blanks = _convert(path.name, sheet, raw)
        blank_rows += blanks
        yield chunk
    if blank_rows:
        source.notes.append(f"{blank_rows:,} template rows left blank (no figures) were skipped")


def _convert(name: str, sheet: str | None, raw: pd.DataFrame) -> tuple[Chunk, int]:
    raw = raw.apply(lambda c: c.str.strip())
    rows = np.arange(2, len(raw) + 2)
    faults: list[Fault] = []
    figure_cols = [c for c in [*VALUE_COLUMNS, "note"] if c in raw]
    unfilled = (raw[figure_cols] == "").all(axis=1).to_numpy() if figure_cols else np.ones(len(raw), bool)
    empty_line = (raw == "").all(axis=1).to_numpy()
    take = ~unfilled
    out: dict[str, object] = {"_row": rows}
    out["indicator_id"] = raw["indicator_id"].to_numpy()
    out["area_code"] = raw["area_code"].to_numpy()
    out["client_group_id"] = raw["client_group_id"].replace("", "all").to_numpy() if "client_group_id" in raw \
        else "all"
    out["sex"] = raw["sex"].str.lower().replace("", "persons").to_numpy() if "sex" in raw else "persons"
    out["category"] = raw["category"].to_numpy() if "category" in raw else ""
    lookup = {u: parse_period(u) for u in raw["period"].unique()}
    periods = raw["period"].map(lookup)
    bad_period = periods.isna().to_numpy() & take
    for r, v in zip(rows[bad_period][:MAX_REPORTED], raw.loc[bad_period, "period"], strict=False):
        faults.append(Fault(name, int(r), "period", v,
                            "unreadable period (expected e.g. 2024-25, 2024/25 or 2025)", sheet))
    for col in ("indicator_id", "area_code"):
        blank_key = (raw[col] == "").to_numpy() & take
        for r in rows[blank_key][:MAX_REPORTED]:
            faults.append(Fault(name, int(r), col, "", f"{col} is blank: do not clear the key columns", sheet))
    out["period_year"] = periods.map(lambda p: p[0] if p else np.nan).to_numpy()
    out["period_label"] = periods.map(lambda p: p[1] if p else None).to_numpy()
    suppressed = np.zeros(len(raw), dtype=bool)
    notes = raw["note"].replace("", None) if "note" in raw else pd.Series(None, index=raw.index, dtype=object)
    for col in VALUE_COLUMNS:
        if col not in raw:
            out[col] = np.nan
            continue
        numbers, bad, sup, codes = parse_numbers(raw[col])
        out[col] = numbers.to_numpy()
        if col in ("count", "value"):
            suppressed |= sup.to_numpy()
            notes = notes.fillna(codes)
        bad_mask = bad.to_numpy() & take
        for r, v in zip(rows[bad_mask][:MAX_REPORTED], raw.loc[bad_mask, col], strict=False):
            faults.append(Fault(name, int(r), col, v, number_rule(v, "not a number (or a code: c, x, z)"), sheet))
    out["suppressed"] = suppressed
    out["note"] = notes.astype(object).where(notes.notna(), None).to_numpy()
    frame = canonical_frame(out)
    keep = take & ~bad_period & (raw["indicator_id"] != "").to_numpy() & (raw["area_code"] != "").to_numpy()
    blanks = int((unfilled & ~empty_line).sum())
    return Chunk(frame[keep].reset_index(drop=True), faults), blanks
