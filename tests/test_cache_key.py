"""The pages' cache is keyed on the store and its version, so a page never shows another store's figures.

Two stores can share a data version (each counts its writes from 1): a replica
moving to a new snapshot, or two stores served in one process. Streamlit leaves
underscore-named arguments out of a cache key, so this once showed the first
store's figures for the second.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from metrics.framework import REPO_ROOT
from metrics.store import Store

AREA, INDICATOR = "E06000020", "NI73"


def _store_with(demo_db: Path, path: Path, value: float) -> int:
    shutil.copy(demo_db, path)
    with Store(path) as store, store.transaction() as cur:
        year = cur.execute("SELECT max(period_year) FROM observation WHERE indicator_id = ? AND area_code = ?",
                           [INDICATOR, AREA]).fetchone()[0]
        cur.execute("UPDATE observation SET value = ? WHERE indicator_id = ? AND area_code = ? AND period_year = ? "
                    "AND client_group_id = 'all' AND sex = 'persons' AND category = ''",
                    [value, INDICATOR, AREA, year])
        from metrics.derived import refresh_derived

        refresh_derived(cur)
    return int(year)


def _shown(monkeypatch: pytest.MonkeyPatch, path: Path, year: int) -> str:
    monkeypatch.setenv("ECM_DB", str(path))
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=90)
    at.switch_page("dashboard/pages/profile.py")
    at.query_params.update({"area": AREA, "period": str(year), "benchmark": "england", "outcome": "EA"})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    for df in at.dataframe:
        frame = df.value
        if "Value" in frame and "Code" not in frame:
            hit = frame[frame["Indicator"].str.startswith("KS2 expected standard")]
            if len(hit):
                return str(hit["Value"].iloc[0])
    raise AssertionError("the indicator's row was not on the page")


def test_two_stores_at_the_same_version_show_their_own_figures(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    year = _store_with(demo_db, tmp_path / "a.duckdb", 11.1)
    assert _store_with(demo_db, tmp_path / "b.duckdb", 22.2) == year
    with Store(tmp_path / "a.duckdb", read_only=True) as a, Store(tmp_path / "b.duckdb", read_only=True) as b:
        assert a.data_version() == b.data_version()
    assert _shown(monkeypatch, tmp_path / "a.duckdb", year) == "11.1"
    assert _shown(monkeypatch, tmp_path / "b.duckdb", year) == "22.2"
