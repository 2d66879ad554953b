"""In the browser, the profile's spine chart is centred on the benchmark the reader chose.

Read from the chart as Chromium drew it: Plotly keeps each trace's data on the
plot element; each marker's hover text gives the area's value and the centre's.
"""

from __future__ import annotations

import re

import pytest

from metrics.results import Selection, area_results
from metrics.store import Store
from tests.browser.helpers import fmt, wait_for_app

pytestmark = pytest.mark.browser

AREA = "E06000020"
HOVER = re.compile(r"^(?P<title>.+): (?P<value>\S+) \((?P<bench>.+) (?P<centre>\S+)\), (?P<words>.+)$")


@pytest.mark.parametrize("benchmark", ["neighbours", "region", "england"])
def test_spine_centre_is_the_chosen_benchmarks_value(server: str, page, demo_store: Store, benchmark: str) -> None:
    page.goto(f"{server}/profile?area={AREA}&benchmark={benchmark}&period=latest&group=all&outcome=EA")
    wait_for_app(page)
    page.locator(".js-plotly-plot").first.wait_for()
    data = page.evaluate("() => document.querySelector('.js-plotly-plot').data.map(t => "
                         "({name: t.name, text: t.text, x: t.x, y: t.y}))")
    axis = page.evaluate("() => document.querySelector('.js-plotly-plot').layout.xaxis.ticktext")
    res = area_results(demo_store, Selection(AREA, benchmark, None, "all"))
    res = res[res["outcome_id"] == "EA"].set_index("short_title")
    assert axis[1] == res["benchmark_name"].iloc[0], axis
    checked = 0
    for trace in data:
        for text in trace["text"] or []:
            m = HOVER.match(str(text))
            if not m:
                continue
            row = res.loc[m["title"]]
            centre = row["benchmark_value"] if row["benchmark_value"] == row["benchmark_value"] else row["england_value"]
            assert m["centre"] == fmt(centre, int(row["decimal_places"])), (m["title"], text)
            assert m["value"] == fmt(row["value"], int(row["decimal_places"]), bool(row["suppressed"])), text
            checked += 1
    assert checked >= 5, data
