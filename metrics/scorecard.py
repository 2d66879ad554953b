"""An area's results summed up by ECM outcome: the scorecard's counts and the lists behind them.

Pure functions of a results frame (:func:`metrics.results.area_results`): how many
indicators are significantly better, similar or worse, placed by band where no test
is possible, getting better or worse; and the indicators behind each count, by name.
The scorecard page, the summary for the board, the weak-areas list and the judgements
page read these, so a count means the same everywhere.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

OUTCOME_COUNT_COLUMNS = [
    "better", "similar", "worse", "not_compared", "best_quarter", "worst_quarter", "improving", "worsening",
    "higher", "lower",
]
#: What each of :data:`OUTCOME_COUNT_COLUMNS` counts, in words (tables, CSV headers read by people).
OUTCOME_COUNT_WORDS: dict[str, str] = {
    "better": "better", "similar": "similar", "worse": "worse",
    "not_compared": "not compared", "best_quarter": "not tested, band A", "worst_quarter": "not tested, band D",
    "improving": "getting better", "worsening": "getting worse",
    "higher": "higher (activity)", "lower": "lower (activity)",
}


def by_band(results: pd.DataFrame) -> np.ndarray:
    """For figures with no significance test, their national position from the quartile
    band: "best_quarter" (band A), "worst_quarter" (band D), "middle" (B or C), else None.

    Most LAIT figures come without counts or intervals; Fingertips compares such
    figures by percentiles and LAIT by bands, so they are placed among the LAs, never
    called significantly better or worse (issue 13, point 9).
    """
    comparison = results["comparison"].to_numpy(dtype=object)
    band = (results["band"] if "band" in results else pd.Series(None, index=results.index)).to_numpy(dtype=object)
    untested = ~np.isin(comparison, ["better", "similar", "worse"])
    out = np.full(len(results), None, dtype=object)
    out[untested & (band == "A")] = "best_quarter"
    out[untested & (band == "D")] = "worst_quarter"
    out[untested & np.isin(band, ["B", "C"])] = "middle"
    return out


def outcome_scorecard(results: pd.DataFrame) -> pd.DataFrame:
    """Per ECM outcome: how many indicators are better/similar/worse and improving/worsening.

    Activity measures (no polarity) significantly above or below the benchmark are
    counted as ``higher``/``lower``: significant, but with no better/worse judgement.
    ``not_compared`` counts the rest, the figures with no test at all (no interval,
    no value or no benchmark). Of the untested figures (:func:`by_band`),
    ``best_quarter`` and ``worst_quarter`` count those whose national band is A or
    D: a position, not a test.
    """
    # Only the columns counted: a copy of the whole results frame would cost more than the counts.
    comparison = results["comparison"].to_numpy(dtype=object)
    trend = results["trend"].to_numpy(dtype=object)
    position = by_band(results)
    r = pd.DataFrame({
        "outcome_id": results["outcome_id"],
        "outcome_name": results["outcome_name"],
        "better": comparison == "better",
        "similar": comparison == "similar",
        "worse": comparison == "worse",
        "not_compared": ~np.isin(comparison, ["better", "similar", "worse", "higher", "lower"]),
        # of the untested, where the national band places them (not a significance test)
        "best_quarter": position == "best_quarter",
        "worst_quarter": position == "worst_quarter",
        "improving": trend == "getting_better",
        "worsening": trend == "getting_worse",
        "higher": comparison == "higher",
        "lower": comparison == "lower",
    })
    g = r.groupby(["outcome_id", "outcome_name"], sort=False)
    out = g[OUTCOME_COUNT_COLUMNS].sum().astype(int)
    out["indicators"] = g.size()
    return out.reset_index()


#: The lists under each outcome's counts, in the order a board reads them.
OUTCOME_LISTS: dict[str, str] = {
    "worse": "Significantly worse",
    "getting_worse": "Getting worse",
    "higher": "Significantly higher (activity measure)",
    "lower": "Significantly lower (activity measure)",
}
_LIST_COLUMNS = ["indicator_id", "short_title", "value", "benchmark_value", "unit", "decimal_places", "suppressed"]


def outcome_lists(results: pd.DataFrame) -> dict[str, dict[str, pd.DataFrame]]:
    """Per ECM outcome, the indicators behind the scorecard's counts, by name.

    ``{outcome_id: {"worse": ..., "getting_worse": ..., "higher": ..., "lower": ...}}``
    (keys of :data:`OUTCOME_LISTS`), each a frame of the indicators in catalogue
    order with their value and benchmark. The same rules as :func:`outcome_scorecard`,
    so each list has as many rows as the card's count beside it. Every outcome in
    ``results`` has every key (an empty frame when none).
    """
    comparison = results["comparison"].to_numpy(dtype=object)
    trend = results["trend"].to_numpy(dtype=object)
    masks = {
        "worse": comparison == "worse",
        "getting_worse": trend == "getting_worse",
        "higher": comparison == "higher",
        "lower": comparison == "lower",
    }
    columns = [c for c in _LIST_COLUMNS if c in results.columns]
    outcome = results["outcome_id"].to_numpy(dtype=object)
    out: dict[str, dict[str, pd.DataFrame]] = {}
    for oid in pd.unique(outcome):
        mine = outcome == oid
        out[str(oid)] = {
            key: results.loc[mine & mask, columns].reset_index(drop=True) for key, mask in masks.items()
        }
    return out
