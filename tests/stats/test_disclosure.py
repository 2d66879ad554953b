"""Disclosure control: primary suppression, complementary suppression, blanking derived values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metrics.stats import (
    Relations,
    apply_suppression,
    complementary_suppression,
    proportion_ci,
    protect_by_recovery_check,
    recoverable_cells,
    secondary_suppression,
    suppress,
)

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


def _relations(sums: list[tuple[int, list[int]]]) -> Relations:
    """Relations from (total cell, part cells) pairs."""
    rel, cell, total = [], [], []
    for r, (t, parts) in enumerate(sums):
        for c in [t, *parts]:
            rel.append(r)
            cell.append(c)
            total.append(c == t)
    return Relations(np.array(rel), np.array(cell), np.array(total), np.zeros(len(sums), dtype=np.int64))


def _determined_by_rank(unseen: np.ndarray, rel: Relations) -> set[int]:
    """Cells j with rank([A; e_j]) == rank(A): an independent statement of recoverable_cells."""
    cols = np.flatnonzero(unseen)
    a = np.zeros((rel.n_relations, len(cols)))
    pos = {c: i for i, c in enumerate(cols)}
    for r, c, t in zip(rel.relation, rel.cell, rel.total, strict=True):
        if c in pos:
            a[r, pos[c]] += 1.0 if t else -1.0
    rank = np.linalg.matrix_rank(a)
    return {int(c) for i, c in enumerate(cols)
            if np.linalg.matrix_rank(np.vstack([a, np.eye(len(cols))[i]])) == rank}


def test_one_hidden_cluster_hides_its_smallest_sibling() -> None:
    rel = _relations([(0, [1, 2, 3])])  # LA 20 = clusters 3 + 7 + 10
    hidden, forced = complementary_suppression([20, 3, 7, 10], [False, True, False, False], np.zeros(4, bool), rel)
    assert hidden.tolist() == [False, True, True, False]
    assert forced.tolist() == [-1, -1, 0, -1]


def test_a_missing_cell_a_reader_can_derive_protects_nothing() -> None:
    # Cell 3 has no count, but 4 = 3 + 5 gives it; so in 0 = 1 + 2 + 3 the small cell 1 is alone.
    rel = _relations([(0, [1, 2, 3]), (4, [3, 5])])
    count = [30, 2, 8, NAN, 25, 5]
    unknown = np.isnan(np.array(count, dtype=float))
    hidden, _ = complementary_suppression(count, [False, True, False, False, False, False], unknown, rel)
    assert hidden.tolist() == [False, True, True, False, False, False]


def test_a_cycle_of_sums_gives_cells_away_that_the_two_cell_rule_leaves() -> None:
    # x + y, x + w and y + w all published: each sum has two hidden cells, yet
    # x = (T1 + T2 - T3) / 2.
    rel = _relations([(0, [3, 4]), (1, [3, 5]), (2, [4, 5])])
    count = [5, 6, 7, 2, 3, 4]
    primary = [False, False, False, True, True, True]
    hidden, _ = complementary_suppression(count, primary, np.zeros(6, bool), rel)
    assert hidden.tolist() == primary  # the rule is content
    assert recoverable_cells(hidden, rel).tolist() == [False, False, False, True, True, True]
    assert _determined_by_rank(hidden, rel) == {3, 4, 5}
    safe, _ = protect_by_recovery_check(count, primary, np.zeros(6, bool), rel)
    assert not (recoverable_cells(safe, rel) & safe).any()
    assert _determined_by_rank(safe, rel) == set()


def test_tables_with_margins_leave_no_small_cell_recoverable() -> None:
    # Random two-way tables with row, column and grand totals published: a small
    # cell hidden by any of the rules must not come back by linear algebra.
    rng = np.random.default_rng(11)
    for _ in range(30):
        n_r, n_c = rng.integers(2, 6, 2)
        body = rng.choice([0, 1, 2, 3, 8, 20, 40], size=(n_r, n_c)).astype(float)
        cells = list(body.ravel()) + list(body.sum(axis=1)) + list(body.sum(axis=0)) + [body.sum()]
        idx = np.arange(n_r * n_c).reshape(n_r, n_c)
        row_t, col_t, grand = n_r * n_c + np.arange(n_r), n_r * n_c + n_r + np.arange(n_c), len(cells) - 1
        sums = [(int(row_t[i]), idx[i].tolist()) for i in range(n_r)]
        sums += [(int(col_t[j]), idx[:, j].tolist()) for j in range(n_c)]
        sums += [(grand, row_t.tolist()), (grand, col_t.tolist())]
        rel = _relations(sums)
        primary = np.asarray(suppress(np.array(cells)), dtype=bool)
        hidden, _ = protect_by_recovery_check(cells, primary, np.zeros(len(cells), bool), rel)
        assert (hidden >= primary).all()
        assert not (_determined_by_rank(hidden, rel) & set(np.flatnonzero(primary).tolist())), (body, hidden)
