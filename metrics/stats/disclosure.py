"""Statistical disclosure control for small counts of children.

Small counts of children (say, 3 looked-after children in a cluster with a particular outcome) can
identify individuals, so published tables suppress them. This follows the approach of DfE's
statistics publications and the Government Statistical Service guidance on disclosure control:

- primary suppression: a count from 1 up to (not including) the threshold (default 5) is hidden;
  0 is shown, because "none" identifies no one and hiding zeros would hide good news too;
- secondary (complementary) suppression: when a group's total is published (the clusters of one
  local authority, the client groups of one area), a single hidden cell could be recovered by
  subtraction, so one more cell is hidden;
- everything derived from a hidden count (its value and confidence limits) is hidden with it, since
  a rate and its denominator give the count back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ._arrays import to_float

__all__ = [
    "DEFAULT_THRESHOLD",
    "Relations",
    "apply_suppression",
    "complementary_suppression",
    "protect_by_recovery_check",
    "recoverable_cells",
    "secondary_suppression",
    "suppress",
]

#: Counts from 1 to this minus 1 are suppressed.
DEFAULT_THRESHOLD = 5

_DEFAULT_VALUE_COLS = (
    "value",
    "lower",
    "upper",
    "lower95",
    "upper95",
    "lower998",
    "upper998",
    "lower_95",
    "upper_95",
    "lower_99_8",
    "upper_99_8",
)


def suppress(counts: ArrayLike, threshold: ArrayLike = DEFAULT_THRESHOLD) -> bool | np.ndarray:
    """Primary suppression mask: True where ``0 < count < threshold``.

    DfE / GSS small-number convention (see the module docstring): counts 1-4 hidden at the default
    threshold of 5; zero and missing counts are not flagged (a zero is published; a missing count
    has nothing to hide). ``threshold`` may be an array (one per row) and broadcasts. Scalars in
    give a bool; otherwise a boolean ndarray.
    """
    c, t = np.broadcast_arrays(to_float(counts), to_float(threshold))
    with np.errstate(invalid="ignore"):
        mask = np.isfinite(c) & (c > 0) & (c < t)
    return bool(mask) if mask.ndim == 0 else mask


def secondary_suppression(
    df: pd.DataFrame, group_col: str | Sequence[str], count_col: str, primary_col: str
) -> pd.Series:
    """Mask (aligned to ``df``) of primary plus complementary suppression within each group.

    Complementary suppression as in the GSS disclosure-control guidance: where a group's total is
    published, a group with exactly one hidden cell would give that cell away by subtraction, so
    the smallest other cell of the group is hidden too, preferring a non-zero cell (hiding a
    published-looking zero protects less) and, on ties, the first row. A cell whose count is
    missing already counts as hidden. A group whose only cell is suppressed has no partner: its
    total must be suppressed by the caller. Protection is one-dimensional (one grouping at a time).
    """
    keys = [group_col] if isinstance(group_col, str) else list(group_col)
    work = df[keys].copy()
    work.index = pd.RangeIndex(len(df))
    primary = df[primary_col].fillna(False).astype(bool).to_numpy()
    count = to_float(df[count_col])
    hidden = primary | ~np.isfinite(count)
    work["_hidden"] = hidden
    work["_primary"] = primary
    grouped = work.groupby(keys, dropna=False, sort=False)
    n_hidden = grouped["_hidden"].transform("sum").to_numpy()
    n_primary = grouped["_primary"].transform("sum").to_numpy()
    needs = (n_hidden == 1) & (n_primary == 1)
    candidates = needs & ~hidden
    result = primary.copy()
    if candidates.any():
        cand = work.loc[candidates, keys].copy()
        cand["_count"] = count[candidates]
        cand["_zero"] = cand["_count"] <= 0
        cand["_pos"] = np.flatnonzero(candidates)
        cand = cand.sort_values(["_zero", "_count", "_pos"], kind="mergesort")
        chosen = cand.groupby(keys, dropna=False, sort=False).head(1)["_pos"].to_numpy()
        result[chosen] = True
    return pd.Series(result, index=df.index, name="suppressed")


def apply_suppression(
    df: pd.DataFrame,
    threshold: int | float | str = DEFAULT_THRESHOLD,
    *,
    count_col: str = "count",
    value_cols: Sequence[str] | None = None,
    group_col: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Copy of ``df`` with suppressed counts, values and limits set to NaN and a ``suppressed`` column.

    Applies :func:`suppress` with ``threshold`` (a number, or the name of a column holding each
    row's threshold), then, when ``group_col`` is given, :func:`secondary_suppression` within each
    group. The count and every column in ``value_cols`` (default: those of value, lower, upper,
    lower95, upper95, lower998, upper998, lower_95, upper_95, lower_99_8, upper_99_8 present) are
    blanked on suppressed rows, because a value and its denominator give the count back.
    Denominators are left alone: cohort sizes are published.
    """
    out = df.copy()
    thresholds = out[threshold] if isinstance(threshold, str) else threshold
    mask = suppress(out[count_col], thresholds)
    if group_col is not None:
        out["_primary"] = mask
        mask = secondary_suppression(out, group_col, count_col, "_primary").to_numpy()
        out = out.drop(columns="_primary")
    if value_cols is None:
        cols = [c for c in _DEFAULT_VALUE_COLS if c in out.columns]
    else:
        missing = [c for c in value_cols if c not in out.columns]
        if missing:
            raise KeyError(f"value columns not in the frame: {missing}")
        cols = list(value_cols)
    for col in [count_col, *cols]:
        if mask.any():
            if not pd.api.types.is_float_dtype(out[col]):
                out[col] = out[col].astype(float)
            out.loc[mask, col] = np.nan
    out["suppressed"] = mask
    return out


@dataclass(frozen=True)
class Relations:
    """Additive relations ``total = sum(parts)`` between cells, one membership per row.

    ``relation[i]`` and ``cell[i]`` say that cell ``cell[i]`` is a member of relation
    ``relation[i]``, as its total when ``total[i]``; ``absent[r]`` counts members of
    relation ``r`` that have no cell at all (an area or sex with no row, a client
    group's unpublished rest): they are unknown to every reader, so a relation with
    an absent member pins nothing down.
    """

    relation: np.ndarray
    cell: np.ndarray
    total: np.ndarray
    absent: np.ndarray

    @property
    def n_relations(self) -> int:
        return len(self.absent)


def _smallest_members(rel: Relations, wanted: np.ndarray, choosable: np.ndarray,
                      count: np.ndarray, parts_only: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(cell, relation) of the member to hide in each wanted relation, where one is choosable.

    The GSS choice: the smallest non-zero count, a part before the total (hiding the
    total protects the part only if the total is not itself derivable higher up), and
    on ties the first cell.
    """
    sel = wanted[rel.relation] & choosable[rel.cell]
    if parts_only:
        sel &= ~rel.total
    if not sel.any():
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    r, c, t = rel.relation[sel], rel.cell[sel], rel.total[sel]
    n = count[c]
    order = np.lexsort((c, n, n <= 0, t, r))
    r, c = r[order], c[order]
    first = np.ones(len(r), dtype=bool)
    first[1:] = r[1:] != r[:-1]
    return c[first], r[first]


def complementary_suppression(
    count: ArrayLike, primary: ArrayLike, unknown: ArrayLike, relations: Relations
) -> tuple[np.ndarray, np.ndarray]:
    """(hidden mask, the relation that forced each secondary cell or -1) over many relations at once.

    The GSS rule applied to every additive relation together, iterated to a fixed
    point. A relation needs one more hidden cell when

    * exactly one of its members is unseen by a reader (counting absent members)
      and that member is hidden: subtraction gives it back; or
    * exactly one of its parts is unseen and that part is hidden, the rule of
      :func:`secondary_suppression` ("at least two suppressed cells among the
      parts"): a hidden total protects a lone part only while the total stays
      underivable, and around a total of 1 or 2 the other parts are often zeros.

    The smallest seen member is hidden, a part before the total
    (:func:`_smallest_members`). ``unknown`` marks cells with no published count
    (missing, and not derivable from value and denominator): when such a cell is
    the only unseen member of a relation a reader can work it out, so it counts as
    seen from then on. Each pass is a few numpy operations over the memberships.

    The rule alone does not stop every linear combination (three relations in a
    cycle can pin down a cell each holds twice); :func:`protect_by_recovery_check`
    adds the backstop.
    """
    n = to_float(count)
    hidden = np.asarray(primary, dtype=bool).copy()
    seen = ~hidden & ~np.asarray(unknown, dtype=bool)
    forced = np.full(len(hidden), -1, dtype=np.int64)
    n_rel = relations.n_relations
    has_total = np.bincount(relations.relation[relations.total], minlength=n_rel) > 0
    absent_parts = relations.absent - ~has_total
    part = ~relations.total
    # Relations found exposed with nothing left to hide (never on real tables).
    stuck = np.zeros(n_rel, dtype=bool)
    stuck_parts = np.zeros(n_rel, dtype=bool)
    while True:
        unseen_member = ~seen[relations.cell]
        n_unseen = np.bincount(relations.relation, weights=unseen_member, minlength=n_rel) + relations.absent
        single = (n_unseen == 1)[relations.relation] & unseen_member
        cells = relations.cell[single]
        derivable = cells[~hidden[cells]]
        exposed = np.zeros(n_rel, dtype=bool)
        exposed[relations.relation[single][hidden[cells]]] = True
        exposed &= ~stuck
        unseen_part = unseen_member & part
        n_unseen_parts = np.bincount(relations.relation, weights=unseen_part, minlength=n_rel) + absent_parts
        lone = (n_unseen_parts == 1)[relations.relation] & unseen_part & hidden[relations.cell]
        lone_part = np.zeros(n_rel, dtype=bool)
        lone_part[relations.relation[lone]] = True
        lone_part &= ~stuck_parts & ~exposed
        if not derivable.size and not exposed.any() and not lone_part.any():
            return hidden, forced
        seen[derivable] = True
        choosable = seen & np.isfinite(n)
        chosen, by = _smallest_members(relations, exposed, choosable, n)
        also, also_by = _smallest_members(relations, lone_part, choosable, n, parts_only=True)
        stuck |= exposed
        stuck[by] = False
        stuck_parts |= lone_part
        stuck_parts[also_by] = False
        chosen, by = np.concatenate([chosen, also]), np.concatenate([by, also_by])
        hidden[chosen] = True
        seen[chosen] = False
        forced[chosen] = by


def recoverable_cells(unseen: ArrayLike, relations: Relations, tol: float = 1e-9,
                      among: ArrayLike | None = None) -> np.ndarray:
    """Mask of unseen cells that the relations determine exactly (by linear algebra).

    A reader who knows every seen cell and every relation solves ``A x = b`` for
    the unseen cells ``x`` (one row of ``A`` per relation with no absent member).
    Cell ``j`` is determined iff ``e_j`` lies in the row space of ``A``, that is iff
    every null-space vector of ``A`` is zero at ``j``. Computed per connected
    component of unseen cells (numpy SVD), since relations sharing no unseen cell
    say nothing about each other. With ``among``, only components holding one of
    those cells are solved (a published store's missing figures form large
    components that hold nothing hidden).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    unseen = np.asarray(unseen, dtype=bool)
    out = np.zeros(len(unseen), dtype=bool)
    keep = unseen[relations.cell] & (relations.absent[relations.relation] == 0)
    if not keep.any():
        return out
    rel, cell = relations.relation[keep], relations.cell[keep]
    sign = np.where(relations.total[keep], 1.0, -1.0)
    r_ids, r = np.unique(rel, return_inverse=True)
    c_ids, c = np.unique(cell, return_inverse=True)
    n_r, n_c = len(r_ids), len(c_ids)
    # Bipartite graph: relations 0..n_r-1, cells n_r..n_r+n_c-1.
    graph = coo_matrix((np.ones(len(r)), (r, n_r + c)), shape=(n_r + n_c, n_r + n_c))
    n_comp, label = connected_components(graph, directed=False)
    entry_label = label[n_r + c].astype(np.int64)
    # Each component's rows and columns numbered from 0, all at once.
    row_key, row_local = _local_numbers(entry_label, r)
    col_key, col_local = _local_numbers(entry_label, c)
    n_rows = np.bincount(label[:n_r], minlength=len(label))
    n_cols = np.bincount(label[n_r:], minlength=len(label))
    comps = np.unique(entry_label)
    if among is not None:
        wanted = np.zeros(len(label), dtype=bool)
        wanted[label[n_r:][np.asarray(among, dtype=bool)[c_ids]]] = True
        comps = comps[wanted[comps]]
    # Components of one shape are solved together (numpy's SVD takes a stack of matrices).
    shape = n_rows[comps] * (n_cols.max() + 1) + n_cols[comps]
    for sh in np.unique(shape):
        group = comps[shape == sh]
        nr, nc = int(n_rows[group[0]]), int(n_cols[group[0]])
        slot = np.full(len(label), -1, dtype=np.int64)
        slot[group] = np.arange(len(group))
        pick = slot[entry_label] >= 0
        a = np.zeros((len(group), nr, nc))
        np.add.at(a, (slot[entry_label[pick]], row_local[pick], col_local[pick]), sign[pick])
        _, sv, vt = np.linalg.svd(a, full_matrices=True)
        scale = np.maximum(1.0, sv.max(axis=1, initial=0.0))
        rank = (sv > tol * scale[:, None]).sum(axis=1)
        # Cell j is determined iff every null-space row of vt (index >= rank) is 0 at j.
        null = np.arange(nc)[None, :, None] >= rank[:, None, None]
        determined = (np.where(null, np.abs(vt), 0.0).max(axis=1) < 1e-7)
        cells_of = np.full((len(group), nc), -1, dtype=np.int64)
        cells_of[slot[entry_label[pick]], col_local[pick]] = c[pick]
        out[c_ids[cells_of[determined]]] = True
    return out


def _local_numbers(label: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(unique (label, id) keys, each entry's id numbered from 0 within its label)."""
    span = int(ids.max()) + 1
    keys, inverse = np.unique(label * span + ids, return_inverse=True)
    key_label = keys // span
    first = np.searchsorted(key_label, key_label, side="left")
    return keys, (np.arange(len(keys)) - first)[inverse]


def protect_by_recovery_check(
    count: ArrayLike, primary: ArrayLike, unknown: ArrayLike, relations: Relations, max_rounds: int = 50
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`complementary_suppression`, then hide more until no hidden cell is recoverable.

    After the fixed point, :func:`recoverable_cells` looks for hidden cells a
    reader could still solve for; for each, the smallest seen member of one of its
    relations is hidden too and the fixed point runs again. Hidden cells only ever
    grow, so this ends; ``max_rounds`` is a guard, never reached on real tables.
    """
    n = to_float(count)
    unknown = np.asarray(unknown, dtype=bool)
    hidden, forced = complementary_suppression(n, primary, unknown, relations)
    for _ in range(max_rounds):
        leak = recoverable_cells(hidden | unknown, relations, among=hidden) & hidden
        if not leak.any():
            return hidden, forced
        # One relation per leaking cell, with no absent member (those pin nothing).
        member = leak[relations.cell] & (relations.absent[relations.relation] == 0)
        wanted = np.zeros(relations.n_relations, dtype=bool)
        first_rel = pd.Series(relations.relation[member]).groupby(relations.cell[member]).first()
        wanted[first_rel.to_numpy()] = True
        choosable = ~hidden & ~unknown & np.isfinite(n)
        chosen, by = _smallest_members(relations, wanted, choosable, n)
        if not chosen.size:
            break
        more = hidden.copy()
        more[chosen] = True
        forced[chosen] = by
        again, forced_again = complementary_suppression(n, more, unknown, relations)
        forced = np.where(forced >= 0, forced, forced_again)
        hidden = again
    raise RuntimeError("disclosure control could not protect every hidden cell")
