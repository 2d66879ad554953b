"""Helpers for the browser tests: wait for Streamlit, run axe-core."""

from __future__ import annotations


def wait_for_app(pg: object) -> None:
    """Wait until Streamlit has finished running the script for this view."""
    pg.wait_for_selector('[data-testid="stApp"]')  # type: ignore[attr-defined]
    pg.wait_for_function(  # type: ignore[attr-defined]
        "() => document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state') === 'notRunning'"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]')"
    )
    pg.wait_for_timeout(300)  # type: ignore[attr-defined]


def axe_violations(pg: object, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(pg)
    return [v for v in results.response["violations"] if v.get("impact") in impacts]
