"""The rules every imported row must keep, whichever reader read it.

Each reader (Fingertips, DfE, LAIT, the template) turns its file into canonical
rows; :func:`metrics.io.core.validate_chunk` and the Fingertips fast path
(:mod:`metrics.io.fast`) then apply :func:`check_rows` to them, so one rule set
decides what a plausible figure is. Each rule returns a mask of the rows that
break it, the canonical column it is about and the words of the refusal, which
core turns into faults in the file's own column names.

Tolerances are stated here because published figures are rounded: a value may
differ from its count over its denominator by what rounding the count (Fingertips
rounds to 5, DfE national and regional counts to 10) and the value (DfE publishes
whole-number percentages) can explain, never by more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics.framework import load_unbounded_proportions
from metrics.stats.enums import RATIO_TYPES
from metrics.store import VALUE_COLUMNS

# A CI limit may differ from its value by binary noise only (relative) ...
CI_TOLERANCE = 1e-6
# ... or, where the value is published to fewer places than its limits, by what
# rounding the value explains: half a unit of its last decimal, as the publisher
# rounds (FingertipsNext's England 2022/23 absolute low income: 15.6 beside a 95% CI
# of 15.52 to 15.59; the unrounded value, 15.55 or more, is inside it). The places
# are the value's shortest decimal form (15.6 -> 0.05, 16 -> 0.5): a value scaled or
# computed on the way has many places and so, in effect, no allowance. See
# :func:`rounding_allowance`.
# Periods before this year are refused as implausible (``0001``, ``1066``, a
# mistyped ``1025``). The catalogue has no first year per indicator; the oldest
# series here (LAIT, DfE's children's social care statistics) start in the 2000s,
# and the National Indicator Set's predecessors (PAF) in the late 1990s, so 1990
# leaves room for any older real series and refuses only what cannot be one.
EARLIEST_PERIOD_YEAR = 1990
# Value against count / denominator x multiplier. Both may be rounded (DfE rounds
# national and regional counts and denominators to the nearest 10, Fingertips
# counts to 5): each may be off by up to this many either way ...
COUNT_SLACK = 5.0
# ... and the value by this share of itself, because publishers compute regional
# and national percentages over the LAs that returned data, not from the rounded
# totals beside them (DfE's 2022 repeat child protection plans for Yorkshire and
# the Humber: 23.6% beside 1,660 / 7,490 = 22.2%, 6% apart) ...
VALUE_RELATIVE_SLACK = 0.10
# ... plus this much in the value's own unit (a whole-number percentage). What
# this refuses is a value that no rounding explains: 1e308 or 9,089,662 beside a
# count and denominator giving 90.9, or a mapping pointing at the wrong column.
VALUE_ABSOLUTE_SLACK = 0.5
# Value types whose values, counts and limits can never be negative.
NON_NEGATIVE = ("proportion", "crude_rate", "count")
# Value types whose value is count / denominator x multiplier.
CI_PAIRS = (("lower95", "upper95", "95%"), ("lower998", "upper998", "99.8%"))

# Limits on a file, checked before it is parsed, and on each cell, so a hostile
# or broken file cannot take the machine's memory or time. Each is far above any
# real file: a national Fingertips download of one indicator is 10-400 MB and
# 1 million rows; DfE's widest tidy files have under 200 columns; the longest
# real value note (Fingertips' Surrey 2022/23 explanation) is under 300 characters.
MAX_FILE_BYTES = 2 * 1024**3
MAX_ROWS = 10_000_000
MAX_COLUMNS = 1_000
# Text a key column (indicator, area, client group, sex, category, period) may
# hold, and a note: a 10 MB cell is not a category.
MAX_KEY_CHARS = 200
MAX_NOTE_CHARS = 2_000
KEY_TEXT = ["indicator_id", "area_code", "client_group_id", "sex", "category", "period_label"]

Rule = str | Callable[[pd.Series], str]


@dataclass(frozen=True)
class Broken:
    """Rows that break one rule: which, the column the fault names, and the words."""

    mask: np.ndarray
    column: str
    rule: Rule
    value_column: str | None = None  # the column whose cell the fault quotes, if not ``column``


def fmt(x: float) -> str:
    """A number as a refusal quotes it: all its digits, grouped."""
    return f"{x:,.10g}"


def check_rows(
    frame: pd.DataFrame, value_type: pd.Series, multiplier: pd.Series, this_year: int,
    name: Callable[[str], str] = str,
) -> list[Broken]:
    """Every rule a canonical row must keep; only rules some row breaks are returned.

    ``value_type`` and ``multiplier`` are each row's indicator's (aligned with
    ``frame``); ``name`` gives a canonical column's name in the file, for the words.
    """
    f = frame
    # The range rules do not apply to the published exceptions (data/mappings/unbounded_proportions.csv).
    unbounded = list(load_unbounded_proportions())
    vt = value_type.where(~frame["indicator_id"].isin(unbounded), "unbounded").to_numpy(dtype=object)
    mult = pd.to_numeric(multiplier, errors="coerce").to_numpy(dtype=float)
    num = {c: f[c].to_numpy(dtype=float) for c in VALUE_COLUMNS}
    year = pd.to_numeric(f["period_year"], errors="coerce").to_numpy(dtype=float)
    out: list[Broken] = []

    def add(mask: np.ndarray, column: str, rule: Rule, value_column: str | None = None) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            out.append(Broken(mask, column, rule, value_column))

    for col in [*KEY_TEXT, "note"]:
        if col in f:
            limit = MAX_NOTE_CHARS if col == "note" else MAX_KEY_CHARS
            length = f[col].astype("string").str.len().fillna(0).to_numpy()
            # The fault quotes the cell's start only (value_column names no column).
            add(length > limit, col, lambda r, col=col, limit=limit: (
                f"{len(str(r[col])):,} characters starting {str(r[col])[:40]!r}: more than the {limit:,} "
                f"a {name(col)} cell may hold"), "_not_quoted")
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        add(year > this_year, "period_year", lambda r: f"period {r['period_label']} is in the future", "period_label")
        add(year < EARLIEST_PERIOD_YEAR, "period_year",
            lambda r: f"period {r['period_label']} is before {EARLIEST_PERIOD_YEAR}: not a plausible period",
            "period_label")
        for col in VALUE_COLUMNS:
            # Readers refuse inf and NaN written out; this catches any made on the way (a scale).
            add(np.isinf(num[col]), col, f"{name(col)} must be a finite number")
        for col in ("count", "denominator"):
            add(num[col] < 0, col, f"{name(col)} must not be negative")
        add(num["denominator"] == 0, "denominator", f"{name('denominator')} must be greater than zero")
        non_negative = np.isin(vt, NON_NEGATIVE)
        # CI limits only beside a value: Fingertips writes -1 in all four limits of a
        # value it did not present (Surrey's 2022/23 injury admissions), a mark, not a figure.
        value = num["value"]
        given = ~np.isnan(value)
        for col in ("value", "lower95", "upper95", "lower998", "upper998"):
            add(non_negative & given & (num[col] < 0), col,
                lambda r, col=col: f"{name(col)} must not be negative for a {_kind(r)}")
        proportion = vt == "proportion"
        add(proportion & (num["count"] > num["denominator"]), "count",
            lambda r: f"{fmt(r['count'])} exceeds {name('denominator')} {fmt(r['denominator'])}")
        top = np.where(np.isfinite(mult) & (mult > 0), mult, 100.0)
        out_of_range = (non_negative & (value < 0)) | (proportion & (value > top * (1 + CI_TOLERANCE)))
        for col in ("value", "lower95", "upper95", "lower998", "upper998"):
            add(proportion & (num[col] > top * (1 + CI_TOLERANCE)), col,
                lambda r, col=col: f"{name(col)} {fmt(r[col])} is above {fmt(_top(r))}: a proportion runs from 0 "
                                   f"to {fmt(_top(r))}")
        tol = CI_TOLERANCE * np.maximum(1.0, np.abs(value))
        for lo, hi, level in CI_PAIRS:
            low, high = num[lo], num[hi]
            outside = ~np.isnan(value) & ((~np.isnan(low) & (low > value + tol)) | (~np.isnan(high) & (high < value - tol)))
            if outside.any():  # only the few rows outside: the allowance is per value
                slack = np.maximum(tol, rounding_allowance(value, outside))
                outside = outside & ((~np.isnan(low) & (low > value + slack))
                                     | (~np.isnan(high) & (high < value - slack)))
            add(outside, "value",
                lambda r, lo=lo, hi=hi, level=level: (
                    f"value {fmt(r['value'])} lies outside its {level} CI {fmt(r[lo])} to {fmt(r[hi])}"
                ))
            # Checked whether or not a value is given: a blank value hid an upside-down CI.
            width = CI_TOLERANCE * np.maximum(1.0, np.maximum(np.abs(low), np.abs(high)))
            add(low > high + width, lo,
                lambda r, lo=lo, hi=hi, level=level: (
                    f"{level} CI is upside down: {name(lo)} {fmt(r[lo])} is above {name(hi)} {fmt(r[hi])}"
                ))
        count, denom = num["count"], num["denominator"]
        # Only where count and denominator are themselves sound: one cause, one fault.
        ratio = (np.isin(vt, RATIO_TYPES) & ~np.isnan(value) & (count >= 0) & (denom > 0) & np.isfinite(mult)
                 & ~(proportion & (count > denom)) & ~out_of_range)
        lowest = np.maximum(count - COUNT_SLACK, 0) / (denom + COUNT_SLACK) * mult
        highest = np.where(denom > COUNT_SLACK, (count + COUNT_SLACK) / (denom - COUNT_SLACK) * mult, np.inf)
        explained = ((value >= lowest * (1 - VALUE_RELATIVE_SLACK) - VALUE_ABSOLUTE_SLACK)
                     & (value <= highest * (1 + VALUE_RELATIVE_SLACK) + VALUE_ABSOLUTE_SLACK))
        add(ratio & ~explained, "value",
            lambda r: (f"value {fmt(r['value'])} does not agree with {name('count')} {fmt(r['count'])} / "
                       f"{name('denominator')} {fmt(r['denominator'])} (= {fmt(_expected(r))}; rounding "
                       f"explains {COUNT_SLACK:g} either way in each and {VALUE_RELATIVE_SLACK:.0%} + "
                       f"{VALUE_ABSOLUTE_SLACK:g} in the value)"))
    return out


def rounding_allowance(value: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
    """Half a unit of each value's last decimal place, as the value is written at its shortest.

    ``15.6`` -> 0.05, ``16`` -> 0.5, ``15.52`` -> 0.005; a value with no short form
    (``0.1 + 0.2``, or one computed from a count) gets about 1e-17 of itself, no
    allowance at all. Computed only where ``where`` is true (0 elsewhere): the rule
    needs it for the rare value outside its CI, not for every row of a large file.
    """
    out = np.zeros(len(value), dtype=float)
    rows = np.flatnonzero(np.ones(len(value), dtype=bool) if where is None else where)
    for i in rows:
        v = float(value[i])
        if not np.isfinite(v):
            continue
        text = np.format_float_positional(abs(v), unique=True, trim="-")
        places = len(text.partition(".")[2])
        out[i] = 0.5 * 10.0 ** -places
    return out


def _kind(r: pd.Series) -> str:
    return str(r.get("_value_type", "figure")).replace("_", " ")


def _multiplier(r: pd.Series, default: float) -> float:
    m = float(r.get("_multiplier", default))
    return m if np.isfinite(m) and m > 0 else default


def _top(r: pd.Series) -> float:
    """The largest value a proportion can take: 100 for a percentage, 1 for a share."""
    return _multiplier(r, 100.0)


def _expected(r: pd.Series) -> float:
    return float(r["count"]) / float(r["denominator"]) * _multiplier(r, 1.0)


def with_meta(frame: pd.DataFrame, value_type: pd.Series, multiplier: pd.Series) -> pd.DataFrame:
    """The frame with each row's value type and multiplier, which some refusals quote."""
    return frame.assign(_value_type=value_type.to_numpy(), _multiplier=multiplier.to_numpy(dtype=float))


def any_broken(
    frame: pd.DataFrame, value_type: pd.Series, multiplier: pd.Series, this_year: int,
) -> np.ndarray:
    """Per row, whether it breaks any rule: for a path that only needs to know (the fast one)."""
    bad = np.zeros(len(frame), dtype=bool)
    for broken in check_rows(frame, value_type, multiplier, this_year):
        bad |= broken.mask
    return bad
