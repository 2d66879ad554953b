"""Page data + statistics at 1x, 10x (and 50x) the national demo, against the raw SQL.

Run from the project root:
``.venv/bin/python benchmarks/bench_scale.py [--runs 10] [--with-50x] [--dir DIR] [--reuse [FACTOR ...]]``.

For each store size (built by :mod:`benchmarks.scale`, build time and size on disk
recorded) every page's main ``metrics`` call is timed (median of ``--runs`` after
one warm-up) next to the raw DuckDB query that fetches the rows the page needs
into a DataFrame, with no statistics. ``ours / raw`` is the overhead we own: the
Python, pandas and statistics on top of reading the data. The growth of each page
from 1x to 10x (and 50x) shows whether a page costs what it reads or what the store
holds. The statistics engine's hot paths on 1,000,000 rows come from
:mod:`benchmarks.bench_stats`. Everything is printed as a table and written as JSON
to ``benchmarks/results/<date>-scale[-label].json``. A script, not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import platform
import sys
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_stats  # noqa: E402
import scale  # noqa: E402
from timing import median_ms  # noqa: E402

from metrics.comparisons import (  # noqa: E402
    funnel_data,
    indicator_across_las,
    indicator_meta,
    indicator_series,
    series_trend,
)
from metrics.results import Selection, area_results, latest_year, outcome_scorecard  # noqa: E402
from metrics.store import Store  # noqa: E402
from metrics.subgroups import client_group_results, cluster_results  # noqa: E402
from metrics.weak_areas import weak_areas  # noqa: E402

AREA = "E06000020"
INDICATOR = "NI73"
OUTCOME = "BH"
RESULTS = Path(__file__).resolve().parent / "results"
PACKAGES = ("duckdb", "pandas", "numpy", "scipy")

# The raw reads: the rows each page needs, straight into a DataFrame. Parameters
# are bound; only fixed text is formatted in. Trends need the latest five years
# (metrics.stats.trend.TREND_POINTS), so the series reads stop there.
_OBS = "o.sex = 'persons' AND o.category = ''"
RAW_PANEL = f"""
    SELECT o.indicator_id, o.area_code, a.area_type, o.period_label, o.count, o.denominator,
           o.value, o.lower95, o.upper95, o.lower998, o.upper998, o.suppressed, o.note
    FROM observation o JOIN indicator i USING (indicator_id) JOIN area a USING (area_code)
    WHERE o.period_year = $year AND {_OBS} AND o.client_group_id = i.headline_group AND i.mapped
      AND (a.area_type = 'la' OR list_contains($areas, o.area_code))
"""
RAW_AREA_SERIES = f"""
    SELECT o.indicator_id, o.period_year, o.count, o.denominator, o.value, o.lower95, o.upper95,
           o.suppressed
    FROM observation o JOIN indicator i USING (indicator_id)
    WHERE o.area_code = $area AND {_OBS} AND o.client_group_id = i.headline_group AND i.mapped
      AND o.period_year BETWEEN $year - 4 AND $year
"""
RAW_WEAK_PANEL = f"""
    SELECT o.indicator_id, o.area_code, a.area_type, o.client_group_id, o.period_label, o.count,
           o.denominator, o.value, o.lower95, o.upper95, o.suppressed
    FROM observation o JOIN indicator i USING (indicator_id) JOIN area a USING (area_code)
    WHERE o.period_year = $year AND {_OBS} AND i.mapped
      AND (a.area_type = 'la' OR list_contains($areas, o.area_code) OR a.parent_code = $area)
"""
RAW_WEAK_SERIES = f"""
    SELECT o.indicator_id, o.area_code, o.client_group_id, o.period_year, o.count, o.denominator,
           o.value, o.lower95, o.upper95, o.suppressed
    FROM observation o JOIN indicator i USING (indicator_id) JOIN area a USING (area_code)
    WHERE (o.area_code = $area OR a.parent_code = $area) AND {_OBS} AND i.mapped
      AND o.period_year BETWEEN $year - 4 AND $year
"""
RAW_ACROSS = f"""
    SELECT o.area_code, a.name, a.area_type, a.region_code, o.period_label, o.count,
           o.denominator, o.value, o.lower95, o.upper95, o.lower998, o.upper998, o.suppressed, o.note
    FROM observation o JOIN area a USING (area_code)
    WHERE o.indicator_id = $ind AND o.period_year = $year AND o.client_group_id = 'all'
      AND {_OBS} AND a.area_type IN ('la', 'england')
"""
RAW_SERIES = f"""
    SELECT o.area_code, o.period_year, o.period_label, o.count, o.denominator, o.value,
           o.lower95, o.upper95, o.suppressed, o.note
    FROM observation o
    WHERE o.indicator_id = $ind AND o.client_group_id = 'all' AND {_OBS}
      AND list_contains($areas, o.area_code)
"""
RAW_CLUSTERS = f"""
    SELECT o.indicator_id, o.area_code, a.name, a.area_type, o.period_label, o.count,
           o.denominator, o.value, o.lower95, o.upper95, o.suppressed, o.note
    FROM observation o JOIN area a USING (area_code) JOIN indicator i USING (indicator_id)
    WHERE (o.area_code = $area OR a.parent_code = $area AND a.area_type = 'cluster')
      AND o.period_year = $year AND o.client_group_id = i.headline_group AND {_OBS}
      AND i.outcome_id = $outcome
"""
RAW_GROUPS = f"""
    SELECT o.indicator_id, o.client_group_id, o.period_label, o.count, o.denominator, o.value,
           o.lower95, o.upper95, o.suppressed
    FROM observation o JOIN indicator i USING (indicator_id)
    WHERE o.area_code = $area AND o.period_year = $year AND {_OBS} AND i.mapped
"""



def page_pairs(store: Store) -> list[tuple[str, Callable[[], object], Callable[[], object]]]:
    """(page, our call, the raw read of the same rows) for Telford, England, latest year."""
    year = latest_year(store)
    sel = Selection(AREA, "england", year, "all")
    cur = store.cursor()
    nbrs = [r[0] for r in cur.execute(
        "SELECT neighbour_code FROM area_neighbour WHERE area_code = ? ORDER BY rank", [AREA]
    ).fetchall()]
    series_areas = [AREA, "E92000001", "E12000005", *nbrs]

    def raw(sql: str, params: dict[str, Any]) -> Callable[[], object]:
        return lambda: cur.execute(sql, params).df()

    def raw_area() -> None:
        cur.execute(RAW_PANEL, {"year": year, "areas": [AREA, "E92000001"]}).df()
        cur.execute(RAW_AREA_SERIES, {"area": AREA, "year": year}).df()

    def raw_weak() -> None:
        cur.execute(RAW_WEAK_PANEL, {"year": year, "areas": [AREA, "E92000001"], "area": AREA}).df()
        cur.execute(RAW_WEAK_SERIES, {"area": AREA, "year": year}).df()

    def trends() -> None:
        meta = indicator_meta(store, INDICATOR)
        series_trend(indicator_series(store, INDICATOR, sel, []), AREA, meta)

    across = raw(RAW_ACROSS, {"ind": INDICATOR, "year": year})
    return [
        ("home: area_results + scorecard", lambda: outcome_scorecard(area_results(store, sel)), raw_area),
        ("profile: area_results", lambda: area_results(store, sel), raw_area),
        ("compare: indicator_across_las", lambda: indicator_across_las(store, INDICATOR, sel), across),
        ("compare funnel: funnel_data", lambda: funnel_data(store, INDICATOR, sel), across),
        ("trends: indicator_series + series_trend", trends,
         raw(RAW_SERIES, {"ind": INDICATOR, "areas": series_areas})),
        ("clusters: cluster_results", lambda: cluster_results(store, AREA, sel, OUTCOME),
         raw(RAW_CLUSTERS, {"area": AREA, "year": year, "outcome": OUTCOME})),
        ("client groups: client_group_results", lambda: client_group_results(store, sel),
         raw(RAW_GROUPS, {"area": AREA, "year": year})),
        ("weak areas: weak_areas", lambda: weak_areas(store, sel), raw_weak),
        ("map: indicator_across_las", lambda: indicator_across_las(store, INDICATOR, sel), across),
    ]


def stats_rows(rows: int, runs: int) -> list[dict[str, Any]]:
    """bench_stats' table, parsed: one dict per statistics function."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        bench_stats.main(["--rows", str(rows), "--runs", str(runs)])
    out = []
    for line in buf.getvalue().splitlines():
        parts = line.rsplit(None, 2)
        if len(parts) == 3:
            with contextlib.suppress(ValueError):
                out.append({"function": parts[0].strip(), "seconds": float(parts[1]),
                            "m_rows_per_s": float(parts[2])})
    return out


def bench_size(path: Path, factor: int, runs: int, reuse: bool) -> dict[str, Any]:
    """Build (or reuse) the store of one size and time every page pair on it."""
    if reuse and path.exists():
        build = {"seconds": None, "reused": True}
    else:
        s = scale.build_scaled(path, factor)
        build = {"seconds": round(s.seconds, 2), "reused": False}
    store = Store(path, read_only=True)
    try:
        n_obs = int(store.scalar("SELECT count(*) FROM observation"))
        pages = []
        for name, ours, raw in page_pairs(store):
            raw_ms = median_ms(raw, runs)
            try:
                ours_ms: float | None = median_ms(ours, runs)
            except Exception as exc:  # a page that fails at this size is a finding, not a crash
                ours_ms, error = None, f"{type(exc).__name__}: {exc}"
            else:
                error = None
            pages.append({"page": name, "ours_ms": None if ours_ms is None else round(ours_ms, 2),
                          "raw_ms": round(raw_ms, 2),
                          "ratio": round(ours_ms / raw_ms, 2) if ours_ms and raw_ms else None,
                          "error": error})
            shown = f"{ours_ms:8.1f} ms" if ours_ms is not None else f"FAILED ({error})"[:60]
            print(f"  x{factor:<3} {name:<42} ours {shown}   raw {raw_ms:7.1f} ms", flush=True)
    finally:
        store.close()
    return {"factor": factor, "observations": n_obs, "bytes_on_disk": path.stat().st_size,
            "build": build, "pages": pages}


def print_tables(sizes: list[dict[str, Any]]) -> None:
    for size in sizes:
        b = size["build"]
        built = "reused" if b["reused"] else f"built in {b['seconds']:.1f} s"
        print(f"\n### x{size['factor']}: {size['observations']:,} observations, "
              f"{size['bytes_on_disk'] / 1e6:.0f} MB on disk, {built}\n")
        print(f"| {'page':<42} | {'ours ms':>8} | {'raw ms':>7} | {'ratio':>5} |")
        print(f"|{'-' * 44}|{'-' * 9}:|{'-' * 8}:|{'-' * 6}:|")
        for p in size["pages"]:
            ours = f"{p['ours_ms']:>8.1f}" if p["ours_ms"] is not None else f"{'failed':>8}"
            ratio = f"{p['ratio']:>5.2f}" if p["ratio"] is not None else f"{'-':>5}"
            print(f"| {p['page']:<42} | {ours} | {p['raw_ms']:>7.1f} | {ratio} |")
    if len(sizes) < 2:
        return
    heads = [f"x1 -> x{s['factor']}" for s in sizes[1:]]
    print(f"\n### growth of our time with store size\n\n| {'page':<42} | " + " | ".join(heads) + " |")
    print(f"|{'-' * 44}|" + "|".join("-" * (len(h) + 1) + ":" for h in heads) + "|")
    for i, p in enumerate(sizes[0]["pages"]):
        cells = [f"{_ratio(s['pages'][i]['ours_ms'], p['ours_ms']):>{len(h)}}" for s, h in zip(sizes[1:], heads, strict=True)]
        print(f"| {p['page']:<42} | " + " | ".join(cells) + " |")


def _ratio(new: float | None, old: float | None) -> str:
    return f"{new / old:.2f}" if new and old else "-"


def growth(sizes: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    base = {p["page"]: p["ours_ms"] for p in sizes[0]["pages"]}
    return {
        f"x1->x{s['factor']}": {p["page"]: round(p["ours_ms"] / base[p["page"]], 2) for p in s["pages"]
           if p["ours_ms"] and base[p["page"]]}
        for s in sizes[1:]
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--with-50x", action="store_true", help="also 50x (about 13M rows, 2 GB)")
    parser.add_argument("--dir", type=Path, help="keep the stores here (default: a temporary folder)")
    parser.add_argument("--reuse", type=int, nargs="*", metavar="FACTOR",
                        help="reuse stores already in --dir (all, or only these factors)")
    parser.add_argument("--stats-rows", type=int, default=1_000_000)
    parser.add_argument("--label", default="", help="added to the results file name")
    args = parser.parse_args(argv)
    factors = sorted(set(args.factors) | ({50} if args.with_50x else set()))
    started = dt.datetime.now(dt.UTC)
    print(f"Python {platform.python_version()} on {platform.machine()} x{os.cpu_count()}; "
          f"median of {args.runs} runs after one warm-up; area {AREA}, indicator {INDICATOR}")
    with tempfile.TemporaryDirectory(prefix="ecm-scale-bench-") as tmp:
        folder = args.dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        reuse = set(factors) if args.reuse == [] else set(args.reuse or [])
        sizes = [bench_size(folder / f"x{f}.duckdb", f, args.runs, f in reuse) for f in factors]
    print_tables(sizes)
    print(f"\n### statistics on {args.stats_rows:,} rows (benchmarks/bench_stats.py)\n")
    stats = stats_rows(args.stats_rows, 5)
    for s in stats:
        print(f"| {s['function']:<42} | {s['seconds'] * 1000:>8.1f} ms | {s['m_rows_per_s']:>6.1f} M rows/s |")
    report = {
        "run_at": started.isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "arch": platform.machine(),
                    "cpus": os.cpu_count(), "node": platform.node()},
        "packages": {p: metadata.version(p) for p in PACKAGES},
        "runs": args.runs,
        "selection": {"area": AREA, "indicator": INDICATOR, "benchmark": "england", "group": "all"},
        "sizes": sizes,
        "growth": growth(sizes),
        "stats_rows": args.stats_rows,
        "stats": stats,
    }
    RESULTS.mkdir(exist_ok=True)
    suffix = f"-{args.label}" if args.label else ""
    target = RESULTS / f"{started:%Y-%m-%d}-scale{suffix}.json"
    target.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nJSON: {json.dumps(report['growth'])}\nwritten to {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
