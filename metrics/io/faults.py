"""Faults found in an input file, each naming the file, sheet, row, column and rule."""

from __future__ import annotations

from dataclasses import dataclass

MAX_REPORTED = 200


@dataclass(frozen=True)
class Fault:
    file: str
    row: int | None
    column: str | None
    value: object
    rule: str
    sheet: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"sheet {self.sheet}")
        if self.row is not None:
            where.append(f"row {self.row:,}")
        if self.column:
            where.append(self.column)
        text = ", ".join(where)
        value = self.value
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a count parsed as 37.0 was written 37
        shown = "" if value is None or value == "" else f" {value!r}:"
        if shown and self.rule.startswith(f"{value} "):  # the rule already quotes it
            shown = ""
        return f"{text}:{shown} {self.rule}"


class ImportFailed(Exception):
    """Nothing was written; ``faults`` says exactly why."""

    def __init__(self, faults: list[Fault], total: int | None = None) -> None:
        self.faults = faults
        self.total = total if total is not None else len(faults)
        shown = "\n".join(f"  - {f}" for f in faults[:MAX_REPORTED])
        more = "" if self.total <= len(faults[:MAX_REPORTED]) else f"\n  … and {self.total - MAX_REPORTED:,} more"
        plural = "" if self.total == 1 else "s"
        super().__init__(f"import refused, nothing written ({self.total:,} fault{plural}):\n{shown}{more}")
