"""A small XLSX writer for exports: plain sheets of text, numbers, dates and booleans.

An export must give back exactly the float the store holds. openpyxl writes
numbers with ``%.16g``, which drops the 17th significant digit some floats need
(0.1 + 0.2 reads back as 0.3), and offers no option to change it. This writer
owns its number format instead: ``repr`` of the float, the shortest text that
reads back as the same float. It writes the Office Open XML parts a spreadsheet
needs and nothing else: one worksheet per sheet, text inline (no shared-strings
table), dates and times as serial numbers with a date style, as Excel stores them.

Every text cell passes the formula guard (:func:`metrics.spreadsheet.neutralise`),
and characters XML 1.0 cannot hold (control characters other than tab, line feed
and carriage return) are dropped, as no spreadsheet could show them.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from metrics.spreadsheet import neutralise

Row = Sequence[object]

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCH = dt.datetime(1899, 12, 30)  # Excel's day 0 (1900 date system, after its 1900 leap-year slip)
_DATE_STYLE, _DATETIME_STYLE = 1, 2  # indexes into cellXfs below
#: Excel's sheet-name rules: at most 31 characters, none of []:*?/\
_SHEET_NAME = re.compile(r"^[^\[\]:*?/\\]{1,31}$")

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "{sheets}</Types>"
)
_SHEET_TYPE = ('<Override PartName="/xl/worksheets/sheet{n}.xml" '
               'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def column_letters(index: int) -> str:
    """The column's letters for a 0-based index: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _cell(ref: str, value: object) -> str:
    """One ``<c>`` element, or "" for a missing value (no cell is written)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    # numbers.Integral and Real cover numpy's scalars too, which are not int (np.int64) or
    # may not be float (np.float32): a number stays a number whoever built the row.
    if isinstance(value, numbers.Integral):
        return f'<c r="{ref}"><v>{int(value)}</v></c>'
    if isinstance(value, numbers.Real):
        x = float(value)
        if not math.isfinite(x):
            return ""  # no spreadsheet number is infinite or NaN: the cell stays empty, as a missing figure
        return f'<c r="{ref}"><v>{x!r}</v></c>'
    if isinstance(value, dt.datetime):
        naive = value.replace(tzinfo=None)
        return f'<c r="{ref}" s="{_DATETIME_STYLE}"><v>{(naive - _EPOCH) / dt.timedelta(days=1)!r}</v></c>'
    if isinstance(value, dt.date):
        days = (dt.datetime(value.year, value.month, value.day) - _EPOCH).days
        return f'<c r="{ref}" s="{_DATE_STYLE}"><v>{days}</v></c>'
    text = _text(str(neutralise(str(value))))
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def _sheet_xml(rows: Iterable[Row]) -> Iterable[str]:
    yield ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    for r, row in enumerate(rows, start=1):
        cells = "".join(_cell(f"{column_letters(c)}{r}", v) for c, v in enumerate(row))
        yield f'<row r="{r}">{cells}</row>'
    yield "</sheetData></worksheet>"


def write_workbook(path: Path | str, sheets: Sequence[tuple[str, Iterable[Row]]]) -> None:
    """Write ``sheets`` (name, rows) to an XLSX file at ``path``, in that order.

    Cells may be text, int, float, bool, date, datetime or None (left empty);
    anything else is written as its text. Rows are streamed, so a sheet's rows
    may be a generator.
    """
    names = [name for name, _ in sheets]
    for name in names:
        if not _SHEET_NAME.match(name):
            raise ValueError(f"not a valid sheet name: {name!r}")
    if len({n.lower() for n in names}) != len(names):
        raise ValueError("sheet names must differ (ignoring case)")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES.format(
            sheets="".join(_SHEET_TYPE.format(n=i) for i in range(1, len(sheets) + 1))))
        z.writestr("_rels/.rels", _ROOT_RELS)
        z.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            + "".join(f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>'
                      for i, name in enumerate(names, start=1))
            + "</sheets></workbook>"))
        z.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" '
                      'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                      f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(sheets) + 1))
            + f'<Relationship Id="rId{len(sheets) + 1}" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
            'Target="styles.xml"/></Relationships>'))
        z.writestr("xl/styles.xml", _STYLES)
        for i, (_, rows) in enumerate(sheets, start=1):
            with z.open(f"xl/worksheets/sheet{i}.xml", "w") as out:
                for part in _sheet_xml(rows):
                    out.write(part.encode("utf-8"))
