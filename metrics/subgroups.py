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

from metrics.lookups import catalogue_memo, latest_periods, latest_year
from metrics.results import Selection, mask_suppressed
from metrics.spreadsheet import csv_bytes
from metrics.stats import client_group_gap, compare_to_benchmark, interval_at_level
from metrics.store import Store


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




def _clusters(store: Store) -> pd.DataFrame:
    """Every cluster with its LA, kept per data version."""
    return store.memo("clusters", lambda: store.df(
        "SELECT parent_code, area_code, name, description FROM area WHERE area_type = 'cluster'"
        " ORDER BY area_code"
    ))


def clusters_of(store: Store, la_code: str) -> pd.DataFrame:
    """An LA's clusters, in code order (from every cluster, kept per data version)."""
    every = _clusters(store)
    mine = every[every["parent_code"].to_numpy(dtype=object) == la_code]
    return mine.drop(columns="parent_code").reset_index(drop=True)


def cluster_la(store: Store, area_code: str) -> str:
    """The LA a clusters view is about: a cluster's own LA, else the area itself."""
    every = _clusters(store)
    parent = every.loc[every["area_code"].to_numpy(dtype=object) == area_code, "parent_code"]
    return str(parent.iloc[0]) if len(parent) else area_code


def las_with_clusters(store: Store) -> list[str]:
    """The codes of the LAs that have clusters defined, in code order."""
    every = _clusters(store)
    return sorted(str(c) for c in every["parent_code"].dropna().unique())


def has_cluster_figures(store: Store, la_code: str) -> bool:
    """Whether any of the LA's clusters has a figure: no national file publishes them,
    so a published store has none until the LA imports its own."""
    return bool(store.scalar(
        """SELECT count(*) > 0 FROM ecm_observation o JOIN area a USING (area_code)
           WHERE a.area_type = 'cluster' AND a.parent_code = ?""",
        [la_code],
    ))


def cluster_template_csv(store: Store, la_code: str) -> bytes:
    """The import template for the LA and its clusters (blank figures to fill in), as CSV.

    The file ``jar template --area`` writes, offered on the Clusters page so an LA can
    start from its own areas and the catalogue's indicators.
    """
    from metrics.io.template import (  # the template is the import's own layout
        COLUMNS,
        template_rows,
    )

    return csv_bytes(template_rows(store, la_code)[[*COLUMNS, "outcome"]])


def _headline_of(store: Store) -> dict[str, str]:
    """Indicator -> its headline client group, kept per data version."""
    def read() -> dict[str, str]:
        cat = catalogue_memo(store)
        return dict(zip(cat["indicator_id"], cat["headline_group"], strict=True))
    return store.memo("headline_of", read)


def _at_latest(store: Store, frame: pd.DataFrame, group: pd.Series) -> pd.DataFrame:
    """The rows of ``frame`` in their indicator's latest period for ``group`` (row by row)."""
    latest = latest_periods(store)
    fallback = latest_year(store)
    target = [latest.get((i, g), fallback) for i, g in zip(frame["indicator_id"], group, strict=True)]
    return frame[frame["period_year"].to_numpy() == np.asarray(target, dtype=np.int64)].reset_index(drop=True)


def cluster_results(
    store: Store, la_code: str, sel: Selection, outcome_id: str | None = None
) -> pd.DataFrame:
    """Each cluster's value for each indicator (of one outcome, or all), against its LA."""
    year = sel.period_year  # None: each indicator's latest period (latest_periods)
    # Clusters split their LA's count, so a cluster hidden alone would be given away
    # by the LA total beside it: its smallest sibling is already hidden in
    # ecm_observation (metrics.derived), the same cells on every page.
    frame = mask_suppressed(store.frame(
        """
        SELECT o.indicator_id, o.area_code, a.name, a.area_type, o.period_year, o.period_label, o.count,
               o.denominator, o.value, o.lower95, o.upper95, o.lower998, o.upper998, o.suppressed, o.note
        FROM ecm_observation o JOIN area a USING (area_code) JOIN indicator i USING (indicator_id)
        WHERE (o.area_code = $la OR a.parent_code = $la AND a.area_type = 'cluster')
          AND ($year IS NULL OR o.period_year = $year) AND o.client_group_id = i.headline_group
          AND ($outcome IS NULL OR i.outcome_id = $outcome)
        """,
        {"la": la_code, "year": year, "outcome": outcome_id},
    ), copy=False)
    if year is None:
        frame = _at_latest(store, frame, frame["indicator_id"].map(_headline_of(store)))
    # Each cluster's row beside its LA's value and the catalogue's fields, put
    # together by position (as client_group_results does).
    cat = catalogue_memo(store)
    cat_row = {ind: k for k, ind in enumerate(cat["indicator_id"])}
    ind = frame["indicator_id"].to_numpy(dtype=object)
    codes = frame["area_code"].to_numpy(dtype=object)
    is_la = codes == la_code
    values = frame["value"].to_numpy(dtype=float)
    la_value = dict(zip(ind[is_la], values[is_la], strict=True))
    keep = np.flatnonzero(
        (frame["area_type"].to_numpy(dtype=object) == "cluster")
        & np.fromiter((i in cat_row for i in ind), bool, len(ind))
    )
    cpos = np.fromiter((cat_row[i] for i in ind[keep]), np.intp, len(keep))
    order = np.lexsort((codes[keep].astype(str), ind[keep].astype(str), cat["outcome_id"].to_numpy(dtype=str)[cpos]))
    keep, cpos = keep[order], cpos[order]
    columns: dict[str, object] = {c: frame[c].array.take(keep) for c in frame.columns}
    columns["la_value"] = np.fromiter((la_value.get(i, np.nan) for i in ind[keep]), float, len(keep))
    for c in ("short_title", "outcome_id", "outcome_name", "polarity", "unit", "decimal_places", "confidence_level"):
        columns[c] = cat[c].array.take(cpos)
    cl = pd.DataFrame(columns)
    lower, upper = interval_at_level(cl["lower95"], cl["upper95"], cl["lower998"], cl["upper998"],
                                     cl["confidence_level"])
    cl["comparison"] = _compare(cl["value"], pd.Series(lower), pd.Series(upper), cl["la_value"], cl["polarity"])
    return cl


def client_group_results(store: Store, sel: Selection) -> pd.DataFrame:
    """For the area and period: each client group against all children, per indicator."""
    year = sel.period_year  # None: each group's latest period of each indicator
    frame = mask_suppressed(store.frame(
        """
        SELECT o.indicator_id, o.client_group_id, g.name AS group_name, o.period_year, o.period_label,
               o.count, o.denominator, o.value, o.lower95, o.upper95, o.lower998, o.upper998, o.suppressed
        FROM ecm_observation o JOIN client_group g USING (client_group_id)
        WHERE o.area_code = $area AND ($year IS NULL OR o.period_year = $year)
        """,
        {"area": sel.area_code, "year": year},
    ), copy=False)
    if year is None:
        # each group's row at that group's latest period, beside all children's row of the same period
        groups = frame[frame["client_group_id"] != "all"]
        groups = _at_latest(store, groups, groups["client_group_id"])
        wanted = set(zip(groups["indicator_id"], groups["period_year"], strict=True))
        needed = np.fromiter((k in wanted for k in zip(frame["indicator_id"], frame["period_year"], strict=True)),
                             dtype=bool, count=len(frame))
        alls = frame[(frame["client_group_id"] == "all").to_numpy() & needed]
        frame = pd.concat([groups, alls], ignore_index=True)
    # Each group's row beside its all-children row and the catalogue's fields, put
    # together by position: a join in SQL would read the area's rows twice, and pandas'
    # joins and sort cost more than the statistics.
    cat = catalogue_memo(store)
    cat_row = {ind: k for k, ind in enumerate(cat["indicator_id"])}
    ind = frame["indicator_id"].to_numpy(dtype=object)
    grp = frame["client_group_id"].to_numpy(dtype=object)
    yr = frame["period_year"].to_numpy()
    is_all = grp == "all"
    all_row = dict(zip(zip(ind[is_all], yr[is_all], strict=True), np.flatnonzero(is_all), strict=True))
    keep = np.flatnonzero(~is_all & np.fromiter(((i, y) in all_row and i in cat_row for i, y in zip(ind, yr, strict=True)),
                                                bool, len(ind)))
    cpos = np.fromiter((cat_row[i] for i in ind[keep]), np.intp, len(keep))
    order = np.lexsort((ind[keep].astype(str), cat["outcome_id"].to_numpy(dtype=str)[cpos], grp[keep].astype(str)))
    keep, cpos = keep[order], cpos[order]
    apos = np.fromiter((all_row[(i, y)] for i, y in zip(ind[keep], yr[keep], strict=True)), np.intp, len(keep))
    columns: dict[str, object] = {c: frame[c].array.take(keep) for c in frame.columns}
    for c in ("short_title", "outcome_id", "polarity", "value_type", "multiplier", "unit", "decimal_places",
              "confidence_level"):
        columns[c] = cat[c].array.take(cpos)
    for c in ("value", "count", "denominator"):
        columns[f"all_{c}"] = frame[c].array.take(apos)
    frame = pd.DataFrame(columns)
    groups = frame  # built from the masked read
    value = groups["value"].to_numpy(dtype=float)
    all_value = groups["all_value"].to_numpy(dtype=float)
    polarity = groups["polarity"].to_numpy(dtype=object)
    gap = value - all_value
    gap_lower = np.full(len(groups), np.nan)
    gap_upper = np.full(len(groups), np.nan)
    is_prop = groups["value_type"].to_numpy(dtype=object) == "proportion"
    level = groups["confidence_level"].to_numpy(dtype=float)
    # The gap's interval at the indicator's own comparison level, as every other flag.
    for lv in np.unique(level[is_prop]):
        prop = is_prop & (level == lv)
        newcombe = client_group_gap(
            groups["count"].to_numpy(dtype=float)[prop],
            groups["denominator"].to_numpy(dtype=float)[prop],
            groups["all_count"].to_numpy(dtype=float)[prop],
            groups["all_denominator"].to_numpy(dtype=float)[prop],
            float(lv) / 100.0,
            groups["multiplier"].to_numpy(dtype=float)[prop],
        )
        gap[prop], gap_lower[prop], gap_upper[prop] = newcombe.diff, newcombe.lower, newcombe.upper
    comparison = np.empty(len(groups), dtype=object)
    # Where Newcombe's interval exists, it decides: the gap is significant when its
    # CI excludes zero, and polarity turns the sign into better or worse.
    has_gap_ci = ~np.isnan(gap_lower)
    for rows, args in (
        (has_gap_ci, (gap, gap_lower, gap_upper, np.zeros(len(groups)))),
        (~has_gap_ci, (value, *interval_at_level(groups["lower95"], groups["upper95"], groups["lower998"],
                                                 groups["upper998"], level), all_value)),
    ):
        if rows.any():
            comparison[rows] = compare_to_benchmark(*(a[rows] for a in args), polarity[rows])
    return groups.assign(gap=gap, gap_lower=gap_lower, gap_upper=gap_upper, comparison=comparison)


def of_group(results: pd.DataFrame, client_group: str) -> pd.DataFrame:
    """:func:`client_group_results` narrowed to one client group ("all" keeps every group)."""
    if client_group == "all":
        return results
    return results[results["client_group_id"].to_numpy(dtype=object) == client_group]
