"""Fingertips CSV, exactly as downloaded from OHID's Fingertips.

Columns are found by name (order varies between downloads; newer files add
``Time period range``); a BOM is accepted. Indicators are matched to the
catalogue by ``fingertips_id``, or through a mapping file (CSV with columns
``fingertips_id,indicator_id``). Deprivation and other category rows are kept as
breakdowns (``category`` = "Category Type: Category"). Published values and CIs
are stored as published: Fingertips rounds counts to 5 but computes its CIs from
the unrounded counts, so recomputing them would be wrong.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from metrics.io.core import Chunk, Source, canonical_frame
from metrics.io.faults import Fault
from metrics.io.values import parse_numbers, parse_period

REQUIRED = [
    "Indicator ID", "Area Code", "Sex", "Category Type", "Category", "Time period", "Value",
    "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Count", "Denominator",
]
OPTIONAL = ["Lower CI 99.8 limit", "Upper CI 99.8 limit", "Value note", "Area Name", "Indicator Name"]
NUMBER_COLUMNS = {
    "Value": "value",
    "Lower CI 95.0 limit": "lower95",
    "Upper CI 95.0 limit": "upper95",
    "Lower CI 99.8 limit": "lower998",
    "Upper CI 99.8 limit": "upper998",
    "Count": "count",
    "Denominator": "denominator",
}
COLUMNS = {
    "indicator_id": "Indicator ID", "area_code": "Area Code", "sex": "Sex", "category": "Category",
    "period_year": "Time period", "period_label": "Time period", "note": "Value note",
    **{v: k for k, v in NUMBER_COLUMNS.items()},
}
CHUNK_ROWS = 200_000


def read_mapping(path: Path | None, catalogue: pd.DataFrame) -> dict[str, str]:
    """Fingertips indicator id -> our indicator id: the catalogue's, then the mapping file's."""
    mapping = {
        str(fid): iid for fid, iid in zip(catalogue["fingertips_id"], catalogue["indicator_id"], strict=True)
        if fid is not None and str(fid) not in ("", "nan", "None")
    }
    if path is not None:
        with Path(path).open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                mapping[str(row["fingertips_id"]).strip()] = row["indicator_id"].strip()
    return mapping


def _check_header(path: Path) -> list[Fault]:
    with path.open(encoding="utf-8-sig", errors="strict") as fh:
        header = next(csv.reader(fh), [])
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return [Fault(path.name, 1, None, None,
                      f"not a Fingertips CSV: header lacks {', '.join(missing)}")]
    return []


def open_fingertips(path: Path | str, catalogue: pd.DataFrame, mapping: Path | None = None) -> Source:
    path = Path(path)
    ids = read_mapping(mapping, catalogue)
    return Source(path=path, format="fingertips", chunks=_chunks(path, ids), columns=COLUMNS)


def _chunks(path: Path, ids: dict[str, str]) -> Iterator[Chunk]:
    try:
        header_faults = _check_header(path)
    except UnicodeDecodeError as exc:
        yield Chunk(pd.DataFrame(), [Fault(path.name, None, None, None, f"not UTF-8 text ({exc.reason})")])
        return
    if header_faults:
        yield Chunk(pd.DataFrame(), header_faults)
        return
    start = 2
    try:
        reader = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", chunksize=CHUNK_ROWS,
            skip_blank_lines=False, on_bad_lines="error",
        )
        for raw in reader:
            yield _convert(path, raw, ids, start)
            start += len(raw)
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error) as exc:
        yield Chunk(pd.DataFrame(), [Fault(path.name, None, None, None, f"unreadable CSV: {exc}")])


def _convert(path: Path, raw: pd.DataFrame, ids: dict[str, str], start: int) -> Chunk:
    faults: list[Fault] = []
    rows = np.arange(start, start + len(raw))
    blank = raw.apply(lambda c: c.str.strip() == "").all(axis=1).to_numpy()
    out: dict[str, object] = {"_row": rows}
    fid = raw["Indicator ID"].str.strip()
    out["indicator_id"] = fid.map(ids).fillna("?" + fid)
    out["area_code"] = raw["Area Code"].str.strip()
    out["sex"] = raw["Sex"].str.strip().str.lower()
    ctype = raw["Category Type"].str.strip()
    cat = raw["Category"].str.strip()
    out["category"] = np.where(ctype == "", "", ctype + ": " + cat)
    out["client_group_id"] = "all"
    periods = raw["Time period"].map(parse_period)
    bad_period = periods.isna() & ~blank
    for r, v in zip(rows[bad_period.to_numpy()], raw.loc[bad_period, "Time period"], strict=True):
        faults.append(Fault(path.name, int(r), "Time period", v, "unreadable period"))
    out["period_year"] = periods.map(lambda p: p[0] if p else np.nan)
    out["period_label"] = periods.map(lambda p: p[1] if p else None)
    suppressed = np.zeros(len(raw), dtype=bool)
    notes = raw["Value note"].str.strip().replace("", None) if "Value note" in raw else pd.Series(None, index=raw.index)
    for col, canon in NUMBER_COLUMNS.items():
        if col not in raw:
            out[canon] = np.nan
            continue
        numbers, bad, sup, _codes = parse_numbers(raw[col])
        out[canon] = numbers.to_numpy()
        if canon == "value":
            suppressed |= sup.to_numpy()
        for r, v in zip(rows[bad.to_numpy()], raw.loc[bad, col], strict=True):
            faults.append(Fault(path.name, int(r), col, v, "not a number"))
    out["suppressed"] = suppressed
    out["note"] = notes.to_numpy()
    unknown = out["indicator_id"].str.startswith("?")  # type: ignore[union-attr]
    for r, v in zip(rows[unknown.to_numpy() & ~blank], fid[unknown.to_numpy() & ~blank], strict=True):
        faults.append(Fault(path.name, int(r), "Indicator ID", v,
                            "unknown indicator: no catalogue indicator has this Fingertips id (add a mapping file)"))
    for r in rows[blank]:
        faults.append(Fault(path.name, int(r), None, None, "blank line"))
    frame = canonical_frame(out)
    keep = ~blank & ~unknown.to_numpy() & ~bad_period.to_numpy()
    return Chunk(frame[keep].reset_index(drop=True), faults)
