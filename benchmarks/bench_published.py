"""What a fresh clone costs on the published snapshot: ``jar build-published`` and ``make run``.

Prints the build time of the national store from ``data/published/`` (median of
K builds), the store's size on disk and its observations, then, unless
``--no-browser``, a fresh clone's first start: no store, the build, the server,
and Chromium's first rendered home page (``browse.fresh_clone_start``). Targets
from the issue: the build in 15 s or less, the first home page in 60 s or less.
A script, not a test: the figures depend on the machine, so they are recorded.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install
sys.path.insert(0, str(Path(__file__).resolve().parent))

from metrics.published import build_published  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-browser", dest="browser", action="store_false")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    report: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="ecm-bench-published-") as tmp:
        seconds = []
        for i in range(args.runs):
            summary = build_published(Path(tmp) / f"published-{i}.duckdb")
            seconds.append(summary.seconds)
        report.update(build_s=[round(s, 2) for s in seconds], build_median_s=round(statistics.median(seconds), 2),
                      store_mb=round(summary.size_bytes / 1e6, 1), observations=summary.observations)
        print(f"jar build-published: median {report['build_median_s']} s of {args.runs} "
              f"({', '.join(f'{s:.1f}' for s in seconds)}); store {report['store_mb']} MB, "
              f"{summary.observations:,} observations")
        if args.browser:
            import browse

            fresh = browse.fresh_clone_start(Path(tmp))
            report["fresh_clone_start"] = fresh
            print(f"fresh clone, no store to rendered home page: {fresh['total_s']} s "
                  f"(build {fresh['build_store_s']} s, server to home {fresh['server_to_home_s']} s)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
