"""Load: many browser sessions on one server, and the server's cold start and memory.

Run from the project root (needs Debian's Chromium, as the browser tests do):

    .venv/bin/python benchmarks/load.py [--sessions 20] [--seconds 120] [--db PATH]

It starts ``streamlit run app.py`` on a loopback port, then:

1. **cold start**: with no store at ``--db`` (a temporary path by default), the
   time from launching the server to the first rendered home page, which
   includes building the national demo;
2. **every page once** in one browser, then the server's peak RSS;
3. **load**: ``--sessions`` concurrent headless Chromium contexts, each
   walking the main pages in turn for ``--seconds`` (``--navigate reload``: each
   page opened by its URL, a full load of Streamlit's front end; ``click``: the
   first by URL, then the sidebar's links, as a reader moves); it reports p50/p95 of the
   time from navigation to a finished script run, the number of errors (pages
   showing a Python exception, or timing out) and the server's peak RSS, and
   the CPU time the server used against the whole machine's (the browsers run
   on the same cores, so this says which side the time went to).

Bounded in sessions and time, loopback only. A script, not a test: the figures
depend on the machine. Results are printed as a table and as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install
sys.path.insert(0, str(Path(__file__).resolve().parent))

from browse import peak_rss_mb  # noqa: E402

from tests.support.server import CHROMIUM, CHROMIUM_ARGS, SCRIPT_DONE_JS, serve  # noqa: E402

SEL = "area=E06000020&benchmark=england"
PAGES = [f"/?{SEL}", f"/profile?{SEL}", f"/compare?{SEL}&indicator=NI73", f"/trends?{SEL}&indicator=NI73",
         f"/clusters?{SEL}", f"/client_groups?{SEL}", f"/weak_areas?{SEL}", f"/map?{SEL}&indicator=NI73",
         "/catalogue"]
MAX_SESSIONS, MAX_SECONDS = 50, 900


def _cpu_seconds(pid: int | None = None) -> float:
    """CPU time used so far: by process ``pid`` (user + system), or by the whole machine (all but idle)."""
    tick = os.sysconf("SC_CLK_TCK")
    if pid is not None:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    cpu = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(cpu) - cpu[3] - cpu[4]) / tick  # minus idle and iowait


async def _render(page: object, url: str) -> float:
    start = time.perf_counter()
    await page.goto(url)  # type: ignore[attr-defined]
    await page.wait_for_selector('[data-testid="stApp"]')  # type: ignore[attr-defined]
    await page.wait_for_function(SCRIPT_DONE_JS, timeout=60_000)  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - start
    if await page.locator('[data-testid="stException"]').count():  # type: ignore[attr-defined]
        raise RuntimeError(f"exception shown on {url}")
    return elapsed


async def _click(page: object, url: str, path: str) -> float:
    """Seconds from clicking ``path``'s sidebar link to the page drawn: in-app navigation,
    the selection kept by the session, no reload of Streamlit's front end."""
    stem = path.split("?", 1)[0]
    start = time.perf_counter()
    await page.locator(f'[data-testid="stSidebarNavLink"][href="{url}{stem}"]').first.click()  # type: ignore[attr-defined]
    await page.wait_for_url(re.compile(re.escape(url + stem) + r"(\?|$)"))  # type: ignore[attr-defined]
    await page.wait_for_function(SCRIPT_DONE_JS, timeout=60_000)  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - start
    if await page.locator('[data-testid="stException"]').count():  # type: ignore[attr-defined]
        raise RuntimeError(f"exception shown on {url}{stem}")
    return elapsed


async def _session(browser: object, url: str, until: float, times: list[float], errors: list[str], k: int,
                   navigate: str = "reload") -> None:
    context = await browser.new_context()  # type: ignore[attr-defined]
    page = await context.new_page()
    i = k  # each session starts on a different page
    loaded = False
    while time.monotonic() < until:
        target = url + PAGES[i % len(PAGES)]
        try:
            if navigate == "click" and loaded:
                times.append(await _click(page, url, PAGES[i % len(PAGES)]))
            else:
                times.append(await _render(page, target))
                loaded = True
        except Exception as exc:  # a page that fails or times out is an error to report, not a crash
            errors.append(f"{target}: {type(exc).__name__}: {str(exc)[:120]}")
        i += 1
    await context.close()


async def _run(args: argparse.Namespace) -> dict[str, object]:
    from playwright.async_api import async_playwright

    result: dict[str, object] = {"sessions": args.sessions, "seconds": args.seconds, "navigate": args.navigate,
                                 "machine": f"{platform.machine()} x{os.cpu_count()}",
                                 "python": platform.python_version()}
    tmp = tempfile.TemporaryDirectory()
    db = Path(args.db) if args.db else Path(tmp.name) / "demo.duckdb"
    fresh = not db.exists()
    t0 = time.perf_counter()
    try:
        with serve({"ECM_DB": str(db)}, timeout=120) as (url, proc):
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                ctx = await browser.new_context()
                page = await ctx.new_page()
                first = await _render(page, url + PAGES[0])
                result["cold_start_s" if fresh else "warm_start_s"] = round(time.perf_counter() - t0, 2)
                result["first_home_render_s"] = round(first, 2)
                every = {}
                for p in PAGES:
                    every[p] = round(await _render(page, url + p), 3)
                result["each_page_once_s"] = every
                result["rss_after_every_page_mb"] = round(peak_rss_mb(proc.pid), 1)
                await ctx.close()

                times: list[float] = []
                errors: list[str] = []
                # Who used the cores during the load: the server, or the browsers beside it?
                server_cpu, machine_cpu = _cpu_seconds(proc.pid), _cpu_seconds()
                until = time.monotonic() + args.seconds
                await asyncio.gather(*(_session(browser, url, until, times, errors, k, args.navigate)
                                       for k in range(args.sessions)))
                server_cpu, machine_cpu = _cpu_seconds(proc.pid) - server_cpu, _cpu_seconds() - machine_cpu
                await browser.close()
            q = statistics.quantiles(times, n=20) if len(times) >= 2 else [float("nan")] * 19
            result.update({
                "page_views": len(times), "errors": len(errors), "first_errors": errors[:5],
                "render_p50_s": round(statistics.median(times), 3) if times else None,
                "render_p95_s": round(q[18], 3), "peak_rss_mb": round(peak_rss_mb(proc.pid), 1),
                "server_cpu_s": round(server_cpu, 1), "machine_cpu_s": round(machine_cpu, 1),
                "server_share_of_cpu": round(server_cpu / machine_cpu, 3) if machine_cpu else None,
            })
    finally:
        tmp.cleanup()
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--db", help="store to serve (default: a fresh temporary path, so the demo is built)")
    parser.add_argument("--navigate", choices=["reload", "click"], default="reload",
                        help="reload: open each page by its URL, a full load of the front end (the heaviest"
                             " case); click: after the first page, follow the sidebar links as a reader does")
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= MAX_SESSIONS or not 1 <= args.seconds <= MAX_SECONDS:
        parser.error(f"--sessions 1..{MAX_SESSIONS}, --seconds 1..{MAX_SECONDS}")
    result = asyncio.run(_run(args))
    for key, value in result.items():
        if key != "each_page_once_s":
            print(f"{key:<26} {value}")
    for page, seconds in result["each_page_once_s"].items():  # type: ignore[union-attr]
        print(f"  {seconds:>7.3f} s  {page}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
