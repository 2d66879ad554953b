"""Read functions over the framework and the indicator catalogue in a store."""

from __future__ import annotations

import pandas as pd

from metrics.store import Store


def outcome_summary(store: Store) -> pd.DataFrame:
    """The five ECM outcomes with how many indicators and aims each has."""
    return store.df(
        """
        SELECT o.outcome_id, o.name, o.description, o.sort_order,
               count(DISTINCT i.indicator_id) AS n_indicators,
               count(DISTINCT a.aim_id) AS n_aims
        FROM outcome o
        LEFT JOIN aim a USING (outcome_id)
        LEFT JOIN indicator i ON i.outcome_id = o.outcome_id AND i.mapped
        GROUP BY ALL
        ORDER BY o.sort_order
        """
    )


def indicators(store: Store, outcome_id: str | None = None) -> pd.DataFrame:
    """The catalogue (optionally one outcome), with NSF standards as a list.

    Read on every rerun of the catalogue page (each keystroke in its search box),
    and thousands of rows once a whole download is imported: kept until the data
    change.
    """
    return store.memo(f"indicators:{outcome_id}", lambda: _read_indicators(store, outcome_id)).copy()


def _read_indicators(store: Store, outcome_id: str | None) -> pd.DataFrame:
    return store.df(
        """
        SELECT i.*, list(n.standard ORDER BY n.standard) FILTER (WHERE n.standard IS NOT NULL)
                   AS nsf_standards
        FROM indicator i LEFT JOIN indicator_nsf n USING (indicator_id)
        WHERE ($outcome IS NULL OR i.outcome_id = $outcome)
        GROUP BY ALL
        ORDER BY i.outcome_id, i.aim_id, i.indicator_id
        """,
        {"outcome": outcome_id},
    )


def areas(store: Store, area_type: str | None = None) -> pd.DataFrame:
    return store.df(
        """
        SELECT area_code, name, area_type, parent_code, la_number, region_code, population_0_17
        FROM area WHERE ($type IS NULL OR area_type = $type)
        ORDER BY CASE area_type WHEN 'england' THEN 0 WHEN 'region' THEN 1
                 WHEN 'la' THEN 2 ELSE 3 END, name
        """,
        {"type": area_type},
    )


def client_groups(store: Store) -> pd.DataFrame:
    """The client groups in the framework's order (all children first)."""
    return store.df("SELECT * FROM client_group ORDER BY sort_order")


def is_demo(store: Store) -> bool:
    return store.meta("dataset") == "demo"


def unmapped_indicators(store: Store) -> pd.DataFrame:
    """Indicators an import brought that are not yet mapped to an ECM outcome.

    The catalogue page lists them so a reviewer can see what the store holds
    beyond the ECM framework (and how much of it) before mapping any of them.
    Counting their rows reads the whole store (counted first, then joined: 0.07 s
    at 50x the national demo, where joining first took 0.5 s), so the answer is
    kept until the data change.
    """
    return store.memo("unmapped_indicators", lambda: _read_unmapped(store)).copy()


def _read_unmapped(store: Store) -> pd.DataFrame:
    return store.df(
        """
        SELECT i.indicator_id AS id, i.title, i.source, coalesce(c.rows, 0) AS rows
        FROM indicator i
        LEFT JOIN (SELECT indicator_id, count(*) AS rows FROM observation GROUP BY indicator_id) c
            USING (indicator_id)
        WHERE NOT i.mapped
        ORDER BY i.indicator_id
        """
    )
