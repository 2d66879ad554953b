"""Moving between pages keeps the reader's selection, however they move.

Streamlit's sidebar links open a page with an empty query string; a Blackpool
reader who clicks "Weak areas" must still read Blackpool's weak areas, for the
period, benchmark and client group they chose.
"""

from __future__ import annotations

import contextlib
import time

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.helpers import choose, keyed, wait_for_app

pytestmark = pytest.mark.browser

# Sidebar titles (app.py) of the pages that draw the selection bar, and of those that do not.
WITH_SELECTION = ["Outcome scorecard", "Area profile", "Compare areas", "Trends", "Clusters", "Client groups",
                  "Weak areas", "Map", "Data pack", "Review judgements"]
WITHOUT = ["Watchlist", "Indicator catalogue", "Data: import and history", "Users and audit log", "User guide and accessibility"]
# Nothing here is a default: Telford, England, latest available and all children are.
CHOSEN = {"area": "E06000009", "benchmark": "region", "period": "2023", "group": "lac"}
SHOWN = {"sel_area": "Blackpool", "sel_benchmark": "Region", "sel_period": "2023", "sel_group": "Looked-after"}


def eulerian_circuit(nodes: list[str]) -> list[str]:
    """A walk from nodes[0] using every ordered pair (a, b), a != b, exactly once (Hierholzer)."""
    out = {a: [b for b in reversed(nodes) if b != a] for a in nodes}
    stack, walk = [nodes[0]], []
    while stack:
        here = stack[-1]
        if out[here]:
            stack.append(out[here].pop())
        else:
            walk.append(stack.pop())
    return walk[::-1]


def test_the_circuit_uses_every_ordered_pair_once() -> None:
    walk = eulerian_circuit(["a", "b", "c", "d"])
    pairs = list(zip(walk, walk[1:], strict=False))
    assert len(pairs) == 12 and len(set(pairs)) == 12


def _click_sidebar(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True).click()
    wait_for_app(page)


def _assert_selection_kept(page, title: str, came_from: str) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, (came_from, title)
    # The page writes the selection into the address bar as its script runs; on a loaded machine
    # the bar can lag the "script done" signal by a moment, so wait (up to 10 s) before reading it.
    wanted = [f"{k}={v}" for k, v in CHOSEN.items()]
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function("(w) => w.every((p) => location.search.includes(p))", arg=wanted, timeout=10_000)
    for key, value in CHOSEN.items():
        assert f"{key}={value}" in page.url, (came_from, "->", title, page.url)
    for key, words in SHOWN.items():
        if keyed(page, key).count() == 0:
            continue  # a picker this page does not draw (its value is still in the URL, checked above)
        shown = keyed(page, key).locator("input").input_value()
        assert words in shown, (came_from, "->", title, key, shown)


def test_sidebar_navigation_keeps_the_selection_between_every_pair_of_pages(server: str, page) -> None:
    """Every ordered pair of selection pages, once each, by sidebar clicks alone."""
    query = "&".join(f"{k}={v}" for k, v in CHOSEN.items())
    page.goto(f"{server}/?{query}")
    wait_for_app(page)
    _assert_selection_kept(page, WITH_SELECTION[0], "a shared URL")
    walk = eulerian_circuit(WITH_SELECTION)
    start = time.perf_counter()
    for came_from, title in zip(walk, walk[1:], strict=False):
        _click_sidebar(page, title)
        _assert_selection_kept(page, title, came_from)
    print(f"{len(walk) - 1} sidebar moves in {time.perf_counter() - start:.0f} s")


def test_the_selection_survives_pages_without_a_selection_bar(server: str, page) -> None:
    query = "&".join(f"{k}={v}" for k, v in CHOSEN.items())
    page.goto(f"{server}/profile?{query}")
    wait_for_app(page)
    for other in WITHOUT:
        _click_sidebar(page, other)
        assert page.locator('[data-testid="stException"]').count() == 0, other
        _click_sidebar(page, "Weak areas")
        _assert_selection_kept(page, "Weak areas", other)


def test_a_selection_made_on_a_page_follows_the_reader(server: str, page) -> None:
    """Chosen with the pickers (not the URL), then carried by the sidebar."""
    page.goto(f"{server}/profile")
    wait_for_app(page)
    choose(page, "Area (type to search by name or code)", "Blackpool")
    wait_for_app(page)
    choose(page, "Compare with", "Region")
    wait_for_app(page)
    for title in ("Trends", "Outcome scorecard", "Weak areas"):
        _click_sidebar(page, title)
        assert "area=E06000009" in page.url and "benchmark=region" in page.url, (title, page.url)
        assert "Blackpool" in keyed(page, "sel_area").locator("input").input_value(), title
