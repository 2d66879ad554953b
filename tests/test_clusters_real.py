"""Clusters on a real store (issue 13, point 12): the page says no national file holds
them, offers the LA's template, and a filled template brings the clusters in."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from metrics.framework import REPO_ROOT
from metrics.io.core import import_source
from metrics.io.template import open_template
from metrics.results import Selection
from metrics.store import Store
from metrics.subgroups import (
    cluster_results,
    cluster_template_csv,
    clusters_of,
    has_cluster_figures,
)

LA = "E06000020"


def test_published_store_has_no_cluster_figures_and_the_page_says_so(
    published_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store(published_db, read_only=True) as store:
        assert len(clusters_of(store, LA)) == 5 and not has_cluster_figures(store, LA)
    monkeypatch.setenv("ECM_DB", str(published_db))
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60)
    at.switch_page("dashboard/pages/clusters.py")
    at.query_params["area"] = LA
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    info = " ".join(i.value for i in at.info)
    assert "No cluster figures for Telford and Wrekin yet" in info
    assert "No national publication holds figures below local authority level" in info


def test_the_template_filled_in_brings_the_clusters(published_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "store.duckdb"
    shutil.copy(published_db, path)
    with Store(path) as store:
        template = pd.read_csv(io.BytesIO(cluster_template_csv(store, LA)), dtype=str, keep_default_na=False)
        codes = set(template["area_code"])
        assert codes == {LA, *clusters_of(store, LA)["area_code"]}
        # an analyst fills in one proportion for the LA and its five clusters, counts adding up
        first = template[template["client_group_id"] == "all"]["indicator_id"].iloc[0]
        rows = template[(template["indicator_id"] == first) & (template["client_group_id"] == "all")].copy()
        clusters = sorted(codes - {LA})
        counts = dict(zip(clusters, [40, 55, 61, 38, 70], strict=True))
        rows["denominator"] = ["500" if c == LA else "100" for c in rows["area_code"]]
        rows["count"] = [str(sum(counts.values())) if c == LA else str(counts[c]) for c in rows["area_code"]]
        filled = tmp_path / "filled.csv"
        rows.to_csv(filled, index=False)
        result = import_source(store, open_template(filled))
        assert result.new + result.replaced == 6, result
        assert has_cluster_figures(store, LA)
        year = int(store.scalar("SELECT max(period_year) FROM observation WHERE indicator_id = ? AND area_code = ?",
                                [first, clusters[0]]))
        res = cluster_results(store, LA, Selection(LA, period_year=year))
        assert set(res.loc[res["indicator_id"] == first, "area_code"]) == set(clusters)
