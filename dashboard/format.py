"""Display formatting at the edge: words and symbols for every colour, 'c' for suppressed.

Colour is never the only signal: each significance colour comes with a word and a
symbol. The palette is Okabe-Ito-like, safe for the common colour-vision deficiencies.
"""

from __future__ import annotations

import math

COMPARISON_TEXT: dict[str, tuple[str, str, str]] = {
    # label: (symbol, words, colour)
    "better": ("▲", "Better", "#0072B2"),
    "similar": ("●", "Similar", "#6B6B6B"),
    "worse": ("▼", "Worse", "#D55E00"),
    "higher": ("↑", "Higher", "#56B4E9"),
    "lower": ("↓", "Lower", "#CC79A7"),
    "not_compared": ("–", "Not compared", "#999999"),
}
TREND_TEXT: dict[str, str] = {
    "getting_better": "↗ Getting better",
    "getting_worse": "↘ Getting worse",
    "increasing": "↑ Increasing",
    "decreasing": "↓ Decreasing",
    "no_significant_change": "→ No significant change",
    "cannot_be_calculated": "Cannot be calculated",
}
BAND_TEXT: dict[str, str] = {"A": "A (best quartile)", "B": "B", "C": "C", "D": "D (worst quartile)"}
SUPPRESSED = "c"
SUPPRESSED_NOTE = "c = confidential: count below the disclosure threshold, so not shown."


def comparison_label(label: str) -> str:
    symbol, words, _ = COMPARISON_TEXT.get(label, COMPARISON_TEXT["not_compared"])
    return f"{symbol} {words}"


def fmt_value(value: float | None, decimals: int = 1, suppressed: bool = False) -> str:
    if suppressed:
        return SUPPRESSED
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{decimals}f}"
