"""The comparison level of a Fingertips indicator, read from the publisher's own flags at import."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metrics.io.fingertips_levels import published_levels
from metrics.results import Selection, area_results
from metrics.stats import compare_to_benchmark
from metrics.store import Store
from tests.conftest import shared_path
from tests.io.conftest import import_file

INJURY = ("data", "fingertips", "injury_admissions_0_14_county_ua.csv")
FLAG = "Compared to England value or percentiles"


def _subset(tmp_path: Path, level: float | None) -> Path:
    """The real download cut to its latest period, persons, no breakdowns; with ``level``,
    its flags recomputed at that level as Fingertips would publish them."""
    d = pd.read_csv(shared_path(*INJURY), dtype=str, keep_default_na=False)
    d = d[(d["Time period"] == "2023/24") & (d["Sex"] == "Persons") & (d["Category Type"] == "")].copy()
    if level is not None:
        lo, hi = ("Lower CI 99.8 limit", "Upper CI 99.8 limit") if level == 99.8 else \
                 ("Lower CI 95.0 limit", "Upper CI 95.0 limit")
        eng = float(d.loc[d["Area Code"] == "E92000001", "Value"].iloc[0])
        num = {c: pd.to_numeric(d[c], errors="coerce").to_numpy(float) for c in ("Value", lo, hi)}
        flags = np.asarray(compare_to_benchmark(num["Value"], num[lo], num[hi], eng, "low_is_good"), dtype=object)
        words = {"better": "Better", "worse": "Worse", "similar": "Similar"}
        is_la = (d["Area Code"] != "E92000001").to_numpy() & ~np.isnan(num[lo])
        d.loc[is_la, FLAG] = [words.get(f, "Not compared") for f in flags[is_la]]
    path = tmp_path / "injury.csv"
    d.to_csv(path, index=False)
    return path


def test_the_real_download_is_compared_at_95() -> None:
    evidence = published_levels(shared_path(*INJURY))
    e = evidence["90284"]
    assert e.level == 95.0
    assert e.agree[95.0] == e.rows > 5000 and e.agree[99.8] < e.rows


def test_a_download_compared_at_998_sets_the_indicators_level(reference_store: Store, tmp_path: Path) -> None:
    iid = str(reference_store.scalar("SELECT indicator_id FROM indicator WHERE fingertips_id = '90284'"))
    assert reference_store.scalar("SELECT confidence_level FROM indicator WHERE indicator_id = ?", [iid]) == 95
    path = _subset(tmp_path, 99.8)
    assert published_levels(path)["90284"].level == 99.8
    result = import_file(reference_store, path)
    assert any("at 99.8% in this file" in n for n in result.notes)
    assert reference_store.scalar("SELECT confidence_level FROM indicator WHERE indicator_id = ?", [iid]) == 99.8
    # the page's flags are the publisher's: every LA compared at 99.8%, as the file says
    d = pd.read_csv(path, dtype={"Area Code": str})
    published = dict(zip(d["Area Code"], d[FLAG], strict=True))
    checked = 0
    for code in ("E06000020", "E06000009", "E08000025", "E10000015"):
        row = area_results(reference_store, Selection(code, "england", 2024)).set_index("indicator_id").loc[iid]
        assert row["confidence_level"] == 99.8
        if published.get(code) in ("Better", "Worse", "Similar"):
            assert row["comparison"] == published[code].lower()
            checked += 1
    assert checked >= 3


def test_a_download_at_the_stores_level_changes_nothing(reference_store: Store, tmp_path: Path) -> None:
    result = import_file(reference_store, _subset(tmp_path, None))
    assert not any("in this file" in n for n in result.notes)
    assert reference_store.scalar("SELECT confidence_level FROM indicator WHERE fingertips_id = '90284'") == 95


@pytest.mark.parametrize("text", ["", "Indicator ID,Value\n90284,1\n"])
def test_files_without_flags_or_limits_decide_nothing(tmp_path: Path, text: str) -> None:
    path = tmp_path / "f.csv"
    path.write_text(text)
    assert published_levels(path) == {}
