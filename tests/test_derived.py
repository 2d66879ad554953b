"""The derived tables (metrics.derived) on stores at the edges: what pages read must build from any store."""

from __future__ import annotations

import shutil
from pathlib import Path

from metrics.derived import hidden_cells, refresh_derived
from metrics.store import Store, new_batch


def test_a_store_of_england_figures_alone_refreshes(empty_db: Path, tmp_path: Path) -> None:
    """No row has a parent area, so no area total exists: nothing is a relation's total, and a small
    count is still hidden as a primary cell (the relation arrays were once indexed while empty)."""
    path = tmp_path / "england.duckdb"
    shutil.copy(empty_db, path)
    with Store(path) as store, store.transaction() as cur:
        indicator = cur.execute("SELECT indicator_id FROM indicator WHERE value_type = 'proportion'"
                                " AND mapped ORDER BY indicator_id LIMIT 1").fetchone()[0]
        batch = new_batch(cur, "england.csv", "template", "test")
        cur.executemany(
            """INSERT INTO observation (indicator_id, area_code, period_year, period_label, client_group_id,
                   count, denominator, value, batch_id) VALUES (?, 'E92000001', ?, ?, 'all', ?, 1000, ?, ?)""",
            [[indicator, 2024, "2024", 3, 0.3, batch], [indicator, 2025, "2025", 400, 40.0, batch]],
        )
        refresh_derived(cur)
        hidden = hidden_cells(cur)
        assert hidden[["period_year", "reason"]].values.tolist() == [[2024, "primary"]]
        assert cur.execute("SELECT count(*) FROM ecm_observation").fetchone()[0] == 2
