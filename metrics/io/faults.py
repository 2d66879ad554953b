"""Faults found in an input file, each naming the file, sheet, row, column and rule."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

MAX_REPORTED = 200
# Bidirectional overrides and isolates reorder what a terminal or page shows
# (a file name "x\u202ecsv.exe" reads as "xexe.csv"), so they are escaped too.
_BIDI = {*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C}


def printable(text: object) -> str:
    """``text`` with control characters escaped (``\\x1b``, ``\\n``, ``\\u202e``).

    A file name, sheet name or column header comes from the user's file: printed
    raw, an escape sequence could rewrite the terminal or a line break could forge
    a fault line.
    """
    s = str(text)
    if s.isprintable():
        return s
    out = []
    for ch in s:
        # Zl and Zp (U+2028, U+2029) break lines as \n does.
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp") or ord(ch) in _BIDI:
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True)
class Fault:
    file: str
    row: int | None
    column: str | None
    value: object
    rule: str
    sheet: str | None = None

    def __str__(self) -> str:
        where = [printable(self.file)]
        if self.sheet:
            where.append(f"sheet {printable(self.sheet)}")
        if self.row is not None:
            where.append(f"row {self.row:,}")
        if self.column:
            where.append(printable(self.column))
        text = ", ".join(where)
        value = self.value
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a count parsed as 37.0 was written 37
        shown = "" if value is None or value == "" else f" {value!r}:"
        if shown and self.rule.startswith(f"{value} "):  # the rule already quotes it
            shown = ""
        return f"{text}:{shown} {printable(self.rule)}"


class ImportFailed(Exception):
    """Nothing was written; ``faults`` says exactly why."""

    def __init__(self, faults: list[Fault], total: int | None = None) -> None:
        self.faults = faults
        self.total = total if total is not None else len(faults)
        shown = "\n".join(f"  - {f}" for f in faults[:MAX_REPORTED])
        listed = len(faults[:MAX_REPORTED])
        more = "" if self.total <= listed else f"\n  … and {self.total - listed:,} more"
        plural = "" if self.total == 1 else "s"
        super().__init__(f"import refused, nothing written ({self.total:,} fault{plural}):\n{shown}{more}")
