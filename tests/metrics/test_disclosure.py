"""Disclosure control: primary suppression, complementary suppression, blanking derived values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metrics.stats import apply_suppression, proportion_ci, secondary_suppression, suppress

NAN = float("nan")


@pytest.mark.parametrize(
    ("count", "threshold", "expected"),
    [
        (0, 5, False),  # zero is published
        (1, 5, True),
        (4, 5, True),
        (5, 5, False),  # the threshold itself is shown
        (250, 5, False),
        (NAN, 5, False),  # nothing to hide
        (9, 10, True),  # a stricter threshold
        (2.5, 5, True),  # weighted or rounded counts
    ],
)
def test_primary_suppression_table(count: float, threshold: int, expected: bool) -> None:
    assert suppress(count, threshold) is expected


def test_suppress_vectorised_with_per_row_thresholds() -> None:
    mask = suppress(pd.Series([0, 3, 7, 12]), np.array([5, 5, 10, 10]))
    assert mask.tolist() == [False, True, True, False]


def _frame(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["la", "cluster", "count"])
    df["primary"] = suppress(df["count"])
    return df


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # 1: one small cell -> the smallest other cell of the same LA is hidden too
        (
            [("A", "a1", 3), ("A", "a2", 40), ("A", "a3", 12), ("B", "b1", 30), ("B", "b2", 25)],
            [True, False, True, False, False],
        ),
        # 2: two small cells already protect each other
        ([("A", "a1", 3), ("A", "a2", 2), ("A", "a3", 12)], [True, True, False]),
        # 3: no small cells -> nothing hidden
        ([("A", "a1", 30), ("A", "a2", 20)], [False, False]),
        # 4: a non-zero partner is preferred to a zero
        (
            [("A", "a1", 3), ("A", "a2", 0), ("A", "a3", 9), ("A", "a4", 50)],
            [True, False, True, False],
        ),
        # 5: only a zero is available -> it is used
        ([("A", "a1", 3), ("A", "a2", 0)], [True, True]),
        # 6: a cell with a missing count already hides the small one
        ([("A", "a1", 3), ("A", "a2", NAN), ("A", "a3", 12)], [True, False, False]),
        # 7: ties -> the first row
        ([("A", "a1", 3), ("A", "a2", 12), ("A", "a3", 12)], [True, True, False]),
        # 8: a group of one suppressed cell has no partner (its total is for the caller to hide)
        ([("A", "a1", 3), ("B", "b1", 30)], [True, False]),
        # 9: groups are independent
        (
            [("A", "a1", 4), ("A", "a2", 10), ("B", "b1", 2), ("B", "b2", 7), ("B", "b3", 5)],
            [True, True, True, False, True],
        ),
    ],
)
def test_secondary_suppression_table(
    rows: list[tuple[str, str, float]], expected: list[bool]
) -> None:
    df = _frame(rows)
    mask = secondary_suppression(df, "la", "count", "primary")
    assert mask.tolist() == expected
    assert mask.index.equals(df.index)


def test_secondary_keeps_the_frames_own_index() -> None:
    df = _frame([("A", "a1", 3), ("A", "a2", 40), ("A", "a3", 12)])
    df.index = [10, 5, 7]
    mask = secondary_suppression(df, ["la"], "count", "primary")
    assert mask.to_dict() == {10: True, 5: False, 7: True}


def test_after_secondary_no_group_has_exactly_one_hidden_cell() -> None:
    rng = np.random.default_rng(3)
    df = pd.DataFrame(
        {"la": rng.integers(0, 40, 600), "count": rng.integers(0, 30, 600).astype(float)}
    )
    df["primary"] = suppress(df["count"])
    df["hidden"] = secondary_suppression(df, "la", "count", "primary")
    per_group = df.groupby("la").agg(hidden=("hidden", "sum"), size=("hidden", "size"))
    assert not ((per_group["hidden"] == 1) & (per_group["size"] > 1)).any()
    assert (df["hidden"] >= df["primary"]).all()


def test_apply_suppression_blanks_count_value_and_limits() -> None:
    df = pd.DataFrame({"la": ["A", "A", "A"], "count": [3, 40, 12], "denominator": [50, 400, 100]})
    df["value"], df["lower95"], df["upper95"] = proportion_ci(
        df["count"], df["denominator"], 0.95, 100
    )
    out = apply_suppression(df, 5, group_col="la")
    assert out["suppressed"].tolist() == [True, False, True]
    for col in ("count", "value", "lower95", "upper95"):
        assert out[col].isna().tolist() == [True, False, True], col
    assert out["denominator"].tolist() == [50, 400, 100]  # cohort sizes stay published
    assert df["count"].tolist() == [3, 40, 12]  # the input is not modified


def test_apply_suppression_with_a_threshold_column() -> None:
    df = pd.DataFrame({"count": [3, 8, 8], "threshold": [5, 10, 5], "value": [1.0, 2.0, 3.0]})
    out = apply_suppression(df, "threshold")
    assert out["suppressed"].tolist() == [True, True, False]
    assert out["value"].isna().tolist() == [True, True, False]


def test_apply_suppression_nullable_counts_and_explicit_columns() -> None:
    df = pd.DataFrame(
        {"n": pd.array([2, None, 9], dtype="Int64"), "rate": [1.0, 2.0, 3.0], "other": [1, 2, 3]}
    )
    out = apply_suppression(df, count_col="n", value_cols=["rate"])
    assert out["suppressed"].tolist() == [True, False, False]
    assert out["rate"].isna().tolist() == [True, False, False]
    assert out["other"].tolist() == [1, 2, 3]
    with pytest.raises(KeyError):
        apply_suppression(df, count_col="n", value_cols=["missing"])
