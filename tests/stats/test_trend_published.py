"""The recent-trend rules against Fingertips' own published trends.

The injury-admissions download (indicator 90284, counties and UAs) carries a
"Recent Trend" for each series' latest period, computed by Fingertips. Every
county and UA series is recomputed here with :func:`recent_trend` from the same
file's values, limits, counts and denominators, and must reach the same verdict
(significant change, no significant change, or cannot be calculated): in
particular the series with a missing year among their latest rows, which
Fingertips passes over ("years don't need to be consecutive").

The download's direction words read against its own values: every series whose
five latest valid rates fall is published as "Increasing and getting worse"
(and the few that rise as "Decreasing and getting better"), while FingertipsNext's
trend service and its healthdata extract use the slope's own sign, as we do. So
the direction is checked to be consistently mirrored, not equal, and the
significance verdict, which is what the rules decide, must agree exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metrics.stats import recent_trend
from tests.conftest import shared_path

VERDICT = {
    "Increasing and getting worse": "significant",
    "Increasing and getting better": "significant",
    "Decreasing and getting worse": "significant",
    "Decreasing and getting better": "significant",
    "No significant change": "no_significant_change",
    "Cannot be calculated": "cannot_be_calculated",
}


def _ours(direction: str) -> str:
    return "significant" if direction in ("increasing", "decreasing") else direction


@pytest.fixture(scope="module")
def injury_series() -> list[tuple[str, str, pd.DataFrame]]:
    path = shared_path("data", "fingertips", "injury_admissions_0_14_county_ua.csv")
    d = pd.read_csv(path, dtype={"Area Code": str})
    las = d[d["Area Type"].str.startswith("Counties & UAs") & d["Category Type"].isna()]
    out = []
    for (code, sex), g in las.groupby(["Area Code", "Sex"]):
        g = g.sort_values("Time period Sortable")
        if pd.notna(g["Recent Trend"].iloc[-1]):
            out.append((str(code), str(sex), g))
    assert len(out) > 400, "expected every county and UA, three sexes"
    return out


def _trend(g: pd.DataFrame):  # noqa: ANN202
    return recent_trend(
        g["Count"].to_numpy(float), g["Denominator"].to_numpy(float), g["Value"].to_numpy(float),
        g["Lower CI 95.0 limit"].to_numpy(float), g["Upper CI 95.0 limit"].to_numpy(float),
        "low_is_good", "crude_rate",
    )


def test_every_published_verdict_is_reproduced(injury_series: list[tuple[str, str, pd.DataFrame]]) -> None:
    wrong = []
    for code, sex, g in injury_series:
        published = VERDICT[g["Recent Trend"].iloc[-1]]
        t = _trend(g)
        if _ours(t.direction) != published:
            wrong.append((code, sex, g["Recent Trend"].iloc[-1], t.direction, t.reason))
    assert not wrong, f"{len(wrong)} of {len(injury_series)} series differ: {wrong[:5]}"


def test_series_with_a_missing_year_use_the_latest_five_valid_points(
    injury_series: list[tuple[str, str, pd.DataFrame]],
) -> None:
    gappy = [(c, s, g) for c, s, g in injury_series if g["Value"].tail(5).isna().any()]
    assert len(gappy) >= 20, "the download has series with a year missing among their latest five"
    reached_back = 0
    for code, sex, g in gappy:
        t = _trend(g)
        assert _ours(t.direction) == VERDICT[g["Recent Trend"].iloc[-1]], (code, sex)
        if t.points:
            valid = np.flatnonzero(g["Value"].notna().to_numpy() & g["Lower CI 95.0 limit"].notna().to_numpy())
            assert t.points == tuple(int(i) for i in valid[-5:])
            reached_back += t.points[0] < len(g) - 5
    assert reached_back >= 10, "the rule that matters: points before the last five rows are used"


def test_direction_words_are_consistently_mirrored(injury_series: list[tuple[str, str, pd.DataFrame]]) -> None:
    pairs = set()
    for _, _, g in injury_series:
        t = _trend(g)
        if t.direction in ("increasing", "decreasing"):
            pairs.add((g["Recent Trend"].iloc[-1].split()[0], t.direction))
    assert pairs <= {("Increasing", "decreasing"), ("Decreasing", "increasing")}
    assert ("Increasing", "decreasing") in pairs
