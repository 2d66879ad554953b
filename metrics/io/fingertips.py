"""Fingertips CSV, exactly as downloaded from OHID's Fingertips.

Columns are found by name (order varies between downloads; newer files add
``Time period range``); a BOM is accepted. Indicators are matched to the
catalogue by ``fingertips_id``, or through a mapping file (CSV with columns
``fingertips_id,indicator_id``). Deprivation and other category rows are kept as
breakdowns (``category`` = "Category Type: Category"). Published values and CIs
are stored as published: Fingertips rounds counts to 5 but computes its CIs from
the unrounded counts, so recomputing them would be wrong (and what it left blank
stays blank).

A wrong or damaged file is refused with one fault that says what it is, before
anything is parsed in bulk: binary data, UTF-16, Latin-1 (with the line), no line
breaks, a good header over garbage rows, a file cut short mid-row or mid-quote.

This module is the exact path, the reference for every rule and fault message. A
clean file is staged by :mod:`metrics.io.fast` first (the same rows, four times
faster); at any doubt that path declines and this one reads the file.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from metrics.io.core import (
    FORMULA_RULE,
    FORMULA_START,
    Chunk,
    Progress,
    Source,
    Staged,
    canonical_frame,
)
from metrics.io.fast import stage_fingertips
from metrics.io.faults import Fault, ImportFailed
from metrics.io.fingertips_layout import (
    BOM,
    NUMBER_COLUMNS,
    REQUIRED,
    USED,
    clean_name,
    decode_fault,
    sniff_header,
    truncated_tail,
)
from metrics.io.fingertips_levels import published_levels
from metrics.io.values import (
    locate_decode_error,
    number_rule,
    parse_numbers,
    parse_period,
    ragged_rows,
)

if TYPE_CHECKING:
    import duckdb

    from metrics.io.core import ImportContext

COLUMNS = {
    "indicator_id": "Indicator ID", "area_code": "Area Code", "sex": "Sex", "category": "Category",
    "period_year": "Time period", "period_label": "Time period", "note": "Value note",
    **{v: k for k, v in NUMBER_COLUMNS.items()},
}
MAPPING_COLUMNS = ("fingertips_id", "indicator_id")
CHUNK_ROWS = 100_000
GARBAGE_SAMPLE = 1_000  # rows read first to tell data from garbage under a good header
GARBAGE_MIN_ROWS = 50  # fewer rows than this: every fault is worth listing
GARBAGE_SHARE = 0.5  # more than this share of sampled rows unreadable: garbage


def read_mapping(path: Path | None, catalogue: pd.DataFrame) -> dict[str, str]:
    """Fingertips indicator id -> our indicator id: the catalogue's, then the mapping file's."""
    mapping = {
        str(fid): iid for fid, iid in zip(catalogue["fingertips_id"], catalogue["indicator_id"], strict=True)
        if fid is not None and str(fid) not in ("", "nan", "None")
    }
    # Our own exports (metrics.io.export) carry the catalogue's ids: they read back as themselves.
    for iid in catalogue["indicator_id"]:
        mapping.setdefault(str(iid), str(iid))
    if path is not None:
        mapping.update(_mapping_file(Path(path)))
    return mapping


def _mapping_file(path: Path) -> dict[str, str]:
    """A mapping file's rows; a fault naming the file and line (never a KeyError) if it is not one."""
    name = path.name
    if not path.is_file():
        raise ImportFailed([Fault(name, None, None, None, "mapping file not found")])
    out: dict[str, str] = {}
    faults: list[Fault] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in MAPPING_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise ImportFailed([Fault(name, 1, None, None, f"not a mapping file: header lacks {', '.join(missing)} "
                                          f"(expected {','.join(MAPPING_COLUMNS)})")])
            for line, row in enumerate(reader, start=2):
                fid, iid = ((row.get(c) or "").strip() for c in MAPPING_COLUMNS)
                if not fid and not iid:
                    continue
                if not fid or not iid:
                    faults.append(Fault(name, line, "indicator_id" if fid else "fingertips_id", "",
                                        "blank: each line maps one Fingertips id to one indicator id"))
                    continue
                out[fid] = iid
    except UnicodeDecodeError:
        raise ImportFailed([locate_decode_error(path)]) from None
    except csv.Error as exc:
        raise ImportFailed([Fault(name, None, None, None, f"unreadable mapping file: {exc}")]) from None
    if faults:
        raise ImportFailed(faults)
    return out


def open_fingertips(
    path: Path | str, catalogue: pd.DataFrame, mapping: Path | None = None, chunk_rows: int | None = None
) -> Source:
    """Open a Fingertips download; nothing is read until the import asks for rows.

    The import first tries the fast path (:mod:`metrics.io.fast`), which stages a
    clean file whole or declines; the chunks are the exact path that names every
    fault. ``chunk_rows`` asks for the chunks in that size, so it means the exact
    path alone (the tests of its streaming use it).
    """
    path = Path(path)
    ids = read_mapping(mapping, catalogue)
    fast = None if chunk_rows else functools.partial(_stage_fast, path, ids)
    return Source(path=path, format="fingertips", chunks=_chunks(path, ids, chunk_rows), columns=COLUMNS,
                  derive_missing=False, fast=fast, levels=functools.partial(_levels, path, ids))


def _levels(path: Path, ids: dict[str, str]) -> dict[str, float]:
    """Our indicator id -> the level the file's own flags were computed at, where they decide it."""
    found = {}
    for fid, evidence in published_levels(path).items():
        if fid in ids and evidence.level is not None:
            found[ids[fid]] = evidence.level
    return found


def _stage_fast(
    path: Path, ids: dict[str, str], cur: duckdb.DuckDBPyConnection, ctx: ImportContext, say: Progress
) -> Staged | None:
    """The fast path for a clean file (:mod:`metrics.io.fast`); the chunks stay the reference."""
    return stage_fingertips(path, ids, cur, ctx, say)


def _locate_decode_error(path: Path) -> Fault:
    """Find the first line that is not UTF-8, so the fault names a row, not a byte offset."""
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                return decode_fault(path.name, line, exc.start, number - 1)
    return Fault(path.name, None, None, None, "not UTF-8 text: save the file as 'CSV UTF-8'")


def _parser_fault(path: Path, exc: Exception) -> Fault:
    """Turn the C parser's message into a fault on the row it names."""
    text = str(exc)
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if m:
        return Fault(path.name, int(m.group(2)), None, None,
                     f"{m.group(3)} fields where the header has {m.group(1)} (an unquoted comma?)")
    m = re.search(r"EOF inside string starting at row (\d+)", text)
    if m:
        return Fault(path.name, int(m.group(1)) + 1, None, None,
                     "the file ends inside a quoted field: it was cut short (truncated download?)")
    return Fault(path.name, None, None, None, f"unreadable CSV: {text.strip()}")


def _chunks(path: Path, ids: dict[str, str], chunk_rows: int | None = None) -> Iterator[Chunk]:
    header, faults = sniff_header(path)
    if faults:
        yield Chunk(pd.DataFrame(), faults)
        return
    garbage = _garbage_body(path, ids)
    if garbage:
        yield Chunk(pd.DataFrame(), [garbage])
        return
    truncated = truncated_tail(path, len(header))
    try:
        short, n_short = ragged_rows(path, len(header), too_many=False)
    except csv.Error:  # an unclosed quote: the streaming read below names its row
        short, n_short = [], 0
    if truncated and n_short:  # the cut last row is reported once, by the truncation check
        n_short -= 1
        short = short[:n_short]
    if short:
        yield Chunk(pd.DataFrame(), short, unlisted=n_short - len(short))
    start = 2
    held: tuple[pd.DataFrame, int] | None = None  # one chunk behind, to know which is the last
    try:
        reader = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", chunksize=chunk_rows or CHUNK_ROWS,
            skip_blank_lines=False, on_bad_lines="error",
        )  # not usecols: with it pandas silently drops surplus fields instead of refusing the row
        for raw in reader:
            raw.columns = [clean_name(str(c)) for c in raw.columns]
            raw = raw[[c for c in raw.columns if c in USED]]  # free the unused columns at once
            if held is not None:
                yield _convert(path, *held, ids)
            held = (raw, start)
            start += len(raw)
        if held is not None:
            raw, first = held
            if truncated and len(raw):
                yield Chunk(pd.DataFrame(), [Fault(path.name, first + len(raw) - 1, None, None, truncated)])
                raw = raw.iloc[:-1]
            yield _convert(path, raw, first, ids)
    except pd.errors.ParserError as exc:
        if held is not None:  # the rows before the unreadable one still get checked and reported
            yield _convert(path, *held, ids)
        yield Chunk(pd.DataFrame(), [_parser_fault(path, exc)])
    except UnicodeDecodeError:
        yield Chunk(pd.DataFrame(), [_locate_decode_error(path)])
    except csv.Error as exc:
        yield Chunk(pd.DataFrame(), [Fault(path.name, None, None, None, f"unreadable CSV: {exc}")])


def _garbage_body(path: Path, ids: dict[str, str]) -> Fault | None:
    """One fault when a good header is followed by rows that are mostly unreadable.

    Text that is not Fingertips data under a Fingertips header (a corrupted or
    wrongly joined file) would otherwise give a fault per row: millions, after
    seconds of parsing. The first rows decide; an unknown indicator does not
    count, since that is one clear fault per row of otherwise good data.
    """
    try:
        sample = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                             nrows=GARBAGE_SAMPLE, skip_blank_lines=False, on_bad_lines="error")
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error):
        return None  # the streaming read reports these precisely
    if len(sample) < GARBAGE_MIN_ROWS:
        return None
    sample.columns = [clean_name(str(c)) for c in sample.columns]
    faults = sorted((f for f in _convert(path, sample, 2, ids).faults if not f.rule.startswith("unknown indicator")),
                    key=lambda f: f.row or 0)
    bad_rows = {f.row for f in faults}
    if len(bad_rows) <= GARBAGE_SHARE * len(sample):
        return None
    return Fault(path.name, None, None, None,
                 f"{len(bad_rows):,} of the first {len(sample):,} rows are unreadable (first: {faults[0]}): "
                 "not Fingertips data under a Fingertips header; refused without reading further")


def _formula(text: pd.Series) -> pd.Series:
    return text.str.startswith(FORMULA_START).fillna(False).astype(bool)


def _convert(path: Path, raw: pd.DataFrame, start: int, ids: dict[str, str]) -> Chunk:
    faults: list[Fault] = []
    rows = np.arange(start, start + len(raw))
    blank = np.logical_and.reduce([(raw[c].str.strip() == "").to_numpy() for c in REQUIRED])
    fid = raw["Indicator ID"].str.replace(BOM, "", regex=False).str.strip()
    repeated = (fid == "Indicator ID").to_numpy()
    for r in rows[repeated]:
        faults.append(Fault(path.name, int(r), None, None, "the header is repeated here: two files joined into one?"))
    skip = blank | repeated
    out: dict[str, object] = {"_row": rows}
    out["indicator_id"] = fid.map(ids).fillna("?" + fid)
    out["area_code"] = raw["Area Code"].str.strip()
    out["sex"] = raw["Sex"].str.strip().str.lower()
    ctype = raw["Category Type"].str.strip()
    cat = raw["Category"].str.strip()
    for col, text in (("Category Type", ctype), ("Category", cat)):
        formula = _formula(text).to_numpy() & ~skip
        for r, v in zip(rows[formula], text[formula], strict=True):
            faults.append(Fault(path.name, int(r), col, v, FORMULA_RULE))
    out["category"] = np.where(ctype == "", cat, ctype + ": " + cat)
    # "Client group" is not a Fingertips column: our exports add it so breakdowns read back.
    out["client_group_id"] = (
        raw["Client group"].str.strip().replace("", "all") if "Client group" in raw else "all"
    )
    labels = raw["Time period"].str.strip()
    lookup = {u: parse_period(u) for u in labels.unique()}  # a few distinct periods per million rows
    periods = labels.map(lookup)
    bad_period = (periods.isna() & ~skip).to_numpy()
    for r, v in zip(rows[bad_period], raw.loc[bad_period, "Time period"], strict=True):
        faults.append(Fault(path.name, int(r), "Time period", v,
                            "unreadable period (expected e.g. 2023, 2023/24, 202324 or 2016-17 (OT))"))
    out["period_year"] = labels.map({u: p[0] for u, p in lookup.items() if p})
    out["period_label"] = labels.map({u: p[1] for u, p in lookup.items() if p}).astype(object)
    qualifier = labels.map({u: f"period {p[1]} ({p[2]})" for u, p in lookup.items() if p and p[2]}).astype(object)
    qualifier = qualifier.where(qualifier.notna(), None)
    suppressed = np.zeros(len(raw), dtype=bool)
    notes = [raw["Value note"].str.strip().replace("", None) if "Value note" in raw else pd.Series(None, index=raw.index)]
    for col, canon in NUMBER_COLUMNS.items():
        if col not in raw:
            out[canon] = np.nan
            continue
        numbers, bad, sup, codes = parse_numbers(raw[col])
        out[canon] = numbers.to_numpy()
        if canon in ("value", "count"):
            suppressed |= sup.to_numpy()
            notes.append((col + " " + codes.astype("string")).astype(object).where(codes.notna(), None))
        bad_mask = bad.to_numpy() & ~skip
        formula = _formula(raw[col].str.strip()).to_numpy()
        for r, v, f in zip(rows[bad_mask], raw.loc[bad_mask, col], formula[bad_mask], strict=True):
            # A figure's own rule first: "-Infinity" is a non-finite number, not a formula.
            why = number_rule(v, otherwise="")
            faults.append(Fault(path.name, int(r), col, v, why or (FORMULA_RULE if f else number_rule(v))))
    notes.append(qualifier)
    # Fingertips marks its own disclosure control only in words, with the value left blank.
    said = notes[0].astype("string").str.contains("suppressed", case=False).fillna(False).to_numpy(dtype=bool)
    suppressed |= said & np.isnan(np.asarray(out["value"], dtype=float))
    out["suppressed"] = suppressed
    out["note"] = _join_notes(notes).to_numpy()
    unknown = out["indicator_id"].str.startswith("?").to_numpy()  # type: ignore[union-attr]
    for r, v in zip(rows[unknown & ~skip], fid[unknown & ~skip], strict=True):
        faults.append(Fault(path.name, int(r), "Indicator ID", v,
                            "unknown indicator: no catalogue indicator has this Fingertips id (add a mapping file)"))
    for r in rows[blank]:
        faults.append(Fault(path.name, int(r), None, None, "blank line"))
    frame = canonical_frame(out)
    keep = ~skip & ~unknown & ~bad_period
    return Chunk(frame[keep].reset_index(drop=True), faults)


def _join_notes(parts: list[pd.Series]) -> pd.Series:
    """The file's value note, then what a suppression code or period qualifier meant."""
    out = parts[0].astype(object)
    for part in parts[1:]:
        both = out.notna() & part.notna()
        out = out.where(~both, out.astype(str) + "; " + part.astype(str)).fillna(part)
    return out
