"""The benchmark of record: every figure the scale issue asks for, at 1x, 10x (and 50x) the national demo.

Run from the project root (one command; not part of the test suite)::

    .venv/bin/python benchmarks/bench_scale.py [--runs 10] [--factors 1 10] [--with-50x]
        [--dir DIR] [--reuse [FACTOR ...]] [--no-import] [--no-pack] [--no-browser]
        [--no-fresh-start] [--no-stats] [--label TEXT] [--results DIR]

(``--help`` lists the rest: rows imported, pack runs, statistics rows.)

For each store size (built deterministically by :mod:`benchmarks.scale`):

* **store**: build time and size on disk;
* **pages**: every page's main ``metrics`` call (query + statistics), median of
  ``--runs`` after one warm-up, next to the raw DuckDB query that fetches the rows
  the page needs into a DataFrame, with no statistics. ``ours / raw`` is the
  overhead we own; the growth from 1x to 10x (and 50x) shows whether a page costs
  what it reads or what the store holds;
* **import**: a 1,000,000-row Fingertips CSV (``tests/io/make_big_fingertips.py``)
  imported into a throwaway copy of the store by a child process
  (:mod:`benchmarks.import_run`): seconds, rows/s and that process's peak RSS;
* **data pack**: collecting the figures and writing the PDF and XLSX
  (:func:`benchmarks.bench_pack.time_pack`), median of ``--pack-runs``;
* **server** (:mod:`benchmarks.browse`): a new Streamlit server on the store, timed
  from launch to the home page rendered in Chromium (cold start), then every page
  registered in app.py opened once, then the server's peak RSS (VmHWM).

Once per run: the statistics engine on 1,000,000 rows (:mod:`benchmarks.bench_stats`)
and a fresh clone's first start (no store: ``make run``'s published build, then the server,
to the first rendered home page). Everything is printed as tables and as JSON and
written, with the date, machine and versions, to
``benchmarks/results/<date>-scale[-label].json`` and ``.md`` (rewritten after each size,
so a run that dies at 50x keeps the smaller sizes). A script, not a test: the
figures depend on the machine and are recorded, not asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_stats  # noqa: E402
import browse  # noqa: E402
import import_run  # noqa: E402
import scale  # noqa: E402
from bench_pack import time_pack  # noqa: E402
from timing import median_ms, median_seconds, paired_median_ms  # noqa: E402

from metrics.comparisons import (  # noqa: E402
    funnel_data,
    indicator_across_las,
    indicator_meta,
    indicator_series,
    series_trend,
)
from metrics.lookups import latest_year
from metrics.results import Selection, area_results  # noqa: E402
from metrics.scorecard import outcome_scorecard
from metrics.store import Store  # noqa: E402
from metrics.subgroups import client_group_results, cluster_results  # noqa: E402
from metrics.weak_areas import weak_areas  # noqa: E402
from tests.support.server import CHROMIUM  # noqa: E402

AREA, INDICATOR = browse.AREA, browse.INDICATOR  # the pages the browser opens, timed here too
OUTCOME = "BH"
RESULTS = Path(__file__).resolve().parent / "results"
PACKAGES = ("ecm-dashboard", "duckdb", "pandas", "numpy", "scipy", "pyarrow", "streamlit", "plotly",
            "fpdf2", "openpyxl", "playwright")
IMPORT_ROWS = 1_000_000

# The raw reads: the rows each page needs, straight into a DataFrame. Parameters
# are bound; only fixed text is formatted in. Trends need the latest five years
# (metrics.stats.trend.TREND_POINTS), so the series reads stop there. They read
# ecm_observation, as the pages do: the persons, no-category rows of mapped
# indicators, so the ratio is our overhead on the same rows, not a table choice.
RAW_PANEL = """
    SELECT o.indicator_id, o.area_code, a.area_type, o.period_label, o.count, o.denominator,
           o.value, o.lower95, o.upper95, o.lower998, o.upper998, o.suppressed, o.note,
           p.band, p.rank, p.n_ranked
    FROM ecm_observation o JOIN indicator i USING (indicator_id) JOIN area a USING (area_code)
    LEFT JOIN ecm_position p USING (period_year, indicator_id, client_group_id, area_code)
    WHERE o.period_year = $year AND o.client_group_id = i.headline_group
      AND list_contains($areas, o.area_code)
"""
# National quantiles (ecm_national), bands and ranks (ecm_position) are kept by
# metrics.derived when data change: a page reads them for its period and areas.
RAW_NATIONAL = """
    SELECT d.* FROM ecm_national d JOIN indicator i USING (indicator_id)
    WHERE d.period_year = $year AND ($groups OR d.client_group_id = i.headline_group)
"""
RAW_AREA_SERIES = """
    SELECT o.indicator_id, o.period_year, o.count, o.denominator, o.value, o.lower95, o.upper95,
           o.suppressed
    FROM ecm_observation o JOIN indicator i USING (indicator_id)
    WHERE o.area_code = $area AND o.client_group_id = i.headline_group
      AND o.period_year BETWEEN $year - 4 AND $year
"""
RAW_WEAK_PANEL = """
    SELECT o.indicator_id, o.area_code, a.area_type, o.client_group_id, o.period_label, o.count,
           o.denominator, o.value, o.lower95, o.upper95, o.suppressed, p.band, p.rank, p.n_ranked
    FROM ecm_observation o JOIN indicator i USING (indicator_id) JOIN area a USING (area_code)
    LEFT JOIN ecm_position p USING (period_year, indicator_id, client_group_id, area_code)
    WHERE o.period_year = $year
      AND (list_contains($areas, o.area_code) OR a.parent_code = $area)
"""
RAW_WEAK_SERIES = """
    SELECT o.indicator_id, o.area_code, o.client_group_id, o.period_year, o.count, o.denominator,
           o.value, o.lower95, o.upper95, o.suppressed
    FROM ecm_observation o JOIN indicator i USING (indicator_id) JOIN area a USING (area_code)
    WHERE (o.area_code = $area OR a.parent_code = $area)
      AND o.period_year BETWEEN $year - 4 AND $year
"""
# Every LA's row with its kept band and rank (ecm_position), as RAW_PANEL reads them.
RAW_ACROSS = """
    SELECT o.area_code, a.name, a.area_type, a.region_code, o.period_label, o.count,
           o.denominator, o.value, o.lower95, o.upper95, o.lower998, o.upper998, o.suppressed, o.note,
           p.rank, p.n_ranked, p.band
    FROM ecm_observation o JOIN area a USING (area_code)
    LEFT JOIN ecm_position p USING (period_year, indicator_id, client_group_id, area_code)
    WHERE o.indicator_id = $ind AND o.period_year = $year AND o.client_group_id = 'all'
      AND a.area_type IN ('la', 'england')
"""
RAW_SERIES = """
    SELECT o.area_code, o.period_year, o.period_label, o.count, o.denominator, o.value,
           o.lower95, o.upper95, o.suppressed, o.note
    FROM ecm_observation o
    WHERE o.indicator_id = $ind AND o.client_group_id = 'all'
      AND list_contains($areas, o.area_code)
"""
RAW_CLUSTERS = """
    SELECT o.indicator_id, o.area_code, a.name, a.area_type, o.period_label, o.count,
           o.denominator, o.value, o.lower95, o.upper95, o.suppressed, o.note
    FROM ecm_observation o JOIN area a USING (area_code) JOIN indicator i USING (indicator_id)
    WHERE (o.area_code = $area OR a.parent_code = $area AND a.area_type = 'cluster')
      AND o.period_year = $year AND o.client_group_id = i.headline_group
      AND i.outcome_id = $outcome
"""
RAW_GROUPS = """
    SELECT o.indicator_id, o.client_group_id, o.period_label, o.count, o.denominator, o.value,
           o.lower95, o.upper95, o.suppressed
    FROM ecm_observation o JOIN indicator i USING (indicator_id)
    WHERE o.area_code = $area AND o.period_year = $year
"""



def page_pairs(store: Store) -> list[tuple[str, Callable[[], object], Callable[[], object]]]:
    """(page, our call, the raw read of the same rows) for Telford, England, latest year."""
    year = latest_year(store)
    sel = Selection(AREA, "england", year, "all")
    nbrs = [r[0] for r in store.cursor().execute(
        "SELECT neighbour_code FROM area_neighbour WHERE area_code = ? ORDER BY rank", [AREA]
    ).fetchall()]
    series_areas = [AREA, "E92000001", "E12000005", *nbrs]

    # Into a DataFrame the way the pages' reads do (Store.frame, through Arrow), so
    # the ratio is the Python and statistics on top, not a faster or slower fetch.
    def raw(sql: str, params: dict[str, Any]) -> Callable[[], object]:
        return lambda: store.frame(sql, params)

    def raw_area() -> None:
        store.frame(RAW_PANEL, {"year": year, "areas": [AREA, "E92000001"]})
        store.frame(RAW_NATIONAL, {"year": year, "groups": False})
        store.frame(RAW_AREA_SERIES, {"area": AREA, "year": year})

    def raw_weak() -> None:
        store.frame(RAW_WEAK_PANEL, {"year": year, "areas": [AREA, "E92000001"], "area": AREA})
        store.frame(RAW_NATIONAL, {"year": year, "groups": True})
        store.frame(RAW_WEAK_SERIES, {"area": AREA, "year": year})

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
    """bench_stats' hot paths on ``rows`` rows: median seconds of ``runs`` each, one dict per function."""
    out = []
    for name, fn in bench_stats.cases(rows):
        seconds = median_seconds(fn, runs)
        out.append({"function": name, "seconds": round(seconds, 5), "m_rows_per_s": round(rows / seconds / 1e6, 1)})
    return out


def measured(name: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one measured part; a failure becomes ``{"error": ...}`` in the results, not a crash.

    A 50x run takes long: one part failing (a page timing out, the import child
    running out of memory) is itself a finding, and the other figures of the run
    are still worth keeping.
    """
    print(f"  {name} ...", flush=True)
    try:
        result = fn()
    except Exception as exc:
        traceback.print_exc()
        result = {"error": f"{type(exc).__name__}: {exc}"[:600]}
    print(f"  {name}: {json.dumps(result)[:300]}", flush=True)
    return result


def pack_figures(store: Store, runs: int, work: Path) -> dict[str, Any]:
    """The data pack for :data:`AREA` on this store (bench_pack's steps), median of ``runs``."""
    with tempfile.TemporaryDirectory(prefix="ecm-pack-", dir=work) as tmp:
        medians, pages = time_pack(store, AREA, runs, Path(tmp))
    return {"runs": runs, "collect_s": round(medians["collect figures"], 2),
            "write_pdf_s": round(medians["write PDF"], 2), "write_xlsx_s": round(medians["write XLSX"], 2),
            "total_pdf_s": round(medians["total PDF"], 2), "pdf_pages": pages}


def time_pages(store: Store, factor: int, runs: int) -> list[dict[str, Any]]:
    """Every page pair on ``store``: our call and the raw read, timed in turn, median of ``runs`` each."""
    pages = []
    for name, ours, raw in page_pairs(store):
        try:
            ours_ms: float | None
            ours_ms, raw_ms = paired_median_ms(ours, raw, runs)
        except Exception as exc:  # a page that fails at this size is a finding, not a crash
            ours_ms, error = None, f"{type(exc).__name__}: {exc}"
            raw_ms = median_ms(raw, runs)
        else:
            error = None
        pages.append({"page": name, "ours_ms": None if ours_ms is None else round(ours_ms, 2),
                      "raw_ms": round(raw_ms, 2),
                      "ratio": round(ours_ms / raw_ms, 2) if ours_ms and raw_ms else None,
                      "error": error})
        shown = f"{ours_ms:8.1f} ms" if ours_ms is not None else f"FAILED ({error})"[:60]
        print(f"  x{factor:<3} {name:<42} ours {shown}   raw {raw_ms:7.1f} ms", flush=True)
    return pages


def bench_size(path: Path, factor: int, args: argparse.Namespace, reuse: bool, csv_path: Path | None,
               work: Path) -> dict[str, Any]:
    """Build (or reuse) the store of one size, then measure everything asked of it.

    In-process work (pages, pack) runs first on a read-only connection, which is
    closed before the import child and the server open the store, so neither
    shares memory with, nor waits on, this process.
    """
    print(f"\n== x{factor}: {path}", flush=True)
    if reuse and path.exists():
        build: dict[str, Any] = {"seconds": None, "reused": True}
    else:
        s = scale.build_scaled(path, factor)
        build = {"seconds": round(s.seconds, 2), "reused": False}
    built = "reused" if build["reused"] else f"built in {build['seconds']:.1f} s"
    print(f"  store {built}, {path.stat().st_size / 1e6:,.0f} MB", flush=True)
    store = Store(path, read_only=True)
    try:
        n_obs = int(store.scalar("SELECT count(*) FROM observation"))
        pages = time_pages(store, factor, args.runs)
        pack = measured("data pack", lambda: pack_figures(store, args.pack_runs, work)) if args.pack else None
    finally:
        store.close()
    imported = (measured(f"import {args.import_rows:,} rows", lambda: import_run.run_child(path, csv_path, work))
                if csv_path is not None else None)
    server = (measured("server: cold start, every page, peak RSS",
                       lambda: browse.cold_start_and_every_page(path, work / f"server-x{factor}.log"))
              if args.browser else None)
    return {"factor": factor, "observations": n_obs, "bytes_on_disk": path.stat().st_size,
            "build": build, "pages": pages, "import": imported, "pack": pack, "server": server}


def _cell(part: dict[str, Any] | None, key: str, fmt: Callable[[Any], str]) -> str:
    """One summary cell: 'skipped' when the part was not run, 'failed' when it raised."""
    if part is None:
        return "skipped"
    if part.get(key) is None:
        return "failed" if part.get("error") else "-"
    return fmt(part[key])


def _slowest(server: dict[str, Any] | None) -> str:
    if server is None:
        return "skipped"
    ok = [p for p in server.get("pages", []) if p["seconds"] is not None]
    if not ok:
        return "failed"
    worst = max(ok, key=lambda p: p["seconds"])
    return f"{worst['seconds']:.1f} s ({_stem(worst['page'])})"


def _failing(server: dict[str, Any] | None) -> str:
    if server is None:
        return "skipped"
    if "pages" not in server:
        return "failed"
    return str(sum(1 for p in server["pages"] if p["error"]))


def _stem(url: str) -> str:
    path = url.split("?", 1)[0].strip("/")
    return path or "home"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table, first column left-aligned and the others right-aligned."""
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    out = ["| " + " | ".join(f"{c:<{w}}" if i == 0 else f"{c:>{w}}" for i, (c, w) in
                             enumerate(zip(head, widths, strict=True))) + " |"]
    out.append("|" + "|".join("-" * (w + 2) if i == 0 else "-" * (w + 1) + ":" for i, w in enumerate(widths)) + "|")
    out += ["| " + " | ".join(f"{c:<{w}}" if i == 0 else f"{c:>{w}}" for i, (c, w) in
                              enumerate(zip(r, widths, strict=True))) + " |" for r in rows]
    return out


def summary_lines(sizes: list[dict[str, Any]], import_rows: int) -> list[str]:
    """One row per figure, one column per size: what the issue asks for at a glance."""
    rss = lambda v: f"{v:,.0f} MB"  # noqa: E731
    sec = lambda v: f"{v:.1f} s"  # noqa: E731
    spec: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("observations", lambda s: f"{s['observations']:,}"),
        ("store build", lambda s: "reused" if s["build"]["reused"] else sec(s["build"]["seconds"])),
        ("store size on disk", lambda s: f"{s['bytes_on_disk'] / 1e6:,.0f} MB"),
        (f"import {import_rows:,} Fingertips rows", lambda s: _cell(s["import"], "seconds", sec)),
        ("import throughput", lambda s: _cell(s["import"], "rows_per_s", lambda v: f"{v:,.0f} rows/s")),
        ("import peak RSS (its own process)", lambda s: _cell(s["import"], "peak_rss_mb", rss)),
        ("data pack: collect figures", lambda s: _cell(s["pack"], "collect_s", sec)),
        ("data pack: figures + PDF", lambda s: _cell(s["pack"], "total_pdf_s", sec)),
        ("data pack: XLSX (after figures)", lambda s: _cell(s["pack"], "write_xlsx_s", sec)),
        ("cold start to rendered home page", lambda s: _cell(s["server"], "cold_start_s", sec)),
        ("server peak RSS after every page", lambda s: _cell(s["server"], "peak_rss_mb", rss)),
        ("slowest page in Chromium", lambda s: _slowest(s["server"])),
        ("pages failing in Chromium", lambda s: _failing(s["server"])),
    ]
    return _table(["per store size", *[f"x{s['factor']}" for s in sizes]],
                  [[name, *[fn(s) for s in sizes]] for name, fn in spec])


def page_lines(size: dict[str, Any]) -> list[str]:
    """Our call next to the raw read for every page, on one size."""
    rows = []
    for p in size["pages"]:
        ours = f"{p['ours_ms']:.1f}" if p["ours_ms"] is not None else "failed"
        ratio = f"{p['ratio']:.2f}" if p["ratio"] is not None else "-"
        rows.append([p["page"], ours, f"{p['raw_ms']:.1f}", ratio])
    return _table(["page (main query + statistics)", "ours ms", "raw ms", "ratio"], rows)


def browser_lines(sizes: list[dict[str, Any]]) -> list[str]:
    """Seconds to render each page in Chromium (a new session each), one column per size."""
    with_server = [s for s in sizes if s["server"] and "pages" in s["server"]]
    if not with_server:
        return []
    urls = [p["page"] for p in with_server[0]["server"]["pages"]]
    rows = []
    for i, url in enumerate(urls):
        cells = []
        for s in with_server:
            p = s["server"]["pages"][i]
            cells.append(f"{p['seconds']:.2f}" if p["seconds"] is not None else "failed")
        rows.append([_stem(url), *cells])
    return _table(["page in Chromium (s)", *[f"x{s['factor']}" for s in with_server]], rows)


def growth_lines(sizes: list[dict[str, Any]]) -> list[str]:
    """Our time on each bigger store over our time on the smallest."""
    base = sizes[0]
    heads = [f"x{base['factor']} -> x{s['factor']}" for s in sizes[1:]]
    rows = [[p["page"], *[_ratio(s["pages"][i]["ours_ms"], p["ours_ms"]) for s in sizes[1:]]]
            for i, p in enumerate(base["pages"])]
    return _table(["growth of our time with store size", *heads], rows)


def _ratio(new: float | None, old: float | None) -> str:
    return f"{new / old:.2f}" if new and old else "-"


def growth(sizes: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    base = {p["page"]: p["ours_ms"] for p in sizes[0]["pages"]}
    return {
        f"x{sizes[0]['factor']}->x{s['factor']}": {
            p["page"]: round(p["ours_ms"] / base[p["page"]], 2) for p in s["pages"]
            if p["ours_ms"] and base[p["page"]]}
        for s in sizes[1:]
    }


def report_lines(report: dict[str, Any]) -> list[str]:
    """Every table of the report, as Markdown (printed, and written next to the JSON)."""
    sizes, m = report["sizes"], report["machine"]
    out = [f"# Scale benchmark, {report['run_at']}", "",
           f"{m['cpu']} x{m['cpus']}, {m['memory_gb']} GB, {m['os']}; Python {m['python']}; "
           f"commit {report['versions']['commit']}; "
           + ", ".join(f"{k} {v}" for k, v in report["versions"]["packages"].items())
           + f"; {report['versions']['chromium']}", "",
           f"Median of {report['runs']} runs after one warm-up; area {AREA}, indicator {INDICATOR}, "
           "England benchmark, all children, latest period."]
    if sizes:
        out += ["", *summary_lines(sizes, report["import_rows"])]
    for size in sizes:
        out += ["", f"## x{size['factor']}: {size['observations']:,} observations", "", *page_lines(size)]
    if len(sizes) > 1:
        out += ["", *growth_lines(sizes)]
    if sizes and (lines := browser_lines(sizes)):
        out += ["", *lines]
    fresh = report.get("fresh_clone_start")
    if fresh:
        out += ["", "## fresh clone: no store to the first rendered home page (`make run` minus pip)", ""]
        out += ([f"failed: {fresh['error']}"] if "error" in fresh else
                [f"{fresh['total_s']:.1f} s: building the published store {fresh['build_store_s']:.1f} s, "
                 f"then server start to rendered home page {fresh['server_to_home_s']:.1f} s"])
    if report.get("stats"):
        out += ["", f"## statistics on {report['stats_rows']:,} rows (benchmarks/bench_stats.py)", ""]
        out += _table(["function", "ms", "M rows/s"],
                      [[s["function"], f"{s['seconds'] * 1000:.1f}", f"{s['m_rows_per_s']:.1f}"]
                       for s in report["stats"]])
    return out


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _output(cmd: list[str]) -> str:
    """A command's first output line, or '' when it cannot run (no git, no Chromium)."""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30, cwd=Path(__file__).parent)
    except (OSError, subprocess.SubprocessError):
        return ""
    return (proc.stdout.strip().splitlines() or [""])[0]


def machine() -> dict[str, Any]:
    """What the figures were measured on: they mean nothing without it."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"python": platform.python_version(), "arch": platform.machine(), "cpus": os.cpu_count(),
            "cpu": cpu, "memory_gb": round(mem, 1), "os": f"{platform.system()} {platform.release()}",
            "node": platform.node()}


def versions() -> dict[str, Any]:
    """The code and every package whose speed is measured here, and the browser."""
    commit = _output(["git", "rev-parse", "--short", "HEAD"])
    dirty = bool(_output(["git", "status", "--porcelain", "--untracked-files=no"]))
    return {"commit": f"{commit}{' (with uncommitted changes)' if dirty else ''}" or "unknown",
            "packages": {p: _version(p) for p in PACKAGES},
            "chromium": _output([CHROMIUM, "--version"]) or "not found"}


def write_results(report: dict[str, Any], label: str, folder: Path = RESULTS) -> tuple[Path, Path]:
    """``<folder>/<date>-scale[-label].json`` and ``.md`` (rewritten as sizes finish)."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{report['run_at'][:10]}-scale{f'-{label}' if label else ''}"
    target = folder / f"{stem}.json"
    target.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    tables = folder / f"{stem}.md"
    tables.write_text("\n".join(report_lines(report)) + "\n", encoding="utf-8")
    return target, tables


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs per page query (median; default 10)")
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 10], help="store sizes (default 1 10)")
    parser.add_argument("--with-50x", action="store_true", help="also 50x (about 40M rows, about 8 GB on disk)")
    parser.add_argument("--dir", type=Path, help="keep the stores and the CSV here (default: a temporary folder)")
    parser.add_argument("--reuse", type=int, nargs="*", metavar="FACTOR",
                        help="reuse stores (and the CSV) already in --dir (all, or only these factors)")
    parser.add_argument("--no-import", dest="do_import", action="store_false",
                        help="skip the 1,000,000-row Fingertips import")
    parser.add_argument("--import-rows", type=int, default=IMPORT_ROWS)
    parser.add_argument("--no-pack", dest="pack", action="store_false", help="skip the data pack")
    parser.add_argument("--pack-runs", type=int, default=3, help="data packs per size (median; default 3)")
    parser.add_argument("--no-browser", dest="browser", action="store_false",
                        help="skip everything that starts the server in Chromium (cold starts, RSS, fresh clone)")
    parser.add_argument("--no-fresh-start", dest="fresh", action="store_false",
                        help="skip the fresh clone's first start (no store, published store built first)")
    parser.add_argument("--no-stats", dest="stats", action="store_false", help="skip the 1,000,000-row statistics")
    parser.add_argument("--stats-rows", type=int, default=1_000_000)
    parser.add_argument("--label", default="", help="added to the results file names")
    parser.add_argument("--results", type=Path, default=RESULTS,
                        help="where the results go (default benchmarks/results; elsewhere for a trial run)")
    args = parser.parse_args(argv)
    factors = sorted(set(args.factors) | ({50} if args.with_50x else set()))
    started = dt.datetime.now(dt.UTC)
    report: dict[str, Any] = {
        "run_at": started.isoformat(timespec="seconds"),
        "complete": False,
        "machine": machine(),
        "versions": versions(),
        "runs": args.runs,
        "selection": {"area": AREA, "indicator": INDICATOR, "benchmark": "england", "group": "all"},
        "import_rows": args.import_rows,
        "sizes": [],
    }
    m = report["machine"]
    print(f"Python {m['python']} on {m['cpu']} x{m['cpus']}; commit {report['versions']['commit']}; "
          f"median of {args.runs} runs after one warm-up; area {AREA}, indicator {INDICATOR}", flush=True)
    with tempfile.TemporaryDirectory(prefix="ecm-scale-bench-") as tmp:
        folder = args.dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        reuse = set(factors) if args.reuse == [] else set(args.reuse or [])
        csv_path: Path | None = None
        if args.do_import:
            csv_path = folder / f"fingertips-{args.import_rows}.csv"
            if args.reuse is not None and csv_path.exists():
                report["import_csv"] = {"rows": args.import_rows, "reused": True, "bytes": csv_path.stat().st_size}
            else:
                print(f"writing a {args.import_rows:,}-row Fingertips CSV ...", flush=True)
                report["import_csv"] = {**import_run.make_csv(csv_path, args.import_rows), "reused": False}
        for f in factors:
            report["sizes"].append(bench_size(folder / f"x{f}.duckdb", f, args, f in reuse, csv_path, folder))
            report["growth"] = growth(report["sizes"])
            write_results(report, args.label, args.results)
        if args.browser and args.fresh:
            report["fresh_clone_start"] = measured(
                "fresh clone: no store to the first rendered home page",
                lambda: browse.fresh_clone_start(folder, folder / "server-fresh.log"))
    if args.stats:
        print(f"\nstatistics on {args.stats_rows:,} rows ...", flush=True)
        report["stats_rows"] = args.stats_rows
        report["stats"] = stats_rows(args.stats_rows, 5)
    report["complete"] = True
    target, tables = write_results(report, args.label, args.results)
    print("\n" + "\n".join(report_lines(report)))
    print(f"\nJSON: {json.dumps(report)}\n\nwritten to {target} and {tables}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
