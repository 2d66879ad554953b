"""Tables derived from the observations, rebuilt in the transaction that changes them.

Pages must cost what they show, not what the store holds (a national store with
every download and breakdown is tens of millions of rows). Three tables make
that so, each a pure function of ``observation``, ``indicator`` and ``area``:

* ``ecm_observation``: the rows pages read (mapped indicators, persons, no
  category), stored in page order (migration 005), with clusters' secondary
  suppression applied once here, so a cluster's own profile, its trend, the
  weak-areas list and the Clusters page all hide the same figures;
* ``ecm_national``: each indicator's LA quantiles per period and client group;
* ``ecm_position``: each LA's quartile band and national rank (migration 006).

:func:`refresh_derived` rebuilds all three from scratch inside the caller's
transaction (demo build, import, rollback, migration), so they commit or roll
back with the change that made them and cannot drift from their definition.
A full rebuild, not an incremental one: about a second even for a store 50
times the national demo, since it reads only ``ecm_observation``.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from metrics.stats import national_rank, quartile_band, secondary_suppression

#: The order ``ecm_observation`` is written in (see migration 005).
ECM_OBSERVATION_ORDER = ("period_year", "indicator_id", "area_code", "client_group_id")
#: LA quantiles shown beside each figure (the box of a box plot).
QUANTILES = {"la_min": 0.0, "la_q1": 0.25, "la_median": 0.5, "la_q3": 0.75, "la_max": 1.0}
_GROUP_KEYS = ["period_year", "indicator_id", "client_group_id"]
SECONDARY_NOTE = "c: hidden so that a suppressed cluster figure cannot be worked out from the LA total"


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
        _suppress_cluster_complements(cur)
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


def _suppress_cluster_complements(cur: duckdb.DuckDBPyConnection) -> None:
    """Hide the smallest sibling of a cluster hidden alone, wherever clusters are shown.

    An LA's clusters split its count and the LA total is published beside them,
    so one hidden cluster could be worked out by subtraction. The GSS rule
    (:func:`metrics.stats.secondary_suppression`) runs per LA, indicator, period
    and client group, and the cells it adds are marked suppressed here, once, so
    no page can show a figure another page hides.
    """
    clusters = cur.execute(
        """
        SELECT o.indicator_id, o.area_code, o.period_year, o.client_group_id, a.parent_code,
               o.count, o.suppressed
        FROM ecm_observation o JOIN area a USING (area_code)
        WHERE a.area_type = 'cluster'
        """
    ).df()
    if clusters.empty:
        return
    hidden = secondary_suppression(
        clusters, ["parent_code", "indicator_id", "period_year", "client_group_id"], "count", "suppressed"
    ).to_numpy()
    added = clusters.loc[hidden & ~clusters["suppressed"].to_numpy(dtype=bool),
                         ["indicator_id", "area_code", "period_year", "client_group_id"]]
    if added.empty:
        return
    cur.register("_complement", added)
    cur.execute(
        """
        UPDATE ecm_observation o SET suppressed = TRUE, note = ?
        FROM _complement c
        WHERE o.indicator_id = c.indicator_id AND o.area_code = c.area_code
          AND o.period_year = c.period_year AND o.client_group_id = c.client_group_id
        """,
        [SECONDARY_NOTE],
    )
    cur.unregister("_complement")


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
