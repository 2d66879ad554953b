"""Inside an area: its clusters against the LA, and client groups against all children.

Clusters are first-class areas (type ``cluster``, parent LA). Their counts are
the LA's counts split by place, so each cluster is compared with its LA's value
using the cluster's own CI. Client groups are compared with all children in the
same area: for proportions the gap gets Newcombe's interval for a difference of
two proportions; for other value types the group's CI is set against the
all-children value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.results import Selection, latest_year, mask_suppressed
from metrics.stats import client_group_gap, compare_to_benchmark
from metrics.store import Store


def _catalogue_columns(store: Store) -> pd.DataFrame:
    """The catalogue columns these tables show, for the same indicators as
    :func:`metrics.results.catalogue_frame` (mapped, with an outcome and an aim),
    without its NSF-standard lists, which were most of the cost of reading it."""
    return store.df(
        """
        SELECT i.indicator_id, i.short_title, i.outcome_id, o.name AS outcome_name, i.polarity,
               i.value_type, i.multiplier, i.unit, i.decimal_places
        FROM indicator i JOIN outcome o USING (outcome_id) JOIN aim a USING (aim_id)
        WHERE i.mapped
        """
    ).set_index("indicator_id")


def _compare(
    value: pd.Series, lower: pd.Series, upper: pd.Series, benchmark: pd.Series, polarity: pd.Series
) -> np.ndarray:
    """compare_to_benchmark on whole columns at once (one call, not one per row)."""
    if len(value) == 0:
        return np.array([], dtype=float)  # what assigning an empty list gave: keeps frames identical
    return np.asarray(
        compare_to_benchmark(
            value.to_numpy(dtype=float),
            lower.to_numpy(dtype=float),
            upper.to_numpy(dtype=float),
            benchmark.to_numpy(dtype=float),
            polarity.to_numpy(dtype=object),
        ),
        dtype=object,
    )




def clusters_of(store: Store, la_code: str) -> pd.DataFrame:
    return store.df(
        "SELECT area_code, name, description FROM area WHERE parent_code = ? AND area_type = 'cluster'"
        " ORDER BY area_code",
        [la_code],
    )


def cluster_results(
    store: Store, la_code: str, sel: Selection, outcome_id: str | None = None
) -> pd.DataFrame:
    """Each cluster's value for each indicator (of one outcome, or all), against its LA."""
    year = sel.period_year or latest_year(store)
    frame = store.frame(
        """
        SELECT o.indicator_id, o.area_code, a.name, a.area_type, o.period_label, o.count,
               o.denominator, o.value, o.lower95, o.upper95, o.suppressed, o.note
        FROM ecm_observation o JOIN area a USING (area_code) JOIN indicator i USING (indicator_id)
        WHERE (o.area_code = $la OR a.parent_code = $la AND a.area_type = 'cluster')
          AND o.period_year = $year AND o.client_group_id = i.headline_group
          AND i.mapped
          AND ($outcome IS NULL OR i.outcome_id = $outcome)
        """,
        {"la": la_code, "year": year, "outcome": outcome_id},
    )
    # Clusters split their LA's count, so a cluster hidden alone would be given away
    # by the LA total beside it: its smallest sibling is already hidden in
    # ecm_observation (metrics.derived), the same cells on every page.
    frame = mask_suppressed(frame)
    cat = _catalogue_columns(store)
    la_vals = frame[frame["area_code"] == la_code].set_index("indicator_id")["value"]
    cl = frame[frame["area_type"] == "cluster"].copy()
    cl["la_value"] = cl["indicator_id"].map(la_vals)
    cl = cl.join(
        cat[["short_title", "outcome_id", "outcome_name", "polarity", "unit", "decimal_places"]],
        on="indicator_id",
    )
    cl["comparison"] = _compare(cl["value"], cl["lower95"], cl["upper95"], cl["la_value"], cl["polarity"])
    return cl.sort_values(["outcome_id", "indicator_id", "area_code"]).reset_index(drop=True)


def client_group_results(store: Store, sel: Selection) -> pd.DataFrame:
    """For the area and period: each client group against all children, per indicator."""
    year = sel.period_year or latest_year(store)
    frame = store.frame(
        """
        SELECT o.indicator_id, o.client_group_id, g.name AS group_name, o.period_label,
               o.count, o.denominator, o.value, o.lower95, o.upper95, o.suppressed
        FROM ecm_observation o JOIN client_group g USING (client_group_id)
        WHERE o.area_code = ? AND o.period_year = ?
          AND o.indicator_id IN (SELECT indicator_id FROM indicator WHERE mapped)
        """,
        [sel.area_code, year],
    )
    frame = mask_suppressed(frame)
    cat = _catalogue_columns(store)
    allc = frame[frame["client_group_id"] == "all"].set_index("indicator_id")
    groups = frame[frame["client_group_id"] != "all"].copy()
    groups = groups[groups["indicator_id"].isin(allc.index)]
    groups = groups.join(
        cat[["short_title", "outcome_id", "polarity", "value_type", "multiplier", "unit", "decimal_places"]],
        on="indicator_id",
    )
    groups["all_value"] = groups["indicator_id"].map(allc["value"])
    groups["all_count"] = groups["indicator_id"].map(allc["count"])
    groups["all_denominator"] = groups["indicator_id"].map(allc["denominator"])
    groups["gap"] = groups["value"] - groups["all_value"]
    groups["gap_lower"] = np.nan
    groups["gap_upper"] = np.nan
    prop = (groups["value_type"] == "proportion").to_numpy()
    if prop.any():
        g = groups[prop]
        gap = client_group_gap(
            g["count"].to_numpy(dtype=float),
            g["denominator"].to_numpy(dtype=float),
            g["all_count"].to_numpy(dtype=float),
            g["all_denominator"].to_numpy(dtype=float),
            0.95,
            g["multiplier"].to_numpy(dtype=float),
        )
        groups.loc[prop, "gap"] = gap.diff
        groups.loc[prop, "gap_lower"] = gap.lower
        groups.loc[prop, "gap_upper"] = gap.upper
    comparison = _compare(
        groups["value"], groups["lower95"], groups["upper95"], groups["all_value"], groups["polarity"]
    )
    # Where Newcombe's interval exists, it decides: the gap is significant when its
    # CI excludes zero, and polarity turns the sign into better or worse.
    has_gap_ci = groups["gap_lower"].notna().to_numpy()
    if has_gap_ci.any():
        g = groups[has_gap_ci]
        comparison[has_gap_ci] = _compare(
            g["gap"], g["gap_lower"], g["gap_upper"], pd.Series(0.0, index=g.index), g["polarity"]
        )
    groups["comparison"] = comparison
    return groups.sort_values(["client_group_id", "outcome_id", "indicator_id"]).reset_index(drop=True)
