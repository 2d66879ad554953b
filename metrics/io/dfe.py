"""DfE explore-education-statistics (EES) tidy CSVs, read through a mapping file.

An EES file is "tidy": the geography columns (``time_period, time_identifier,
geographic_level, country_code, country_name, region_code, region_name,
old_la_code, new_la_code, la_name``, in any order), then filter columns (e.g.
``social_care_group``, ``breakdown``) and indicator columns (counts and
percentages). Nothing in the file says which catalogue indicator a column is,
so a **mapping file** does. It is a CSV, one row per indicator and client group:

=====================  ======================================================
column                 meaning
=====================  ======================================================
``indicator_id``       catalogue indicator (required)
``client_group_id``    client group the rows describe (default ``all``)
``value_column``       the published value (percentage, rate, mean); optional
``count_column``       numerator count; optional
``denominator_column`` denominator; optional
``filters``            ``column=value;column=value``: the rows to take (all
                       must match, compared after trimming spaces)
``denominator_filters`` optional ``column=value;...``: when the denominator is
                       published on another row (a "Total" row), the filters
                       that pick that row, overriding ``filters`` column by
                       column; the row must share the area and period
``time_identifier``    optional: take only rows with this ``time_identifier``
``sex``, ``category``  optional (defaults ``persons`` and empty)
``value_from``         ``published`` (default) or ``counts``
``comment``            free text, ignored
=====================  ======================================================

At least a value column, or both a count and a denominator column, is needed.
By default values are stored as DfE published them: DfE computes percentages
from unrounded counts and rounds them half-up, while it rounds national and
regional counts to the nearest 10, so a 1-decimal published percentage is the
better figure. Where DfE publishes whole-number percentages (placement
stability, care leavers, health of children looked after) ``value_from=counts``
stores the value computed from the counts instead (LA counts are exact), and the
published value becomes a check: the computed value, rounded half-up to the
published precision, must be within one unit of it, which catches a mapping that
points at the wrong column. Core adds confidence intervals from the counts.

Suppression codes (``c``, ``low``, ``k`` suppressed; ``x``, ``z``, ``u``, ``:``
missing) are read by :func:`metrics.io.values.parse_numbers`, never as zero.
``National`` rows go to England (``country_code``), ``Regional`` to
``region_code``, ``Local authority`` to ``new_la_code`` (or, when blank, the
store's LA with that ``old_la_code`` number); re-coded LAs are mapped by core.
Rows at any other geographic level (districts, schools, constituencies) are
skipped by rule and counted in the import's notes, so nothing vanishes silently.
Period labels follow the catalogue's convention for the indicator (``2024-25``
financial, ``2024/25`` academic, ``2025`` calendar), so a DfE figure and a LAIT
or Fingertips figure for the same year line up; ``(OT)``/``(Rev)`` qualifiers
are kept in the note.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import field_validator, model_validator

from metrics.display import round_half_up
from metrics.io.core import Chunk, Source, canonical_frame
from metrics.io.faults import MAX_REPORTED, Fault
from metrics.io.values import (
    MappingFileRow,
    check_header,
    locate_decode_error,
    number_rule,
    parse_numbers,
    parse_period,
    ragged_rows,
    read_mapping_rows,
)
from metrics.lookups import la_codes_by_number
from metrics.periods import period_label
from metrics.stats.enums import RATIO_TYPES
from metrics.store import Store

GEOGRAPHY = [
    "time_period", "time_identifier", "geographic_level", "country_code", "region_code",
    "old_la_code", "new_la_code",
]
LEVELS = {"National": "country_code", "Regional": "region_code", "Local authority": "new_la_code"}
COLUMNS = {
    "period_year": "time_period", "period_label": "time_period",
    "area_code": "area code (country_code, region_code or new_la_code by geographic_level)",
}


def parse_filters(text: str | None) -> dict[str, str]:
    """``column=value;column=value`` -> dict; a value may itself contain ``=``."""
    out: dict[str, str] = {}
    for part in (text or "").split(";"):
        if not part.strip():
            continue
        if "=" not in part:
            raise ValueError(f"filter {part.strip()!r} is not column=value")
        col, value = part.split("=", 1)
        if not col.strip():
            raise ValueError(f"filter {part.strip()!r} has no column")
        out[col.strip()] = value.strip()
    return out


class MappingRow(MappingFileRow):
    """One line of a DfE mapping file: where one indicator's figures are in the file."""

    indicator_id: str
    client_group_id: str = "all"
    value_column: str | None = None
    count_column: str | None = None
    denominator_column: str | None = None
    filters: dict[str, str] = {}
    denominator_filters: dict[str, str] = {}
    time_identifier: str | None = None
    sex: str = "persons"
    category: str = ""
    value_from: Literal["published", "counts"] = "published"
    # A denominator from another tidy CSV beside this one (the ONS population behind a
    # rate per 10,000): its denominator_column, on the rows denominator_filters pick,
    # for the same area and the period denominator_lag years earlier.
    denominator_file: str | None = None
    denominator_lag: int = 0
    comment: str | None = None  # free text for the reader of the mapping file


    @field_validator("filters", "denominator_filters", mode="before")
    @classmethod
    def _filters(cls, value: object) -> dict[str, str]:
        return value if isinstance(value, dict) else parse_filters(None if value is None else str(value))

    @model_validator(mode="after")
    def _enough(self) -> MappingRow:
        if self.value_column is None and (self.count_column is None or self.denominator_column is None):
            raise ValueError("needs value_column, or both count_column and denominator_column")
        if self.value_from == "counts" and (self.count_column is None or (
                self.denominator_column is None and not self.denominator_filters)):
            raise ValueError("value_from=counts needs count_column and a denominator")
        if self.denominator_filters and self.denominator_column is None and self.count_column is None:
            raise ValueError("denominator_filters needs denominator_column (or count_column) to read")
        if self.denominator_file and self.denominator_column is None:
            raise ValueError("denominator_file needs denominator_column, the column to read there")
        if self.denominator_lag < 0:
            raise ValueError("denominator_lag is a number of years back: 0 or more")
        return self

    @property
    def columns(self) -> list[str]:
        """The columns this row reads from the data file itself."""
        if self.denominator_file:
            return [c for c in (self.value_column, self.count_column) if c] + list(self.filters)
        cols = [self.value_column, self.count_column, self.denominator_column]
        return [c for c in cols if c] + list(self.filters) + list(self.denominator_filters)


def read_mapping(path: Path) -> tuple[list[tuple[int, MappingRow]], list[Fault]]:
    """The mapping file's rows (with their line numbers), or faults naming the line."""
    return read_mapping_rows(path, MappingRow)


def open_dfe(path: Path | str, store: Store, mapping: Path | str) -> Source:
    path, mapping = Path(path), Path(mapping)
    catalogue = store.df(
        "SELECT indicator_id, period_type, value_type, multiplier FROM indicator"
    ).set_index("indicator_id")
    groups = set(store.df("SELECT client_group_id FROM client_group")["client_group_id"])
    by_number = la_codes_by_number(store)
    source = Source(path=path, format="dfe", chunks=[], columns=COLUMNS)
    source.chunks = _chunks(source, mapping, catalogue, groups, by_number)
    return source


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", errors="strict", newline="") as fh:
        return [c.strip() for c in next(csv.reader(fh), [])]


def _chunks(
    source: Source, mapping: Path, catalogue: pd.DataFrame, groups: set[str], by_number: dict[str, str]
) -> Iterator[Chunk]:
    path = source.path
    rows, faults = read_mapping(mapping)
    try:
        header = _header(path)
    except UnicodeDecodeError:
        yield Chunk(pd.DataFrame(), [locate_decode_error(path)])
        return
    header_faults = check_header(path.name, header)
    if header_faults:
        yield Chunk(pd.DataFrame(), header_faults)
        return
    missing = [c for c in GEOGRAPHY if c not in header]
    if missing:
        faults.append(Fault(path.name, 1, None, None,
                            f"not a DfE tidy CSV: header lacks {', '.join(missing)}"))
    for line, m in rows:
        if m.indicator_id not in catalogue.index:
            faults.append(Fault(mapping.name, line, "indicator_id", m.indicator_id,
                                "unknown indicator: not in the catalogue"))
        elif m.value_from == "counts" and catalogue.at[m.indicator_id, "value_type"] not in RATIO_TYPES:
            faults.append(Fault(mapping.name, line, "value_from", m.value_from,
                                f"{m.indicator_id} is a {catalogue.at[m.indicator_id, 'value_type']}: "
                                "only proportions and rates can be computed from counts"))
        if m.client_group_id not in groups:
            faults.append(Fault(mapping.name, line, "client_group_id", m.client_group_id, "unknown client group"))
        for col in dict.fromkeys(m.columns):
            if col not in header:
                faults.append(Fault(mapping.name, line, None, col, f"column not in {path.name}"))
    if faults:
        yield Chunk(pd.DataFrame(), faults)
        return
    wanted = list(dict.fromkeys(GEOGRAPHY + [c for _, m in rows for c in m.columns]))
    try:
        ragged, n_ragged = ragged_rows(path, len(header))
    except csv.Error:
        ragged, n_ragged = [], 0  # an unclosed quote: the parser below reports it
    if ragged:  # reading only some columns, pandas would pad short rows and drop surplus fields
        yield Chunk(pd.DataFrame(), ragged, unlisted=n_ragged - len(ragged))
        return
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", usecols=wanted)
    except UnicodeDecodeError:  # a Latin-1 byte below the header: name its row
        yield Chunk(pd.DataFrame(), [locate_decode_error(path)])
        return
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        yield Chunk(pd.DataFrame(), [Fault(path.name, None, None, None, f"unreadable CSV: {exc}")])
        return
    raw.columns = [c.strip() for c in raw.columns]
    raw = raw.apply(lambda c: c.str.strip())
    raw["_row"] = np.arange(2, len(raw) + 2)
    level = raw["geographic_level"]
    other = ~level.isin(list(LEVELS))
    if other.any():
        counts = level[other].value_counts()
        listed = ", ".join(f"{n:,} {lvl or '(blank)'}" for lvl, n in counts.items())
        source.notes.append(
            f"{int(other.sum()):,} rows at other geographic levels skipped by rule ({listed})"
        )
    raw = _with_areas(raw[~other], by_number)
    others: dict[str, pd.DataFrame] = {}
    for line, m in rows:
        if m.denominator_file and m.denominator_file not in others:
            found = _denominator_file(path.parent / m.denominator_file, m, by_number)
            if isinstance(found, Fault):
                yield Chunk(pd.DataFrame(), [Fault(mapping.name, line, "denominator_file", m.denominator_file,
                                                   found.rule)])
                return
            others[m.denominator_file] = found
    for line, m in rows:
        meta = catalogue.loc[m.indicator_id]
        yield _convert(source, raw, line, m, mapping.name, str(meta["period_type"]), float(meta["multiplier"]),
                       others.get(m.denominator_file or ""))


def _with_areas(raw: pd.DataFrame, by_number: dict[str, str]) -> pd.DataFrame:
    """``raw`` with ``_area``: the country, region or LA code its geographic level names
    (an LA's old number when its new code is blank)."""
    area = pd.Series(pd.NA, index=raw.index, dtype="string")
    for lvl, col in LEVELS.items():
        area = area.mask(raw["geographic_level"] == lvl, raw[col])
    blank_la = (raw["geographic_level"] == "Local authority") & (area.fillna("") == "")
    area = area.mask(blank_la, raw["old_la_code"].map(by_number))
    return raw.assign(_area=area.fillna(""))


def _denominator_file(path: Path, m: MappingRow, by_number: dict[str, str]) -> pd.DataFrame | Fault:
    """The rows of a denominator file (same tidy layout) that ``m`` reads, with their areas."""
    if not path.is_file():
        return Fault(path.name, None, None, None, f"denominator file {path.name} not found beside the data file")
    try:
        header = _header(path)
        wanted = [c for c in (*GEOGRAPHY, str(m.denominator_column), *m.denominator_filters) if c]
        missing = [c for c in dict.fromkeys(wanted) if c not in header]
        if missing:
            return Fault(path.name, 1, None, None, f"denominator file lacks {', '.join(missing)}")
        other = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                            usecols=list(dict.fromkeys(wanted)))
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error, ValueError) as exc:
        return Fault(path.name, None, None, None, f"unreadable denominator file: {exc}")
    other = other.apply(lambda c: c.str.strip())
    other = other[other["geographic_level"].isin(list(LEVELS))]
    other = _with_areas(other, by_number)
    return other[_select(other, m.denominator_filters, None)]


def _select(raw: pd.DataFrame, filters: dict[str, str], time_identifier: str | None) -> pd.Series:
    mask = pd.Series(True, index=raw.index)
    for col, value in filters.items():
        mask &= raw[col] == value
    if time_identifier:
        mask &= raw["time_identifier"] == time_identifier
    return mask


def _convert(source: Source, raw: pd.DataFrame, line: int, m: MappingRow, mapping_name: str,
             period_type: str, multiplier: float, other: pd.DataFrame | None = None) -> Chunk:
    name = source.path.name
    faults: list[Fault] = []
    take = raw[_select(raw, m.filters, m.time_identifier)]
    if take.empty:
        wanted = "; ".join(f"{k}={v}" for k, v in m.filters.items()) or "(no filters)"
        if m.time_identifier:
            wanted += f" and time_identifier={m.time_identifier}"
        return Chunk(pd.DataFrame(), [Fault(mapping_name, line, "filters", wanted,
                                            f"no row of {name} matches these filters")])
    rows = take["_row"].to_numpy()
    no_area = (take["_area"] == "").to_numpy()
    for r, lvl in zip(rows[no_area][:MAX_REPORTED], take.loc[no_area, "geographic_level"], strict=False):
        faults.append(Fault(name, int(r), LEVELS[lvl], "", f"{lvl} row without an area code"))

    periods = take["time_period"].map(parse_period)
    bad_period = periods.isna().to_numpy()
    for r, v in zip(rows[bad_period][:MAX_REPORTED], take.loc[bad_period, "time_period"], strict=False):
        faults.append(Fault(name, int(r), "time_period", v, "unreadable period"))
    year = periods.map(lambda p: p[0] if p else np.nan)
    qualifier = periods.map(lambda p: p[2] if p else None)

    out: dict[str, object] = {"_row": rows}
    suppressed = np.zeros(len(take), dtype=bool)
    note = pd.Series(None, index=take.index, dtype="object")
    for canon, col in (("value", m.value_column), ("count", m.count_column),
                       ("denominator", None if m.denominator_filters or m.denominator_file else m.denominator_column)):
        if col is None:
            out[canon] = np.nan
            continue
        numbers, bad, sup, codes = parse_numbers(take[col])
        out[canon] = numbers.to_numpy()
        if canon != "denominator":
            suppressed |= sup.to_numpy()
        note = note.fillna(codes.astype("object"))
        for r, v in zip(rows[bad.to_numpy()][:MAX_REPORTED], take.loc[bad, col], strict=False):
            faults.append(Fault(name, int(r), col, v, number_rule(v)))
    if other is not None:
        denom, denom_faults = _denominator_elsewhere(take, other, m)
        out["denominator"] = denom
        faults += denom_faults
    elif m.denominator_filters:
        denom, denom_faults = _denominator(source, raw, take, m)
        out["denominator"] = denom
        faults += denom_faults
    if m.value_from == "counts":
        if m.value_column:
            published = np.asarray(out["value"], dtype=float)
            places = _places(take[m.value_column])
            slack = _count_rounding(take, out, multiplier)
            faults += _check_published(name, take, m.value_column, out, multiplier, places, slack)
            # Core computes the value from the counts, unless the published value is the
            # more precise of the two: a small region's counts rounded to the nearest 10
            # (the North East's 2022 development checks: 94% published, 480 / 500 = 96%).
            keep = np.isfinite(published) & (0.5 * 10.0 ** -places < slack)
            out["value"] = np.where(keep, published, np.nan)
        else:
            out["value"] = np.nan
    # DfE publishes an empty cohort as "0 of 0": a fact, not a fault, but a zero
    # denominator cannot carry a rate or a CI. Its value is "z" (not applicable), or
    # sometimes 0 (City of London's 2024 SDQ scores: 0 of 0, published as 0%).
    denom = np.asarray(out["denominator"], dtype=float)
    count = np.asarray(out["count"], dtype=float)
    value_text = take[m.value_column] if m.value_column else pd.Series("", index=take.index)
    empty = (denom == 0) & (~pd.to_numeric(value_text, errors="coerce").notna().to_numpy() | (count == 0))
    if empty.any():
        out["denominator"] = np.where(empty, np.nan, denom)
        out["value"] = np.where(empty, np.nan, np.asarray(out["value"], dtype=float))
        note = note.mask(pd.Series(empty, index=take.index),
                         note.fillna("").map(lambda n: f"{n}; " if n else "") + "empty cohort (denominator 0)")
    qual = qualifier.map(lambda q: f"period published as ({q})" if q else None)
    note = pd.Series(
        [("; ".join(x for x in (a, b) if isinstance(x, str) and x) or None)
         for a, b in zip(note, qual, strict=True)], index=take.index,
    )
    out.update(
        indicator_id=m.indicator_id,
        area_code=take["_area"].to_numpy(),
        client_group_id=m.client_group_id,
        sex=m.sex,
        category=m.category,
        period_year=year.to_numpy(),
        period_label=[period_label(int(y), period_type) if y == y else None for y in year],
        suppressed=suppressed,
        note=note.to_numpy(),
    )
    frame = canonical_frame(out)
    keep = ~no_area & ~bad_period
    # Faults core finds name this mapping row's columns, not the canonical "count".
    named = {"value": m.value_column, "count": m.count_column, "denominator": m.denominator_column or m.count_column
             if m.denominator_filters else m.denominator_column}
    return Chunk(frame[keep].reset_index(drop=True), faults, columns={k: v for k, v in named.items() if v})


def _denominator(source: Source, raw: pd.DataFrame, take: pd.DataFrame, m: MappingRow) -> tuple[np.ndarray, list[Fault]]:
    """Each taken row's denominator, read from the row its ``denominator_filters`` pick."""
    col = m.denominator_column or m.count_column
    assert col is not None  # the mapping model guarantees one
    filters = {**m.filters, **m.denominator_filters}
    other = raw[_select(raw, filters, m.time_identifier)]
    key = ["time_period", "time_identifier", "geographic_level", "_area"]
    faults: list[Fault] = []
    dup = other.duplicated(key, keep=False)
    for r in other.loc[dup, "_row"].head(MAX_REPORTED):
        faults.append(Fault(source.path.name, int(r), None, None,
                            "denominator row is ambiguous: more than one row matches denominator_filters"))
    numbers, bad, _sup, _codes = parse_numbers(other[col])
    for r, v in zip(other.loc[bad, "_row"].head(MAX_REPORTED), other.loc[bad, col], strict=False):
        faults.append(Fault(source.path.name, int(r), col, v, number_rule(v)))
    lookup = other[key].assign(_denom=numbers.to_numpy()).drop_duplicates(key)
    joined = take[key].merge(lookup, on=key, how="left")
    return joined["_denom"].to_numpy(dtype=float), faults


def _denominator_elsewhere(take: pd.DataFrame, other: pd.DataFrame, m: MappingRow) -> tuple[np.ndarray, list[Fault]]:
    """Each taken row's denominator from the denominator file: same level and area, the
    period ``denominator_lag`` years earlier (DfE's rates per 10,000 children at 31 March
    use ONS's mid-year estimate of the calendar year before)."""
    col = str(m.denominator_column)
    name = str(m.denominator_file)
    faults: list[Fault] = []
    numbers, bad, _sup, _codes = parse_numbers(other[col])
    for v in other.loc[bad, col].head(MAX_REPORTED):
        faults.append(Fault(name, None, col, v, "not a number"))
    years = pd.to_numeric(other["time_period"].str[:4], errors="coerce")
    lookup = pd.DataFrame({"_year": years + m.denominator_lag, "geographic_level": other["geographic_level"],
                           "_area": other["_area"], "_denom": numbers.to_numpy()})
    key = ["_year", "geographic_level", "_area"]
    dup = lookup.duplicated(key, keep=False)
    if dup.any():
        faults.append(Fault(name, None, None, None,
                            f"{int(dup.sum())} rows share an area and period: denominator_filters must pick one"))
    wanted = pd.DataFrame({"_year": pd.to_numeric(take["time_period"].str[:4], errors="coerce").to_numpy(),
                           "geographic_level": take["geographic_level"].to_numpy(), "_area": take["_area"].to_numpy()})
    joined = wanted.merge(lookup.drop_duplicates(key), on=key, how="left")
    return joined["_denom"].to_numpy(dtype=float), faults


def _places(text: pd.Series) -> np.ndarray:
    """Decimal places each published value is written to."""
    return text.astype(str).str.extract(r"\.(\d+)$", expand=False).str.len().fillna(0).to_numpy(dtype=float)


def _count_rounding(take: pd.DataFrame, out: dict[str, object], multiplier: float) -> np.ndarray:
    """How far each value computed from the counts may be from the true one, because DfE
    rounds national and regional counts to the nearest 10 (LA counts are exact): up to 5
    either way in each count that is a multiple of 10."""
    count = np.asarray(out["count"], dtype=float)
    denom = np.asarray(out["denominator"], dtype=float)
    rounded_level = (take["geographic_level"] != "Local authority").to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        value = count / denom * multiplier
        share = (np.where(count % 10 == 0, 5.0 / count, 0.0) + np.where(denom % 10 == 0, 5.0 / denom, 0.0))
        slack = np.abs(value) * share
    return np.where(rounded_level & np.isfinite(slack) & (count > 0) & (denom > 0), slack, 0.0)


def _check_published(name: str, take: pd.DataFrame, column: str, out: dict[str, object],
                     multiplier: float, places: np.ndarray, slack: np.ndarray) -> list[Fault]:
    """Published value vs the one computed from the counts, rounded as DfE rounds (half-up):
    within one unit of the published places, plus what rounded counts explain (``slack``)."""
    published = np.asarray(out["value"], dtype=float)
    count = np.asarray(out["count"], dtype=float)
    denom = np.asarray(out["denominator"], dtype=float)
    ok = np.isfinite(published) & np.isfinite(count) & np.isfinite(denom) & (denom > 0)
    if not ok.any():
        return []
    text = take[column].astype(str)
    scale = 10.0 ** places
    computed = np.full(len(published), np.nan)
    for i in np.flatnonzero(ok):
        # The product's one rounding rule, which is DfE's (half up), at the places published.
        computed[i] = round_half_up(count[i] / denom[i] * multiplier, int(places[i]))
    wrong = ok & (np.abs(computed - published) > 1.0 / scale + slack + 1e-9)
    faults: list[Fault] = []
    for i in np.flatnonzero(wrong)[:MAX_REPORTED]:
        faults.append(Fault(name, int(take["_row"].iloc[i]), column, text.iloc[i],
                            f"published value differs from {computed[i]:g} computed from the counts "
                            f"({count[i]:g} / {denom[i]:g}): is the mapping pointing at the right columns?"))
    return faults
