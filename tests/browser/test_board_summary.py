"""The board summary on the scorecard, in a real browser: the sentences metrics writes, links that
keep the selection, the two downloads, axe clean."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from metrics.changes import changes_since, changes_table
from metrics.results import Selection
from metrics.store import Store
from metrics.summary import area_summary
from tests.browser.helpers import (
    assert_no_serious_violations,
    download_buttons,
    grid,
    keyed,
    wait_for_app,
)

pytestmark = pytest.mark.browser

AREA = "E06000020"
URL = f"/?area={AREA}&benchmark=england&group=all"


def test_the_scorecard_opens_with_the_summary_metrics_writes(published_server: str, page,
                                                             published_db: Path) -> None:
    with Store(published_db, read_only=True) as store:
        expected = [s.text for s in area_summary(store, Selection(AREA)).sentences]
    page.goto(published_server + URL)
    wait_for_app(page)
    items = [re.sub(r"\s+", " ", t).strip() for t in page.locator("ul.board-summary > li").all_inner_texts()]
    assert len(items) == len(expected)
    for shown, text in zip(items, expected, strict=True):
        assert shown.startswith(text), (shown, text)
    assert "Outstanding" in " ".join(items)
    assert {"Download the summary (Markdown)", "Download the summary (Word)"} <= set(download_buttons(page))
    assert_no_serious_violations(page)


def test_a_sentence_link_opens_its_figures_for_the_same_selection(published_server: str, page) -> None:
    page.goto(published_server + URL.replace("benchmark=england", "benchmark=region"))
    wait_for_app(page)
    link = page.locator("ul.board-summary a", has_text="Trends").first
    if link.count() == 0:
        pytest.skip("no worse-and-getting-worse indicator for this selection")
    href = link.get_attribute("href") or ""
    assert "benchmark=region" in href and f"area={AREA}" in href and "indicator=" in href
    link.click()
    page.wait_for_url(re.compile(r"/trends\?"))
    wait_for_app(page)
    assert page.get_by_role("heading", name=re.compile("Trend")).count() >= 1


def test_what_changed_lists_every_change_since_the_chosen_import(published_server: str, page,
                                                                 published_db: Path) -> None:
    with Store(published_db, read_only=True) as store:
        expected = changes_table(changes_since(store, Selection(AREA), 3))
    assert not expected.empty
    page.goto(published_server + URL + "&since=3")
    wait_for_app(page)
    shown = grid(keyed(page, "changes"))
    assert len(shown) == len(expected)
    assert [r["Indicator"] for r in shown] == list(expected["Indicator"])
    assert [r["Now"] for r in shown] == list(expected["Now"])
    assert "Download the changes (CSV)" in download_buttons(page)
    assert_no_serious_violations(page)


def test_what_changed_asks_for_a_version_first(published_server: str, page) -> None:
    page.goto(published_server + URL)
    wait_for_app(page)
    assert page.get_by_text("Choose an import to list new figures").count() == 1
    assert keyed(page, "changes").count() == 0  # nothing is worked out until a version is chosen
