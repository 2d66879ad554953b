"""Ofsted's ILACS judgement on Telford and Wrekin's pages, in a real browser, on the published store."""

from __future__ import annotations

import pytest

from tests.browser.helpers import assert_no_serious_violations, grid, keyed, wait_for_app

pytestmark = pytest.mark.browser

TELFORD = "E06000020"


@pytest.mark.parametrize("path", ["/", "/profile", "/judgements"], ids=["home", "profile", "judgements"])
def test_telford_pages_show_its_ofsted_judgement(published_server: str, page, path: str) -> None:
    page.goto(f"{published_server}{path}?area={TELFORD}")
    wait_for_app(page)
    box = keyed(page, "ofsted-latest").inner_text()
    assert "Ofsted (ILACS): Outstanding overall effectiveness" in box
    assert "inspected 29 April 2024 (short inspection), published 12 July 2024" in box


def test_home_with_ofsted_passes_axe(published_server: str, page) -> None:
    page.goto(f"{published_server}/?area={TELFORD}")
    wait_for_app(page)
    keyed(page, "ofsted-latest").get_by_text("Ofsted's judgements at each inspection").click()
    rows = grid(keyed(page, "ofsted-latest"))
    assert [r["Inspected"] for r in rows] == ["29 April 2024", "20 January 2020"]
    assert rows[0]["Overall effectiveness"] == "Outstanding"
    assert_no_serious_violations(page)


def test_trends_marks_the_inspection_periods(published_server: str, page) -> None:
    page.goto(f"{published_server}/trends?area={TELFORD}&indicator=LAC_RATE")
    wait_for_app(page)
    body = page.inner_text("body")
    assert "Dotted lines: Ofsted ILACS inspections of Telford and Wrekin" in body
    assert "Outstanding (29 April 2024) in 2024-25" in body
