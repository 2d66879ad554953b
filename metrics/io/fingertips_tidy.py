"""Tidy extracts of Fingertips data: one row per area, period and indicator.

The layout (``area_code, area_name, period, value, indicator, measure, unit,
significance``) is what dashboards built on Fingertips commonly save: values
only, no counts or confidence intervals; ``NA`` is a missing value; ``unit``
holds the sex (``Persons``) and ``significance`` Fingertips' published
comparison with England (``Better``, ``Similar``, ``Worse``, ``Not compared``).

Nothing in the file names a catalogue indicator, so the reviewed mapping file
``data/mappings/fingertips_tidy_indicators.csv`` does, by the ``indicator`` text
and its ``measure``: a mapped indicator whose rows give another measure is a
fault (the unit must be the catalogue's); an indicator reviewed and left out is
skipped by rule and counted in the import's notes; one the mapping does not know
is refused, row by row, as the Fingertips reader refuses an unknown indicator id.
Areas the store does not know (combined authorities) are core's to refuse or,
with ``unknown_areas='skip'``, to skip and count. The published comparison is
kept in the note (it was Fingertips' judgement, with CIs this file does not carry).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from metrics.framework import (
    FingertipsTidyIndicator,
    ReferenceDataError,
    load_fingertips_tidy_mapping,
)
from metrics.io.core import Chunk, Source, canonical_frame
from metrics.io.faults import MAX_REPORTED, Fault
from metrics.io.values import (
    check_header,
    locate_decode_error,
    number_rule,
    parse_numbers,
    parse_period,
    ragged_rows,
)
from metrics.store import Store

REQUIRED = ["area_code", "period", "value", "indicator", "measure", "unit", "significance"]
COLUMNS = {
    "indicator_id": "indicator", "area_code": "area_code", "period_year": "period", "period_label": "period",
    "value": "value", "sex": "unit", "note": "significance",
}
MISSING = "NA"  # how these extracts (written from R) mark a missing value
MISSING_NOTE = "NA: no value published"
NOT_JUDGED = {"", "Not compared"}


def read_header(path: Path) -> tuple[list[str], list[Fault]]:
    """The file's header (BOM and spaces removed), or the faults that stop it being read."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = [c.replace("\ufeff", "").strip() for c in next(csv.reader(fh), [])]
    except UnicodeDecodeError:
        return [], [locate_decode_error(path)]
    except csv.Error as exc:
        return [], [Fault(path.name, 1, None, None, f"unreadable CSV header: {exc}")]
    return header, check_header(path.name, header)


def read_table(path: Path, header: list[str], required: list[str], layout: str) -> tuple[pd.DataFrame | None, list[Fault]]:
    """The whole file as stripped text with ``_row`` (its line), or the faults that stop it.

    These extracts are small (thousands of rows), so one read; the ragged-row pass
    first, because pandas would pad a short row with blanks.
    """
    missing = [c for c in required if c not in header]
    if missing:
        return None, [Fault(path.name, 1, None, None, f"not a {layout}: header lacks {', '.join(missing)}")]
    try:
        ragged, n_ragged = ragged_rows(path, len(header))
    except csv.Error:
        ragged, n_ragged = [], 0  # an unclosed quote: the parser below names it
    if ragged:
        more = n_ragged - len(ragged)
        return None, ragged + ([Fault(path.name, None, None, None, f"and {more:,} more rows of the wrong width")]
                               if more else [])
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skip_blank_lines=True)
    except UnicodeDecodeError:
        return None, [locate_decode_error(path)]
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        return None, [Fault(path.name, None, None, None, f"unreadable CSV: {str(exc).strip()}")]
    raw.columns = [str(c).replace("\ufeff", "").strip() for c in raw.columns]
    raw = raw.apply(lambda c: c.str.strip())
    raw["_row"] = np.arange(2, len(raw) + 2)
    return raw, []


def mapping_faults(name: str, rows: Sequence[Any], store: Store) -> list[Fault]:
    """Mapped rows that name an indicator the catalogue lacks, or a client group it does not publish."""
    catalogue = store.df("SELECT indicator_id, client_groups FROM indicator").set_index("indicator_id")
    faults: list[Fault] = []
    for line, row in enumerate(rows, start=2):
        iid = row.indicator_id
        if iid is None:
            continue
        if iid not in catalogue.index:
            faults.append(Fault(name, line, "indicator_id", iid, "unknown indicator: not in the catalogue"))
            continue
        group = getattr(row, "client_group_id", "all")  # healthdata rows are all children
        held = catalogue.at[iid, "client_groups"]
        groups = [str(g) for g in held] if held is not None and not isinstance(held, str) else ["all"]
        if group not in groups:
            faults.append(Fault(name, line, "client_group_id", group,
                                f"{iid} is not published for this client group (it has {', '.join(groups)})"))
    return faults


def load_mapping(
    path: Path | None, loader: Callable[[Path | None], list[Any]], default_name: str
) -> tuple[list[Any], list[Fault]]:
    """A reviewed mapping file's rows, or one fault naming it (never a traceback)."""
    name = path.name if path else default_name
    if path is not None and not path.is_file():
        return [], [Fault(name, None, None, None, "mapping file not found")]
    try:
        return loader(path), []
    except ReferenceDataError as exc:
        return [], [Fault(name, None, None, None, f"invalid mapping file: {exc}")]
    except UnicodeDecodeError:
        return [], [locate_decode_error(path) if path else Fault(name, None, None, None, "not UTF-8 text")]


def skipped_note(counts: pd.Series, what: str) -> str:
    """``N rows of ... skipped by rule (a: n, b: m)``: nothing left out goes unsaid."""
    listed = "; ".join(f"{k}: {n:,}" for k, n in counts.head(8).items())
    more = f" and {len(counts) - 8} more" if len(counts) > 8 else ""
    return f"{int(counts.sum()):,} rows of {what} skipped by rule ({listed}{more})"


def nothing_mapped(source: Source) -> str:
    """Why a file whose every row was skipped by rule is refused: no data for the catalogue."""
    return "no row is of an indicator the catalogue has: nothing to import (" + "; ".join(source.notes) + ")"


def open_fingertips_tidy(path: Path | str, store: Store, mapping: Path | str | None = None) -> Source:
    path = Path(path)
    source = Source(path=path, format="fingertips_tidy", chunks=[], columns=COLUMNS, derive_missing=False)
    source.chunks = _chunks(source, store, Path(mapping) if mapping else None)
    return source


def _chunks(source: Source, store: Store, mapping: Path | None) -> Iterator[Chunk]:
    path = source.path
    rows, faults = load_mapping(mapping, load_fingertips_tidy_mapping, "fingertips_tidy_indicators.csv")
    mapping_name = mapping.name if mapping else "fingertips_tidy_indicators.csv"
    faults += mapping_faults(mapping_name, rows, store)
    header, header_faults = read_header(path)
    faults += header_faults
    if faults:
        yield Chunk(pd.DataFrame(), faults)
        return
    raw, faults = read_table(path, header, REQUIRED, "tidy Fingertips extract")
    if raw is None:
        yield Chunk(pd.DataFrame(), faults)
        return
    if raw.empty:  # core says "no data rows"
        yield Chunk(pd.DataFrame())
        return
    yield _convert(source, raw, {r.indicator: r for r in rows})


def _convert(source: Source, raw: pd.DataFrame, mapping: dict[str, FingertipsTidyIndicator]) -> Chunk:
    name = source.path.name
    faults: list[Fault] = []
    known = raw["indicator"].isin(list(mapping))
    for r, v in zip(raw.loc[~known, "_row"].head(MAX_REPORTED), raw.loc[~known, "indicator"], strict=False):
        faults.append(Fault(name, int(r), "indicator", v,
                            "unknown indicator: not in the reviewed mapping fingertips_tidy_indicators.csv "
                            "(review it and add a row)"))
    unknown_total = int((~known).sum())
    left_out = known & raw["indicator"].map(lambda i: i in mapping and mapping[i].indicator_id is None)
    if left_out.any():
        source.notes.append(skipped_note(raw.loc[left_out, "indicator"].value_counts(),
                                         "indicators the reviewed mapping leaves out"))
    take = raw[known & ~left_out]
    if take.empty and not faults:
        return Chunk(pd.DataFrame(), [Fault(name, None, "indicator", None, nothing_mapped(source))])
    rows = take["_row"].to_numpy()
    expected = take["indicator"].map(lambda i: mapping[i].measure)
    wrong_measure = (take["measure"] != expected).to_numpy()
    for r, v, e in zip(rows[wrong_measure][:MAX_REPORTED], take.loc[wrong_measure, "measure"],
                       expected[wrong_measure], strict=False):
        faults.append(Fault(name, int(r), "measure", v,
                            f"not the reviewed measure {e!r}: the catalogue indicator's unit would be wrong"))

    labels = take["period"]
    lookup = {u: parse_period(u) for u in labels.unique()}
    periods = labels.map(lookup)
    bad_period = periods.isna().to_numpy()
    for r, v in zip(rows[bad_period][:MAX_REPORTED], take.loc[bad_period, "period"], strict=False):
        faults.append(Fault(name, int(r), "period", v,
                            "unreadable period (expected e.g. 2019, 2019/20 or 2019-20)"))

    na = (take["value"] == MISSING).to_numpy()
    numbers, bad, suppressed, codes = parse_numbers(take["value"].mask(pd.Series(na, index=take.index), ""))
    for r, v in zip(rows[bad.to_numpy()][:MAX_REPORTED], take.loc[bad, "value"], strict=False):
        faults.append(Fault(name, int(r), "value", v, number_rule(v)))
    published = [f"Fingertips compared with England: {s}" if s not in NOT_JUDGED else "" for s in take["significance"]]
    qualifier = [f"period published as ({p[2]})" if p and p[2] else "" for p in periods]
    code_notes = [c if isinstance(c, str) else "" for c in codes]
    notes = ["; ".join(x for x in parts if x) or None
             for parts in zip(np.where(na, MISSING_NOTE, ""), code_notes, published, qualifier, strict=True)]

    out: dict[str, object] = {
        "_row": rows,
        "indicator_id": take["indicator"].map(lambda i: mapping[i].indicator_id).to_numpy(),
        "client_group_id": take["indicator"].map(lambda i: mapping[i].client_group_id).to_numpy(),
        "area_code": take["area_code"].to_numpy(),
        "sex": take["unit"].str.lower().to_numpy(),
        "period_year": periods.map(lambda p: p[0] if p else np.nan).to_numpy(),
        "period_label": periods.map(lambda p: p[1] if p else None).to_numpy(),
        "value": numbers.to_numpy(),
        "suppressed": suppressed.to_numpy(),
        "note": notes,
    }
    frame = canonical_frame(out)
    keep = ~bad_period & ~wrong_measure
    return Chunk(frame[keep].reset_index(drop=True), faults,
                 unlisted=max(0, unknown_total - min(unknown_total, MAX_REPORTED)))
