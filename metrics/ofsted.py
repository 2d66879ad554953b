"""Ofsted's inspection judgements of each LA's children's services (ILACS).

Three published files say how Ofsted judged an LA under ILACS (inspecting local
authority children's services, since 2018):

- DfE's "LA inspection outcomes as at 31 March": the ILACS inspection history
  (every inspection, ``ilacs_history``) and the inspections in force at 31 March
  (``ilacs_current``), CSVs with ONS codes and ISO dates;
- Data to Insight's ILACS overview workbook (``ilacs_overview``), scraped from
  Ofsted's reports: the latest inspection of each LA, by DfE LA number, with start
  and end dates, and inspections published after DfE's file.

:func:`import_ofsted` reads any of them (the layout says which), checks every row
first and writes all or nothing, one batch per file. Grades are on Ofsted's own
scale (``data/reference/ofsted_grades.csv``), never mixed with the JAR 1-4 grades
of :mod:`metrics.judgements`; the judgements read are those of
``data/reference/ofsted_judgements.csv``. The read functions give one row per
inspection, whichever sources hold it.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from metrics.framework import DATA_DIR, ReferenceDataError, load_area_code_changes, read_rows
from metrics.io.faults import MAX_REPORTED, Fault, ImportFailed
from metrics.io.files import file_hash
from metrics.lookups import la_codes_by_number
from metrics.store import Store, new_batch

FORMAT = "ofsted"
FRAMEWORK = "ILACS"
#: When two sources hold the same inspection, whose grades are shown: DfE's record
#: first (the scraped workbook misreads some reports: St Helens, July 2023); the
#: workbook adds end dates, report links and inspections published after DfE's file.
SOURCE_PREFERENCE = ("ilacs_history", "ilacs_current", "ilacs_overview")
SOURCE_TITLES = {
    "ilacs_history": "LA inspection outcomes: ILACS inspection history",
    "ilacs_current": "LA inspection outcomes: inspections as at 31 March",
    "ilacs_overview": "Data to Insight, Ofsted ILACS overview (from Ofsted's reports)",
}
# DfE's CSV columns besides the judgements (the judgements' columns are in the reference file).
DFE_CODE, DFE_NAME, DFE_STATUS = "Local authority area code", "Local authority name", "Local authority status"
DFE_START, DFE_PUBLISHED, DFE_TYPE = "Inspection date", "Publication date", "Inspection type"
DFE_REQUIRED = [DFE_CODE, DFE_NAME, DFE_START, DFE_PUBLISHED]
DFE_GONE = "No longer exists"
WB_NUMBER, WB_NAME, WB_LINK, WB_TYPE = "la_code", "local_authority", "inspection_link", "inspection_framework"
WB_START, WB_END, WB_PUBLISHED = "inspection_start_date", "inspection_end_date", "publication_date"
WB_REQUIRED = [WB_NUMBER, WB_NAME, WB_START, WB_END, WB_PUBLISHED, WB_TYPE]
#: Date layouts each source uses (the workbook writes publication dates with a 2-digit year).
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d %H:%M:%S")
#: Cells the overview workbook's scraper wrote for "nothing found" (Python's None and NaN as text).
WORKBOOK_BLANKS = {"nan", "none"}
INSPECTION_TYPES = {"ilacs standard inspection": "standard", "ilacs short inspection": "short",
                    "standard": "standard", "short": "short"}


class ReferenceRow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class OfstedGrade(ReferenceRow):
    """A point on Ofsted's scale (1 Outstanding to 4 Inadequate, Ofsted's numbering)."""

    grade_id: str = Field(pattern=r"^[a-z_]+$")
    ofsted_grade: int = Field(ge=1, le=4)
    name: str
    words: list[str]
    good_or_better: bool

    @field_validator("words", mode="before")
    @classmethod
    def _split(cls, value: object) -> list[str]:
        return [w.strip().lower() for w in str(value or "").split(";") if w.strip()]


class OfstedJudgementKind(ReferenceRow):
    """One judgement of an ILACS inspection and where each source publishes it."""

    judgement_id: str = Field(pattern=r"^[a-z_]+$")
    sort_order: int
    name: str
    dfe_column: str
    workbook_column: str
    not_judged_words: list[str] = []

    @field_validator("not_judged_words", mode="before")
    @classmethod
    def _split(cls, value: object) -> list[str]:
        return [w.strip().lower() for w in str(value or "").split(";") if w.strip()]


@dataclass(frozen=True)
class OfstedScale:
    grades: list[OfstedGrade]
    judgements: list[OfstedJudgementKind]

    @property
    def by_word(self) -> dict[str, str]:
        return {w: g.grade_id for g in self.grades for w in [g.name.lower(), *g.words]}

    @property
    def names(self) -> dict[str, str]:
        return {g.grade_id: g.name for g in self.grades}

    @property
    def good_or_better(self) -> set[str]:
        return {g.grade_id for g in self.grades if g.good_or_better}

    @property
    def judgement_names(self) -> dict[str, str]:
        return {j.judgement_id: j.name for j in self.judgements}


@functools.lru_cache(maxsize=4)
def load_ofsted_scale(data_dir: Path | str | None = None) -> OfstedScale:
    """Ofsted's grades and ILACS judgements from ``data/reference``, validated once per
    process (every page that shows an inspection asks; the files are reviewed data)."""
    base = Path(data_dir) if data_dir else DATA_DIR
    grades = read_rows(base / "reference" / "ofsted_grades.csv", OfstedGrade)
    if sorted(g.ofsted_grade for g in grades) != [1, 2, 3, 4]:
        raise ReferenceDataError("ofsted_grades.csv: Ofsted's scale has exactly the grades 1, 2, 3 and 4")
    judgements = sorted(read_rows(base / "reference" / "ofsted_judgements.csv", OfstedJudgementKind),
                        key=lambda j: j.sort_order)
    if not judgements or judgements[0].judgement_id != "overall_effectiveness":
        raise ReferenceDataError("ofsted_judgements.csv: overall_effectiveness comes first")
    words = [w for g in grades for w in {g.name.lower(), *g.words}]
    if len(words) != len(set(words)):
        raise ReferenceDataError("ofsted_grades.csv: a word names two grades")
    return OfstedScale(grades, judgements)


# --- reading -----------------------------------------------------------------------------------

INSPECTION_COLUMNS = ["source", "area_code", "inspection_date", "inspection_end_date", "publication_date",
                      "framework", "inspection_type", "published_name", "report_url"]
JUDGEMENT_COLUMNS = ["source", "area_code", "inspection_date", "judgement_id", "grade_id"]


@dataclass
class OfstedRead:
    """A file's inspections and judgements, checked, ready to write."""

    source: str
    inspections: pd.DataFrame
    judgements: pd.DataFrame
    rows_read: int
    notes: list[str] = field(default_factory=list)


def _read_table(path: Path) -> pd.DataFrame:
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        frame = pd.read_excel(path, dtype=str, keep_default_na=False)
        frame = frame.apply(lambda col: col.where(~col.str.strip().str.lower().isin(WORKBOOK_BLANKS), ""))
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.apply(lambda col: col.str.strip())


def _date(text: str) -> dt.date | None:
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def read_ofsted(path: Path | str, store: Store, scale: OfstedScale | None = None) -> OfstedRead:
    """Read and check one Ofsted outcomes file; raise :class:`ImportFailed` naming every fault."""
    path = Path(path)
    scale = scale or load_ofsted_scale()
    name = path.name
    try:
        raw = _read_table(path)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise ImportFailed([Fault(name, None, None, None, f"not a readable CSV or workbook: {exc}")]) from exc
    workbook = WB_NUMBER in raw.columns
    if workbook:
        source, required = "ilacs_overview", WB_REQUIRED + [j.workbook_column for j in scale.judgements]
    else:
        source = "ilacs_history" if DFE_TYPE in raw.columns else "ilacs_current"
        required = DFE_REQUIRED + [j.dfe_column for j in scale.judgements]
    missing = [c for c in required if c not in raw.columns]
    if missing:
        raise ImportFailed([Fault(name, 1, c, None, "required column missing from the header") for c in missing])
    codes = set(store.df("SELECT area_code FROM area WHERE area_type = 'la'")["area_code"])
    by_number = la_codes_by_number(store)
    recodes = load_area_code_changes()
    by_word = scale.by_word
    faults: list[Fault] = []
    inspections: list[dict[str, object]] = []
    judgements: list[dict[str, object]] = []
    gone: list[str] = []
    undated: list[str] = []
    seen: dict[tuple[str, dt.date], int] = {}
    for i, row in enumerate(raw.to_dict("records")):
        line = i + 2  # the header is line 1

        def fault(column: str, value: object, rule: str, line: int = line) -> None:
            faults.append(Fault(name, line, column, value, rule))

        if workbook:
            number = row[WB_NUMBER].removesuffix(".0")
            area = by_number.get(number)
            if area is None:
                fault(WB_NUMBER, number, "not the DfE number of a current LA in data/reference/areas.csv")
        else:
            code = row[DFE_CODE]
            area = recodes.get(code, code)
            if area not in codes:
                if row.get(DFE_STATUS) == DFE_GONE:
                    gone.append(f"{row[DFE_NAME]} ({code})")
                    continue
                fault(DFE_CODE, code, "not the ONS code of a current LA in data/reference/areas.csv")
                area = None
        start_col = WB_START if workbook else DFE_START
        if workbook and not row[WB_START] and not row[WB_END]:
            # The scraper found no dates in a few reports; such a row names no inspection
            # (DfE's history holds it with its date), so it is left out and noted.
            undated.append(row[WB_NAME])
            continue
        start = _date(row[start_col])
        if start is None:
            fault(start_col, row[start_col], "not a date (YYYY-MM-DD or DD/MM/YYYY)")
        published_col = WB_PUBLISHED if workbook else DFE_PUBLISHED
        published = _date(row[published_col]) if row[published_col] else None
        if row[published_col] and published is None:
            fault(published_col, row[published_col], "not a date (YYYY-MM-DD or DD/MM/YYYY)")
        end = None
        if workbook and row[WB_END]:
            end = _date(row[WB_END])
            if end is None:
                fault(WB_END, row[WB_END], "not a date (YYYY-MM-DD or DD/MM/YYYY)")
        if start and published and published < start:
            fault(published_col, row[published_col], f"published before the inspection began ({start:%Y-%m-%d})")
        if start and end and end < start:
            fault(WB_END, row[WB_END], f"ends before it began ({start:%Y-%m-%d})")
        type_col = WB_TYPE if workbook else DFE_TYPE
        kind_text = row.get(type_col, "")
        kind = INSPECTION_TYPES.get(kind_text.lower()) if kind_text else None
        if kind_text and kind is None:
            fault(type_col, kind_text, f"not an ILACS inspection type ({', '.join(sorted(set(INSPECTION_TYPES.values())))})")
        graded: list[tuple[str, str]] = []
        for j in scale.judgements:
            column = j.workbook_column if workbook else j.dfe_column
            text = row[column]
            if not text or text.lower() in j.not_judged_words:
                continue  # not judged at that inspection (e.g. care leavers before 2023)
            grade = by_word.get(text.lower())
            if grade is None:
                fault(column, text, "not a grade on Ofsted's scale (data/reference/ofsted_grades.csv)")
                continue
            graded.append((j.judgement_id, grade))
        if not graded and area is not None:
            fault(scale.judgements[0].workbook_column if workbook else scale.judgements[0].dfe_column, "",
                  "no judgement at all: an inspection row must grade something")
        if area is None or start is None:
            continue
        if (area, start) in seen:
            fault(start_col, row[start_col], f"the same LA's inspection is also on row {seen[(area, start)]:,}")
            continue
        seen[(area, start)] = line
        inspections.append({
            "source": source, "area_code": area, "inspection_date": start, "inspection_end_date": end,
            "publication_date": published, "framework": FRAMEWORK, "inspection_type": kind,
            "published_name": row[WB_NAME if workbook else DFE_NAME],
            "report_url": row.get(WB_LINK) or None,
        })
        judgements += [{"source": source, "area_code": area, "inspection_date": start, "judgement_id": jid,
                        "grade_id": grade} for jid, grade in graded]
    if faults:
        raise ImportFailed(faults[:MAX_REPORTED], total=len(faults))
    notes = [f"skipped {len(gone)} rows of LAs that no longer exist ({', '.join(sorted(set(gone)))})"] if gone else []
    if undated:
        notes.append(f"skipped {len(undated)} rows without inspection dates ({', '.join(sorted(undated))})")
    return OfstedRead(
        source,
        pd.DataFrame(inspections, columns=INSPECTION_COLUMNS),
        pd.DataFrame(judgements, columns=JUDGEMENT_COLUMNS),
        len(raw),
        notes,
    )


def extract_columns(frame: pd.DataFrame, header_row: bool = False) -> pd.DataFrame:
    """The columns this reader reads, for the published snapshot's extract.

    The overview workbook also holds inspectors' names, neighbours' grades and
    local spreadsheet formulas (``=HYPERLINK`` to the scraper's own folders): none
    is needed here, and a formula must not be written back into a workbook.
    ``header_row``: the frame was read without a header (a workbook's cells), so
    its first row holds the names.
    """
    scale = load_ofsted_scale()
    wanted = {*DFE_REQUIRED, DFE_STATUS, DFE_TYPE, *WB_REQUIRED, WB_LINK,
              *(c for j in scale.judgements for c in (j.dfe_column, j.workbook_column))}
    names = frame.iloc[0].astype(str).str.strip() if header_row else pd.Series(frame.columns, index=frame.columns)
    return frame.loc[:, [c for c in frame.columns if names[c] in wanted]]


# --- writing -----------------------------------------------------------------------------------


@dataclass
class OfstedImport:
    file: str
    source: str
    inspections: int
    judgements: int
    batch_id: int | None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        done = f"batch {self.batch_id}" if self.batch_id is not None else "unchanged, no batch recorded"
        text = (f"{self.file}: {self.inspections:,} Ofsted inspections ({SOURCE_TITLES[self.source]}), "
                f"{self.judgements:,} judgements; {done}")
        return "; ".join([text, *self.notes])


def _stored(store: Store, source: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    ins = store.df(f"SELECT {', '.join(INSPECTION_COLUMNS)} FROM ofsted_inspection WHERE source = ?", [source])
    jud = store.df(f"SELECT {', '.join(JUDGEMENT_COLUMNS)} FROM ofsted_judgement WHERE source = ?", [source])
    return ins, jud


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    if len(a) != len(b):
        return False
    key = list(a.columns)
    norm = [f.astype(str).sort_values(key).reset_index(drop=True) for f in (a, b)]
    return norm[0].equals(norm[1])


def import_ofsted(store: Store, path: Path | str, user: str) -> OfstedImport:
    """Replace one source's inspections with the file's, in one transaction and one batch.

    All or nothing: every row is checked first (:func:`read_ofsted`). Re-importing
    the same content changes nothing and records no batch.
    """
    path = Path(path)
    got = read_ofsted(path, store)
    ins, jud = _stored(store, got.source)
    result = OfstedImport(path.name, got.source, len(got.inspections), len(got.judgements), None, got.notes)
    if _same(ins, got.inspections) and _same(jud, got.judgements):
        return result
    with store.transaction() as cur:
        cur.execute("DELETE FROM ofsted_inspection WHERE source = ?", [got.source])
        cur.execute("DELETE FROM ofsted_judgement WHERE source = ?", [got.source])
        note = f"{len(got.inspections)} inspections, {len(got.judgements)} judgements"
        batch = new_batch(cur, path.name, FORMAT, user, file_hash(path), "; ".join([note, *got.notes]))
        cur.register("_ins", got.inspections.assign(batch_id=batch))
        cur.execute("INSERT INTO ofsted_inspection BY NAME SELECT * FROM _ins")
        cur.unregister("_ins")
        cur.register("_jud", got.judgements)
        cur.execute("INSERT INTO ofsted_judgement BY NAME SELECT * FROM _jud")
        cur.unregister("_jud")
    result.batch_id = batch
    return result


# --- reading the store -------------------------------------------------------------------------


@dataclass(frozen=True)
class Inspection:
    """One ILACS inspection of an LA, its grades by name, as a page shows it."""

    area_code: str
    inspection_date: dt.date
    inspection_end_date: dt.date | None
    publication_date: dt.date | None
    inspection_type: str | None
    overall: str | None  # Ofsted's word for the overall grade, e.g. "Outstanding"
    overall_grade_id: str | None
    judgements: list[tuple[str, str]]  # (judgement name, grade name), in the reference file's order
    source: str
    report_url: str | None

    @property
    def label(self) -> str:
        """E.g. "Outstanding (ILACS short inspection, 29 April 2024)"."""
        kind = f"ILACS {self.inspection_type} inspection" if self.inspection_type else "ILACS inspection"
        overall = self.overall or "No overall grade"
        return f"{overall} ({kind}, {format_date(self.inspection_date)})"


    @property
    def dates_text(self) -> str:
        """E.g. "inspected 29 April 2024 (short inspection), published 12 July 2024"."""
        kind = f"{self.inspection_type} inspection" if self.inspection_type else "inspection"
        published = f", published {format_date(self.publication_date)}" if self.publication_date else ""
        return f"inspected {format_date(self.inspection_date)} ({kind}){published}"

    @property
    def sentence(self) -> str:
        """E.g. "Outstanding overall effectiveness; inspected 29 April 2024 (short inspection), ..."."""
        return f"{self.overall or 'No'} overall effectiveness; {self.dates_text}"


def inspections_frame(found: list[Inspection]) -> pd.DataFrame:
    """One row per inspection, every judgement a column, as a pack or a page prints it."""
    rows = [{"Inspected": format_date(i.inspection_date), "Published": format_date(i.publication_date),
             "Type": i.inspection_type or "-", **dict(i.judgements)} for i in found]
    return pd.DataFrame(rows).fillna("not judged")


def format_date(day: dt.date | None) -> str:
    return "" if day is None else f"{day.day} {day:%B %Y}"


def inspection_history(store: Store, area_code: str | None = None) -> pd.DataFrame:
    """One row per inspection (newest first), from the preferred source holding it.

    Columns: the inspection's (``INSPECTION_COLUMNS``) and one per judgement id
    holding the grade id (blank when not judged).
    """
    scale = load_ofsted_scale()
    order = "CASE source " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(SOURCE_PREFERENCE)) + " END"
    where, params = ("WHERE area_code = ?", [area_code]) if area_code else ("", [])
    # End dates and report links are taken from whichever source has them.
    filled = {"inspection_end_date", "report_url"}
    columns = ", ".join(f"max({c}) OVER (PARTITION BY area_code, inspection_date) AS {c}" if c in filled else c
                        for c in INSPECTION_COLUMNS)  # fixed names
    ins = store.df(
        f"""SELECT {columns} FROM ofsted_inspection {where}
            QUALIFY row_number() OVER (PARTITION BY area_code, inspection_date ORDER BY {order}) = 1
            ORDER BY area_code, inspection_date DESC""",
        params,
    )
    jud = store.df(f"SELECT {', '.join(JUDGEMENT_COLUMNS)} FROM ofsted_judgement {where}", params)
    wide = (jud.pivot_table(index=["source", "area_code", "inspection_date"], columns="judgement_id",
                            values="grade_id", aggfunc="first") if not jud.empty else pd.DataFrame())
    out = ins.merge(wide.reset_index(), on=["source", "area_code", "inspection_date"], how="left") \
        if not wide.empty else ins
    for j in scale.judgements:
        if j.judgement_id not in out.columns:
            out[j.judgement_id] = None
    for col in ("inspection_date", "inspection_end_date", "publication_date"):
        out[col] = pd.to_datetime(out[col]).dt.date
    return out.reset_index(drop=True)


def _given(value: object) -> object:
    """None for a missing cell (None, NaN, NaT), else the value."""
    return None if value is None or pd.isna(value) else value


def _inspection(row: pd.Series, scale: OfstedScale) -> Inspection:
    names = scale.names
    grades = [(j.name, names[row[j.judgement_id]]) for j in scale.judgements if _given(row[j.judgement_id])]
    overall_id = _given(row["overall_effectiveness"])
    return Inspection(
        row["area_code"], row["inspection_date"], _given(row["inspection_end_date"]),
        _given(row["publication_date"]), _given(row["inspection_type"]),
        names[overall_id] if overall_id else None, overall_id, grades, row["source"], _given(row["report_url"]),
    )


def inspections(store: Store, area_code: str) -> list[Inspection]:
    """The area's ILACS inspections, newest first."""
    scale = load_ofsted_scale()
    return [_inspection(r, scale) for _, r in inspection_history(store, area_code).iterrows()]


def latest_inspection(store: Store, area_code: str) -> Inspection | None:
    """The area's most recent ILACS inspection with an overall grade, or None.

    Inspections under Ofsted's 2026 arrangements carry no overall grade; the
    latest graded one is what a reader means by "the LA's Ofsted grade".
    """
    graded = [i for i in inspections(store, area_code) if i.overall]
    return graded[0] if graded else None


def good_or_outstanding_areas(store: Store) -> list[str]:
    """LAs whose latest overall ILACS grade is Good or better (``good_or_better`` in the reference file)."""
    scale = load_ofsted_scale()
    hist = inspection_history(store)
    if hist.empty:
        return []
    graded = hist[hist["overall_effectiveness"].notna()]
    latest = graded.sort_values("inspection_date").groupby("area_code").tail(1)
    return sorted(latest.loc[latest["overall_effectiveness"].isin(scale.good_or_better), "area_code"])


def latest_overall(store: Store) -> pd.DataFrame:
    """Each LA's latest overall ILACS grade, by name, and when it was inspected (for tables beside JAR grades)."""
    scale = load_ofsted_scale()
    hist = inspection_history(store)
    cols = ["area_code", "ofsted_overall", "ofsted_inspected"]
    if hist.empty:
        return pd.DataFrame(columns=cols)
    graded = hist[hist["overall_effectiveness"].notna()]
    latest = graded.sort_values("inspection_date").groupby("area_code").tail(1)
    return pd.DataFrame({
        "area_code": latest["area_code"],
        "ofsted_overall": latest["overall_effectiveness"].map(scale.names),
        "ofsted_inspected": latest["inspection_date"].map(format_date),
    }, columns=cols).sort_values("area_code").reset_index(drop=True)


# --- inspections on a time axis ----------------------------------------------------------------

#: The month each period type starts in; a period is labelled by the year it ends in
#: (metrics.periods): financial years run April to March, academic September to August.
PERIOD_START_MONTH = {"financial": 4, "academic": 9, "calendar": 1}


def period_year_of(day: dt.date, period_type: str) -> int:
    """The ``period_year`` of the period of ``period_type`` that contains ``day``."""
    start = PERIOD_START_MONTH.get(period_type, 1)
    return day.year + 1 if start > 1 and day.month >= start else day.year


@dataclass(frozen=True)
class PeriodMarker:
    period_label: str
    text: str  # e.g. "Ofsted: Outstanding (29 April 2024)"
    inspection: Inspection


def inspection_markers(found: list[Inspection], period_type: str, labels: dict[int, str]) -> list[PeriodMarker]:
    """Markers for the inspections that fall in a chart's periods (``labels``: period_year -> label)."""
    out = []
    for i in found:
        year = period_year_of(i.inspection_date, period_type)
        if year in labels:
            out.append(PeriodMarker(labels[year], f"Ofsted: {i.overall or 'no overall grade'} "
                                    f"({format_date(i.inspection_date)})", i))
    return out
