"""Reading published numbers and periods as their publishers wrote them.

DfE and OHID files mark missing and suppressed cells with codes rather than
blanks; each code is kept as meaning, never read as zero. Periods arrive as
``2025``, ``202425``, ``2010/11``, ``2016-17 (OT)`` or ``2018 (Rev)``.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from metrics.io.faults import MAX_REPORTED, Fault
from metrics.io.rules import MAX_COLUMNS

#: How much of a file's start (and end) the readers look at: enough to see the header,
#: and to tell text from garbage, without reading a large file whole.
HEAD_BYTES = 64 * 1024

# code -> (suppressed, note)
MISSING_CODES: dict[str, tuple[bool, str]] = {
    "c": (True, "c: confidential (suppressed to protect individuals)"),
    "low": (True, "low: rounds to zero but is not zero"),
    "k": (True, "k: rounds to zero but is not zero"),
    "x": (False, "x: not available"),
    "z": (False, "z: not applicable"),
    "u": (False, "u: low reliability"),
    ":": (False, ": not available"),
    "-": (False, "-: not available"),
    "..": (False, "..: not available"),
    "*": (True, "*: suppressed"),
}


SUPPRESSING_CODES = [code for code, (suppressed, _) in MISSING_CODES.items() if suppressed]
CODE_NOTES = {code: note for code, (_, note) in MISSING_CODES.items()}


def ragged_rows(path: Path, fields: int, too_many: bool = True, limit: int = MAX_REPORTED) -> tuple[list[Fault], int]:
    """Rows whose field count differs from the header's: (first faults, how many).

    pandas pads a short row with empty cells (so a row that lost its last fields
    would import with its CIs or count silently blank) and, reading only some
    columns, drops surplus fields of an unquoted comma. One streaming pass with
    the csv module counts every row's fields, about a second per million rows.
    Raises ``csv.Error`` on an unclosed quote (the caller's parser names its row).
    """
    faults: list[Fault] = []
    total = 0
    with Path(path).open(encoding="utf-8-sig", newline="", errors="replace") as fh:
        for number, record in enumerate(csv.reader(fh), start=1):
            if number == 1 or not record or len(record) == fields or (len(record) > fields and not too_many):
                continue
            total += 1
            if len(faults) < limit:
                what = "a row cut short" if len(record) < fields else "an unquoted comma?"
                faults.append(Fault(Path(path).name, number, None, None,
                                    f"{len(record)} fields where the header has {fields}: {what}"))
    return faults, total


# A comma is a thousands separator (``1,234``, ``12,345.6``), as DfE and OHID write
# them; anything else with a comma (``90,89662``) is a decimal comma or a typing
# slip, and dropping the comma would store a number 100,000 times too big.
THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?%?$")
_NON_FINITE = re.compile(r"^[+-]?(?:inf(?:inity)?|nan)$", re.IGNORECASE)
NOT_FINITE_RULE = "not a finite number: infinity and NaN are not figures"
DECIMAL_COMMA_RULE = "a comma that is not a thousands separator (a decimal comma?): write the number with a point"


def number_rule(text: object, otherwise: str = "not a number") -> str:
    """Why a cell that :func:`parse_numbers` marked bad is not a number, in a fault's words."""
    s = str(text).strip()
    if _NON_FINITE.match(s.rstrip("%")):
        return NOT_FINITE_RULE
    if "," in s and not THOUSANDS.match(s):
        cleaned = s.replace(",", "").rstrip("%")
        try:
            float(cleaned)
        except ValueError:
            return otherwise
        return DECIMAL_COMMA_RULE
    try:
        if not np.isfinite(float(s.replace(",", "").rstrip("%"))):
            return NOT_FINITE_RULE  # 1e400: a number too big for any figure
    except ValueError:
        pass
    return otherwise


def check_header(name: str, header: list[str], sheet: str | None = None) -> list[Fault]:
    """Faults of a header: too many columns, or a column named twice.

    Readers find columns by name; with a name twice, pandas renames the second
    (``Value.1``) and the first silently wins, whichever the publisher meant.
    """
    if len(header) > MAX_COLUMNS:
        return [Fault(name, 1, None, None, f"{len(header):,} columns: more than the {MAX_COLUMNS:,} an import reads",
                      sheet)]
    seen: set[str] = set()
    twice = [c for c in header if c in seen or seen.add(c)]  # type: ignore[func-returns-value]
    return [Fault(name, 1, c, None, "this column appears more than once in the header: which one is meant?", sheet)
            for c in dict.fromkeys(twice) if c]


def locate_decode_error(path: Path) -> Fault:
    """The first line that is not UTF-8, so the fault names a row, not a byte offset."""
    with Path(path).open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if number == 1:
                while line.startswith(b"\xef\xbb\xbf"):
                    line = line[3:]
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                return Fault(Path(path).name, number, None, None,
                             f"not UTF-8 text (byte 0x{line[exc.start]:02x}: Latin-1 or Windows-1252?): "
                             "save the file as 'CSV UTF-8'")
    return Fault(Path(path).name, None, None, None, "not UTF-8 text: save the file as 'CSV UTF-8'")


def parse_numbers(raw: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Parse a text column: (numbers, bad mask, suppressed-code mask, code notes).

    Blank cells are missing (not bad); known codes are missing with a note;
    anything else that is not a number (infinity and NaN written out, a decimal
    comma: see :func:`number_rule`) is bad and becomes a fault. Vectorised
    throughout: a million-row file has seven of these columns.
    """
    text = raw.astype("string").str.strip()
    lower = text.str.lower()
    blank = (text.isna() | (text == "")).fillna(True)
    coded = lower.isin(list(MISSING_CODES)).fillna(False)
    cleaned = text.str.replace(",", "", regex=False).str.rstrip("%")
    numbers = pd.to_numeric(cleaned.where(~blank & ~coded), errors="coerce")
    # inf, -Infinity and 1e400 parse as infinities: refused, as is a decimal comma.
    misread = ~np.isfinite(numbers.astype(float).fillna(0.0))
    comma = text.str.contains(",", regex=False).fillna(False)
    if comma.any():
        misread |= comma & ~text.str.match(THOUSANDS).fillna(False)
    numbers = numbers.mask(misread)
    bad = ~blank & ~coded & numbers.isna()
    suppressed = lower.isin(SUPPRESSING_CODES).fillna(False)
    if coded.any():
        notes = lower.where(coded).map(CODE_NOTES).astype(object).where(coded, None)
    else:  # the usual case: mapping a million numbers through a dict costs seconds
        notes = pd.Series(None, index=raw.index, dtype=object)
    return numbers.astype(float), bad.fillna(False).astype(bool), suppressed.astype(bool), notes


_FY = re.compile(r"^(\d{4})\s*[-/]\s*(\d{2}|\d{4})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4})\s*-\s*(\d{2})$")
_SUFFIX = re.compile(r"\s*\(([^)]*)\)\s*$")


def parse_period(text: object) -> tuple[int, str, str | None] | None:
    """(year the period ends in, label, qualifier) or None when unreadable.

    ``2024-25``/``2024/25``/``202425`` end in 2025; ``2025`` is 2025; a pooled
    Fingertips range ``2017 - 19`` ends in 2019; ``(OT)``/``(Rev)`` qualifiers are
    kept as a note.
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    s = str(text).strip()
    if s.endswith(".0") and s[:-2].isdigit():
        s = s[:-2]
    qualifier = None
    m = _SUFFIX.search(s)
    if m:
        qualifier = m.group(1)
        s = s[: m.start()].strip()
    m = _FY.match(s)
    if m:
        start, end = int(m.group(1)), m.group(2)
        end_year = int(end) if len(end) == 4 else (start // 100) * 100 + int(end)
        if end_year < start:
            end_year += 100
        if end_year - start < 1 or end_year - start > 10:
            return None
        sep = "/" if "/" in s else "-"
        return end_year, f"{start}{sep}{end_year % 100:02d}", qualifier
    m = _COMPACT.match(s)
    if m and int(m.group(2)) == (int(m.group(1)) + 1) % 100:
        start = int(m.group(1))
        return start + 1, f"{start}-{(start + 1) % 100:02d}", qualifier
    m = _YEAR.match(s)
    if m:
        return int(s), s, qualifier
    return None



class MappingFileRow(BaseModel):
    """A row of a reviewed mapping file under ``data/``: known columns only, and a blank
    cell means "use the default", as everywhere in ``data/``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _blanks(cls, raw: object) -> object:
        if not isinstance(raw, dict):
            return raw
        return {k: v for k, v in raw.items() if k is not None and not (isinstance(v, str) and v.strip() == "")}


Row = TypeVar("Row", bound=MappingFileRow)


def read_mapping_rows(path: Path, model: type[Row]) -> tuple[list[tuple[int, Row]], list[Fault]]:
    """A mapping file's rows with their line numbers, or faults naming line, column and value.

    Blank lines are skipped; a file that is missing, not UTF-8, without an
    ``indicator_id`` column or without rows is one fault, never a traceback.
    """
    rows: list[tuple[int, Row]] = []
    faults: list[Fault] = []
    if not path.is_file():  # a folder too: never an IsADirectoryError
        return rows, [Fault(path.name, None, None, None, "mapping file not found")]
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return rows, [locate_decode_error(path)]
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "indicator_id" not in reader.fieldnames:
            return rows, [Fault(path.name, 1, None, None, "mapping file lacks an indicator_id column")]
        for raw in reader:
            line = reader.line_num  # the file's own line: DictReader skips empty lines unseen
            if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
                continue
            try:
                rows.append((line, model.model_validate(raw)))
            except ValidationError as exc:
                for err in exc.errors():
                    col = ".".join(str(p) for p in err["loc"]) or None
                    faults.append(Fault(path.name, line, col, raw.get(col) if col else None, err["msg"]))
    if not rows and not faults:
        faults.append(Fault(path.name, None, None, None, "mapping file has no rows"))
    return rows, faults
