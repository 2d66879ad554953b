"""Every page speaks in words: no code, column name or missing-value marker reaches a reader.

A board member reading "not_compared", "nan", "None", "high_is_good" or
"BH / BH1" has met the program, not the figures. Commands and file names a
reader is told to type are in code blocks, and are left out.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import wait_for_app

pytestmark = pytest.mark.browser

QUERY = "area=E06000020&benchmark=neighbours&period=latest&group=all"
PAGES = ["", "profile", "profile?view=nsf", "compare?indicator=NI73", "compare?indicator=NI73&view=funnel",
         "trends?indicator=NI73", "clusters", "client_groups", "weak_areas", "map?indicator=NI73", "pack",
         "judgements", "catalogue", "about"]
RAW = [
    re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b(?!\.[a-z])"),  # snake_case (a file name such as a_b.csv is fine): a column name or a code (not_compared, indicator_id)
    re.compile(r"\b(?:nan|NaN|None|NaT|null|<NA>)\b"),
    re.compile(r"\b[A-Z]{2} / [A-Z]{2}\d+\b"),  # an outcome and aim as codes ("BH / BH1")
]
VISIBLE_TEXT_JS = """
() => {
  // Every text node, one per line (innerText runs a table's cells together), skipping
  // code blocks; a table's rows are in its grid's ARIA table, a chart's words are SVG text.
  const main = document.querySelector('[data-testid="stMain"]');
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  const out = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement.closest('code, pre, style, script, [data-testid="stIconMaterial"]')) continue;
    out.push(n.nodeValue);
  }
  for (const el of main.querySelectorAll('input')) out.push(el.value);
  return out.join(' \\n ');
}
"""


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p or "home")
def test_no_raw_codes_on_the_page(server: str, page, path: str) -> None:
    sep = "&" if "?" in path else "?"
    page.goto(f"{server}/{path}{sep}{QUERY}")
    wait_for_app(page)
    text = page.evaluate(VISIBLE_TEXT_JS)
    found = sorted({m.group(0) for pattern in RAW for m in pattern.finditer(text)})
    assert found == [], found


@pytest.mark.parametrize("path", ["", "profile", "catalogue", "weak_areas", "judgements", "data"],
                         ids=lambda p: p or "home")
def test_no_raw_codes_on_real_published_figures(published_server: str, page, path: str) -> None:
    """The published store: real files' own gaps (no NI number, no CI) must read as words too."""
    page.goto(f"{published_server}/{path}?{QUERY}")
    wait_for_app(page)
    text = page.evaluate(VISIBLE_TEXT_JS)
    found = sorted({m.group(0) for pattern in RAW for m in pattern.finditer(text)})
    assert found == [], found

