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
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from metrics.demo import build_demo  # noqa: E402
from tests.support.server import CHROMIUM, CHROMIUM_ARGS, SCRIPT_DONE_JS, serve  # noqa: E402

VIEWPORT = {"width": 1400, "height": 900}
MAX_BYTES = 300_000


def _shoot(url: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport=VIEWPORT).new_page()
        page.goto(url)
        page.wait_for_selector('[data-testid="stApp"]')
        page.wait_for_function(SCRIPT_DONE_JS, timeout=60_000)
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
        with serve({"ECM_DB": str(db)}, Path(tmp) / "server.log") as (url, _proc):
            _shoot(f"{url}/?area={args.area}&benchmark=england", args.out)
    _shrink(args.out)
    size = args.out.stat().st_size
    print(f"{args.out} ({size // 1024} KB)")
    if size > MAX_BYTES:
        print(f"warning: larger than {MAX_BYTES // 1000} KB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
