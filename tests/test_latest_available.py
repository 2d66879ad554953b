""""Latest available": each indicator at its own latest period, and a partial new
period moves nobody (issue 13, point 10)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from metrics.derived import refresh_derived
from metrics.lookups import LATEST_AVAILABLE, latest_periods, latest_year
from metrics.results import Selection, area_results
from metrics.store import Store
from metrics.subgroups import client_group_results, cluster_results
from tests.test_perf_equivalence import (
    reference_area_results,
    reference_client_groups,
    reference_clusters,
)

AREA = "E06000020"


@pytest.fixture(scope="module")
def staggered(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """The demo with one indicator published a year later than the rest (no 2025 yet)
    and another with a partial 2026: 24 LAs' rows, as a half-finished import leaves."""
    path = tmp_path_factory.mktemp("latest") / "latest.duckdb"
    shutil.copy(demo_db, path)
    with Store(path) as store:
        late, partial = (str(i) for i in store.df(
            """SELECT indicator_id FROM indicator WHERE mapped AND value_type = 'proportion'
               AND headline_group = 'all' ORDER BY indicator_id LIMIT 2"""
        )["indicator_id"])
        with store.transaction() as cur:
            cur.execute("DELETE FROM observation WHERE indicator_id = ? AND period_year = 2025", [late])
            cur.execute(
                """INSERT INTO observation SELECT * REPLACE (2026 AS period_year, '2026' AS period_label)
                   FROM observation WHERE indicator_id = ? AND period_year = 2025 AND area_code IN (
                       SELECT area_code FROM area WHERE area_type = 'la' ORDER BY area_code LIMIT 24)""",
                [partial],
            )
            refresh_derived(cur)
    return path, late, partial


def test_each_indicator_at_its_own_latest_period(staggered: tuple[Path, str, str]) -> None:
    path, late, partial = staggered
    with Store(path, read_only=True) as store:
        latest = latest_periods(store)
        assert latest[(late, "all")] == 2024
        assert latest[(partial, "all")] == 2025  # 24 of 153 LAs is not a period yet
        assert latest_year(store) == 2025  # nor does it move the default single year
        res = area_results(store, Selection(AREA)).set_index("indicator_id")
        assert res.at[late, "period_year"] == 2024
        fixed = area_results(store, Selection(AREA, period_year=2024)).set_index("indicator_id")
        assert res.at[late, "value"] == fixed.at[late, "value"]
        assert res.at[partial, "period_year"] == 2025
        # a fixed 2025 shows the late indicator blank: what "latest available" avoids
        assert pd.isna(area_results(store, Selection(AREA, period_year=2025)).set_index("indicator_id").at[late, "value"])


@pytest.mark.parametrize("sel", [Selection(AREA), Selection(AREA, "neighbours", None, "lac"),
                                 Selection(f"{AREA}-C01", "parent")], ids=["la", "lac-neighbours", "cluster"])
def test_latest_available_equals_the_reference(staggered: tuple[Path, str, str], sel: Selection) -> None:
    with Store(staggered[0], read_only=True) as store:
        pd.testing.assert_frame_equal(area_results(store, sel), reference_area_results(store, sel))


def test_clusters_and_client_groups_at_latest(staggered: tuple[Path, str, str]) -> None:
    path, late, _ = staggered
    with Store(path, read_only=True) as store:
        sel = Selection(AREA)
        pd.testing.assert_frame_equal(client_group_results(store, sel), reference_client_groups(store, sel))
        ours = cluster_results(store, AREA, sel)
        pd.testing.assert_frame_equal(ours, reference_clusters(store, AREA, sel, None))
        assert set(ours.loc[ours["indicator_id"] == late, "period_year"]) <= {2024}


def test_period_text() -> None:
    assert Selection(AREA).period_text == LATEST_AVAILABLE
    assert Selection(AREA, period_year=2023).period_text == "2023"
