"""Tables derived from the observations, rebuilt in the transaction that changes them.

Pages must cost what they show, not what the store holds (a national store with
every download and breakdown is tens of millions of rows). Four tables make
that so, each a pure function of ``observation``, ``indicator`` and ``area``:

* ``observation_hidden``: every cell disclosure control hides, and why, decided
  once over the whole store (:func:`hidden_cells`, migration 012);
* ``ecm_observation``: the rows pages read (mapped indicators, persons, no
  category), stored in page order (migration 005), with ``observation_hidden``
  applied, so every page and every export hide the same figures;
* ``ecm_national``: each indicator's LA quantiles per period and client group;
* ``ecm_position``: each LA's quartile band and national rank (migration 006).

:func:`refresh_derived` rebuilds all four from scratch inside the caller's
transaction (demo build, import, rollback, migration), so they commit or roll
back with the change that made them and cannot drift from their definition.
A full rebuild, not an incremental one. The quantiles and positions read only
``ecm_observation`` (about a second even for a store 50 times the national
demo); disclosure control reads every observation, because a hidden cell must
be safe against every published total, which costs a few seconds for the
national demo's 800,000 rows and grows with the store.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import numpy as np
import pandas as pd

from metrics.framework import DEFAULT_DISCLOSURE_THRESHOLD
from metrics.stats import (
    Relations,
    ValueType,
    national_rank,
    protect_by_recovery_check,
    quartile_band,
    suppress,
)

#: The order ``ecm_observation`` is written in (see migration 005).
ECM_OBSERVATION_ORDER = ("period_year", "indicator_id", "area_code", "client_group_id")
#: LA quantiles shown beside each figure (the box of a box plot).
QUANTILES = {"la_min": 0.0, "la_q1": 0.25, "la_median": 0.5, "la_q3": 0.75, "la_max": 1.0}
_GROUP_KEYS = ["period_year", "indicator_id", "client_group_id"]
SECONDARY_NOTE = "c: hidden so that another suppressed figure cannot be worked out from a published total"


def refresh_derived(cur: duckdb.DuckDBPyConnection) -> None:
    """Rebuild every derived table; call inside the transaction that changed the data."""
    ordered = cur.execute("SELECT current_setting('preserve_insertion_order')").fetchone()[0]
    cur.execute("SET preserve_insertion_order = true")  # imports turn it off; the order is the point
    try:
        cur.execute("DELETE FROM ecm_observation")
        cur.execute(
            "INSERT INTO ecm_observation SELECT * FROM ecm_observation_source ORDER BY "
            + ", ".join(ECM_OBSERVATION_ORDER)
        )
        _apply_hidden(cur)
        national, position = national_tables(_la_values(cur))
        cur.execute("DELETE FROM ecm_national")
        cur.execute("DELETE FROM ecm_position")
        # Stored in the order pages ask for them (one period, a few areas).
        for table, frame, order in (("ecm_national", national, "period_year, indicator_id"),
                                    ("ecm_position", position, "period_year, area_code, indicator_id")):
            if frame.empty:
                continue
            cur.register("_derived", frame)
            cur.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _derived ORDER BY {order}")  # fixed text only
            cur.unregister("_derived")
    finally:
        cur.execute("SET preserve_insertion_order = ?", [ordered])


KEY = ["indicator_id", "area_code", "period_year", "client_group_id", "sex", "category"]
#: Value types with no count to add up: a score is a rating with no count behind
#: it. A mean's count is protected as if it added up over areas and sexes, the safe
#: side (the demo's add up over areas, not by sex).
_NOT_ADDITIVE = frozenset({ValueType.SCORE.value})
#: Value types whose value and denominator give the count back (value x denominator / multiplier).
_COUNT_FROM_VALUE = frozenset({ValueType.PROPORTION.value, ValueType.CRUDE_RATE.value})

_BY_AREA = "indicator_id, period_year, client_group_id, sex, category"
_BY_SEX = "indicator_id, area_code, period_year, client_group_id, category"
#: One row per observation in storage order (``rowid``: ties go to the first row),
#: with the integer codes the relations are built from. Slices are numbered by a
#: join with their distinct values, which is cheaper than a window sort.
#: Fixed text; the value-type lists are parameters.
CELLS_SQL = f"""
WITH areas AS (SELECT area_code, parent_code, row_number() OVER (ORDER BY area_code) - 1 AS area_no FROM area),
by_area AS (SELECT *, row_number() OVER () - 1 AS slice_by_area FROM (SELECT DISTINCT {_BY_AREA} FROM observation)),
by_sex AS (SELECT *, row_number() OVER () - 1 AS slice_by_sex FROM (SELECT DISTINCT {_BY_SEX} FROM observation))
SELECT o.rowid AS cell, ba.slice_by_area, bs.slice_by_sex,
       coalesce(a.area_no, -1) AS area_no, coalesce(p.area_no, -1) AS parent_no,
       CASE o.sex WHEN 'persons' THEN 0 WHEN 'male' THEN 1 WHEN 'female' THEN 2 ELSE -1 END AS sex_no,
       CASE WHEN o.count IS NOT NULL THEN o.count
            WHEN list_contains(?::VARCHAR[], i.value_type) THEN o.value * o.denominator / i.multiplier
            WHEN i.value_type = ? THEN o.value END AS seen_count,
       o.suppressed AS flagged, coalesce(i.disclosure_threshold, ?)::DOUBLE AS threshold,
       NOT list_contains(?::VARCHAR[], i.value_type) AS additive
FROM observation o JOIN indicator i USING (indicator_id)
JOIN by_area ba USING ({_BY_AREA})
JOIN by_sex bs USING ({_BY_SEX})
LEFT JOIN areas a ON a.area_code = o.area_code
LEFT JOIN areas p ON p.area_code = a.parent_code
ORDER BY o.rowid
"""
KEYS_SQL = f"""
SELECT {", ".join(f"o.{k}" for k in KEY)}, h.reason, h.relation
FROM observation o JOIN _hidden h ON h.row_id = o.rowid ORDER BY o.rowid
"""


def hidden_cells(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every observation a reader must not see, with why, decided over the whole store.

    Primary: flagged in the store, a count from 1 to under the indicator's
    threshold, or no count but a value and denominator that give back such a count
    (50% of 2 is 1 child). Secondary: the GSS rule over every additive relation a
    reader can see at once (:func:`metrics.stats.protect_by_recovery_check`):

    * each area's total = the sum of its child areas (clusters in an LA, LAs in a
      region, regions in England), per indicator, period, client group, sex and category;
    * persons = male + female, per indicator, area, period, client group and category.

    A client group's count is part of all children's, but the rest (all children
    outside the group) is never published, and the groups overlap (looked-after
    children are children in need), so they partition nothing: ``all = group + rest``
    has an unpublished member and pins no hidden cell down; the recovery test
    (tests/stats/test_disclosure_recovery.py) includes it and checks that.
    Category breakdowns are not assumed to add up to their total.
    """
    c = cur.execute(CELLS_SQL, [sorted(_COUNT_FROM_VALUE), ValueType.COUNT.value, DEFAULT_DISCLOSURE_THRESHOLD,
                                sorted(_NOT_ADDITIVE)]).fetchnumpy()
    if not len(c["cell"]):
        return pd.DataFrame(columns=[*KEY, "reason", "relation"])
    # DuckDB hands NULLs back as masked arrays.
    seen_count = np.ma.filled(np.ma.asarray(c["seen_count"], dtype=float), np.nan)
    flagged = np.ma.filled(np.ma.asarray(c["flagged"], dtype=bool), False)
    primary = flagged | np.asarray(suppress(seen_count, c["threshold"].astype(float)), dtype=bool)
    codes = np.array([a for (a,) in cur.execute("SELECT area_code FROM area ORDER BY area_code").fetchall()],
                     dtype=object)
    relations, described = _relations(c, codes)
    hidden, forced = protect_by_recovery_check(seen_count, primary, ~np.isfinite(seen_count), relations)
    rows = np.flatnonzero(hidden)
    secondary = ~primary[rows]
    found = pd.DataFrame({
        "row_id": c["cell"][rows],
        "reason": np.where(secondary, "secondary", "primary"),
        "relation": [described(int(r)) if s else None for r, s in zip(forced[rows], secondary, strict=True)],
    })
    cur.register("_hidden", found)
    try:
        return cur.execute(KEYS_SQL).df()
    finally:
        cur.unregister("_hidden")


def _relations(c: dict[str, np.ndarray], codes: np.ndarray) -> tuple[Relations, Callable[[int], str | None]]:
    """The area-hierarchy and sex relations between the cells (see :func:`hidden_cells`)."""
    cell = np.arange(len(c["cell"]), dtype=np.int64)  # positions; c["cell"] holds the rowids
    additive = np.asarray(c["additive"], dtype=bool)
    n_areas = len(codes) + 1
    area, parent = c["area_no"].astype(np.int64), c["parent_no"].astype(np.int64)
    # Area hierarchy: one relation per (slice, parent), the parent's own cell its total.
    part = additive & (parent >= 0)
    part_key = c["slice_by_area"].astype(np.int64)[part] * n_areas + parent[part]
    h_keys, h_rel = np.unique(part_key, return_inverse=True)
    own_key = c["slice_by_area"].astype(np.int64) * n_areas + np.where(area >= 0, area, n_areas - 1)
    pos = np.searchsorted(h_keys, own_key)
    # No part has a parent row (e.g. a store of England figures alone): no cell is a total.
    is_total = (additive & (pos < len(h_keys)) & (h_keys[np.minimum(pos, len(h_keys) - 1)] == own_key)
                if len(h_keys) else np.zeros(len(cell), dtype=bool))
    h_parent = h_keys % n_areas
    # Sex: one relation per slice with more than its persons row, persons the total.
    sexed = additive & (c["sex_no"] >= 0)
    s_slice = c["slice_by_sex"].astype(np.int64)
    size = np.bincount(s_slice[sexed], minlength=int(s_slice.max()) + 1)
    in_sex = sexed & (size[s_slice] > 1)
    s_keys, s_rel = np.unique(s_slice[in_sex], return_inverse=True)
    s_area = np.zeros(len(s_keys), dtype=np.int64)
    s_area[s_rel] = area[in_sex]
    offset = len(h_keys)
    s_total = c["sex_no"][in_sex] == 0
    # A sum is published only with its total: parts whose parent (or persons) row the
    # store lacks are bound by nothing a reader sees, so they make no relation.
    h_with_total = np.zeros(len(h_keys), dtype=bool)
    h_with_total[pos[is_total]] = True
    h_keep = h_with_total[h_rel]
    s_with_total = np.bincount(s_rel[s_total], minlength=len(s_keys)) > 0
    s_keep = s_with_total[s_rel]
    relations = Relations(
        relation=np.concatenate([h_rel[h_keep], pos[is_total], offset + s_rel[s_keep]]).astype(np.int64),
        cell=np.concatenate([cell[part][h_keep], cell[is_total], cell[in_sex][s_keep]]),
        total=np.concatenate([np.zeros(int(h_keep.sum()), dtype=bool), np.ones(is_total.sum(), dtype=bool),
                              s_total[s_keep]]),
        # A member with no row counts as seen, never as protection: a reader may take
        # it for zero (publishers, like the demo, leave out a sex with no children),
        # so cells are protected as if they knew it.
        absent=np.zeros(len(h_keys) + len(s_keys), dtype=np.int64),
    )

    def described(r: int) -> str | None:
        if r < 0:
            return None
        if r < offset:
            return f"{codes[h_parent[r]]} = the sum of its areas"
        return f"{codes[s_area[r - offset]]}: persons = male + female"

    return relations, described


def _apply_hidden(cur: duckdb.DuckDBPyConnection) -> None:
    """Write :func:`hidden_cells` to ``observation_hidden`` and mark its rows in ``ecm_observation``."""
    hidden = hidden_cells(cur)
    cur.execute("DELETE FROM observation_hidden")
    if hidden.empty:
        return
    cur.register("_hidden", hidden)
    cur.execute("INSERT INTO observation_hidden BY NAME SELECT * FROM _hidden ORDER BY ALL")
    cur.unregister("_hidden")
    # Pages read ecm_observation: its rows are hidden exactly when the store says so.
    cur.execute(
        """
        UPDATE ecm_observation o
        SET suppressed = TRUE, note = CASE WHEN h.reason = 'secondary' THEN ? ELSE o.note END
        FROM observation_hidden h
        WHERE NOT o.suppressed AND o.indicator_id = h.indicator_id AND o.area_code = h.area_code
          AND o.period_year = h.period_year AND o.client_group_id = h.client_group_id
          AND o.sex = h.sex AND o.category = h.category
        """,
        [SECONDARY_NOTE],
    )


def _la_values(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    # Suppressed figures are never shown as numbers, so they take no part in
    # anyone's band or rank (as metrics.results.mask_suppressed does on pages).
    return cur.execute(
        """
        SELECT o.period_year, o.indicator_id, o.client_group_id, o.area_code,
               CASE WHEN o.suppressed THEN NULL ELSE o.value END AS value, i.polarity,
               list_contains(coalesce(i.no_band_groups, []), o.client_group_id) AS no_band
        FROM ecm_observation o JOIN area a USING (area_code) JOIN indicator i USING (indicator_id)
        WHERE a.area_type = 'la'
        ORDER BY o.period_year, o.indicator_id, o.client_group_id, o.area_code
        """
    ).df()


def national_tables(las: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(quantiles per indicator, period and group; band and rank of each LA row).

    The published functions, run once per indicator, period and client group:
    :func:`quartile_band` and :func:`national_rank` on that group's LA values,
    and pandas' linear quantiles, exactly what a page computed from the same rows.
    """
    if las.empty:
        return pd.DataFrame(columns=[*_GROUP_KEYS, *QUANTILES]), pd.DataFrame(
            columns=[*_GROUP_KEYS, "area_code", "band", "rank", "n_ranked"])
    grouped = las.groupby(_GROUP_KEYS, sort=False)["value"]
    national = grouped.quantile(list(QUANTILES.values())).unstack()
    national.columns = list(QUANTILES)
    national = national.reset_index()
    values = las["value"].to_numpy(dtype=float)
    polarity = las["polarity"].to_numpy(dtype=object)
    no_band = las["no_band"].to_numpy(dtype=bool) if "no_band" in las else np.zeros(len(las), dtype=bool)
    band = np.full(len(las), None, dtype=object)
    rank = np.full(len(las), np.nan)
    n_ranked = np.zeros(len(las), dtype=np.int64)
    for rows in grouped.indices.values():
        v = values[rows]
        pol = polarity[rows[0]]
        # A No_Quartile measure keeps its rank (LAIT shows one) but gets no band.
        if not no_band[rows[0]]:
            band[rows] = quartile_band(v, pol)
        rank[rows] = national_rank(v, pol)
        n_ranked[rows] = int(np.isfinite(v).sum())
    position = las[[*_GROUP_KEYS, "area_code"]].assign(band=band, rank=rank, n_ranked=n_ranked)
    return national, position
