"""The real thing: `streamlit run app.py` on a real demo store, driven by Chromium.

Chromium comes from Debian's packages (``make test`` installs it) and Playwright
launches it by path; it cannot download browsers on these machines.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from metrics.framework import REPO_ROOT
from metrics.geo import BOUNDARIES_ENV
from tests.conftest import shared_path

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = REPO_ROOT / "test-results" / "browser"
MAX_SHOT_HEIGHT = 6000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _streamlit(env: dict[str, str], log_name: str) -> Iterator[str]:
    """Run ``streamlit run app.py`` with ``env`` on a free loopback port until the block ends."""
    port = _free_port()
    log = ARTIFACTS / log_name
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "app.py"),
                "--server.port", str(port), "--server.address", "127.0.0.1",
                "--server.headless", "true", "--browser.gatherUsageStats", "false",
                "--server.fileWatcherType", "none",
            ],
            cwd=REPO_ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"streamlit server did not start; see {log}:\n{log.read_text()[-2000:]}")
            time.sleep(0.3)
        try:
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Streamlit server on a loopback port, serving the demo store.

    The boundaries path points at a file that does not exist, so a developer's own
    ``var/boundaries.geojson`` cannot change what the map page shows here.
    """
    nowhere = tmp_path_factory.mktemp("no-boundaries") / "absent.geojson"
    with _streamlit({"ECM_DB": str(demo_db), BOUNDARIES_ENV: str(nowhere)}, "server.log") as url:
        yield url


@pytest.fixture(scope="session")
def boundaries_file() -> Path:
    """ONS's December 2023 county/UA boundaries from ../shared, or skip."""
    return shared_path("data", "geo", "counties_unitary_authorities_dec2023_bsc.geo.json")


@pytest.fixture(scope="session")
def map_server(demo_db: Path, boundaries_file: Path) -> Iterator[str]:
    """A second server with the boundaries configured; started only by the map tests."""
    env = {"ECM_DB": str(demo_db), BOUNDARIES_ENV: str(boundaries_file)}
    with _streamlit(env, "map-server.log") as url:
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
