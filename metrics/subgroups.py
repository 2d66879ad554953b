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

from metrics.results import Selection, catalogue_frame, latest_year, mask_suppressed
from metrics.stats import client_group_gap, compare_to_benchmark
from metrics.store import Store


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
    frame = store.df(
        """
        SELECT o.indicator_id, o.area_code, a.name, a.area_type, o.period_label, o.count,
               o.denominator, o.value, o.lower95, o.upper95, o.suppressed, o.note
        FROM observation o JOIN area a USING (area_code) JOIN indicator i USING (indicator_id)
        WHERE (o.area_code = $la OR a.parent_code = $la AND a.area_type = 'cluster')
          AND o.period_year = $year AND o.client_group_id = i.headline_group
          AND o.sex = 'persons' AND o.category = ''
          AND ($outcome IS NULL OR i.outcome_id = $outcome)
        """,
        {"la": la_code, "year": year, "outcome": outcome_id},
    )
    frame = mask_suppressed(frame)
    cat = catalogue_frame(store).set_index("indicator_id")
    la_vals = frame[frame["area_code"] == la_code].set_index("indicator_id")["value"]
    cl = frame[frame["area_type"] == "cluster"].copy()
    cl["la_value"] = cl["indicator_id"].map(la_vals)
    cl = cl.join(
        cat[["short_title", "outcome_id", "outcome_name", "polarity", "unit", "decimal_places"]],
        on="indicator_id",
    )
    cl["comparison"] = [
        compare_to_benchmark(v, lo, hi, b, p)
        for v, lo, hi, b, p in zip(
            cl["value"], cl["lower95"], cl["upper95"], cl["la_value"], cl["polarity"], strict=True
        )
    ]
    return cl.sort_values(["outcome_id", "indicator_id", "area_code"]).reset_index(drop=True)


def client_group_results(store: Store, sel: Selection) -> pd.DataFrame:
    """For the area and period: each client group against all children, per indicator."""
    year = sel.period_year or latest_year(store)
    frame = store.df(
        """
        SELECT o.indicator_id, o.client_group_id, g.name AS group_name, o.period_label,
               o.count, o.denominator, o.value, o.lower95, o.upper95, o.suppressed
        FROM observation o JOIN client_group g USING (client_group_id)
        WHERE o.area_code = ? AND o.period_year = ? AND o.sex = 'persons' AND o.category = ''
        """,
        [sel.area_code, year],
    )
    frame = mask_suppressed(frame)
    cat = catalogue_frame(store).set_index("indicator_id")
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
    groups["comparison"] = [
        compare_to_benchmark(v, lo, hi, b, p)
        for v, lo, hi, b, p in zip(
            groups["value"], groups["lower95"], groups["upper95"], groups["all_value"],
            groups["polarity"], strict=True,
        )
    ]
    # Where Newcombe's interval exists, it decides: the gap is significant when its
    # CI excludes zero, and polarity turns the sign into better or worse.
    has_gap_ci = groups["gap_lower"].notna()
    for idx in groups.index[has_gap_ci]:
        lo, hi, pol = groups.at[idx, "gap_lower"], groups.at[idx, "gap_upper"], groups.at[idx, "polarity"]
        groups.at[idx, "comparison"] = compare_to_benchmark(
            groups.at[idx, "gap"], lo, hi, 0.0, pol
        )
    return groups.sort_values(["client_group_id", "outcome_id", "indicator_id"]).reset_index(drop=True)
