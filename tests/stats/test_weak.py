"""Weak-area score per Every Child Matters outcome."""

from __future__ import annotations

import pandas as pd
import pytest

from metrics.stats import weak_area_score

COLUMNS = ["outcome_id", "n_indicators", "n_worse", "n_band_d", "n_getting_worse", "n_red_red"]


def test_counts_per_outcome() -> None:
    df = pd.DataFrame(
        [
            ("BH", "worse", "D", "getting_worse"),  # red-red
            ("BH", "worse", "C", "no_significant_change"),
            ("BH", "similar", "D", "getting_worse"),
            ("SS", "better", "A", "getting_better"),
            ("SS", "worse_99_8", "D", "getting_worse"),  # two-level label counts as worse
            ("EA", "not_compared", None, "cannot_be_calculated"),
        ],
        columns=["outcome_id", "comparison", "band", "trend"],
    )
    out = weak_area_score(df)
    assert list(out.columns) == COLUMNS
    rows = {r.outcome_id: tuple(r)[1:] for r in out.itertuples(index=False)}
    assert rows == {"BH": (3, 2, 2, 2, 1), "EA": (1, 0, 0, 0, 0), "SS": (2, 1, 1, 1, 1)}


@pytest.mark.parametrize(
    ("comparison", "band", "trend", "expected"),
    [
        ("worse", "D", "getting_worse", (1, 1, 1, 1, 1)),
        ("worse", "B", "getting_better", (1, 1, 0, 0, 0)),
        ("similar", "D", "getting_worse", (1, 0, 1, 1, 0)),
        ("lower", "D", "decreasing", (1, 0, 1, 0, 0)),  # no judgement is never "worse"
        (None, None, None, (1, 0, 0, 0, 0)),  # missing labels count only as an indicator
    ],
)
def test_single_indicator_rules(
    comparison: str | None, band: str | None, trend: str | None, expected: tuple
) -> None:
    df = pd.DataFrame(
        {"outcome_id": ["MPC"], "comparison": [comparison], "band": [band], "trend": [trend]}
    )
    out = weak_area_score(df)
    assert tuple(out.iloc[0, 1:]) == expected


def test_custom_column_names_and_empty_input() -> None:
    df = pd.DataFrame({"o": ["AEW"], "cmp": ["worse"], "q": ["D"], "t": ["getting_worse"]})
    out = weak_area_score(df, outcome_col="o", comparison_col="cmp", band_col="q", trend_col="t")
    assert out.iloc[0].tolist() == ["AEW", 1, 1, 1, 1, 1]
    empty = weak_area_score(pd.DataFrame(columns=["outcome_id", "comparison", "band", "trend"]))
    assert list(empty.columns) == COLUMNS and empty.empty
