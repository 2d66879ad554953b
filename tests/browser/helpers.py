"""Helpers for the browser tests: wait for Streamlit, run axe-core."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from tests.support.server import SCRIPT_DONE_JS


def wait_for_app(pg: object) -> None:
    """Wait until Streamlit has finished running the script for this view."""
    pg.wait_for_selector('[data-testid="stApp"]')  # type: ignore[attr-defined]
    pg.wait_for_function(SCRIPT_DONE_JS)  # type: ignore[attr-defined]
    pg.wait_for_timeout(300)  # type: ignore[attr-defined]


def axe_violations(pg: object, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(pg)
    return [v for v in results.response["violations"] if v.get("impact") in impacts]


def fmt(value: float | None, decimals: int, suppressed: bool = False) -> str:
    """How a figure should read on screen, written independently of dashboard.format.

    Suppressed figures must read "c" (never 0 or a blank); missing ones "–".
    """
    if suppressed:
        return "c"
    if value is None or value != value:
        return "–"
    # Half up, as DfE and OHID publish (Python's format would round 2.25 to 2.2).
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{rounded:,.{decimals}f}"


def grid(container: object) -> list[dict[str, str]]:
    """The rows of the ``st.dataframe`` inside ``container`` as dicts keyed by header.

    Streamlit draws tables on a canvas; the grid keeps an ARIA table of the rows in
    its viewport for screen readers, which is what a test (and a user) can read.
    """
    table = container.locator('table[role="grid"]').first  # type: ignore[attr-defined]
    table.wait_for(state="attached")
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    rows = []
    for tr in table.locator("tbody tr").all():
        cells = [c.strip() for c in tr.locator("td").all_inner_texts()]
        rows.append(dict(zip(headers, cells, strict=False)))
    return rows


def grid_row_count(container: object) -> int:
    """How many data rows the grid says it has (all of them, not just those in view)."""
    table = container.locator('table[role="grid"]').first  # type: ignore[attr-defined]
    table.wait_for(state="attached")
    return int(table.get_attribute("aria-rowcount")) - 1


def keyed(pg: object, key: str) -> object:
    """The element Streamlit wrapped for widget/container ``key`` (class ``st-key-<key>``)."""
    return pg.locator(f".st-key-{key}")  # type: ignore[attr-defined]


def download_buttons(pg: object) -> list[str]:
    """Labels of the page's CSV download buttons."""
    buttons = pg.locator('[data-testid="stDownloadButton"] button')  # type: ignore[attr-defined]
    return [t.strip() for t in buttons.all_text_contents()]


def choose(pg: object, label: str, text: str) -> None:
    """Pick an option of the select box ``label`` by typing, as a keyboard user would."""
    pg.get_by_label(label, exact=True).click()  # type: ignore[attr-defined]
    pg.keyboard.type(text)  # type: ignore[attr-defined]
    pg.keyboard.press("Enter")  # type: ignore[attr-defined]


def assert_no_serious_violations(pg: object) -> None:
    violations = axe_violations(pg)
    assert violations == [], [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:5]) for v in violations
    ]
