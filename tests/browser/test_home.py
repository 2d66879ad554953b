"""Home page in a real browser: renders from the real store, passes axe."""

from __future__ import annotations

import re

import pytest

from metrics.results import Selection, area_results
from metrics.scorecard import outcome_scorecard
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
        assert re.search(rf"{row.higher}\s+higher \(activity\)", text)
        assert re.search(rf"{row.lower}\s+lower \(activity\)", text)
        assert re.search(rf"{row.not_compared}\s+not compared", text)


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


QUERY = "area=E06000020&benchmark=england&period=2025&group=all"
SEL = Selection("E06000020", "england", 2025, "all")
RAW_CODES = re.compile(r"not_compared|\bnan\b|\bNone\b|indicator_id|high_is_good|low_is_good|no_judgement|"
                       r"getting_worse|getting_better|best_quarter|worst_quarter|red_red|band_d|client_group")


def _links(container) -> list[tuple[str, str]]:
    links = container.locator('[data-testid="stPageLink"] a')
    return [(a.inner_text().strip(), a.get_attribute("href") or "") for a in links.all()]


def test_scorecard_lists_exactly_the_worse_indicators_by_name(server: str, page, demo_store: Store) -> None:
    page.goto(server + "/?" + QUERY)
    wait_for_app(page)
    res = area_results(demo_store, SEL)
    for outcome in ("BH", "EW"):
        mine = res[res["outcome_id"] == outcome]
        worse = mine[mine["comparison"] == "worse"]
        assert len(worse) > 1
        links = _links(page.locator(f".st-key-list-{outcome}-worse"))
        assert [name for name, _ in links] == worse["short_title"].tolist()
        for (_, href), ind in zip(links, worse["indicator_id"], strict=True):
            assert "trends" in href and f"indicator={ind}" in href and "area=E06000020" in href, href
        getting = mine[mine["trend"] == "getting_worse"]
        got = [name for name, _ in _links(page.locator(f".st-key-list-{outcome}-getting_worse"))]
        assert got == getting["short_title"].tolist()


def test_activity_measures_listed_as_higher_and_lower(server: str, page, demo_store: Store) -> None:
    page.goto(server + "/?" + QUERY)
    wait_for_app(page)
    res = area_results(demo_store, SEL)
    ss = res[res["outcome_id"] == "SS"]
    for key in ("higher", "lower"):
        want = ss[ss["comparison"] == key]["short_title"].tolist()
        assert want
        assert [n for n, _ in _links(page.locator(f".st-key-list-SS-{key}"))] == want
    card = page.locator(".st-key-card-SS").inner_text()
    assert re.search(rf"{int((ss['comparison'] == 'higher').sum())}\s+higher \(activity\)", card)


def test_a_list_link_opens_the_indicators_trend(server: str, page, demo_store: Store) -> None:
    page.goto(server + "/?" + QUERY)
    wait_for_app(page)
    res = area_results(demo_store, SEL)
    first = res[(res["outcome_id"] == "BH") & (res["comparison"] == "worse")].iloc[0]
    page.locator(".st-key-list-BH-worse").get_by_role("link", name=first["short_title"], exact=True).click()
    page.wait_for_url(re.compile(rf"/trends\?.*indicator={first['indicator_id']}"))
    assert "area=E06000020" in page.url


@pytest.mark.parametrize("width", [1280, 720])
def test_no_text_in_the_cards_is_clipped(server: str, page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 1000})
    page.goto(server + "/?" + QUERY)
    wait_for_app(page)
    cards = page.locator('[class*="st-key-card-"]')
    assert cards.count() == 5
    clipped = page.evaluate("""() => [...document.querySelectorAll('[class*="st-key-card-"], [class*="st-key-card-"] *')]
        .filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)
        .map(e => [e.tagName, e.className.toString().slice(0, 40), e.textContent.trim().slice(0, 40),
                   e.scrollWidth, e.clientWidth])""")
    assert clipped == []
    # each card wholly inside the page: nothing pushed off to the right
    right = page.evaluate("() => document.documentElement.clientWidth")
    for box in (c.bounding_box() for c in cards.all()):
        assert box and box["x"] + box["width"] <= right + 1
    assert page.locator(".st-key-card-EW").get_by_role("link", name="Open profile").is_visible()


def test_home_shows_no_raw_codes(server: str, page) -> None:
    page.goto(server + "/?" + QUERY)
    wait_for_app(page)
    page.get_by_text("The same figures as a table").click()
    page.wait_for_timeout(500)
    headers = [h.strip() for h in page.locator('[data-testid="stDataFrame"] table thead th').all_inner_texts()]
    body = page.inner_text("body") + " " + " ".join(headers)
    assert not RAW_CODES.search(body), RAW_CODES.findall(body)
