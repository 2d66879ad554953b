"""Indicator-level rules of issue 12 on real stores: LAIT's No_Quartile flag, no rank
without a polarity, and the comparison at each indicator's confidence level."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metrics.comparisons import indicator_across_las
from metrics.framework import load_reference
from metrics.io.lait import no_quartile, read_mapping
from metrics.published import SNAPSHOT_DIR
from metrics.results import Selection, area_results
from metrics.stats import compare_to_benchmark
from metrics.store import Store
from metrics.subgroups import client_group_results, cluster_results


def _dictionary() -> pd.DataFrame:
    """LAIT's data dictionary as the shipped snapshot holds it (no ../shared needed)."""
    d = pd.read_parquet(SNAPSHOT_DIR / "extracts" / "lait_dictionary.parquet")
    d["Measure_short"] = d["Measure_short"].str.strip()
    return d


def _flagged() -> set[str]:
    return {str(row["Measure_short"]) for _, row in _dictionary().iterrows() if no_quartile(row)}


def test_catalogue_no_band_groups_follow_the_lait_dictionary() -> None:
    """Every catalogue group fed by a No_Quartile measure has no band, and no other."""
    flagged = _flagged()
    ref = load_reference()
    expected: dict[str, set[str]] = {i.indicator_id: set() for i in ref.indicators}
    for i in ref.indicators:
        if i.lait_measure in flagged:
            expected[i.indicator_id].add(i.headline_group)
    for row in read_mapping():
        if row.kind == "catalogue" and row.lait_measure in flagged:
            expected[str(row.indicator_id)].add(row.client_group_id or "all")
    got = {i.indicator_id: set(i.no_band_groups) for i in ref.indicators}
    assert got == expected
    assert got["NI72"] == {"lac", "cpp"}


def test_published_store_bands_ranks_and_no_quartile(published_db: Path) -> None:
    with Store(published_db, read_only=True) as store:
        pos = store.df(
            """SELECT p.indicator_id, p.client_group_id, i.polarity, i.lait_measure,
                      count(*) AS n, count(p.band) AS banded, count(p.rank) AS ranked
               FROM ecm_position p JOIN indicator i USING (indicator_id) GROUP BY ALL"""
        )
        new = store.df("SELECT indicator_id, lait_measure, no_band_groups FROM indicator WHERE starts_with(indicator_id, 'LAIT_')")
    # LAIT shows "-" for rank and band when a measure has no polarity
    nj = pos[pos["polarity"] == "no_judgement"]
    assert len(nj) and nj["banded"].sum() == 0 and nj["ranked"].sum() == 0
    # NI72 (good level of development): looked-after and CP-plan children are No_Quartile
    # in LAIT: ranked, never banded; every other group banded
    ni72 = pos[pos["indicator_id"] == "NI72"].set_index("client_group_id")
    assert ni72.loc[["lac", "cpp"], "banded"].sum() == 0 and ni72.loc[["lac", "cpp"], "ranked"].min() > 0
    assert (ni72.drop(index=["lac", "cpp"])["banded"] > 0).all()
    # measures LAIT's dictionary flags N that arrive as new indicators carry the flag
    flagged = _flagged()
    marked = {m for m, g in zip(new["lait_measure"], new["no_band_groups"], strict=True) if list(g) == ["all"]}
    assert marked and marked <= flagged
    # those with a polarity and an ECM aim (CIN persistent absence, CIN exclusions) are ranked, not banded
    judged = pos[pos["lait_measure"].isin(marked) & (pos["polarity"] != "no_judgement")]
    assert set(judged["lait_measure"]) >= {"CINPermAbsent_3Term", "CINPermExclusion"}
    assert judged["banded"].sum() == 0 and (judged["ranked"] > 0).all()


@pytest.fixture(scope="module")
def strict_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo store with one counted proportion compared at 99.8%, as Fingertips sets for some."""
    path = tmp_path_factory.mktemp("strict") / "strict.duckdb"
    shutil.copy(demo_db, path)
    with Store(path) as store:
        indicator = str(store.scalar(
            """SELECT indicator_id FROM indicator WHERE value_type = 'proportion' AND ci_method = 'wilson'
               AND headline_group = 'all' ORDER BY indicator_id LIMIT 1"""
        ))
        with store.transaction() as cur:
            cur.execute("UPDATE indicator SET confidence_level = 99.8 WHERE indicator_id = ?", [indicator])
    return path, indicator


def test_comparison_uses_the_indicators_level_everywhere(strict_db: tuple[Path, str]) -> None:
    path, indicator = strict_db
    with Store(path, read_only=True) as store:
        las = indicator_across_las(store, indicator, Selection("E06000020", "england"))
        pol = str(store.scalar("SELECT polarity FROM indicator WHERE indicator_id = ?", [indicator]))
        at95 = compare_to_benchmark(las["value"].to_numpy(float), las["lower95"].to_numpy(float),
                                    las["upper95"].to_numpy(float), las["england_value"].to_numpy(float), pol)
        at998 = compare_to_benchmark(las["value"].to_numpy(float), las["lower998"].to_numpy(float),
                                     las["upper998"].to_numpy(float), las["england_value"].to_numpy(float), pol)
        assert list(las["comparison"]) == list(at998)
        assert (np.asarray(at95) != np.asarray(at998)).any(), "the level must change some LA's flag"
        # the area's results: the 99.8% limits, said in the row
        for code in las["area_code"][:20]:
            row = area_results(store, Selection(code, "england")).set_index("indicator_id").loc[indicator]
            assert row["confidence_level"] == 99.8
            assert row["compared_lower"] == row["lower998"] or (np.isnan(row["compared_lower"])
                                                                 and np.isnan(row["lower998"]))
            assert row["comparison"] == compare_to_benchmark(row["value"], row["lower998"], row["upper998"],
                                                             row["benchmark_value"], pol)
        # clusters against their LA, and client groups against all children, at 99.8% too
        cl = cluster_results(store, "E06000020", Selection("E06000020", "england"))
        cl = cl[cl["indicator_id"] == indicator]
        assert len(cl)
        for r in cl.itertuples():
            assert r.comparison == compare_to_benchmark(r.value, r.lower998, r.upper998, r.la_value, pol)
        groups = client_group_results(store, Selection("E06000020", "england"))
        assert (groups.loc[groups["indicator_id"] == indicator, "confidence_level"] == 99.8).all()
