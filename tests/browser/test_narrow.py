"""At 720 px wide (a 1440 px screen at 200% zoom, WCAG 1.4.10) no text is cut off.

An element whose content is wider than its box (scrollWidth > clientWidth) is
cut off, or runs under its neighbour: a select box showing "202" for 2025, a
link reading "Open Achieve economi...". Tables and charts scroll or scale by
design and are left out; every other element with text is checked.
"""

from __future__ import annotations

import pytest

from tests.browser.helpers import wait_for_app

pytestmark = pytest.mark.browser

QUERY = "area=E06000058&benchmark=good_or_outstanding&period=latest&group=child_protection"
PAGES = ["", "profile", "compare?indicator=NI73", "trends?indicator=NI73", "clusters", "client_groups",
         "weak_areas", "map?indicator=NI73", "pack", "judgements", "catalogue", "about"]

CLIPPED_JS = """
() => {
  const skip = '[data-testid="stDataFrame"], [data-testid="stPlotlyChart"], pre, code, [data-testid="stSidebar"]';
  const out = [];
  for (const el of document.querySelectorAll('[data-testid="stMain"] *')) {
    if (el.closest(skip) || el.children.length > 0 && el.tagName !== 'INPUT' && !el.matches('p, h1, h2, h3, label, a'))
      continue;
    const text = (el.tagName === 'INPUT' ? el.value : el.innerText || '').trim();
    // Empty, or visually hidden for screen readers only (a 1 px clipped box): nothing to cut off.
    if (!text || el.clientWidth <= 1) continue;
    if (el.scrollWidth > el.clientWidth + 1)
      out.push({tag: el.tagName, text: text.slice(0, 80), scroll: el.scrollWidth, client: el.clientWidth});
  }
  return out;
}
"""


@pytest.fixture
def narrow(browser: object):
    context = browser.new_context(viewport={"width": 720, "height": 900})  # type: ignore[attr-defined]
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.split("?")[0] or "home")
def test_no_text_is_cut_off_at_720px(server: str, narrow, path: str) -> None:
    sep = "&" if "?" in path else "?"
    narrow.goto(f"{server}/{path}{sep}{QUERY}")
    wait_for_app(narrow)
    assert narrow.locator('[data-testid="stException"]').count() == 0
    clipped = narrow.evaluate(CLIPPED_JS)
    assert clipped == [], clipped
