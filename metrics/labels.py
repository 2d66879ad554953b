"""The words (and colours) for every flag, shared by the pages, the data pack and exports.

One place, so a figure flagged "Worse" on screen is "Worse" in the PDF too, in the
same colour (the Fingertips habit: the same rules everywhere). Colours follow the
Okabe-Ito palette, safe for the common colour-vision deficiencies, and are never
shown without the word.
"""

from __future__ import annotations

#: What "c" means wherever a figure is hidden: pages, the pack and its workbook.
SUPPRESSED_WORDS = ("c = confidential: a count below the disclosure threshold, or a figure hidden so that "
                    "such a count cannot be worked out from the totals shown")
COMPARISON_WORDS: dict[str, str] = {
    "better": "Better",
    "similar": "Similar",
    "worse": "Worse",
    "higher": "Higher",
    "lower": "Lower",
    "not_compared": "Not compared",
}
POLARITY_WORDS: dict[str, str] = {
    "high_is_good": "higher is better",
    "low_is_good": "lower is better",
    "no_judgement": "no better or worse (an activity measure)",
}


VALUE_TYPE_WORDS: dict[str, str] = {
    "proportion": "proportion (a percentage of a population)",
    "crude_rate": "crude rate (events per head of population)",
    "mean": "mean",
    "count": "count",
    "ratio": "ratio",
    "score": "score",
}
CI_METHOD_WORDS: dict[str, str] = {
    "wilson": "Wilson score interval",
    "byar_exact": "Byar's method (exact Poisson under 10 events)",
    "t": "Student's t",
    "none": "none (no interval is published or computed)",
}
PERIOD_TYPE_WORDS: dict[str, str] = {
    "academic": "academic year",
    "financial": "financial year (April to March)",
    "calendar": "calendar year",
}
STATUS_WORDS: dict[str, str] = {
    "current": "current: still published",
    "historic": "historic: no longer published",
}


def polarity_text(polarity: object) -> str:
    """An indicator's polarity in words ("higher is better"), never its code."""
    return POLARITY_WORDS.get(str(polarity), "not set")


COMPARISON_COLOURS: dict[str, str] = {
    "better": "#0072B2",
    "similar": "#6B6B6B",
    "worse": "#D55E00",
    "higher": "#56B4E9",
    "lower": "#CC79A7",
    "not_compared": "#999999",
}
TREND_WORDS: dict[str, str] = {
    "getting_better": "Getting better",
    "getting_worse": "Getting worse",
    "increasing": "Increasing",
    "decreasing": "Decreasing",
    "no_significant_change": "No significant change",
    "cannot_be_calculated": "Cannot be calculated",
}


def rgb(hex_colour: str) -> tuple[int, int, int]:
    """'#0072B2' -> (0, 114, 178), for drawing libraries that take channels."""
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def __getattr__(name: str) -> str:
    """``TREND_WINDOW``: the points the recent trend is tested over, in words, for pages, the
    pack and the board summary ("latest five periods with a valid value", from
    :data:`metrics.stats.trend.TREND_POINTS`).

    Worked out on first use, not at import: importing the statistics package loads scipy
    (about two seconds), and every module that prints a figure imports this one.
    """
    if name == "TREND_WINDOW":
        from metrics.stats.trend import TREND_POINTS

        n = _NUMBER_WORDS[TREND_POINTS] if len(_NUMBER_WORDS) > TREND_POINTS else str(TREND_POINTS)
        globals()[name] = text = f"latest {n} periods with a valid value"
        return text
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

def trend_periods_text(periods: tuple[str, ...] | list[str] | None) -> str:
    """The periods a recent trend was tested over, as a page, the pack and exports say them.

    Fingertips uses the latest five valid points, which need not be consecutive, so
    the periods are listed rather than given as a range that would hide a gap.
    """
    if not periods:
        return "–"
    return ", ".join(periods)


def confidence_text(level: float) -> str:
    """An indicator's comparison level as words: "95%" or "99.8%"."""
    return f"{level:g}%"


#: Quartile bands in words: A is always the best quarter of LAs (polarity applied).
BAND_WORDS: dict[str, str] = {"A": "A (best quartile)", "B": "B", "C": "C", "D": "D (worst quartile)"}

#: A figure with no significance test, placed by its national quartile band.
BAND_POSITION_WORDS: dict[str, str] = {
    "best_quarter": "Not tested; band A: among the best quarter of LAs",
    "worst_quarter": "Not tested; band D: among the worst quarter of LAs",
    "middle": "Not tested; band B or C: the middle half of LAs",
}
