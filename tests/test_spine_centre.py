"""The spine chart is centred on the chosen benchmark's value, better to the right, "c" where suppressed."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.charts.spine import spine_chart, spine_positions
from metrics.results import Selection, area_results
from metrics.store import Store


@pytest.mark.parametrize("benchmark", ["england", "region", "neighbours"])
def test_centre_is_the_chosen_benchmarks_value(demo_store: Store, benchmark: str) -> None:
    res = area_results(demo_store, Selection("E06000020", benchmark, 2024, "all"))
    pos = spine_positions(res)
    ok = pos["benchmark_value"].notna() & pos["value"].notna()
    assert ok.any()
    assert (pos.loc[ok, "centre_value"] == pos.loc[ok, "benchmark_value"]).all()
    # an area exactly at the benchmark sits on the centre line
    at_centre = spine_positions(res.assign(value=res["benchmark_value"]))
    assert (at_centre.loc[ok & at_centre["x_value"].notna(), "x_value"].abs() < 1e-9).all()
    fig = spine_chart(res, "t")
    assert list(fig.layout.xaxis.ticktext)[1] == str(res["benchmark_name"].iloc[0])


def test_better_is_right_and_suppressed_marked_c() -> None:
    res = pd.DataFrame({
        "short_title": ["low good", "high good", "hidden"],
        "polarity": ["low_is_good", "high_is_good", "high_is_good"],
        "value": [8.0, 12.0, float("nan")], "suppressed": [False, False, True],
        "benchmark_value": [10.0, 10.0, 10.0], "benchmark_name": ["Region"] * 3,
        "england_value": [50.0, 50.0, 50.0],
        "la_min": [0.0, 0.0, 0.0], "la_q1": [5.0] * 3, "la_q3": [15.0] * 3, "la_max": [20.0] * 3,
        "comparison": ["better", "better", "not_compared"],
    })
    pos = spine_positions(res)
    assert (pos["x_value"].iloc[:2] > 0).all()  # both better, both right of the Region centre
    fig = spine_chart(res, "t")
    texts = [t for t in fig.data if getattr(t, "mode", None) == "text"]
    assert texts and list(texts[0].text) == ["c"] and list(texts[0].y) == ["hidden"]
