"""How every figure reads: one rounding rule and one formatter for pages, pack and downloads.

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
from decimal import ROUND_HALF_UP, Decimal

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
    from metrics.labels import BAND_WORDS

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
