"""Time periods as published: financial, academic and calendar years.

Stored as a sortable ``period_year`` (the year the period ends in) plus the label
the source used, so charts sort correctly while tables show what users know.
"""

from __future__ import annotations

from typing import Literal

PeriodType = Literal["financial", "academic", "calendar"]


def period_label(year: int, period_type: str) -> str:
    """Label a period ending in ``year`` the way its source publishes it.

    Financial years (31 March returns such as the CIN census) read ``2024-25``,
    academic years ``2024/25``, calendar years ``2025``.
    """
    if period_type == "financial":
        return f"{year - 1}-{year % 100:02d}"
    if period_type == "academic":
        return f"{year - 1}/{year % 100:02d}"
    return str(year)
