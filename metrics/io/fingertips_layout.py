"""The Fingertips CSV layout, and the checks on a file's first and last bytes.

Read by both the exact reader (:mod:`metrics.io.fingertips`) and the fast path
(:mod:`metrics.io.fast`), so the two agree on the columns and refuse a wrong or
damaged file with the same fault, and neither imports the other's internals.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from metrics.io.faults import Fault
from metrics.io.values import HEAD_BYTES, check_header

REQUIRED = [
    "Indicator ID", "Area Code", "Sex", "Category Type", "Category", "Time period", "Value",
    "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Count", "Denominator",
]
OPTIONAL = ["Lower CI 99.8 limit", "Upper CI 99.8 limit", "Value note", "Area Name", "Indicator Name",
            "Client group"]
NUMBER_COLUMNS = {
    "Value": "value",
    "Lower CI 95.0 limit": "lower95",
    "Upper CI 95.0 limit": "upper95",
    "Lower CI 99.8 limit": "lower998",
    "Upper CI 99.8 limit": "upper998",
    "Count": "count",
    "Denominator": "denominator",
}
USED = {*REQUIRED, *OPTIONAL}  # only these are kept: half the memory of all 27 columns
BOM = "\ufeff"
CONTROL_BYTES = [*range(0, 9), 11, 12, *range(14, 32), 127]


def sniff_header(path: Path) -> tuple[list[str], list[Fault]]:
    """Read the header, refusing non-CSV input from its first bytes alone.

    A wrong file (binary, UTF-16, Latin-1, one endless line) must be refused at
    once with one fault that says what it is, not parsed into 100,000 faults.
    """
    name = path.name
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) or head[1:8:2] == b"\x00\x00\x00\x00":
        return [], [Fault(name, None, None, None,
                          "UTF-16 text, not UTF-8: save the file as 'CSV UTF-8' (Fingertips downloads are UTF-8)")]
    controls = sum(head.count(bytes([b])) for b in CONTROL_BYTES)
    if head and controls > 0.01 * len(head):
        return [], [Fault(name, None, None, None, "binary data, not a CSV text file")]
    body = head
    while body.startswith(codecs.BOM_UTF8):
        body = body[len(codecs.BOM_UTF8):]
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(body) - 4 or len(head) < HEAD_BYTES:  # not a character cut by the window
            return [], [decode_fault(name, body, exc.start)]
    first = next(iter(body.splitlines()), b"")  # \n, \r\n or an old Mac's \r
    if len(first) == len(body) and len(head) == HEAD_BYTES:
        return [], [Fault(name, 1, None, None, f"no line break in the first {HEAD_BYTES // 1024} KiB: not a CSV file")]
    text = first.decode("utf-8", errors="replace")
    header = [clean_name(c) for c in next(csv.reader([text]), [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return header, [Fault(name, 1, None, None, f"not a Fingertips CSV: header lacks {', '.join(missing)}")]
    header_faults = check_header(name, header)
    if header_faults:
        return header, header_faults
    return header, []


def clean_name(name: str) -> str:
    # A file saved twice by some tools starts with two byte-order marks.
    return name.replace(BOM, "").strip()


def decode_fault(name: str, data: bytes, at: int, line_offset: int = 0) -> Fault:
    line = line_offset + data.count(b"\n", 0, at) + 1
    return Fault(name, line, None, None, f"not UTF-8 text (byte 0x{data[at]:02x}: Latin-1 or Windows-1252?): "
                 "save the file as 'CSV UTF-8'")


def truncated_tail(path: Path, fields: int) -> str | None:
    """Why the last row is cut short, or None.

    pandas pads a short row with empty cells, so a file cut mid-row would import
    its last row with its CIs or count silently missing. A file that does not end
    in a line break and whose last line has fewer fields than the header was cut.
    """
    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.seek(max(0, size - HEAD_BYTES))
        tail = fh.read()
    if not tail or tail.endswith((b"\n", b"\r")):
        return None
    # A quoted field may hold line breaks, so the last record is not the last line. A whole
    # file has an even number of quotes (a doubled "" counts twice); a line break with an
    # even number of quotes after it is then outside any field, and starts the last record.
    if _quotes(path) % 2:
        return "the file ends inside a quoted field: it was cut short (truncated download?)"
    after = 0
    start = None
    for i in range(len(tail) - 1, -1, -1):
        ch = tail[i]
        if ch == 0x22:
            after += 1
        elif ch in (0x0A, 0x0D) and after % 2 == 0:
            start = i + 1
            break
    if start is None:
        if size > len(tail):
            return None  # a last record longer than the tail read: nothing to say about it
        start = 0
    last = tail[start:].decode("utf-8", errors="replace")
    found = len(next(csv.reader(io.StringIO(last)), []))
    if found < fields:
        return f"the file ends mid-row: {found} of {fields} fields (truncated download?)"
    return None


def _quotes(path: Path) -> int:
    """How many double-quote bytes the file holds (read in blocks: files run to gigabytes)."""
    n = 0
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            n += block.count(b'"')
    return n
