"""Plain, one-query-at-a-time reads the batched engine (metrics.results) is checked against.

Written out here, not shared with the library, so an equivalence test compares two
independent readings of the store: a change to the engine's SQL cannot change both.
"""

from __future__ import annotations

import pandas as pd

from metrics.lookups import latest_year
from metrics.results import Selection
from metrics.store import Store

# The selected client group, where 'all' means each indicator's headline group.
HEADLINE = "o.client_group_id = CASE WHEN $group = 'all' THEN i.headline_group ELSE $group END"


def neighbour_source(store: Store, la_code: str | None = None) -> str | None:
    """DfE's published list when it has been imported for the LA, else the model's."""
    sql = "SELECT DISTINCT source FROM area_neighbour"
    frame = store.df(sql + " WHERE area_code = ?", [la_code]) if la_code else store.df(sql)
    sources = set(frame["source"])
    return "dfe" if "dfe" in sources else ("model" if "model" in sources else None)


def neighbours(store: Store, la_code: str) -> list[str]:
    """The LA's statistical neighbours in rank order, from the list :func:`neighbour_source` picks."""
    frame = store.df(
        "SELECT neighbour_code FROM area_neighbour WHERE area_code = ? AND source = ? ORDER BY rank",
        [la_code, neighbour_source(store, la_code)],
    )
    return frame["neighbour_code"].tolist()


def area_series(store: Store, sel: Selection, indicator_id: str | None = None) -> pd.DataFrame:
    """Every period of the area's values, headline or client group rows."""
    return store.frame(
        f"""
        SELECT o.indicator_id, o.period_year, o.period_label, o.count, o.denominator, o.value,
               o.lower95, o.upper95, o.lower998, o.upper998, o.suppressed, o.note
        FROM ecm_observation o JOIN indicator i USING (indicator_id)
        WHERE o.area_code = $area AND {HEADLINE}
          AND ($indicator IS NULL OR o.indicator_id = $indicator)
        ORDER BY o.indicator_id, o.period_year
        """,
        {"area": sel.area_code, "group": sel.client_group, "indicator": indicator_id},
    )


def period_panel(store: Store, sel: Selection, areas: list[str] | None = None) -> pd.DataFrame:
    """One period's values for every LA plus the named areas."""
    return store.frame(
        f"""
        SELECT o.indicator_id, o.area_code, a.area_type, o.period_year, o.period_label,
               o.count, o.denominator, o.value, o.lower95, o.upper95, o.lower998, o.upper998,
               o.suppressed, o.note
        FROM ecm_observation o JOIN indicator i USING (indicator_id) JOIN area a USING (area_code)
        WHERE o.period_year = $year AND {HEADLINE}
          AND (a.area_type = 'la' OR list_contains($areas, o.area_code))
        """,
        {"year": sel.period_year or latest_year(store), "group": sel.client_group, "areas": areas or []},
    )
