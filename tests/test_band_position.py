"""Figures without an interval are placed by their national band, never called
significant (issue 13, point 9)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from metrics.framework import REPO_ROOT
from metrics.results import Selection, area_results
from metrics.scorecard import by_band, outcome_scorecard
from metrics.store import Store

CASES = [
    # comparison, band -> position
    ("better", "A", None),  # tested: the test speaks, the band does not
    ("worse", "D", None),
    ("similar", "D", None),
    ("not_compared", "A", "best_quarter"),
    ("not_compared", "D", "worst_quarter"),
    ("not_compared", "B", "middle"),
    ("not_compared", "C", "middle"),
    ("not_compared", None, None),
    ("higher", None, None),  # no polarity: no band, so no position either
    ("lower", None, None),
]


@pytest.mark.parametrize(("comparison", "band", "position"), CASES)
def test_by_band(comparison: str, band: str | None, position: str | None) -> None:
    frame = pd.DataFrame({"comparison": [comparison], "band": pd.Series([band], dtype=object)})
    assert by_band(frame).tolist() == [position]


def test_scorecard_counts_band_positions_beside_the_tests(published_db: Path) -> None:
    with Store(published_db, read_only=True) as store:
        res = area_results(store, Selection("E06000020"))
    card = outcome_scorecard(res).set_index("outcome_id")
    untested = ~res["comparison"].isin(["better", "similar", "worse"])
    for oid, rows in res.groupby("outcome_id"):
        u = untested[rows.index]
        assert card.at[oid, "best_quarter"] == int((u & (rows["band"] == "A")).sum())
        assert card.at[oid, "worst_quarter"] == int((u & (rows["band"] == "D")).sum())
        assert card.at[oid, "best_quarter"] + card.at[oid, "worst_quarter"] <= card.at[oid, "not_compared"]
    # on the real store most figures have no interval: the band places a good share of them
    assert card["best_quarter"].sum() + card["worst_quarter"].sum() > 10
    # and never as significance: those rows stay "not compared"
    placed = by_band(res)
    assert set(res.loc[np.isin(placed, ["best_quarter", "worst_quarter"]), "comparison"]) <= {
        "not_compared", "higher", "lower"}


def test_scorecard_page_says_it(published_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECM_DB", str(published_db))
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    captions = " ".join(c.value for c in at.caption)
    assert "by national band (not a test)" in captions
