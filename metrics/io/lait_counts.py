"""Counts and denominators that LAIT publishes as measures of their own, paired with the rate.

LAIT (:mod:`metrics.io.lait`) publishes one value per measure, so the rows its
reader writes carry no count and no confidence interval. For a few indicators
LAIT also publishes, as separate measures, the numerator and the denominator
behind the percentage: "Child Protection Plans reviewed within the required
timescales" (``CPP_Reviewed_InReqTimeScl``, a number) over "Number of Children
subject to CPP for 3 months or more" (``CPP_31March_3MnthorMore``) is the
percentage ``RevCP`` (NI 67). This reader takes those triples from the same
``bds_long`` parquet, as the reviewed mapping file ``data/mappings/lait_counts.csv``
names them (one row per indicator and client group):

=======================  ====================================================
column                   meaning
=======================  ====================================================
``indicator_id``         catalogue indicator, a proportion or a crude rate
``client_group_id``      client group (default: the indicator's headline group)
``value_measure``        LAIT measure (``Short Desc``) publishing the value
``count_measure``        LAIT measure publishing the numerator, as a number
``denominator_measure``  LAIT measure publishing the denominator, as a number
``comment``              free text, ignored
=======================  ====================================================

The value stored is LAIT's; core computes the confidence intervals from the count
and denominator. Only published numbers are paired: a count is never backed out
of a rounded percentage, and an area or year lacking either number keeps LAIT's
value alone. The published value must agree with the counts (the count over the
denominator, rounded half-up to the places LAIT published, within one unit of
the last place), which catches a mapping row naming the wrong measure. Imported
after the LAIT file, these rows replace its value-only rows (the old ones are
kept in history). Areas and periods are read as the LAIT reader reads them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from pydantic import model_validator

from metrics.display import round_half_up
from metrics.io.core import Chunk, Source, canonical_frame
from metrics.io.faults import MAX_REPORTED, Fault
from metrics.io.lait import REQUIRED, area_lookup, read_lait_period
from metrics.io.values import MappingFileRow, number_rule, parse_numbers, read_mapping_rows
from metrics.stats.enums import RATIO_TYPES
from metrics.store import Store

COLUMNS = {
    "indicator_id": "Short Desc", "area_code": "LA Number", "period_year": "Years", "period_label": "Years",
    "value": "Values", "count": "Values", "denominator": "Values",
}
ROLES = ("value", "count", "denominator")


class LaitCountsRow(MappingFileRow):
    """One line of ``lait_counts.csv``: the three LAIT measures behind one indicator."""

    indicator_id: str
    client_group_id: str | None = None
    value_measure: str
    count_measure: str
    denominator_measure: str
    comment: str | None = None


    @model_validator(mode="after")
    def _distinct(self) -> LaitCountsRow:
        if len({self.value_measure, self.count_measure, self.denominator_measure}) < 3:
            raise ValueError("value_measure, count_measure and denominator_measure must be three different measures")
        return self

    def measure(self, role: str) -> str:
        return str(getattr(self, f"{role}_measure"))


def read_counts_mapping(path: Path) -> tuple[list[tuple[int, LaitCountsRow]], list[Fault]]:
    """The mapping's rows with their line numbers, or faults naming line, column and value."""
    return read_mapping_rows(path, LaitCountsRow)


def mapped_measures(path: Path) -> list[str]:
    """Every LAIT measure the mapping reads (what a compact extract of the LAIT file keeps)."""
    rows, faults = read_counts_mapping(path)
    if faults:
        raise ValueError("; ".join(str(f) for f in faults))
    return sorted({m.measure(role) for _, m in rows for role in ROLES})


def open_lait_counts(path: Path | str, store: Store, mapping: Path | str) -> Source:
    path, mapping = Path(path), Path(mapping)
    catalogue = store.df(
        "SELECT indicator_id, value_type, multiplier, period_type, headline_group, client_groups FROM indicator"
    ).set_index("indicator_id")
    groups = set(store.df("SELECT client_group_id FROM client_group")["client_group_id"])
    source = Source(path=path, format="lait_counts", chunks=[], columns=COLUMNS)
    source.chunks = _chunks(source, store, mapping, catalogue, groups)
    return source


def _read(path: Path, measures: list[str]) -> pd.DataFrame | Fault:
    """The rows of the named measures, every cell as text, with their row numbers in the file."""
    con = duckdb.connect()
    try:
        con.read_parquet(str(path), file_row_number=True).create_view("lait")
        have = {r[0] for r in con.execute("DESCRIBE lait").fetchall()}
        missing = [c for c in REQUIRED if c not in have]
        if missing:
            return Fault(path.name, None, None, None, f"not a LAIT file: no column {', '.join(missing)}")
        return con.execute(
            """SELECT CAST("Short Desc" AS VARCHAR) AS measure, CAST("Years" AS VARCHAR) AS years,
                      CAST("LA and Regions" AS VARCHAR) AS area_name,
                      CAST(TRY_CAST("LA Number" AS INTEGER) AS VARCHAR) AS la_number,
                      CAST("Values" AS VARCHAR) AS raw, file_row_number + 1 AS _row
               FROM lait WHERE "Short Desc" IN (SELECT unnest(?)) ORDER BY _row""",
            [measures],
        ).df()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Fault(path.name, None, None, None, f"unreadable LAIT data: {first}")
    finally:
        con.close()


def _chunks(source: Source, store: Store, mapping: Path, catalogue: pd.DataFrame,
            groups: set[str]) -> Iterator[Chunk]:
    path = source.path
    rows, faults = read_counts_mapping(mapping)
    for line, m in rows:
        if m.indicator_id not in catalogue.index:
            faults.append(Fault(mapping.name, line, "indicator_id", m.indicator_id,
                                "unknown indicator: not in the catalogue"))
            continue
        vtype = str(catalogue.at[m.indicator_id, "value_type"])
        if vtype not in RATIO_TYPES:
            faults.append(Fault(mapping.name, line, "indicator_id", m.indicator_id,
                                f"{m.indicator_id} is a {vtype}: only proportions and rates have a count and "
                                "a denominator"))
        if m.client_group_id is not None and m.client_group_id not in groups:
            faults.append(Fault(mapping.name, line, "client_group_id", m.client_group_id, "unknown client group"))
    if faults:
        yield Chunk(pd.DataFrame(), faults)
        return
    measures = sorted({m.measure(role) for _, m in rows for role in ROLES})
    raw = _read(path, measures)
    if isinstance(raw, Fault):
        yield Chunk(pd.DataFrame(), [raw])
        return
    present = set(raw["measure"])
    for line, m in rows:
        for role in ROLES:
            if m.measure(role) not in present:
                faults.append(Fault(mapping.name, line, f"{role}_measure", m.measure(role),
                                    f"measure not in {path.name} (its Short Desc column)"))
    if faults:
        yield Chunk(pd.DataFrame(), faults)
        return
    numbers, bad, suppressed, notes = parse_numbers(raw["raw"])
    for r, v in zip(raw.loc[bad, "_row"].head(MAX_REPORTED), raw.loc[bad, "raw"], strict=False):
        faults.append(Fault(path.name, int(r), "Values", v, number_rule(v, "not a number or a known code")))
    if faults:
        yield Chunk(pd.DataFrame(), faults)
        return
    by_number, by_name = area_lookup(store)
    area = raw["la_number"].map(by_number)
    area = area.fillna(raw["area_name"].str.strip().str.lower().map(by_name))
    # An area the store lacks keeps a readable placeholder, so the import refuses it by
    # name or (``unknown_areas='skip'``) counts it, as the LAIT reader does.
    placeholder = raw["area_name"].fillna("") + (" (LAIT " + raw["la_number"] + ")").fillna("")
    raw = raw.assign(_area=area.fillna(placeholder), _number=numbers, _suppressed=suppressed,
                     _note=notes.where(notes.notna(), None))
    las = set(store.df("SELECT area_code FROM area WHERE area_type = 'la'")["area_code"])
    for _line, m in rows:
        yield _convert(source, raw, m, catalogue.loc[m.indicator_id], las)


def _convert(source: Source, raw: pd.DataFrame, m: LaitCountsRow, meta: pd.Series, las: set[str]) -> Chunk:
    """One mapping row's observations: LAIT's value with its count and denominator."""
    name = source.path.name
    period_type = str(meta["period_type"])
    faults: list[Fault] = []
    parts: dict[str, pd.DataFrame] = {}
    key = ["years", "_area"]
    for role in ROLES:
        part = raw[raw["measure"] == m.measure(role)]
        dup = part.duplicated(key, keep=False)
        for r in part.loc[dup, "_row"].head(MAX_REPORTED):
            faults.append(Fault(name, int(r), "Years", None,
                                f"{m.measure(role)} has more than one row for this area and year"))
        parts[role] = part.drop_duplicates(key)
    if faults:
        return Chunk(pd.DataFrame(), faults)
    value = parts["value"][[*key, "area_name", "_number", "_suppressed", "_note", "_row", "raw"]]
    joined = value
    for role in ("count", "denominator"):
        other = parts[role][[*key, "_number"]].rename(columns={"_number": f"_{role}"})
        joined = joined.merge(other, on=key, how="left")
    periods = [read_lait_period(y, period_type) for y in joined["years"]]
    readable = np.array([p is not None for p in periods], dtype=bool)
    for r, y in zip(joined.loc[~readable, "_row"].head(MAX_REPORTED), joined.loc[~readable, "years"], strict=False):
        if str(y).strip() not in ("", "0"):  # LAIT's filler rows (Years = 0) carry no figure
            faults.append(Fault(name, int(r), "Years", y, "unreadable period"))
    joined = joined[readable].reset_index(drop=True)
    periods = [p for p in periods if p is not None]
    count = joined["_count"].to_numpy(dtype=float)
    denom = joined["_denominator"].to_numpy(dtype=float)
    # A denominator of 0 (no child on a plan that long: City of London, Isles of Scilly)
    # has no proportion to pair with.
    paired = np.isfinite(count) & np.isfinite(denom) & (denom > 0)
    published = joined["_number"].to_numpy(dtype=float)
    faults.extend(_check_published(name, joined, m, float(meta["multiplier"]), las))
    if faults:
        return Chunk(pd.DataFrame(), faults)
    note = joined["_note"].astype(object).where(joined["_note"].notna(), None)
    qualifier = [f"published as {y}" if p[2] else None for y, p in zip(joined["years"], periods, strict=True)]
    note = [("; ".join(x for x in (n, q) if x)) or None for n, q in zip(note, qualifier, strict=True)]
    frame = canonical_frame({
        "indicator_id": m.indicator_id,
        "area_code": joined["_area"].to_numpy(),
        "period_year": [p[0] for p in periods],
        "period_label": [p[1] for p in periods],
        "client_group_id": m.client_group_id or str(meta["headline_group"]),
        "count": np.where(paired, count, np.nan),
        "denominator": np.where(paired, denom, np.nan),
        "value": published,
        "suppressed": joined["_suppressed"].to_numpy(dtype=bool),
        "note": note,
        "_row": joined["_row"].to_numpy(),
    })
    # A row with neither a value nor both numbers says nothing; LAIT's own rows keep its dashes.
    keep = np.isfinite(published) | paired
    columns = {"value": f"Values ({m.value_measure})", "count": f"Values ({m.count_measure})",
               "denominator": f"Values ({m.denominator_measure})"}
    return Chunk(frame[keep].reset_index(drop=True), [], columns=columns)


def _check_published(name: str, joined: pd.DataFrame, m: LaitCountsRow, multiplier: float,
                     las: set[str]) -> list[Fault]:
    """An LA's LAIT value against the one computed from its count and denominator, rounded
    half-up to the places LAIT published: more than one unit of the last place apart is a fault.

    LA counts are exact. England's and the regions' are rounded to the nearest 10 while
    their percentage is computed from the unrounded counts, so core's rounding-tolerant
    check (metrics.io.rules) is the one that applies to them.
    """
    published = joined["_number"].to_numpy(dtype=float)
    count = joined["_count"].to_numpy(dtype=float)
    denom = joined["_denominator"].to_numpy(dtype=float)
    ok = (np.isfinite(published) & np.isfinite(count) & np.isfinite(denom) & (denom > 0)
          & joined["_area"].isin(las).to_numpy())
    text = joined["raw"].astype(str).str.strip()
    # LAIT stores some values as binary floats written out (68.900000000000006 is 68.9).
    tidy = pd.Series([f"{round(v, 6):.6f}".rstrip("0") if np.isfinite(v) else "" for v in published],
                     index=joined.index)
    places = tidy.str.extract(r"\.(\d+)$", expand=False).str.len().fillna(0).to_numpy(dtype=int)
    faults: list[Fault] = []
    for i in np.flatnonzero(ok):
        computed = round_half_up(count[i] / denom[i] * multiplier, int(places[i]))
        if abs(computed - published[i]) > 10.0 ** -places[i] + 1e-9:
            faults.append(Fault(name, int(joined["_row"].iloc[i]), "Values", text.iloc[i],
                                f"{m.value_measure} differs from {computed:g} computed from {m.count_measure} "
                                f"{count[i]:g} / {m.denominator_measure} {denom[i]:g} for {joined['area_name'].iloc[i]} "
                                f"{joined['years'].iloc[i]}: is the mapping naming the right measures?"))
            if len(faults) >= MAX_REPORTED:
                break
    return faults
