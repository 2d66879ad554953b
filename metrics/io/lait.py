"""DfE's Local Authority Interactive Tool (LAIT) dataset, imported whole.

LAIT publishes one long parquet file (``bds_long_*.parquet``: ``Short Desc, Data
item, Years, LA and Regions, Values, LA Number, Region``) and a data dictionary
(``lait_data_dictionary.csv``) giving each measure's polarity, unit, decimal
places and year type. This reader:

* maps each measure (``Short Desc`` = the dictionary's ``Measure_short``) to a
  catalogue indicator and client group, through the catalogue's ``lait_measure``
  and the reviewed mapping file ``data/mappings/lait_measures.csv``. A measure the
  mapping gives an ECM aim becomes a new indicator with ``mapped = TRUE``; every
  other measure still lands, as an indicator with ``mapped = FALSE``, so nothing
  DfE published is silently left out;
* identifies areas by DfE's three-digit LA number (``area.la_number``), and
  England and the regions by name. LAIT keeps rows for LAs that no longer exist
  (Cumbria, Northamptonshire, pre-2019 Dorset, Poole, Bournemouth) and for inner
  and outer London; they get a readable placeholder code, so the import either
  refuses with a fault naming them or, with ``unknown_areas='skip'``, counts them:
  they are reported, never dropped unseen;
* reads the 640,000-row parquet with DuckDB and yields 200,000-row chunks, so the
  whole file streams through bounded memory.

LAIT publishes values only (no counts or denominators), so confidence intervals
stay empty. Its only missing-value mark is ``-`` (suppressed, not available or not
applicable, LAIT does not say which), kept as a missing value with a note.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import duckdb
import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from metrics.framework import REPO_ROOT, PeriodType
from metrics.io.core import Chunk, Source, canonical_frame
from metrics.io.faults import MAX_REPORTED, Fault
from metrics.io.values import number_rule, parse_numbers, parse_period
from metrics.lookups import la_codes_by_number
from metrics.periods import period_label
from metrics.store import Store

DEFAULT_MAPPING = REPO_ROOT / "data" / "mappings" / "lait_measures.csv"
DEFAULT_PERIOD_TYPES = REPO_ROOT / "data" / "mappings" / "lait_period_types.csv"
DICTIONARY_NAME = "lait_data_dictionary.csv"
# A LAIT ``Values`` cell as DuckDB reads it (thousands separators dropped).
LAIT_NUMBER = """replace(trim("Values"), ',', '')"""
CHUNK_ROWS = 200_000
SOURCE = "DfE Local Authority Interactive Tool (LAIT)"
UNMAPPED_PREFIX = "LAIT_"
# Spelled out in indicator ids, so ``LAC_ceased_SGO`` and ``LAC_ceased_SGO%`` differ.
SIGNS = {"%": "pct", "&": "and", "<": "lt", ">": "gt", "+": "plus"}
COLUMNS = {
    "indicator_id": "Short Desc", "area_code": "LA Number", "period_year": "Years",
    "period_label": "Years", "value": "Values",
}
REQUIRED = ["Short Desc", "Years", "LA and Regions", "Values", "LA Number"]
# The indicator table's columns, plus the NSF standards core links them to.
NEW_COLUMNS = [
    "indicator_id", "short_title", "title", "definition", "numerator_definition", "denominator_definition",
    "outcome_id", "aim_id", "polarity", "value_type", "multiplier", "unit", "decimal_places", "ci_method",
    "source", "frequency", "period_type", "client_groups", "headline_group", "disclosure_threshold", "status",
    "ni_number", "lait_measure", "fingertips_id", "mapped", "nsf_standards", "confidence_level", "no_band_groups",
]

# LAIT turns every missing-value code of its sources into "-"; which one it was is lost.
DASH_NOTE = "-: no figure published in LAIT (suppressed, not available or not applicable)"
POLARITY = {"high": "high_is_good", "low": "low_is_good"}
# LAIT's Year_Type -> the catalogue's period types. 'Annual' measures are counts at
# 31 March (CIN, CPP, CLA), 'Annual - January' the school census (an academic
# year), 'Annual (end of Sept)' the workforce census (a calendar year).
YEAR_TYPES = {
    "academic year": "academic",
    "financial year": "financial",
    "calendar year": "calendar",
    "annual": "financial",
    "annual - january": "academic",
    "annual (end of sept)": "calendar",
}
# A pooled multi-year LAIT period such as ``2021/22-23/24`` (three academic or
# financial years ending in 2024); values.parse_period reads ``2014-16`` already.
_POOLED = re.compile(r"^(\d{4})/(\d{2})\s*-\s*(\d{2})/(\d{2})$")
_SPAN = re.compile(r"^(\d{4})\s*[-/]?\s*(\d{2})$")


def _one_year(text: str) -> bool:
    """``2025``, ``2024-25``, ``2024/25``, ``202425``: one year; ``2014-16`` pools three."""
    if re.fullmatch(r"\d{4}", text):
        return True
    m = _SPAN.match(text)
    return bool(m) and int(m.group(2)) == (int(m.group(1)) + 1) % 100


class LaitMappingError(ValueError):
    """The LAIT mapping file is malformed or contradicts the catalogue; names the row."""


class LaitMapping(BaseModel):
    """One reviewed row of ``lait_measures.csv``.

    ``catalogue`` rows put a LAIT measure under an existing indicator (its headline
    client group unless ``client_group_id`` says otherwise, the value multiplied by
    ``scale`` when LAIT uses another unit); ``ecm`` rows make a new indicator with
    the ECM aim and NSF standards given here.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    lait_measure: str
    kind: Literal["catalogue", "ecm"]
    indicator_id: str | None = None
    client_group_id: str | None = None
    scale: float = 1.0
    outcome_id: str | None = None
    aim_id: str | None = None
    nsf_standards: list[int] = []
    polarity: Literal["high_is_good", "low_is_good", "no_judgement"] | None = None
    note: str | None = None

    @field_validator("indicator_id", "client_group_id", "outcome_id", "aim_id", "polarity", "note", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("scale", mode="before")
    @classmethod
    def _scale(cls, value: object) -> object:
        return 1.0 if value is None or (isinstance(value, str) and not value.strip()) else value

    @field_validator("nsf_standards", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(";") if part.strip()]
        return value or []

    @field_validator("scale")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("scale must be positive")
        return value

    @model_validator(mode="after")
    def _kind_fields(self) -> LaitMapping:
        if self.kind == "catalogue":
            if not self.indicator_id:
                raise ValueError("a catalogue row needs indicator_id")
            if self.outcome_id or self.aim_id or self.nsf_standards or self.polarity:
                raise ValueError("a catalogue row takes its outcome, aim, standards and polarity from the catalogue")
        else:
            if not (self.outcome_id and self.aim_id):
                raise ValueError("an ecm row needs outcome_id and aim_id")
            if self.indicator_id:
                raise ValueError("an ecm row's indicator id is made from the measure (LAIT_...): leave it blank")
            if self.client_group_id not in (None, "all") or self.scale != 1.0:
                raise ValueError("an ecm row is a new all-children indicator: no client_group_id or scale")
        return self


class LaitPeriodType(BaseModel):
    """One reviewed row of ``lait_period_types.csv``: a measure whose dictionary
    Year_Type is not how its source publishes it (NCCIS figures are calendar years)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    lait_measure: str
    period_type: PeriodType
    reason: str

    @field_validator("reason")
    @classmethod
    def _said(cls, value: str) -> str:
        if not value:
            raise ValueError("say why the dictionary's year type is overridden")
        return value


def read_period_types(path: Path | str | None = None) -> dict[str, str]:
    """Measure -> period type from the reviewed override file (errors name the row)."""
    path = Path(path) if path else DEFAULT_PERIOD_TYPES
    if not path.is_file():  # a folder too: a fault, not an IsADirectoryError
        raise LaitMappingError(f"{path}: LAIT period-type file is missing")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    out: dict[str, str] = {}
    errors: list[str] = []
    for line, raw in enumerate(frame.to_dict("records"), start=2):
        try:
            row = LaitPeriodType.model_validate(raw)
        except ValidationError as exc:
            errors += [f"{path.name}, row {line}, {'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg']}"
                       for e in exc.errors()]
            continue
        if row.lait_measure in out:
            errors.append(f"{path.name}, row {line}: {row.lait_measure!r} listed twice")
        out[row.lait_measure] = row.period_type
    if errors:
        raise LaitMappingError("; ".join(errors[:20]))
    return out


def measure_id(measure: str) -> str:
    """Stable indicator id for a LAIT measure without a catalogue indicator."""
    spelled = measure
    for sign, word in SIGNS.items():
        spelled = spelled.replace(sign, f"_{word}_")
    return UNMAPPED_PREFIX + re.sub(r"[^A-Za-z0-9]+", "_", spelled).strip("_")


def read_mapping(path: Path | str | None = None) -> list[LaitMapping]:
    """Read and validate the mapping file row by row (errors name the row)."""
    path = Path(path) if path else DEFAULT_MAPPING
    if not path.is_file():  # a folder too: a fault, not an IsADirectoryError
        raise LaitMappingError(f"{path}: LAIT mapping file is missing")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    rows: list[LaitMapping] = []
    errors: list[str] = []
    for line, raw in enumerate(frame.to_dict("records"), start=2):
        try:
            rows.append(LaitMapping.model_validate(raw))
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"]) or "row"
                errors.append(f"{path.name}, row {line}, {where}: {err['msg']}")
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        if row.lait_measure in seen:
            errors.append(f"{path.name}, row {line}: {row.lait_measure!r} already mapped on row {seen[row.lait_measure]}")
        seen.setdefault(row.lait_measure, line)
    if errors:
        raise LaitMappingError("; ".join(errors[:20]))
    return rows


def check_mapping(rows: list[LaitMapping], store: Store) -> None:
    """Cross-check the mapping against the store's catalogue and framework.

    Run at every import, because a mapping that disagrees with the catalogue
    would put one LAIT measure under two indicators, or two under one.
    """
    # Indicators an earlier LAIT import created (LAIT_...) are not the catalogue.
    cat = store.df(
        "SELECT indicator_id, lait_measure, client_groups, headline_group FROM indicator"
        " WHERE mapped AND NOT starts_with(indicator_id, ?)",
        [UNMAPPED_PREFIX],
    )
    cat = cat.set_index("indicator_id")
    aims = dict(store.df("SELECT aim_id, outcome_id FROM aim").itertuples(index=False, name=None))
    standards = set(store.df("SELECT standard FROM nsf_standard")["standard"])
    by_measure = {m: i for i, m in cat["lait_measure"].items() if isinstance(m, str) and m}
    problems: list[str] = []
    slots: dict[tuple[str, str], str] = {}
    for row in rows:
        where = f"lait_measures.csv: {row.lait_measure!r}"
        if row.kind == "catalogue":
            iid = str(row.indicator_id)
            if iid not in cat.index:
                problems.append(f"{where}: indicator {iid} is not in the catalogue")
                continue
            group = row.client_group_id or cat.at[iid, "headline_group"]
            if group not in list(cat.at[iid, "client_groups"]):
                problems.append(f"{where}: {iid} is not published for client group {group}")
            owner = by_measure.get(row.lait_measure)
            if owner is not None and (owner != iid or group != cat.at[iid, "headline_group"]):
                problems.append(f"{where}: the catalogue gives this measure to {owner} (headline group)")
        else:
            iid = measure_id(row.lait_measure)
            group = "all"
            if row.lait_measure in by_measure:
                problems.append(f"{where}: the catalogue already maps this measure to {by_measure[row.lait_measure]}")
            if aims.get(str(row.aim_id)) != row.outcome_id:
                problems.append(f"{where}: aim {row.aim_id} is not under outcome {row.outcome_id}")
            problems += [f"{where}: unknown NSF standard {s}" for s in row.nsf_standards if s not in standards]
        if (iid, group) in slots:
            problems.append(f"{where}: {iid} for {group} already comes from {slots[(iid, group)]!r}")
        slots[(iid, group)] = row.lait_measure
    if problems:
        raise LaitMappingError("; ".join(problems[:20]))


def read_dictionary(path: Path) -> pd.DataFrame:
    """The data dictionary, one row per ``Measure_short``.

    Some measures are listed twice (under two topics); the most recently updated
    row wins and the other fills its gaps (decimal places, quartile flag).
    """
    d = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=["", "NA"], encoding="utf-8-sig")
    d["Measure_short"] = d["Measure_short"].str.strip()
    d["_updated"] = pd.to_numeric(d.get("Last Update"), errors="coerce")
    d = d.sort_values(["Measure_short", "_updated"], ascending=[True, False], na_position="last")
    return d.groupby("Measure_short", sort=False).first().drop(columns="_updated")


def no_quartile(entry: pd.Series) -> bool:
    """Whether LAIT's data dictionary row flags the measure as having no quartile band."""
    flag = entry.get("No_Quartile")
    return isinstance(flag, str) and flag.strip().upper() == "N"


def _polarity(text: object) -> str:
    return POLARITY.get(str(text).strip().lower(), "no_judgement") if isinstance(text, str) else "no_judgement"


def _unit(axis: object) -> tuple[str, float, str]:
    """(display unit, multiplier, value type) from the dictionary's y-axis title."""
    a = str(axis).strip() if isinstance(axis, str) else ""
    low = a.lower()
    for per, mult in (("100,000", 100_000.0), ("10,000", 10_000.0), ("1000", 1_000.0), ("1,000", 1_000.0)):
        if low.startswith("rate per " + per):
            return f"per {per if ',' in per else '1,000'}", mult, "crude_rate"
    if "%" in a or low.startswith("percent"):
        return "%", 100.0, "proportion"
    if "score" in low or low == "average":
        return "score", 1.0, "score"
    if low.startswith("number") or low in ("entries", "total cases", "social workers"):
        return "count", 1.0, "count"
    return (a or "as published"), 1.0, "as_published"


def new_indicator_rows(
    measures: pd.DataFrame, dictionary: pd.DataFrame, ecm: dict[str, LaitMapping],
    period_types: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Indicator rows for measures the catalogue lacks (``measures``: measure, item).

    ECM-mapped measures get a value type from their unit (so the dashboard can
    treat them like catalogue indicators); the rest are stored as published. The
    period type is the dictionary's Year_Type unless ``period_types`` (the reviewed
    ``lait_period_types.csv``) says otherwise.
    """
    period_types = period_types or {}
    rows: list[dict[str, object]] = []
    for measure, item in measures.itertuples(index=False, name=None):
        d = dictionary.loc[measure] if measure in dictionary.index else pd.Series(dtype=object)
        title = d.get("Measure") if isinstance(d.get("Measure"), str) else (item or measure)
        chart = d.get("Chart_title") if isinstance(d.get("Chart_title"), str) else title
        unit, mult, vtype = _unit(d.get("y_axis_name"))
        dps = pd.to_numeric(d.get("dps"), errors="coerce")
        mapping = ecm.get(measure)
        year_type = str(d.get("Year_Type") or "").strip().lower()
        historic = str(d.get("Table_status") or "").strip().lower() == "discontinued"
        rows.append(
            {
                "indicator_id": measure_id(measure),
                "short_title": title if len(title) <= 40 else title[:39].rstrip() + "…",
                "title": chart,
                "definition": d.get("Description") if isinstance(d.get("Description"), str) else None,
                "numerator_definition": None,
                "denominator_definition": None,
                "outcome_id": mapping.outcome_id if mapping else None,
                "aim_id": mapping.aim_id if mapping else None,
                "polarity": (mapping.polarity if mapping and mapping.polarity else _polarity(d.get("Polarity"))),
                "value_type": vtype if mapping else "as_published",
                "multiplier": mult,
                "unit": unit,
                "decimal_places": int(dps) if np.isfinite(dps) else (0 if vtype == "count" else 1),
                "ci_method": "none",
                "source": SOURCE + (f" ({d.get('Data Owner (DO) /Supplier and Contact Details')})"
                                    if isinstance(d.get("Data Owner (DO) /Supplier and Contact Details"), str) else ""),
                "frequency": "annual",
                "period_type": period_types.get(measure) or YEAR_TYPES.get(year_type, "calendar"),
                "client_groups": ["all"],
                "headline_group": "all",
                "disclosure_threshold": 5,
                "status": "historic" if historic else "current",
                "ni_number": None,
                "lait_measure": measure,
                "fingertips_id": None,
                "mapped": mapping is not None,
                "nsf_standards": list(mapping.nsf_standards) if mapping else [],
                "confidence_level": 95.0,
                # LAIT shows no quartile band for measures its dictionary flags No_Quartile = N.
                "no_band_groups": ["all"] if no_quartile(d) else [],
            }
        )
    out = pd.DataFrame(rows, columns=NEW_COLUMNS)
    if out["indicator_id"].duplicated().any():
        twins = out[out["indicator_id"].duplicated(keep=False)]
        raise LaitMappingError(
            "LAIT measures that differ only in punctuation would share an indicator id: "
            + ", ".join(f"{m!r} -> {i}" for m, i in zip(twins["lait_measure"], twins["indicator_id"], strict=True))
        )
    return out


def read_lait_period(text: object, period_type: str) -> tuple[int, str, str | None] | None:
    """(year the period ends in, label, qualifier) for a LAIT ``Years`` cell.

    Single years are relabelled the catalogue's way for the indicator's period
    type (LAIT writes ``2025`` for the academic year 2024/25), so imported rows sit
    beside other sources' rows under one label. Pooled periods keep LAIT's label.
    """
    s = str(text).strip() if text is not None else ""
    m = _POOLED.match(re.sub(r"\s*\([^)]*\)\s*$", "", s))
    if m:
        start, end = int(m.group(1)), int(m.group(4))
        end_year = (start // 100) * 100 + end
        if end_year < start:
            end_year += 100
        qualifier = re.search(r"\(([^)]*)\)\s*$", s)
        return end_year, m.group(0), qualifier.group(1) if qualifier else None
    parsed = parse_period(s)
    if parsed is None:
        return None
    year, label, qualifier = parsed
    bare = re.sub(r"\s*\([^)]*\)\s*$", "", s)
    if _one_year(bare):
        label = period_label(year, period_type)
    return year, label, qualifier


def area_lookup(store: Store) -> tuple[dict[str, str], dict[str, str]]:
    """LA number -> area code, and lower-case name -> code for England and regions."""
    top = store.df("SELECT area_code, name FROM area WHERE area_type IN ('england', 'region')")
    names = {str(n).strip().lower(): c for n, c in zip(top["name"], top["area_code"], strict=True)}
    return la_codes_by_number(store), names


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.read_parquet(str(path), file_row_number=True).create_view("lait_file")
    con.execute("CREATE VIEW lait AS SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS _row FROM lait_file")
    return con


def open_lait(
    path: Path | str, store: Store, mapping: Path | str | None = None, dictionary: Path | str | None = None,
    period_types: Path | str | None = None,
) -> Source:
    """Open a LAIT parquet file: resolve measures, areas and periods up front, stream rows later.

    The new indicators are known before any row is read (``import_source`` needs
    their metadata to validate), so the measure list is read first; the rows are
    read only when the chunks are iterated.
    """
    path = Path(path)
    dict_path = Path(dictionary) if dictionary else path.parent / DICTIONARY_NAME
    rows = read_mapping(mapping)
    check_mapping(rows, store)
    overrides = read_period_types(period_types)
    try:
        con = _connect(path)
        have = {r[0] for r in con.execute("DESCRIBE lait").fetchall()}
    except duckdb.Error as exc:
        return Source(path=path, format="lait", columns=COLUMNS,
                      chunks=iter([Chunk(pd.DataFrame(), [Fault(path.name, None, None, None,
                                                                f"unreadable parquet: {exc}")])]))
    missing = [c for c in REQUIRED if c not in have]
    if missing:
        con.close()
        fault = Fault(path.name, None, None, None, f"not a LAIT file: no column {', '.join(missing)}")
        return Source(path=path, format="lait", chunks=iter([Chunk(pd.DataFrame(), [fault])]), columns=COLUMNS)
    dictionary_frame = read_dictionary(dict_path) if dict_path.exists() else pd.DataFrame()
    catalogue = store.df(
        "SELECT indicator_id, lait_measure, headline_group, period_type FROM indicator"
        " WHERE mapped AND NOT starts_with(indicator_id, ?)",
        [UNMAPPED_PREFIX],
    )
    targets: dict[str, tuple[str, str, float]] = {}
    for iid, measure, headline in catalogue[["indicator_id", "lait_measure", "headline_group"]].itertuples(
        index=False, name=None
    ):
        if isinstance(measure, str) and measure:
            targets[measure] = (iid, headline, 1.0)
    headline_of = dict(zip(catalogue["indicator_id"], catalogue["headline_group"], strict=True))
    for row in rows:
        if row.kind == "catalogue":
            iid = str(row.indicator_id)
            targets[row.lait_measure] = (iid, row.client_group_id or headline_of[iid], row.scale)
    owned = sorted(m for m in overrides if m in targets)
    if owned:
        con.close()
        raise LaitMappingError(
            f"{DEFAULT_PERIOD_TYPES.name if period_types is None else Path(period_types).name}: "
            f"{', '.join(map(repr, owned))} feed catalogue indicators, whose period type the catalogue gives"
        )
    ecm = {r.lait_measure: r for r in rows if r.kind == "ecm"}
    try:
        in_file = con.execute(
            'SELECT CAST("Short Desc" AS VARCHAR) AS measure, CAST(any_value("Data item") AS VARCHAR) AS item'
            ' FROM lait GROUP BY 1 ORDER BY 1'
        ).df()
    except duckdb.Error as exc:
        con.close()
        return Source(path=path, format="lait", columns=COLUMNS, chunks=iter([Chunk(pd.DataFrame(), [_unreadable(path, exc)])]))
    extra = in_file[~in_file["measure"].isin(targets)]
    try:
        new_inds = new_indicator_rows(extra, dictionary_frame, ecm, overrides)
    except LaitMappingError:
        con.close()
        raise
    for m, iid in zip(new_inds["lait_measure"], new_inds["indicator_id"], strict=True):
        targets[m] = (iid, "all", 1.0)
    period_types = dict(zip(catalogue["indicator_id"], catalogue["period_type"], strict=True))
    period_types.update(zip(new_inds["indicator_id"], new_inds["period_type"], strict=True))
    measures = pd.DataFrame(
        [(m, iid, group, scale, period_types.get(iid, "calendar")) for m, (iid, group, scale) in targets.items()],
        columns=["measure", "indicator_id", "client_group_id", "scale", "period_type"],
    )
    numbers, names = area_lookup(store)
    source = Source(path=path, format="lait", chunks=iter(()), columns=COLUMNS,
                    new_indicators=new_inds)
    source.chunks = _chunks(path, con, measures, numbers, names, source.notes)
    if not new_inds.empty:
        n_ecm = int(new_inds["mapped"].sum())
        source.notes.append(
            f"{len(new_inds):,} LAIT measures are outside the catalogue: {n_ecm:,} with an ECM aim from the mapping,"
            f" {len(new_inds) - n_ecm:,} unmapped"
        )
    if not dict_path.exists():
        source.notes.append(f"no {DICTIONARY_NAME} beside the file: new measures have no polarity or unit")
    return source


def _periods(con: duckdb.DuckDBPyConnection, measures: pd.DataFrame) -> pd.DataFrame:
    pairs = con.execute(
        'SELECT DISTINCT l."Years" AS years, m.period_type FROM lait l JOIN _measures m ON m.measure = l."Short Desc"'
    ).df()
    parsed = [read_lait_period(y, t) for y, t in zip(pairs["years"], pairs["period_type"], strict=True)]
    pairs["period_year"] = [p[0] if p else None for p in parsed]
    pairs["period_label"] = [p[1] if p else None for p in parsed]
    pairs["qualifier"] = [p[2] if p else None for p in parsed]
    return pairs.astype({"period_year": "Int64"})


def _codes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each non-numeric ``Values`` text: suppressed?, note, or not a number at all."""
    # Besides codes: what DuckDB casts but parse_numbers refuses (inf, NaN, 1e400, and a
    # comma dropped from a decimal comma), so every reader reads a number the same way.
    raw = con.execute(
        f"""SELECT DISTINCT "Values" AS raw FROM lait
           WHERE "Values" IS NOT NULL AND (TRY_CAST({LAIT_NUMBER} AS DOUBLE) IS NULL
                 OR NOT isfinite(TRY_CAST({LAIT_NUMBER} AS DOUBLE)) OR contains("Values", ','))"""
    ).df()["raw"]
    raw = raw.reset_index(drop=True)
    _numbers, bad, suppressed, notes = parse_numbers(raw)
    blank = raw.str.strip() == ""
    notes = ("LAIT " + notes.astype(object).where(notes.notna(), None)).where(raw.str.strip() != "-", DASH_NOTE)
    notes = notes.where(notes.notna(), None)
    rules = [number_rule(v, "not a number or a known code") if b else None for v, b in zip(raw, bad, strict=True)]
    return pd.DataFrame({"raw": raw.to_numpy(), "bad": bad.to_numpy(), "code_suppressed": suppressed.to_numpy(),
                         "code_note": notes.to_numpy(dtype=object), "blank": blank.to_numpy(), "rule": rules})


def _chunks(
    path: Path, con: duckdb.DuckDBPyConnection, measures: pd.DataFrame, numbers: dict[str, str],
    names: dict[str, str], notes: list[str] | None = None,
) -> Iterator[Chunk]:
    try:
        con.register("_measures", measures)
        periods = _periods(con, measures)
        con.register("_periods", periods)
        con.register("_codes", _codes(con))
        con.register("_numbers", pd.DataFrame({"la_number": list(numbers), "area_code": list(numbers.values())}))
        con.register("_names", pd.DataFrame({"name": list(names), "area_code": list(names.values())}))
        faults = _row_faults(path, con)
        if faults:
            yield Chunk(pd.DataFrame(), faults)
        filler = con.execute(
            """SELECT count(*) FROM lait l JOIN _measures m ON m.measure = l."Short Desc"
               JOIN _periods p ON p.years = l."Years" AND p.period_type = m.period_type
               JOIN _codes c ON c.raw = l."Values" WHERE p.period_year IS NULL"""
        ).fetchone()[0]
        if filler and notes is not None:
            notes.append(f"left out {filler:,} filler rows with no period and no value (Years such as '0')")
        reader = con.execute(
            """
            SELECT m.indicator_id,
                   coalesce(n.area_code, t.area_code,
                            l."LA and Regions"
                            || coalesce(' (LAIT ' || CAST(CAST(l."LA Number" AS INTEGER) AS VARCHAR) || ')', ''))
                       AS area_code,
                   p.period_year, p.period_label, m.client_group_id,
                   TRY_CAST(replace(trim(l."Values"), ',', '') AS DOUBLE) * m.scale AS value,
                   coalesce(c.code_suppressed, FALSE) AS suppressed,
                   nullif(concat_ws('; ', c.code_note,
                                    CASE WHEN p.qualifier IS NOT NULL THEN 'published as ' || l."Years" END), '')
                       AS note,
                   l._row
            FROM lait l
            JOIN _measures m ON m.measure = l."Short Desc"
            JOIN _periods p ON p.years = l."Years" AND p.period_type = m.period_type
            LEFT JOIN _codes c ON c.raw = l."Values"
            LEFT JOIN _numbers n ON n.la_number = CAST(CAST(l."LA Number" AS INTEGER) AS VARCHAR)
            LEFT JOIN _names t ON t.name = lower(trim(l."LA and Regions"))
            WHERE p.period_year IS NOT NULL AND l."Values" IS NOT NULL AND coalesce(c.bad, FALSE) = FALSE
              AND coalesce(c.blank, FALSE) = FALSE
            """
        )
        while True:
            # DuckDB hands results over in vectors of 2,048 rows.
            frame = reader.fetch_df_chunk(max(1, CHUNK_ROWS // 2048))
            if frame.empty:
                break
            frame["period_year"] = frame["period_year"].astype("Int64")
            yield Chunk(canonical_frame(frame))
    except duckdb.Error as exc:  # a column of the wrong type (text LA numbers): the file, not a traceback
        yield Chunk(pd.DataFrame(), [_unreadable(path, exc)])
    finally:
        con.close()


def _unreadable(path: Path, exc: Exception) -> Fault:
    """DuckDB's first line of complaint, as a fault on the file."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return Fault(path.name, None, None, None, f"unreadable LAIT data: {first}")


def _row_faults(path: Path, con: duckdb.DuckDBPyConnection) -> list[Fault]:
    """Rows that cannot be read: a value that is neither a number nor a code, or a
    value under a period that cannot be read. A dash under an unreadable period
    (LAIT's filler row ``Years = 0``) says nothing and is left out."""
    bad = con.execute(
        f"""
        SELECT l._row, 'Values' AS col, l."Values" AS raw, c.rule
        FROM lait l JOIN _codes c ON c.raw = l."Values" WHERE c.bad
        UNION ALL
        SELECT l._row, 'Years', l."Years", 'unreadable period'
        FROM lait l JOIN _measures m ON m.measure = l."Short Desc"
        JOIN _periods p ON p.years = l."Years" AND p.period_type = m.period_type
        LEFT JOIN _codes c ON c.raw = l."Values"
        WHERE p.period_year IS NULL AND l."Values" IS NOT NULL AND c.raw IS NULL
        ORDER BY 1 LIMIT {MAX_REPORTED}
        """
    ).fetchall()
    return [Fault(path.name, int(r), col, raw, rule) for r, col, raw, rule in bad]


def unknown_areas(path: Path | str, store: Store) -> pd.DataFrame:
    """LAIT areas with no area in the store (abolished LAs, inner/outer London).

    One row per area: its name, LA number, rows and rows with a value, and the
    latest period with a value, so an import can say what it leaves out and why.
    """
    numbers, names = area_lookup(store)
    con = _connect(Path(path))
    try:
        con.register("_numbers", pd.DataFrame({"la_number": list(numbers), "area_code": list(numbers.values())}))
        con.register("_names", pd.DataFrame({"name": list(names), "area_code": list(names.values())}))
        return con.execute(
            """
            SELECT l."LA and Regions" AS name, CAST(l."LA Number" AS INTEGER) AS la_number,
                   count(*) AS rows,
                   count(*) FILTER (WHERE TRY_CAST(replace(trim(l."Values"), ',', '') AS DOUBLE) IS NOT NULL)
                       AS rows_with_value
            FROM lait l
            LEFT JOIN _numbers n ON n.la_number = CAST(CAST(l."LA Number" AS INTEGER) AS VARCHAR)
            LEFT JOIN _names t ON t.name = lower(trim(l."LA and Regions"))
            WHERE n.area_code IS NULL AND t.area_code IS NULL
            GROUP BY ALL ORDER BY la_number
            """
        ).df()
    finally:
        con.close()
