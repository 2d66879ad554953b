"""Run the real dashboard server on a loopback port: for the browser tests, the README
screenshot and the load benchmark, which must all start it the same way.

Chromium comes from Debian's packages and is launched by path with
:data:`CHROMIUM_ARGS`; without the background-networking flags it keeps trying to
reach Google's hosts, which this closed network refuses.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# True once Streamlit has finished running the page's script and drawn it.
SCRIPT_DONE_JS = (
    "() => document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state')"
    " === 'notRunning' && !document.querySelector('[data-testid=\"stSkeleton\"]')"
)


def registered_pages() -> list[str]:
    """Every page registered in app.py, by file stem, in the app's order (home first).

    Read from app.py itself, so the browser tests, the docs test and the benchmarks
    visit a page added to the app without anyone editing a list.
    """
    src = (ROOT / "app.py").read_text(encoding="utf-8")
    return re.findall(r'st\.Page\(\s*"dashboard/pages/(\w+)\.py"', src)


class ServerDidNotStart(RuntimeError):
    """The server exited or did not answer its health check in time."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve(env: dict[str, str], log: Path | None = None, timeout: float = 60) -> Iterator[tuple[str, subprocess.Popen]]:
    """``streamlit run app.py`` with ``env`` added, until the block ends: yields (url, process).

    Output goes to ``log`` (or nowhere). Raises :class:`ServerDidNotStart` with the
    log's tail when the health check does not answer within ``timeout`` seconds.
    """
    port = free_port()
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
    with open(log or os.devnull, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    tail = log.read_text()[-2000:] if log is not None and log.exists() else ""
                    raise ServerDidNotStart(f"streamlit server did not start; see {log}:\n{tail}")
                time.sleep(0.3)
            yield url, proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
