"""Every picker on a page changes what the page shows, or is not on the page.

A picker that changes nothing misleads: a reader who chose "Region" believes the
page compares with the region. Each case opens a page on a base view, then the
same view with one picker changed (through the URL, which the picker writes),
and compares the page's visible text: the words, the tables' visible rows and
the charts' text.
"""

from __future__ import annotations

import pytest

from tests.browser.helpers import keyed, wait_for_app

pytestmark = pytest.mark.browser

BASE = {"area": "E06000020", "benchmark": "england", "period": "latest", "group": "all"}
# The selection bar's pickers, each changed to a value that is not the default.
SELECTION = {"area": ("sel_area", "E06000009"), "benchmark": ("sel_benchmark", "neighbours"),
             "period": ("sel_period", "2021"), "group": ("sel_group", "lac")}
PAGES = {
    "": {}, "profile": {}, "compare": {"indicator": "NI73"}, "trends": {"indicator": "NI73"},
    "clusters": {}, "client_groups": {}, "weak_areas": {}, "map": {"indicator": "NI73"}, "pack": {},
    "judgements": {},
}
# Pickers a page draws for itself: (page, URL name, value other than its default).
OWN = [
    ("profile", "outcome", "SS"), ("profile", "view", "nsf"),
    ("compare", "scope", "region"), ("compare", "view", "funnel"), ("compare", "indicator", "NI56"),
    ("trends", "indicator", "NI56"), ("map", "shade", "band"), ("map", "indicator", "NI56"),
    ("clusters", "outcome", "SS"), ("weak_areas", "outcome", "SS"), ("weak_areas", "nsf", "5"),
]


def _text(page, path: str, params: dict[str, str]) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    page.goto(f"{path}?{query}")
    wait_for_app(page)
    main = page.locator('[data-testid="stMain"]')
    assert page.locator('[data-testid="stException"]').count() == 0, main.inner_text()[:2000]
    for frame in main.locator('[data-testid="stDataFrame"]').all():
        if frame.is_visible():  # one in a closed expander is not drawn until it opens
            frame.locator('table[role="grid"]').wait_for(state="attached")  # drawn after the script ends
    # Tables are drawn on a canvas; their rows are in the grid's ARIA table (what a screen
    # reader reads), and a chart's words are SVG text.
    tables = main.locator('table[role="grid"]').all_text_contents()
    charts = main.locator(".js-plotly-plot").all_text_contents()
    return "\n".join([main.inner_text(), *tables, *charts])


_BASE: dict[tuple[str, str], tuple[str, set[str]]] = {}


def _base(page, server: str, path: str) -> tuple[str, set[str]]:
    """The base view's text and which selection pickers it draws, read once per page."""
    if (server, path) not in _BASE:
        text = _text(page, f"{server}/{path}", {**BASE, **PAGES[path]})
        drawn = {key for key, _ in SELECTION.values() if keyed(page, key).count()}
        _BASE[(server, path)] = (text, drawn)
    return _BASE[(server, path)]


def _picker_cases() -> list[tuple[str, str, str]]:
    return [(p, name, value) for p in PAGES for name, (_, value) in SELECTION.items()]


@pytest.mark.parametrize(("path", "name", "value"), _picker_cases(),
                         ids=lambda x: x or "home")
def test_each_selection_picker_changes_the_page_or_is_absent(server: str, page, path: str, name: str,
                                                             value: str) -> None:
    base = {**BASE, **PAGES[path]}
    before, drawn = _base(page, server, path)
    key = SELECTION[name][0]
    if key not in drawn:
        # Not drawn: the page must say why in its place, and carry the value on.
        assert "so it has no" in before or "so this page has no" in before, (path, name)
        return
    after = _text(page, f"{server}/{path}", {**base, name: value})
    assert before != after, f"{path or 'home'}: choosing {name}={value} changed nothing on the page"


@pytest.mark.parametrize(("path", "name", "value"), OWN, ids=lambda x: x)
def test_each_page_picker_changes_the_page(request: pytest.FixtureRequest, page, path: str, name: str,
                                           value: str) -> None:
    # The map's shading needs a map: the server with ONS's boundaries (skipped without ../shared).
    server = request.getfixturevalue("map_server" if name == "shade" else "server")
    base = {**BASE, **PAGES[path]}
    before, _ = _base(page, server, path)
    after = _text(page, f"{server}/{path}", {**base, name: value})
    assert before != after, f"{path}: choosing {name}={value} changed nothing on the page"
