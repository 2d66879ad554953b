"""Server-side time of each dashboard page's data and statistics, for one typical view.

Run from the project root: ``.venv/bin/python benchmarks/bench_pages.py [--runs K] [--db PATH]``.

Builds a fresh demo store in a temporary folder (or opens ``--db``), then for each
page calls the same ``metrics`` functions the page calls for Telford and Wrekin,
England benchmark, the latest period, all children; one warm-up call, then the
median wall time of K runs (default 5). Streamlit's cache is not involved: this is
what a first view of a selection costs, before drawing. The selection bar's lookups
(areas, years, client groups, catalogue) are cached per data version in the app, so
they are shown on their own row. A script, not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import median_ms  # noqa: E402

from metrics import geo, lookups  # noqa: E402
from metrics.comparisons import (  # noqa: E402
    funnel_data,
    indicator_across_las,
    indicator_meta,
    indicator_series,
    series_trend,
)
from metrics.demo import build_demo  # noqa: E402
from metrics.framework import REPO_ROOT  # noqa: E402
from metrics.lookups import catalogue_frame, latest_year, search_catalogue, years  # noqa: E402
from metrics.results import Selection, area_results  # noqa: E402
from metrics.scorecard import outcome_scorecard  # noqa: E402
from metrics.store import Store  # noqa: E402
from metrics.subgroups import client_group_results, cluster_results, clusters_of  # noqa: E402
from metrics.weak_areas import filter_weak, weak_areas  # noqa: E402

AREA = "E06000020"
INDICATOR = "NI73"
BOUNDARIES = REPO_ROOT.parent / "shared" / "data" / "geo" / "counties_unitary_authorities_dec2023_bsc.geo.json"



def page_work(store: Store, sel: Selection) -> list[tuple[str, Callable[[], object]]]:
    """(page URL, the metrics calls that page makes for it) in the app's page order."""
    q = f"area={AREA}&benchmark=england&period={sel.period_year}&group=all"

    def selection_bar() -> None:
        lookups.areas(store)
        years(store)
        store.df("SELECT * FROM client_group ORDER BY sort_order")
        catalogue_frame(store)

    def home() -> None:
        outcome_scorecard(area_results(store, sel))
        lookups.outcome_summary(store)

    def profile() -> None:
        area_results(store, sel)
        lookups.outcome_summary(store)

    def compare() -> None:
        indicator_meta(store, INDICATOR)
        indicator_across_las(store, INDICATOR, sel, "england")

    def compare_funnel() -> None:
        compare()
        funnel_data(store, INDICATOR, sel)

    def trends() -> None:
        meta = indicator_meta(store, INDICATOR)
        series_trend(indicator_series(store, INDICATOR, sel, []), AREA, meta)

    def clusters() -> None:
        clusters_of(store, AREA)
        lookups.outcome_summary(store)
        cluster_results(store, AREA, sel, "BH")

    def client_groups() -> None:
        client_group_results(store, sel)

    def weak() -> None:
        lookups.outcome_summary(store)
        filter_weak(weak_areas(store, sel), "all", "all")

    def map_page() -> None:
        indicator_meta(store, INDICATOR)
        indicator_across_las(store, INDICATOR, sel)

    def map_boundaries() -> None:
        geo.clear_cache()  # the first view after a restart reads and converts the file
        bounds = geo.load_boundaries(BOUNDARIES)
        assert bounds is not None
        _ = bounds.outlines

    def catalogue_page() -> None:
        search_catalogue(lookups.indicators(store), "looked-after")

    work: list[tuple[str, Callable[[], object]]] = [
        ("(selection bar, cached per data version)", selection_bar),
        (f"/?{q}", home),
        (f"/profile?{q}", profile),
        (f"/compare?{q}&indicator={INDICATOR}", compare),
        (f"/compare?{q}&indicator={INDICATOR}&view=funnel", compare_funnel),
        (f"/trends?{q}&indicator={INDICATOR}", trends),
        (f"/clusters?{q}&outcome=BH", clusters),
        (f"/client_groups?{q}", client_groups),
        (f"/weak_areas?{q}", weak),
        (f"/map?{q}&indicator={INDICATOR}", map_page),
    ]
    if BOUNDARIES.exists():
        work.append(("(map boundaries: first load after a restart)", map_boundaries))
    work.append(("/catalogue?q=looked-after", catalogue_page))
    return work


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", type=Path, help="an existing store (default: a fresh demo store)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ecm-bench-") as tmp:
        db = args.db
        if db is None:
            db = Path(tmp) / "demo.duckdb"
            start = time.perf_counter()
            build_demo(db)
            print(f"built a fresh demo store in {time.perf_counter() - start:.1f} s")
        store = Store(db, read_only=True)
        try:
            sel = Selection(AREA, "england", latest_year(store), "all")
            print(f"Python {platform.python_version()} on {platform.machine()}; median of "
                  f"{args.runs} runs after one warm-up; selection {sel}")
            rows = [(url, median_ms(fn, args.runs)) for url, fn in page_work(store, sel)]
        finally:
            store.close()
    width = max(len(url) for url, _ in rows)
    print(f"| {'page':<{width}} | {'ms':>8} |")
    print(f"|{'-' * (width + 2)}|{'-' * 9}:|")
    for url, ms in rows:
        print(f"| {url:<{width}} | {ms:>8.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
