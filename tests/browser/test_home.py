"""Home page in a real browser: renders from the real store, passes axe."""

from __future__ import annotations

import re

import pytest

from metrics.results import Selection, area_results, outcome_scorecard
from metrics.store import Store
from tests.browser.helpers import axe_violations, wait_for_app

pytestmark = pytest.mark.browser


def test_scorecard_counts_equal_what_metrics_computes(server: str, page, demo_store: Store) -> None:
    page.goto(server + "/?area=E06000020&benchmark=england")
    wait_for_app(page)
    assert "Demo data (synthetic)" in page.inner_text("body")
    card = outcome_scorecard(area_results(demo_store, Selection("E06000020")))
    for row in card.itertuples():
        text = page.locator(f".st-key-card-{row.outcome_id}").inner_text()
        assert row.outcome_name in text
        for key in ("better", "similar", "worse"):
            found = re.search(rf"(\d+)\s+{key}", text)
            assert found and int(found.group(1)) == getattr(row, key), (row.outcome_id, key, text)
        assert re.search(rf"{row.improving}\s+getting better", text)
        assert re.search(rf"{row.worsening}\s+getting worse", text)


def test_changing_the_area_changes_the_url(server: str, page) -> None:
    page.goto(server + "/?area=E06000020")
    wait_for_app(page)
    page.get_by_label("Area (type to search by name or code)").click()
    page.keyboard.type("Brighton")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"area=E06000043"))
    wait_for_app(page)
    assert "Brighton and Hove: the five Every Child Matters outcomes" in page.inner_text("body")


def test_home_has_no_serious_accessibility_violations(server: str, page) -> None:
    page.goto(server + "/")
    wait_for_app(page)
    violations = axe_violations(page)
    assert violations == [], [(v["id"], v["help"], len(v["nodes"])) for v in violations]
