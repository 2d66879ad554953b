"""How every figure reads: one rounding rule and one formatter for pages, pack and downloads.

Also the words and symbols that go with each colour (colour is never the only signal:
each significance colour comes with a word and a symbol; the palette is Okabe-Ito-like,
safe for the common colour-vision deficiencies), and :func:`plain` for user text in Markdown.

DfE and OHID publish figures rounded half up (2.25 -> 2.3, 12.5 -> 13, 0.05 -> 0.1).
Python's ``round`` and ``format`` round the binary float half to even, and
JavaScript's ``toFixed`` (behind Plotly's ``%{y:.1f}``) rounds the binary value,
so each would print some figures differently from the publisher and from each
other. Every figure the product shows is therefore formatted here, and charts are
handed the formatted text rather than a number format.

The rounding is of the number as written (``repr`` of the float, the shortest
string that reads back as the same float), so 2.675 rounds to 2.68 as a reader of
"2.675" expects, not to 2.67 as its binary neighbour 2.67499999... would.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from metrics.labels import (
    BAND_WORDS,
    COMPARISON_COLOURS,
    COMPARISON_WORDS,
    SUPPRESSED_WORDS,
    TREND_WORDS,
    confidence_text,
)

SUPPRESSED = "c"
#: Shown where there is no figure (no data, or not applicable).
MISSING = "–"


def _finite(value: object) -> float | None:
    """``value`` as a finite float, or None for missing, NaN, infinite or non-numeric values."""
    if value is None or isinstance(value, bool):
        return None
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def round_half_up(value: object, places: int = 1) -> float:
    """``value`` rounded half up at ``places`` decimals; NaN where there is no finite value."""
    x = _finite(value)
    if x is None:
        return float("nan")
    q = Decimal(1).scaleb(-places)
    return float(Decimal(repr(x)).quantize(q, rounding=ROUND_HALF_UP))


def fmt_value(value: object, places: int = 1, suppressed: bool = False) -> str:
    """A figure as printed everywhere: half up, thousands separators, 'c' when suppressed.

    Missing, NaN and infinite values print as ``MISSING``: an infinite value is
    never a published figure, and printing it would only hide the fault.
    """
    if suppressed:
        return SUPPRESSED
    x = _finite(value)
    if x is None:
        return MISSING
    places = max(0, int(places))
    q = Decimal(1).scaleb(-places)
    d = Decimal(repr(x)).quantize(q, rounding=ROUND_HALF_UP)
    if d == 0:
        d = abs(d)  # -0.04 at one place reads "0.0", not "-0.0"
    return f"{d:,.{places}f}"


def band_text(band: object, missing: str = MISSING) -> str:
    """A quartile band as every page prints it: "A (best quartile)", ..., or ``missing``."""
    return BAND_WORDS.get(band, missing) if isinstance(band, str) else missing


def rank_text(rank: object, ranked: object, missing: str = MISSING) -> str:
    """A national rank as every page prints it: "12 of 152" (1 the best), or ``missing``."""
    r, n = _finite(rank), _finite(ranked)
    return f"{int(r)} of {int(n)}" if r is not None and n is not None else missing


def fmt_interval(lower: object, upper: object, places: int = 1) -> str:
    """A confidence interval as printed: "lower to upper", or MISSING when either end is missing."""
    if _finite(lower) is None or _finite(upper) is None:
        return MISSING
    return f"{fmt_value(lower, places)} to {fmt_value(upper, places)}"


_COMPARISON_SYMBOLS = {"better": "▲", "similar": "●", "worse": "▼", "higher": "↑", "lower": "↓", "not_compared": "–"}
COMPARISON_TEXT: dict[str, tuple[str, str, str]] = {
    # label: (symbol, words, colour); words and colours shared with the data pack (metrics.labels)
    k: (_COMPARISON_SYMBOLS[k], COMPARISON_WORDS[k], COMPARISON_COLOURS[k]) for k in COMPARISON_WORDS
}
_TREND_SYMBOLS = {"getting_better": "↗ ", "getting_worse": "↘ ", "increasing": "↑ ", "decreasing": "↓ ",
                  "no_significant_change": "→ ", "cannot_be_calculated": ""}
TREND_TEXT: dict[str, str] = {k: _TREND_SYMBOLS[k] + w for k, w in TREND_WORDS.items()}
SUPPRESSED_NOTE = f"{SUPPRESSED_WORDS}."


# Every ASCII punctuation character: CommonMark lets each be escaped with a
# backslash, which covers Markdown's links and images (![x](url)), emphasis,
# HTML (<img>), and Streamlit's own :colour[...] and :emoji: directives.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def plain(text: object) -> str:
    """``text`` made safe to put inside Markdown (captions, alerts, labels): shown as typed.

    For user text (names, evidence, file names, messages quoting a file's
    values) placed in Streamlit elements that render Markdown. A user's text
    must never fetch an image from another host or turn into a link: every
    punctuation character is escaped and line breaks become spaces, so it
    stays one run of literal text. Whole blocks of user text use ``st.text``.
    """
    one_line = " ".join(str(text).split())
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", one_line)


def comparison_label(label: str) -> str:
    symbol, words, _ = COMPARISON_TEXT.get(label, COMPARISON_TEXT["not_compared"])
    return f"{symbol} {words}"


def fmt_figure(value: object, places: int, unit: str, suppressed: bool = False) -> str:
    """A figure with its unit ("40.0 %", "88.0 per 10,000"); "c" or "–" stand alone, with no unit."""
    text = fmt_value(value, places, suppressed)
    return text if text in (SUPPRESSED, MISSING) else f"{text} {unit}".rstrip()


def fmt_ci(lower: object, upper: object, places: int = 1, suppressed: bool = False) -> str:
    """An interval as a table prints it: "c" for a suppressed figure, else :func:`fmt_interval`."""
    return SUPPRESSED if suppressed else fmt_interval(lower, upper, places)


def ci_text(lower: object, upper: object, level: object, places: int, suppressed: bool = False,
            missing: str = MISSING) -> str:
    """The interval a comparison used, with its level: "12.1 to 14.0 (95%)"."""
    if suppressed:
        return SUPPRESSED
    if _finite(lower) is None or _finite(upper) is None:
        return missing
    return f"{fmt_interval(lower, upper, places)} ({confidence_text(float(level))})"  # type: ignore[arg-type]


def rank_phrase(rank: object, ranked: object) -> str:
    """"rank 12 of 152" or "no rank", inside a sentence."""
    text = rank_text(rank, ranked)
    return "no rank" if text == MISSING else f"rank {text}"


def band_phrase(band: object) -> str:
    """"band D (worst quartile)" or "no quartile band", inside a sentence."""
    return f"band {band_text(band)}" if isinstance(band, str) and band in BAND_WORDS else "no quartile band"


def figure_sentence(row: Mapping[str, object], places: int, unit: str, benchmark: str,
                    benchmark_value: object) -> str:
    """One LA's figure as the pages describe the selected area: value, rank, band and comparison.

    "c (suppressed); no rank; no quartile band; – not compared with England (2.3)". Plain
    text (no Markdown): the caller adds the area's name.
    """
    suppressed = bool(row["suppressed"])
    figure = f"{SUPPRESSED} (suppressed)" if suppressed else fmt_figure(row["value"], places, unit)
    label = str(row["comparison"])
    compared = ("– not compared with" if label not in COMPARISON_TEXT or label == "not_compared"
                else f"{comparison_label(label)} compared with")
    return (f"{figure}; {rank_phrase(row['rank'], row['n_ranked'])}; {band_phrase(row['band'])}; "
            f"{compared} {benchmark} ({fmt_value(benchmark_value, places)})")


def fmt_megabytes(n_bytes: float, places: int = 1) -> str:
    """A file's size as the CLI and pages say it, in decimal megabytes: "26.0 MB"."""
    return f"{fmt_value(n_bytes / 1e6, places)} MB"


def fmt_seconds(seconds: float) -> str:
    """How long something took, as the pages and the CLI say it: "1.2 s"."""
    return f"{fmt_value(seconds, 1)} s"
