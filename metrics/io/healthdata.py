"""FingertipsNext's ``healthdata`` layout, with its indicator list beside it.

The data file (``IndicatorId, Year, AgeID, SexID, AreaCode, Count, Value,
LowerCI, UpperCI, Denominator, Trend, Sex, Age, CategoryType, Category``; a BOM
at the start) carries counts, denominators and 95% confidence intervals, stored
as published. Its indicator list ``fingertipsnext_indicators.csv`` (``IndicatorID,
PeriodType, IndicatorName, ...``) must be in the same folder: it says how to read
``Year``, which is Fingertips' sortable year, the year a period starts in
(``2018`` is 2018/19 for a financial or academic indicator, 2018 for a calendar
one). Other period types (pooled, quarterly, rolling) cannot be placed from
``Year`` alone and are refused for a mapped indicator.

The reviewed mapping ``data/mappings/fingertipsnext_healthdata_indicators.csv``
says which ``IndicatorId`` is which catalogue indicator and which ``Age`` band is
that indicator's. Rows at other ages, and of indicators reviewed and left out,
are skipped by rule and counted in the import's notes; an ``IndicatorId`` the
mapping does not know is refused, as the Fingertips reader refuses an unknown id.
Areas the store does not know (GP practices, sub-ICBs, districts) are core's to
refuse or, with ``unknown_areas='skip'``, to skip and count.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from metrics.framework import HealthdataIndicator, load_healthdata_mapping
from metrics.io.core import Chunk, Source, canonical_frame
from metrics.io.faults import MAX_REPORTED, Fault
from metrics.io.fingertips_tidy import (
    load_mapping,
    mapping_faults,
    nothing_mapped,
    read_header,
    read_table,
    skipped_note,
)
from metrics.io.values import locate_decode_error, number_rule, parse_numbers, parse_period
from metrics.store import Store

REQUIRED = ["IndicatorId", "Year", "AreaCode", "Count", "Value", "LowerCI", "UpperCI", "Denominator", "Sex", "Age",
            "CategoryType", "Category"]
NUMBER_COLUMNS = {"Value": "value", "Count": "count", "Denominator": "denominator", "LowerCI": "lower95",
                  "UpperCI": "upper95"}
COLUMNS = {
    "indicator_id": "IndicatorId", "area_code": "AreaCode", "period_year": "Year", "period_label": "Year",
    "sex": "Sex", "category": "Category", **{v: k for k, v in NUMBER_COLUMNS.items()},
}
INDICATOR_LIST = "fingertipsnext_indicators.csv"
LIST_COLUMNS = ["IndicatorID", "PeriodType"]
# FingertipsNext's PeriodType -> the separator of the period label its Year starts
# ("" for a calendar year, which is the year itself).
PERIOD_TYPES = {"Calendar": "", "Financial": "/", "Academic": "/"}
MAPPING_NAME = "fingertipsnext_healthdata_indicators.csv"


def open_healthdata(path: Path | str, store: Store, mapping: Path | str | None = None) -> Source:
    path = Path(path)
    # Counts and CIs as published: what FingertipsNext left blank stays blank.
    source = Source(path=path, format="healthdata", chunks=[], columns=COLUMNS, derive_missing=False)
    source.chunks = _chunks(source, store, Path(mapping) if mapping else None)
    return source


def read_indicator_list(path: Path) -> tuple[dict[int, tuple[int, str]], list[Fault]]:
    """IndicatorID -> (its line, PeriodType) from FingertipsNext's indicator list."""
    name = path.name
    if not path.is_file():
        return {}, [Fault(name, None, None, None,
                          f"FingertipsNext's indicator list {INDICATOR_LIST} must be beside the healthdata file "
                          "(it says how to read Year)")]
    out: dict[int, tuple[int, str]] = {}
    faults: list[Fault] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            fields = [(c or "").replace("\ufeff", "").strip() for c in reader.fieldnames or []]
            missing = [c for c in LIST_COLUMNS if c not in fields]
            if missing:
                return {}, [Fault(name, 1, None, None, f"not FingertipsNext's indicator list: header lacks "
                                  f"{', '.join(missing)}")]
            reader.fieldnames = fields
            for line, row in enumerate(reader, start=2):
                text = (row.get("IndicatorID") or "").strip()
                if not text.isdigit():
                    faults.append(Fault(name, line, "IndicatorID", text, "not an indicator id (a whole number)"))
                    continue
                out[int(text)] = (line, (row.get("PeriodType") or "").strip())
    except UnicodeDecodeError:
        return {}, [locate_decode_error(path)]
    except csv.Error as exc:
        return {}, [Fault(name, None, None, None, f"unreadable CSV: {exc}")]
    return out, faults


def _chunks(source: Source, store: Store, mapping: Path | None) -> Iterator[Chunk]:
    path = source.path
    rows, faults = load_mapping(mapping, load_healthdata_mapping, MAPPING_NAME)
    faults += mapping_faults(mapping.name if mapping else MAPPING_NAME, rows, store)
    header, header_faults = read_header(path)
    faults += header_faults
    listing, list_faults = read_indicator_list(path.parent / INDICATOR_LIST)
    faults += list_faults
    by_id = {r.fingertips_id: r for r in rows}
    if faults:
        yield Chunk(pd.DataFrame(), faults)
        return
    periods, unplaced = _period_types(rows, listing)
    raw, faults = read_table(path, header, REQUIRED, "FingertipsNext healthdata file")
    if raw is None:
        yield Chunk(pd.DataFrame(), faults)
        return
    if raw.empty:  # core says "no data rows"
        yield Chunk(pd.DataFrame())
        return
    yield _convert(source, raw, by_id, periods, unplaced)


def _period_types(rows: list[HealthdataIndicator], listing: dict[int, tuple[int, str]]
                  ) -> tuple[dict[int, str], dict[int, Fault]]:
    """Mapped IndicatorId -> its PeriodType; and, for those whose Year cannot be placed, the fault
    (raised only if the file has their rows: the list may lack indicators the file lacks)."""
    periods: dict[int, str] = {}
    unplaced: dict[int, Fault] = {}
    for r in rows:
        if r.indicator_id is None:
            continue
        if r.fingertips_id not in listing:
            unplaced[r.fingertips_id] = Fault(
                INDICATOR_LIST, None, "IndicatorID", str(r.fingertips_id),
                f"mapped to {r.indicator_id} but not in the indicator list: its period type is unknown")
            continue
        line, ptype = listing[r.fingertips_id]
        if ptype not in PERIOD_TYPES:
            unplaced[r.fingertips_id] = Fault(
                INDICATOR_LIST, line, "PeriodType", ptype,
                f"{r.fingertips_id} is mapped to {r.indicator_id}, but Year cannot place a period of this type "
                f"(one of {', '.join(PERIOD_TYPES)})")
            continue
        periods[r.fingertips_id] = ptype
    return periods, unplaced


def _convert(source: Source, raw: pd.DataFrame, mapping: dict[int, HealthdataIndicator],
             periods: dict[int, str], unplaced: dict[int, Fault]) -> Chunk:
    name = source.path.name
    faults: list[Fault] = []
    ids = pd.to_numeric(raw["IndicatorId"].where(raw["IndicatorId"].str.fullmatch(r"\d+").fillna(False)),
                        errors="coerce")
    known = ids.isin(list(mapping)).to_numpy()
    for r, v in zip(raw.loc[~known, "_row"].head(MAX_REPORTED), raw.loc[~known, "IndicatorId"], strict=False):
        faults.append(Fault(name, int(r), "IndicatorId", v,
                            f"unknown indicator: not in the reviewed mapping {MAPPING_NAME} (review it and add a row)"))
    unknown_total = int((~known).sum())
    row_map = ids.map(lambda i: mapping.get(int(i)) if i == i else None)
    left_out = known & row_map.map(lambda m: m is not None and m.indicator_id is None).to_numpy(dtype=bool)
    if left_out.any():
        source.notes.append(skipped_note(raw.loc[left_out, "IndicatorId"].value_counts(),
                                         "indicators the reviewed mapping leaves out (IndicatorId)"))
    mapped = known & ~left_out
    other_age = mapped & (raw["Age"] != row_map.map(lambda m: m.age if m is not None else None)).to_numpy()
    if other_age.any():
        ages = (raw.loc[other_age, "IndicatorId"] + " " + raw.loc[other_age, "Age"]).value_counts()
        source.notes.append(skipped_note(ages, "ages other than the catalogue indicator's"))
    take = raw[mapped & ~other_age]
    mapping_rows = row_map[mapped & ~other_age]
    if take.empty and not faults:
        return Chunk(pd.DataFrame(), [Fault(name, None, "IndicatorId", None, nothing_mapped(source))])
    present = set(mapping_rows.map(lambda m: m.fingertips_id))
    faults += [unplaced[i] for i in sorted(present & set(unplaced))]
    rows = take["_row"].to_numpy()

    labels = [_label(year, periods.get(m.fingertips_id, "")) for year, m in zip(take["Year"], mapping_rows,
                                                                                   strict=True)]
    parsed = [parse_period(x) if x else None for x in labels]
    bad_period = np.array([p is None for p in parsed], dtype=bool)
    for r, v in zip(rows[bad_period][:MAX_REPORTED], take.loc[bad_period, "Year"], strict=False):
        faults.append(Fault(name, int(r), "Year", v, "not a year (expected e.g. 2018)"))

    out: dict[str, object] = {"_row": rows}
    suppressed = np.zeros(len(take), dtype=bool)
    notes: list[str | None] = [None] * len(take)
    for col, canon in NUMBER_COLUMNS.items():
        numbers, bad, sup, codes = parse_numbers(take[col])
        out[canon] = numbers.to_numpy()
        if canon in ("value", "count"):
            suppressed |= sup.to_numpy()
            notes = [n if n is not None else (f"{col} {c}" if isinstance(c, str) else None)
                     for n, c in zip(notes, codes, strict=True)]
        for r, v in zip(rows[bad.to_numpy()][:MAX_REPORTED], take.loc[bad, col], strict=False):
            faults.append(Fault(name, int(r), col, v, number_rule(v)))
    out.update(
        indicator_id=mapping_rows.map(lambda m: m.indicator_id).to_numpy(),
        area_code=take["AreaCode"].to_numpy(),
        sex=take["Sex"].str.lower().to_numpy(),
        category=_category(take["CategoryType"], take["Category"]).to_numpy(),
        period_year=[p[0] if p else np.nan for p in parsed],
        period_label=[p[1] if p else None for p in parsed],
        suppressed=suppressed,
        note=notes,
    )
    frame = canonical_frame(out)
    return Chunk(frame[~bad_period].reset_index(drop=True), faults,
                 unlisted=max(0, unknown_total - min(unknown_total, MAX_REPORTED)))


def _label(year: str, period_type: str) -> str | None:
    """The Fingertips period label a sortable ``Year`` starts: ``2018`` -> ``2018/19`` (financial, academic)."""
    if not (year.isdigit() and len(year) == 4):
        return None
    if not PERIOD_TYPES.get(period_type):
        return year
    start = int(year)
    return f"{start}{PERIOD_TYPES[period_type]}{(start + 1) % 100:02d}"


def _category(ctype: pd.Series, cat: pd.Series) -> pd.Series:
    """``"Category Type: Category"``, as the Fingertips reader stores a breakdown.

    FingertipsNext's DataCreator writes the two the other way round (a decile such as
    ``Most deprived decile (IMD2019)`` under ``CategoryType``, the set of deciles under
    ``Category``) and keeps the set's name in literal quotes; the stored breakdown reads
    as Fingertips publishes it.
    """
    kind = cat.str.strip('"').str.strip()
    value = ctype.str.strip('"').str.strip()
    both = (kind != "") & (value != "")
    return pd.Series(np.where(both, kind + ": " + value, kind + value), index=cat.index)
