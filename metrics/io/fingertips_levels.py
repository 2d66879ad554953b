"""The confidence level at which Fingertips compares each indicator, read from its own download.

Fingertips sets the comparison level per indicator in its metadata (the profile's
"comparator confidence": 95% for most, 99.8% for some with very large counts). A
Fingertips download states each row's comparison with England ("Compared to England
value or percentiles") beside the 95% and 99.8% limits, so the level the publisher
used is the one whose limits reproduce those published flags. Reading it from the
file, rather than from a separate metadata call, keeps an import offline and makes
the level the one that produced the figures being imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from metrics.framework import ENGLAND
from metrics.io.fingertips_layout import NUMBER_COLUMNS
from metrics.labels import COMPARISON_WORDS
from metrics.stats import compare_to_benchmark

__all__ = ["LEVELS", "LevelEvidence", "published_levels"]

#: The levels Fingertips uses, in per cent.
LEVELS = (95.0, 99.8)

_FLAG = "Compared to England value or percentiles"
# The columns read besides the figures (whose names are the Fingertips reader's).
_KEYS = {
    "Indicator ID": "indicator", "Area Code": "area", "Area Type": "area_type", "Sex": "sex", "Age": "age",
    "Category Type": "category_type", "Category": "category", "Time period": "period", _FLAG: "flag",
}
_FIGURES = ("value", "lower95", "upper95", "lower998", "upper998")
# The published flag words, read back as our comparison labels (the same words the pages use).
_WORDS = {COMPARISON_WORDS[k]: k for k in ("better", "similar", "worse")}


@dataclass(frozen=True)
class LevelEvidence:
    """How many published flags each level reproduces, and the level they decide."""

    indicator: str
    rows: int
    agree: dict[float, int]

    @property
    def level(self) -> float | None:
        """The level that reproduces every compared row, or None when no level does (or both do)."""
        exact = [lv for lv, n in self.agree.items() if self.rows and n == self.rows]
        return exact[0] if len(exact) == 1 else None


def published_levels(path: Path | str) -> dict[str, LevelEvidence]:
    """Per Fingertips indicator id in the file: the evidence for its comparison level.

    Only rows with a published Better/Similar/Worse flag, a value and both levels'
    limits count (a row with one level's limits cannot tell them apart); England's
    value for the same indicator, period, sex, age and category is the benchmark.
    Polarity does not matter: "Better" and "Worse" are read as a significant
    difference either way, so both orientations are tried and the one that agrees
    is kept.
    """
    columns = {**_KEYS, **{k: v for k, v in NUMBER_COLUMNS.items() if v in _FIGURES}}
    try:
        head = pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns
        if _FLAG not in head or "Lower CI 99.8 limit" not in head:
            return {}
        frame = pd.read_csv(path, usecols=[c for c in columns if c in head], dtype=str, encoding="utf-8-sig",
                            keep_default_na=False).rename(columns=columns)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError):
        # The import itself names what is wrong with such a file; the level stays as it was.
        return {}
    for c in columns.values():
        if c not in frame:
            frame[c] = ""
    for c in _FIGURES:
        frame[c] = pd.to_numeric(frame[c], errors="coerce")
    keys = ["indicator", "period", "sex", "age", "category_type", "category"]
    england = frame[frame["area"] == ENGLAND].drop_duplicates(keys).set_index(keys)["value"]
    rows = frame[(frame["area"] != ENGLAND) & frame["flag"].isin(list(_WORDS))].copy()
    rows["benchmark"] = england.reindex(pd.MultiIndex.from_frame(rows[keys])).to_numpy()
    rows = rows.dropna(subset=[*_FIGURES, "benchmark"])
    out: dict[str, LevelEvidence] = {}
    for indicator, g in rows.groupby("indicator"):
        published = g["flag"].map(_WORDS).to_numpy(dtype=object)
        agree: dict[float, int] = {}
        for level, (lo, hi) in zip(LEVELS, (("lower95", "upper95"), ("lower998", "upper998")), strict=True):
            best = 0
            for polarity in ("high_is_good", "low_is_good"):
                ours = np.asarray(compare_to_benchmark(g["value"].to_numpy(float), g[lo].to_numpy(float),
                                                       g[hi].to_numpy(float), g["benchmark"].to_numpy(float),
                                                       polarity), dtype=object)
                best = max(best, int((ours == published).sum()))
            agree[level] = best
        out[str(indicator)] = LevelEvidence(str(indicator), len(g), agree)
    return out
