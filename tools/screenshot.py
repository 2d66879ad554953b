"""Save the README's screenshot: the outcome scorecard for Telford and Wrekin on the demo data.

    .venv/bin/python tools/screenshot.py [--out docs/screenshot-home.png] [--area E06000020]

Builds a fresh demo store in a temporary folder (so the picture never shows a
developer's own imports), starts ``streamlit run app.py`` on it on a free loopback
port, opens the home page in Debian's Chromium (``$CHROMIUM``, default
/usr/bin/chromium) through Playwright, and saves a 1400x900 PNG. The PNG is
reduced to a 256-colour palette when that keeps it readable and smaller, so the
repository does not carry a heavy binary.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from metrics.demo import build_demo  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1400, "height": 900}
MAX_BYTES = 300_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("streamlit server did not start")
        time.sleep(0.3)


def _shoot(url: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_context(viewport=VIEWPORT).new_page()
        page.goto(url)
        page.wait_for_selector('[data-testid="stApp"]')
        page.wait_for_function(
            "() => document.querySelector('[data-testid=\"stApp\"]')"
            "?.getAttribute('data-test-script-state') === 'notRunning'"
            " && !document.querySelector('[data-testid=\"stSkeleton\"]')",
            timeout=60_000,
        )
        page.wait_for_timeout(800)  # let fonts and card borders settle
        page.screenshot(path=str(out))
        browser.close()


def _shrink(path: Path) -> None:
    """Palette PNGs are a fraction of the size and, for a UI of flat colours, look the same."""
    from PIL import Image

    with Image.open(path) as im:
        small = im.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    tmp = path.with_suffix(".tmp.png")
    small.save(tmp, optimize=True)
    if tmp.stat().st_size < path.stat().st_size:
        tmp.replace(path)
    else:
        tmp.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot-home.png")
    parser.add_argument("--area", default="E06000020", help="ONS code (default: Telford and Wrekin)")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"Chromium not found at {CHROMIUM} (set CHROMIUM)", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ecm-shot-") as tmp:
        db = Path(tmp) / "demo.duckdb"
        build_demo(db)
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "ECM_DB": str(db)}
        with (Path(tmp) / "server.log").open("w") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
                 "--server.port", str(port), "--server.address", "127.0.0.1",
                 "--server.headless", "true", "--browser.gatherUsageStats", "false",
                 "--server.fileWatcherType", "none", "--client.toolbarMode", "viewer"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
            try:
                _wait_healthy(url, proc)
                _shoot(f"{url}/?area={args.area}&benchmark=england", args.out)
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
    _shrink(args.out)
    size = args.out.stat().st_size
    print(f"{args.out} ({size // 1024} KB)")
    if size > MAX_BYTES:
        print(f"warning: larger than {MAX_BYTES // 1000} KB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
