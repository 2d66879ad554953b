"""Display formatting at the edge: words and symbols for every colour, 'c' for suppressed.

Colour is never the only signal: each significance colour comes with a word and a
symbol. The palette is Okabe-Ito-like, safe for the common colour-vision deficiencies.
"""

from __future__ import annotations

import re

from metrics.display import SUPPRESSED, fmt_interval, fmt_value
from metrics.labels import (
    BAND_WORDS,
    COMPARISON_COLOURS,
    COMPARISON_WORDS,
    SUPPRESSED_WORDS,
    TREND_WORDS,
    polarity_text,
)

_COMPARISON_SYMBOLS = {"better": "▲", "similar": "●", "worse": "▼", "higher": "↑", "lower": "↓", "not_compared": "–"}
COMPARISON_TEXT: dict[str, tuple[str, str, str]] = {
    # label: (symbol, words, colour); words and colours shared with the data pack (metrics.labels)
    k: (_COMPARISON_SYMBOLS[k], COMPARISON_WORDS[k], COMPARISON_COLOURS[k]) for k in COMPARISON_WORDS
}
_TREND_SYMBOLS = {"getting_better": "↗ ", "getting_worse": "↘ ", "increasing": "↑ ", "decreasing": "↓ ",
                  "no_significant_change": "→ ", "cannot_be_calculated": ""}
TREND_TEXT: dict[str, str] = {k: _TREND_SYMBOLS[k] + w for k, w in TREND_WORDS.items()}
BAND_TEXT = BAND_WORDS
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


__all__ = ["BAND_TEXT", "COMPARISON_TEXT", "SUPPRESSED", "SUPPRESSED_NOTE", "TREND_TEXT", "comparison_label",
           "fmt_interval", "fmt_value", "plain", "polarity_text"]
