"""Statistical neighbours: the ten LAs most like each LA.

DfE's children's services statistical-neighbour model standardises a set of
contextual variables (deprivation, population...) and ranks every other LA by
Euclidean distance. The embedded demo computes its own list the same way from the
contextual variables in ``data/reference/areas.csv``; the published DfE list can be
imported instead (:func:`read_dfe_neighbours`).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from metrics.framework import (
    CONTEXT_VARIABLES,
    NeighbourLayout,
    Reference,
    load_former_las,
    load_neighbour_layouts,
)
from metrics.io.faults import Fault, ImportFailed
from metrics.io.files import check_size, file_hash
from metrics.io.values import HEAD_BYTES
from metrics.store import Store

MODEL_SOURCE = "model"
DFE_SOURCE = "dfe"
COLUMNS = ["area_code", "source", "rank", "neighbour_code", "distance", "closeness"]


def compute_neighbours(ref: Reference, n: int = 10) -> pd.DataFrame:
    """Rank each LA's nearest ``n`` LAs on standardised contextual variables.

    Variables: the IMD domain scores plus log child population (so a small
    unitary is not matched with a large county on deprivation alone). Missing
    values take the variable's mean, which leaves them neutral in the distance.
    """
    las = ref.local_authorities
    codes = [a.area_code for a in las]
    cols = {v: [getattr(a, v) for a in las] for v in CONTEXT_VARIABLES}
    cols["log_population"] = [np.log(a.population_0_17) if a.population_0_17 else np.nan for a in las]
    frame = pd.DataFrame(cols, index=codes, dtype=float)
    frame = frame.fillna(frame.mean())
    std = frame.std(ddof=0).replace(0, 1.0)
    z = ((frame - frame.mean()) / std).to_numpy()
    dist = np.sqrt(((z[:, None, :] - z[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(dist, np.inf)
    rows = []
    for i, code in enumerate(codes):
        # Stable sort with the code as tie-break keeps the list deterministic.
        order = np.lexsort((np.array(codes), dist[i]))[:n]
        for rank, j in enumerate(order, start=1):
            rows.append((code, MODEL_SOURCE, rank, codes[j], float(dist[i, j]), None))
    return pd.DataFrame(rows, columns=COLUMNS)


#: A cell DfE leaves for "no neighbour published" (the LAs created after the model ran).
NOT_PUBLISHED = frozenset({"", "-"})
#: How far down a sheet the header row may be (DfE's workbook has it on row 3).
HEADER_ROWS = 30
#: What a format sniff reads of a CSV at most.


@dataclass(frozen=True)
class Sheet:
    """One grid of cells as text, as the file holds it (a CSV is one sheet without a name)."""

    name: str | None
    rows: list[list[str]]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a workbook's 894 read back as 894.0
    text = str(value).strip()
    return text[:-2] if text.endswith(".0") and text[:-2].isdigit() else text


def read_sheets(path: Path, max_rows: int | None = None) -> list[Sheet]:
    """The file's cells (the first ``max_rows`` of each sheet, if given), chosen by content
    rather than by suffix: a ZIP is a workbook, text is CSV."""
    name = path.name
    try:
        check_size(path)
        with path.open("rb") as fh:
            head = fh.read(8)
        if head.startswith(b"PK\x03\x04"):
            import openpyxl
            from openpyxl.utils.exceptions import InvalidFileException

            try:
                # From the bytes, not the name: openpyxl would refuse a workbook named .csv.
                wb = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True)
            except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
                raise ImportFailed([Fault(name, None, None, None, f"not a readable Excel workbook ({exc})")]) from exc
            try:
                return [Sheet(ws.title, [[_text(v) for v in row]
                                         for row in ws.iter_rows(max_row=max_rows, values_only=True)])
                        for ws in wb.worksheets]
            finally:
                wb.close()
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            raise ImportFailed([Fault(name, None, None, None,
                                      "an Excel 97-2003 (.xls) workbook: save it as .xlsx or CSV and import that")])
        with path.open("rb") as fh:
            raw = fh.read() if max_rows is None else fh.read(HEAD_BYTES)
    except FileNotFoundError as exc:
        raise ImportFailed([Fault(name, None, None, None, "no such file")]) from exc
    except OSError as exc:
        raise ImportFailed([Fault(name, None, None, None, f"cannot be read ({exc.strerror or exc})")]) from exc
    if b"\x00" in raw[:4096]:
        raise ImportFailed([Fault(name, None, None, None, "neither a CSV file nor an Excel workbook")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # DfE's older CSVs were saved from Excel on Windows.
        text = raw.decode("cp1252", errors="replace")
    lines = io.StringIO(text) if max_rows is None else io.StringIO("\n".join(text.splitlines()[:max_rows]))
    reader = csv.reader(lines)
    try:
        return [Sheet(None, [[_text(c) for c in row] for row in reader])]
    except csv.Error as exc:
        raise ImportFailed([Fault(name, reader.line_num, None, None, f"not readable as CSV ({exc})")]) from exc


def looks_like_neighbours(path: Path | str) -> bool:
    """Whether the file's first rows hold a known statistical-neighbour header (for ``jar import``
    without ``--format``); reads at most the first rows of each sheet."""
    try:
        return _find_header(read_sheets(Path(path), max_rows=HEADER_ROWS), load_neighbour_layouts()) is not None
    except ImportFailed:
        return False


def _find_header(sheets: Sequence[Sheet], layouts: Sequence[NeighbourLayout]
                 ) -> tuple[Sheet, int, NeighbourLayout] | None:
    """The first row (of the first few in any sheet) naming a layout's LA column and its first neighbour."""
    for sheet in sheets:
        for r, row in enumerate(sheet.rows[:HEADER_ROWS]):
            folded = [c.casefold() for c in row]
            for layout in layouts:
                if (_column(folded, layout.la_column) is not None
                        and layout.neighbour_column.format(rank=1).casefold() in folded):
                    return sheet, r, layout
    return None


def _column(folded: Sequence[str], names: Sequence[str], start: int = 0, stop: int | None = None) -> int | None:
    """The first of ``names`` (in their order) found in the header cells ``folded[start:stop]``."""
    cells = folded[start:stop]
    for n in names:
        if n.casefold() in cells:
            return start + cells.index(n.casefold())
    return None


def _closeness(text: str) -> str | None:
    """DfE's closeness label in one spelling across vintages ("Very Close", "Close " -> "Very close", "Close")."""
    text = " ".join(text.split())
    return None if text in NOT_PUBLISHED else text[:1].upper() + text[1:].lower()


def read_dfe_neighbours(path: Path | str, ref: Reference) -> pd.DataFrame:
    """Read one of DfE's statistical-neighbour files: ten neighbours per LA, with closeness.

    Each LA is named by its 3-digit DfE number; numbers map to current ONS codes
    through the reference areas. Every list is checked: ten distinct neighbours,
    never the LA itself, every number a known LA, no LA listed twice. Any fault
    refuses the whole file (:class:`ImportFailed`, naming file, row, column, value
    and rule).

    Abolished LAs (``data/reference/former_las.csv``), as the lists that predate
    them still name them, are handled as a director's analyst would read the file:

    - an abolished LA's own row (Cumbria in the 2021 lists, the "Old SNs:" section)
      describes no current LA: it is skipped and listed in ``attrs["skipped"]``;
    - a current LA with no list published ("-" in every column, e.g. Cumberland in
      the 2021 workbook, made after the model ran) is skipped and listed in
      ``attrs["unlisted"]``: its stored list, if any, is kept;
    - an abolished LA named as a neighbour is dropped from that LA's list, which is
      kept short (its other neighbours keep DfE's ranks) and listed in
      ``attrs["short"]``. It is not replaced by its successors: DfE's model measured
      the old LA as a whole, and Cumbria's successors differ from it and from each
      other (Cumberland is far more deprived than Westmorland and Furness), so
      putting them in its place would claim a likeness the model never found.
    """
    path = Path(path)
    name = path.name
    sheets = read_sheets(path)
    layouts = load_neighbour_layouts()
    found = _find_header(sheets, layouts)
    if found is None:
        known = "; ".join(f"{lo.title}: columns {lo.la_column[0]!r}, {lo.neighbour_column.format(rank=1)!r}..."
                          for lo in layouts)
        raise ImportFailed([Fault(name, None, None, None,
                                  f"no header row of a known statistical-neighbour layout ({known};"
                                  " data/mappings/neighbour_layouts.csv)")])
    sheet, header_row, layout = found
    header = sheet.rows[header_row]
    folded = [h.casefold() for h in header]
    faults: list[Fault] = []

    def fault(row: int | None, column: str | None, value: object, rule: str) -> None:
        faults.append(Fault(name, row, column, value, rule, sheet.name))

    la_col = _column(folded, layout.la_column)
    assert la_col is not None  # _find_header matched it
    name_col = _column(folded, layout.name_column)
    rank_cols: list[tuple[int, int, int | None]] = []  # (rank, neighbour column, closeness column)
    for rank in range(1, layout.neighbours + 1):
        wanted = layout.neighbour_column.format(rank=rank)
        if wanted.casefold() not in folded:
            fault(header_row + 1, wanted, None, f"column missing: {layout.title} lists {layout.neighbours} neighbours")
            continue
        col = folded.index(wanted.casefold())
        next_rank = layout.neighbour_column.format(rank=rank + 1).casefold()
        stop = col + 1 + folded[col + 1:].index(next_rank) if next_rank in folded[col + 1:] else None
        c_col = _column(folded, [n.format(rank=rank) for n in layout.closeness_column], col + 1, stop)
        rank_cols.append((rank, col, c_col))
    if faults:
        raise ImportFailed(faults)

    by_number = {a.la_number: a.area_code for a in ref.local_authorities if a.la_number}
    former = load_former_las()
    marker = layout.old_section_marker.casefold()
    rows: list[tuple[str, str, int, str, float | None, str | None]] = []
    skipped: list[str] = []
    unlisted: list[str] = []
    short: list[str] = []
    first_row: dict[str, int] = {}
    old_section = False
    width = len(header)
    for r in range(header_row + 1, len(sheet.rows)):
        line = sheet.rows[r] + [""] * (width - len(sheet.rows[r]))
        row_no = r + 1
        if marker and any(c.casefold().startswith(marker) for c in line[:3]):
            old_section = True
            continue
        number = line[la_col]
        la_name = line[name_col] if name_col is not None else ""
        cells = [line[col] for _, col, _ in rank_cols]
        if not number:
            if any(c not in NOT_PUBLISHED for c in cells):
                fault(row_no, header[la_col], None, "LA number missing on a row that lists neighbours")
            continue
        label = f"row {row_no}: {number} {la_name}".rstrip()
        if old_section:
            skipped.append(f"{label} (listed under {layout.old_section_marker!r}: an LA that no longer exists)")
            continue
        code = by_number.get(number)
        if code is None:
            gone = former.get(number)
            if gone is None:
                fault(row_no, header[la_col], number,
                      "not the DfE number of a current LA (data/reference/areas.csv)"
                      " or of an abolished one (data/reference/former_las.csv)")
            else:
                skipped.append(f"{label} (abolished {gone.ended_year}: {gone.reason})")
            continue
        if code in first_row:
            fault(row_no, header[la_col], number, f"LA listed twice (first on row {first_row[code]})")
            continue
        first_row[code] = row_no
        if all(c in NOT_PUBLISHED for c in cells):
            unlisted.append(f"{label} (no neighbours published: its stored list, if any, is kept)")
            continue
        seen: dict[str, str] = {}
        dropped: list[str] = []
        for (rank, col, c_col), neighbour in zip(rank_cols, cells, strict=True):
            column = header[col]
            if neighbour in NOT_PUBLISHED:
                fault(row_no, column, neighbour or None, f"neighbour missing: each LA has {layout.neighbours}")
                continue
            if neighbour == number:
                fault(row_no, column, neighbour, "an LA cannot be its own neighbour")
                continue
            if neighbour in seen:
                fault(row_no, column, neighbour, f"neighbour listed twice in this LA's list (also {seen[neighbour]})")
                continue
            seen[neighbour] = column
            n_code = by_number.get(neighbour)
            if n_code is None:
                gone = former.get(neighbour)
                if gone is None:
                    fault(row_no, column, neighbour,
                          "not the DfE number of a current LA (data/reference/areas.csv)"
                          " or of an abolished one (data/reference/former_las.csv)")
                else:
                    dropped.append(f"{column} {gone.name} ({neighbour}, abolished {gone.ended_year})")
                continue
            closeness = _closeness(line[c_col]) if c_col is not None else None
            rows.append((code, DFE_SOURCE, rank, n_code, None, closeness))
        if dropped:
            short.append(f"{label} ({code}): {layout.neighbours - len(dropped)} neighbours; dropped "
                         + ", ".join(dropped))
    if not rows and not faults:
        fault(None, None, None, f"no LA's neighbour list below the header (row {header_row + 1})")
    if faults:
        raise ImportFailed(faults)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["distance"] = frame["distance"].astype(float)
    frame.attrs.update(skipped=skipped, unlisted=unlisted, short=short, layout=layout.title, sheet=sheet.name)
    return frame


def _lists(frame: pd.DataFrame) -> dict[str, tuple[tuple[int, str, str | None], ...]]:
    out: dict[str, list[tuple[int, str, str | None]]] = {}
    for code, rank, n_code, closeness in frame[["area_code", "rank", "neighbour_code", "closeness"]].itertuples(
            index=False):
        out.setdefault(str(code), []).append(
            (int(rank), str(n_code), None if closeness is None or pd.isna(closeness) else str(closeness)))
    return {code: tuple(sorted(items)) for code, items in out.items()}


def _compare(store_lists: pd.DataFrame, frame: pd.DataFrame) -> tuple[list[str], list[str], list[str]]:
    """The file's LAs whose lists are new to the store, would replace a different one, or are the same."""
    have = _lists(store_lists)
    new, replaced, unchanged = [], [], []
    for code, items in _lists(frame).items():
        if code not in have:
            new.append(code)
        elif have[code] != items:
            replaced.append(code)
        else:
            unchanged.append(code)
    return new, replaced, unchanged


def _stored_lists(cur: duckdb.DuckDBPyConnection | Store) -> pd.DataFrame:
    sql = "SELECT area_code, rank, neighbour_code, closeness FROM area_neighbour WHERE source = ?"
    if isinstance(cur, Store):
        return cur.df(sql, [DFE_SOURCE])
    return cur.execute(sql, [DFE_SOURCE]).df()


def preview_dfe_neighbours(store: Store, path: Path | str) -> pd.DataFrame:
    """What :func:`import_dfe_neighbours` would do, writing nothing: the file's lists with
    ``attrs`` ``new``, ``replaced`` and ``unchanged`` (LA codes) beside ``skipped`` and ``short``."""
    from metrics.framework import load_reference

    frame = read_dfe_neighbours(path, load_reference())
    new, replaced, unchanged = _compare(_stored_lists(store), frame)
    frame.attrs.update(new=new, replaced=replaced, unchanged=unchanged, batch_id=None)
    return frame


def import_dfe_neighbours(store: Store, path: Path | str, user: str) -> pd.DataFrame:
    """Merge the file's lists into the store's DfE lists, per LA, in one transaction.

    Only the LAs the file lists are replaced, and only where their list differs;
    each replaced list is kept in ``area_neighbour_history`` under the new batch,
    which :func:`restore_neighbour_lists` puts back on rollback. A file that
    changes nothing writes no batch (``attrs["batch_id"]`` is None). The counts are
    in ``attrs`` as for :func:`preview_dfe_neighbours`.
    """
    from metrics.framework import load_reference
    from metrics.store import new_batch

    path = Path(path)
    frame = read_dfe_neighbours(path, load_reference())
    skipped, unlisted, short = frame.attrs["skipped"], frame.attrs["unlisted"], frame.attrs["short"]
    new, replaced, unchanged = _compare(_stored_lists(store), frame)
    frame.attrs.update(new=new, replaced=replaced, unchanged=unchanged, batch_id=None)
    changed = new + replaced
    if not changed:
        return frame
    note = "; ".join(
        [f"{len(new)} LA lists new, {len(replaced)} replaced, {len(unchanged)} unchanged ({frame.attrs['layout']})"]
        + ([f"skipped {len(skipped)} abolished LAs: " + "; ".join(skipped)] if skipped else [])
        + ([f"{len(unlisted)} LAs with no list published: " + "; ".join(unlisted)] if unlisted else [])
        + ([f"{len(short)} lists short of abolished LAs: " + "; ".join(short)] if short else []))
    written = frame[frame["area_code"].isin(changed)].copy()
    with store.transaction() as cur:
        batch_id = new_batch(cur, path.name, "neighbours", user, file_hash=file_hash(path), note=note)
        written["batch_id"] = batch_id
        cur.register("_nb_changed", pd.DataFrame({"area_code": changed}))
        cur.register("_nb", written)
        try:
            cur.execute(
                """INSERT INTO area_neighbour_history
                       (area_code, source, rank, neighbour_code, distance, closeness, batch_id, superseded_by)
                   SELECT area_code, source, rank, neighbour_code, distance, closeness, batch_id, ?
                   FROM area_neighbour WHERE source = ? AND area_code IN (SELECT area_code FROM _nb_changed)""",
                [batch_id, DFE_SOURCE])
            n_replaced = cur.execute(
                "SELECT count(*) FROM area_neighbour_history WHERE superseded_by = ?", [batch_id]).fetchone()[0]
            cur.execute("DELETE FROM area_neighbour WHERE source = ? AND area_code IN (SELECT area_code FROM _nb_changed)",
                        [DFE_SOURCE])
            cur.execute("INSERT INTO area_neighbour BY NAME SELECT * FROM _nb")
        finally:
            cur.unregister("_nb")
            cur.unregister("_nb_changed")
        cur.execute("UPDATE import_batch SET rows_read = ?, rows_written = ?, rows_replaced = ? WHERE batch_id = ?",
                    [len(frame), len(written), int(n_replaced), batch_id])
    frame.attrs["batch_id"] = batch_id
    return frame


def restore_neighbour_lists(cur: duckdb.DuckDBPyConnection, batch_id: int) -> int:
    """Inside a rollback's transaction: remove the lists batch ``batch_id`` wrote and put back the
    lists it replaced; returns the rows removed. Refused (ValueError) while a later batch has since
    replaced some of its lists: that one is rolled back first, so history is never rewritten out of order."""
    later = cur.execute(
        "SELECT min(superseded_by) FROM area_neighbour_history WHERE batch_id = ? AND superseded_by > ?",
        [batch_id, batch_id]).fetchone()[0]
    if later is not None:
        raise ValueError(f"batch {batch_id}'s neighbour lists were partly replaced by batch {later}:"
                         f" roll back batch {later} first")
    removed = cur.execute("SELECT count(*) FROM area_neighbour WHERE batch_id = ?", [batch_id]).fetchone()[0]
    kept = cur.execute("SELECT count(*) FROM area_neighbour_history WHERE superseded_by = ?",
                       [batch_id]).fetchone()[0]
    if removed == 0 and kept == 0:
        # Every batch since schema 13 wrote at least one list; one before it wrote its rows unmarked
        # and kept nothing it replaced, so "rolled back" would restore nothing.
        raise ValueError(f"batch {batch_id} was imported before neighbour lists kept their history:"
                         " import the earlier file again to go back")
    cur.execute("DELETE FROM area_neighbour WHERE batch_id = ?", [batch_id])
    cur.execute(
        """INSERT INTO area_neighbour (area_code, source, rank, neighbour_code, distance, closeness, batch_id)
           SELECT area_code, source, rank, neighbour_code, distance, closeness, batch_id
           FROM area_neighbour_history WHERE superseded_by = ?""",
        [batch_id])
    cur.execute("DELETE FROM area_neighbour_history WHERE superseded_by = ?", [batch_id])
    return int(removed)
