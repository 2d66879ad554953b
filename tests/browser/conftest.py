"""The real thing: `streamlit run app.py` on a real demo store, driven by Chromium.

Chromium comes from Debian's packages (``make test`` installs it) and Playwright
launches it by path; it cannot download browsers on these machines.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from metrics.framework import REPO_ROOT
from metrics.geo import BOUNDARIES_ENV
from tests.conftest import shared_path
from tests.support.server import CHROMIUM, CHROMIUM_ARGS, ServerDidNotStart, serve

ARTIFACTS = REPO_ROOT / "test-results" / "browser"
MAX_SHOT_HEIGHT = 6000


@contextlib.contextmanager
def streamlit_server(env: dict[str, str], log_name: str) -> Iterator[str]:
    """The real server (:func:`tests.support.server.serve`) with ``env``, logging to the test artifacts."""
    try:
        with serve(env, ARTIFACTS / log_name) as (url, _proc):
            yield url
    except ServerDidNotStart as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Streamlit server on a loopback port, serving the demo store.

    The boundaries path points at a file that does not exist, so a developer's own
    ``var/boundaries.geojson`` cannot change what the map page shows here.
    """
    nowhere = tmp_path_factory.mktemp("no-boundaries") / "absent.geojson"
    with streamlit_server({"ECM_DB": str(demo_db), BOUNDARIES_ENV: str(nowhere)}, "server.log") as url:
        yield url


@pytest.fixture(scope="session")
def published_server(published_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server on the published national store (real figures and Ofsted's judgements)."""
    nowhere = tmp_path_factory.mktemp("no-boundaries-published") / "absent.geojson"
    with streamlit_server({"ECM_DB": str(published_db), BOUNDARIES_ENV: str(nowhere)}, "published-server.log") as url:
        yield url


@pytest.fixture(scope="session")
def boundaries_file() -> Path:
    """ONS's December 2023 county/UA boundaries from ../shared, or skip."""
    return shared_path("data", "geo", "counties_unitary_authorities_dec2023_bsc.geo.json")


@pytest.fixture(scope="session")
def map_server(demo_db: Path, boundaries_file: Path) -> Iterator[str]:
    """A second server with the boundaries configured; started only by the map tests."""
    env = {"ECM_DB": str(demo_db), BOUNDARIES_ENV: str(boundaries_file)}
    with streamlit_server(env, "map-server.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser: object, request: pytest.FixtureRequest) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        # Streamlit scrolls inside its main block, so a "full page" shot would stop at
        # the first screen: grow the window to the content first (capped).
        height = pg.evaluate(
            "() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight || 0"
        )
        if isinstance(height, int | float) and height > 1000:
            pg.set_viewport_size({"width": 1400, "height": min(int(height) + 50, MAX_SHOT_HEIGHT)})
            pg.wait_for_timeout(300)
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    finally:
        context.close()
