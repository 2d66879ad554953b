"""The real server in a real browser: cold start, every page once, the server's peak RSS.

Shared by :mod:`benchmarks.bench_scale` (per store size, and the fresh-clone start)
and :mod:`benchmarks.load`. The server is started the one way everything else
starts it (:func:`tests.support.server.serve`) and Chromium is Debian's, launched by
path with :data:`tests.support.server.CHROMIUM_ARGS`. A page counts as rendered when
Streamlit says its script run is over and nothing is still drawing
(:data:`tests.support.server.SCRIPT_DONE_JS`): what a reader would call "the page has
loaded", not merely the HTML shell arriving.

Cold here means a new server process (nothing cached by Streamlit, DuckDB or
Python); the operating system's file cache is left alone, since emptying it needs
root and a store that was just built or read is in it anyway.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without install

from tests.support.server import CHROMIUM, CHROMIUM_ARGS, SCRIPT_DONE_JS, registered_pages, serve  # noqa: E402

AREA, INDICATOR = "E06000020", "NI73"
#: No period: each page opens on the store's latest one, whatever the store holds.
QUERY = f"area={AREA}&benchmark=england&group=all"
#: Pages whose main view is one indicator (the others take the area selection only).
_INDICATOR_PAGES = {"compare", "trends", "map"}
#: The map draws boundaries only when it has them: the ONS file next to the checkout,
#: as benchmarks/bench_pages.py and the browser tests use, when it is there.
BOUNDARIES = ROOT.parent / "shared" / "data" / "geo" / "counties_unitary_authorities_dec2023_bsc.geo.json"
#: Generous: a 50x store's first view of a page can take a while, and a slow page is
#: a figure to report, not a reason to give up on the run.
RENDER_TIMEOUT_MS = 300_000


def page_urls() -> list[str]:
    """The path + query of every registered page for Telford and Wrekin, England benchmark."""
    urls = []
    for stem in registered_pages():
        path = "/" if stem == "home" else f"/{stem}"
        extra = f"&indicator={INDICATOR}" if stem in _INDICATOR_PAGES else ""
        urls.append(f"{path}?{QUERY}{extra}")
    return urls


def server_env(db: Path) -> dict[str, str]:
    """The server's environment: the store, and the map boundaries when available."""
    from metrics.geo import BOUNDARIES_ENV

    env = {"ECM_DB": str(db)}
    if BOUNDARIES.exists():
        env[BOUNDARIES_ENV] = str(BOUNDARIES)
    return env


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the process's peak resident set since it started (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def render(page: Any, url: str, timeout_ms: int = RENDER_TIMEOUT_MS) -> float:
    """Seconds from navigating to ``url`` until the page has rendered; raises if it shows an exception."""
    start = time.perf_counter()
    page.goto(url, timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_function(SCRIPT_DONE_JS, timeout=timeout_ms)
    elapsed = time.perf_counter() - start
    if page.locator('[data-testid="stException"]').count():
        text = page.locator('[data-testid="stException"]').first.inner_text()[:200]
        raise RuntimeError(f"exception shown on {url}: {text}")
    return elapsed


def _launch(pw: Any) -> Any:
    if not Path(CHROMIUM).exists():
        raise FileNotFoundError(f"Chromium not found at {CHROMIUM} (`make browser` installs Debian's)")
    return pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def cold_start_and_every_page(db: Path, log: Path | None = None) -> dict[str, Any]:
    """Start a server on ``db``: time to the first rendered home page, then every page once, then peak RSS.

    Chromium is launched before the clock starts (a reader's browser is already
    open); the clock runs from launching the server process to the home page having
    rendered, so it includes Python and Streamlit starting, the first connection to
    the store and the home page's queries. The peak RSS (VmHWM) is read while the
    server is still running, after the last page.
    """
    from playwright.sync_api import sync_playwright

    result: dict[str, Any] = {"boundaries": BOUNDARIES.exists()}
    with sync_playwright() as pw:
        browser = _launch(pw)
        try:
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            start = time.perf_counter()
            with serve(server_env(db), log=log, timeout=300) as (url, proc):
                result["server_up_s"] = round(time.perf_counter() - start, 2)
                render(page, url + page_urls()[0])
                result["cold_start_s"] = round(time.perf_counter() - start, 2)
                result["rss_after_home_mb"] = round(peak_rss_mb(proc.pid), 1)
                visits: list[dict[str, Any]] = []
                for path in page_urls():
                    try:
                        visits.append({"page": path, "seconds": round(render(page, url + path), 2), "error": None})
                    except Exception as exc:  # a page that fails or times out is a finding to report
                        visits.append({"page": path, "seconds": None, "error": f"{type(exc).__name__}: {exc}"[:300]})
                result["pages"] = visits
                result["peak_rss_mb"] = round(peak_rss_mb(proc.pid), 1)
        finally:
            browser.close()
    return result


def fresh_clone_start(work: Path, log: Path | None = None) -> dict[str, Any]:
    """What ``make run`` does on a fresh clone, timed to the first rendered home page.

    With no store at all: ``python -m metrics build-published-if-missing`` builds the
    published national store from the shipped snapshot, then the server starts on
    it and Chromium opens the home page.
    ``make run``'s ``pip install`` step is not included (the virtualenv exists).
    """
    from playwright.sync_api import sync_playwright

    folder = work / "fresh-clone"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    db = folder / "ecm_published.duckdb"
    with sync_playwright() as pw:
        browser = _launch(pw)
        try:
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "metrics", "build-published-if-missing", "--db", str(db)],
                           cwd=ROOT, check=True, capture_output=True, text=True)
            built = time.perf_counter()
            with serve(server_env(db), log=log, timeout=300) as (url, _proc):
                render(page, url + page_urls()[0])
                done = time.perf_counter()
        finally:
            browser.close()
    size = db.stat().st_size
    shutil.rmtree(folder, ignore_errors=True)
    return {"total_s": round(done - start, 2), "build_store_s": round(built - start, 2),
            "server_to_home_s": round(done - built, 2), "store_bytes": size}
