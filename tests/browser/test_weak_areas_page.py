"""Weak areas page in a real browser: the list a board reads, filtered, sorted and in view.

Expected rows come from :func:`metrics.weak_areas.weak_areas` (what the page lists)
with the filter and the gap worked out here in pandas, so a page that drops, reorders
or mislabels rows fails.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from metrics.results import Selection
from metrics.store import Store
from metrics.weak_areas import weak_areas
from tests.browser.helpers import assert_no_serious_violations, fmt, wait_for_app

pytestmark = pytest.mark.browser

AREA = "E06000020"
SEL = Selection(AREA, "england", 2025, "all")
URL = f"/weak_areas?area={AREA}&benchmark=england&period=2025&group=all"
RAW_CODES = re.compile(r"not_compared|\bnan\b|\bNone\b|indicator_id|high_is_good|low_is_good|no_judgement|"
                       r"getting_worse|getting_better|red_red|band_d|client_group|scope_type")


def _rows(page) -> list[dict[str, str]]:
    table = page.locator(".st-key-weak-list table")
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    return [dict(zip(headers, [c.strip() for c in tr.locator("td").all_inner_texts()], strict=True))
            for tr in table.locator("tbody tr").all()]


def _pick(page, key: str, option: str, url_part: str) -> None:
    page.locator(f".st-key-{key}").get_by_text(option, exact=True).click()
    page.wait_for_url(re.compile(url_part))
    wait_for_app(page)


def _gap_pct(frame: pd.DataFrame) -> pd.Series:
    sign = np.where(frame["polarity"] == "low_is_good", 1.0, -1.0)
    return 100 * sign * (frame["value"] - frame["benchmark_value"]) / frame["benchmark_value"].abs()


@pytest.fixture(scope="module")
def weak(demo_store: Store) -> pd.DataFrame:
    return weak_areas(demo_store, SEL)


def test_every_row_is_listed_most_severe_first(server: str, page, weak: pd.DataFrame) -> None:
    page.goto(server + URL)
    wait_for_app(page)
    rows = _rows(page)
    assert len(rows) == len(weak)  # every row on the page, no scrolling box
    assert rows[0]["Why listed"].startswith("Worse and getting worse")
    # within the most severe, the largest gap first
    red = weak[weak["reason"] == "red_red"]
    top = red.loc[_gap_pct(red).idxmax()]
    assert rows[0]["Indicator"].startswith(top["short_title"])
    assert rows[0]["Value"] == fmt(top["value"], int(top["decimal_places"]))


def test_changing_why_changes_the_rows(server: str, page, weak: pd.DataFrame) -> None:
    page.goto(server + URL)
    wait_for_app(page)
    before = _rows(page)
    _pick(page, "weak_why", "Getting worse", r"why=getting_worse")
    after = _rows(page)
    expected = weak[weak["trend"] == "getting_worse"]
    assert len(after) == len(expected) != len(before)
    assert {r["Indicator"] for r in after} != {r["Indicator"] for r in before}
    assert sorted(r["Indicator"].split("\n")[0] for r in after) == sorted(expected["short_title"])
    _pick(page, "weak_why", "Worst quartile (band D)", r"why=band_d")
    band = _rows(page)
    assert len(band) == int((weak["band"] == "D").sum())
    assert all("band D" in r["Why listed"] for r in band)


def test_where_filter_and_what_each_row_is_compared_with(server: str, page, weak: pd.DataFrame) -> None:
    page.goto(server + URL + "&where=cluster")
    wait_for_app(page)
    rows = _rows(page)
    assert len(rows) == int((weak["scope_type"] == "cluster").sum())
    assert all(r["Where"].endswith("(cluster)") for r in rows)
    assert {r["Compared with"].split("\n")[0] for r in rows} == {"Telford and Wrekin (the LA)"}
    page.goto(server + URL + "&where=client_group:lac")
    wait_for_app(page)
    lac = _rows(page)
    assert len(lac) == int((weak["scope_code"] == "lac").sum()) > 0
    assert {r["Compared with"].split("\n")[0] for r in lac} == {"Looked-after children in England"}
    page.goto(server + URL + "&where=area")
    wait_for_app(page)
    assert {r["Compared with"].split("\n")[0] for r in _rows(page)} == {"England"}


def test_sorting_by_gap_puts_the_largest_gap_first(server: str, page, weak: pd.DataFrame) -> None:
    page.goto(server + URL)
    wait_for_app(page)
    _pick(page, "weak_sort", "Size of gap (as % of the benchmark), largest first", r"sort=gap")
    rows = _rows(page)
    pct = _gap_pct(weak)
    top = weak.loc[pct.idxmax()]
    assert rows[0]["Indicator"].startswith(top["short_title"])
    assert f"({fmt(pct.max(), 1)}%)" in rows[0]["Gap"] and rows[0]["Gap"].startswith("worse by")
    shown = [float(m.group(1).replace(",", "")) for r in rows if (m := re.search(r"\(([\d.,]+)%\)", r["Gap"]))
             and r["Gap"].startswith("worse")]
    assert shown == sorted(shown, reverse=True)


def test_the_list_fits_at_1280_px_without_sideways_scrolling(server: str, page) -> None:
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(server + URL)
    wait_for_app(page)
    sizes = page.evaluate("""() => {
        const box = document.querySelector('.st-key-weak-list');
        const table = box.querySelector('table');
        const main = document.querySelector('[data-testid="stMain"]');
        return {box: [box.scrollWidth, box.clientWidth], table: [table.scrollWidth, table.clientWidth],
                parent: [table.parentElement.scrollWidth, table.parentElement.clientWidth],
                main: [main.scrollWidth, main.clientWidth], right: table.getBoundingClientRect().right,
                page: document.documentElement.clientWidth};
    }""")
    for name in ("box", "table", "parent", "main"):
        scroll, client = sizes[name]
        assert scroll <= client + 1, (name, sizes)
    assert sizes["right"] <= sizes["page"], sizes
    headers = page.locator(".st-key-weak-list thead th").all_inner_texts()
    assert [h.strip() for h in headers] == ["Why listed", "Where", "Indicator", "Value", "Compared with", "Gap"]
    for th in page.locator(".st-key-weak-list thead th").all():
        assert th.is_visible()


def test_weak_areas_shows_no_raw_codes_and_passes_axe(server: str, page) -> None:
    page.goto(server + URL)
    wait_for_app(page)
    body = page.inner_text("body")
    assert not RAW_CODES.search(body), RAW_CODES.findall(body)
    assert_no_serious_violations(page)
