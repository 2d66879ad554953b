"""The one formula guard for every CSV and XLSX the product writes (OWASP "CSV injection").

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula (``=HYPERLINK(...)``, ``-2+3+cmd|' /C calc'!A0``, ``@SUM(...)``), and a
leading tab or carriage return can hide such a start from a reader. Any text
cell that begins with one of them is written with a leading apostrophe, which
spreadsheets show as text and never run; the text is otherwise unchanged.

Only text is guarded: numbers stay numbers, so a negative figure such as
``-3.5`` in a numeric column is still a number the reader can add up.

Used by the exports (:mod:`metrics.io.export`), the templates, the data pack's
XLSX, the audit log CSV and the dashboard's page downloads; import validation
refuses text starting the same way (:mod:`metrics.io.core`).
"""

from __future__ import annotations

import string

import pandas as pd

FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
# What an import refuses in the text it stores (notes, categories): the same
# starts, except that a "-" is refused only when what follows could make a
# formula ("-2+3+cmd|...", "-SUM(", "-@"). Publishers write "-" alone, "- ..."
# or "-: ..." for "no figure" (LAIT's reader says "-: no figure published"), which
# no spreadsheet runs; every writer still quotes them on the way out.
IMPORT_FORMULA_START: tuple[str, ...] = (
    *(s for s in FORMULA_START if s != "-"),
    *("-" + c for c in string.ascii_letters + string.digits + "=+-@(.$'\"\t\r"),
)
FORMULA_RULE = "text starts like a spreadsheet formula (=, +, -, @, tab or carriage return); refused to protect users"
#: What is put before a formula-like text cell.
QUOTE = "'"


def is_formula_like(value: object) -> bool:
    """Whether ``value`` is text a spreadsheet would run as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def neutralise(value: object) -> object:
    """``value`` made inert if it is formula-like text; anything else (numbers included) as it is."""
    if is_formula_like(value):
        return QUOTE + str(value)
    return value


def _text_column(col: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)
                or pd.api.types.is_datetime64_any_dtype(col) or isinstance(col.dtype, pd.PeriodDtype))


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every formula-like text cell made inert, and its column names too.

    Numeric, boolean and date columns are left alone; in a mixed (object)
    column only the strings are touched, so a number stays a number.
    """
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if _text_column(col):  # as object: a guarded cell is a new string a categorical would refuse
            out[name] = col.astype(object).map(neutralise)
    out.columns = [neutralise(c) if isinstance(c, str) else c for c in out.columns]
    return out


# RFC 4180's line ending. It matters beyond style: the csv module quotes a field
# only for the characters of its line terminator, so with a bare "\n" a cell
# holding "\r=1+1" would be written unquoted and a spreadsheet would start a new
# row at the "\r", with "=1+1" live at the start of it.
LINE_END = "\r\n"


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as UTF-8 CSV (no index) with the formula guard applied: for downloads."""
    return neutralise_frame(frame).to_csv(index=False, lineterminator=LINE_END).encode("utf-8")


def write_csv(frame: pd.DataFrame, path: object) -> None:
    """``frame`` to a CSV file (no index, UTF-8) with the formula guard applied."""
    neutralise_frame(frame).to_csv(path, index=False, encoding="utf-8", lineterminator=LINE_END)  # type: ignore[call-overload]
