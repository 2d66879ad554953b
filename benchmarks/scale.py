"""Build a store ``--factor`` times the size of the national demo, deterministically.

Run from the project root:
``.venv/bin/python benchmarks/scale.py --factor 10 --out /tmp/s10.duckdb``.

How it grows, and why this way: the demo is built as usual, then every catalogue
indicator is copied ``factor - 1`` times under new ids (``NI117__x2``, ``NI117__x3``
...) with the same metadata and every observation of the original, values and
limits jittered by a fixed pseudo-random factor (within +/-2%, from an MD5 of the
row's key, so two builds are byte-for-byte the same data). The copies are stored
as *imported measures not mapped to an ECM outcome* (``mapped = FALSE``, no
outcome or aim, as :mod:`metrics.io.lait` stores them), which is what a real
national store grows by: a whole Fingertips or LAIT download holds
thousands of measures, of which a trust maps a few dozen to the outcomes. So:

* every page still runs on the real 92 indicators with unchanged figures (a
  regression check can compare a 10x page with the 1x page), while the queries
  have to find those rows among ``factor`` times as many;
* the copies are realistic rows (same areas, years, client groups, suppression,
  nulls), not padding, so DuckDB's compression and zone maps see real data;
* areas and years are left alone: more synthetic LAs would change every national
  rank and band, and more years would change what "the latest period" means.

Rows are written in the demo's storage order (:data:`metrics.demo.OBS_STORAGE_ORDER`)
so the scaled store is laid out as an imported one would be after a rebuild. The
store records ``scale_factor`` in ``store_meta``. A benchmark tool, not product code.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install

from metrics.demo import OBS_STORAGE_ORDER, build_demo  # noqa: E402
from metrics.derived import refresh_derived  # noqa: E402
from metrics.store import DERIVED_TABLES, TABLES, Store  # noqa: E402

#: Largest relative jitter applied to a copied value (2%): copies look like other
#: indicators' data, not identical columns DuckDB could compress to nothing.
JITTER = 0.02
_JITTERED = ("value", "lower95", "upper95", "lower998", "upper998")


@dataclass(frozen=True)
class ScaleSummary:
    path: str
    factor: int
    observations: int
    indicators: int
    seconds: float
    bytes_on_disk: int


def _copy_reference(cur: duckdb.DuckDBPyConnection) -> None:
    # Table names come from the fixed TABLES tuple, never from input.
    for table in TABLES:
        if table == "observation" or table in DERIVED_TABLES:
            continue  # written below, then derived
        cur.execute(f"INSERT INTO {table} SELECT * FROM demo.{table}")
    cur.execute("INSERT OR REPLACE INTO store_meta SELECT * FROM demo.store_meta")


def _jitter_sql() -> str:
    """A factor in [1 - JITTER, 1 + JITTER] fixed by the row's key and copy number."""
    key = "concat_ws('|', o.indicator_id, o.area_code, o.period_year, o.client_group_id, k.copy)"
    return f"(1 + {JITTER} * ((md5_number({key}) % 2001)::DOUBLE / 1000 - 1))"


def build_scaled(out: Path | str, factor: int) -> ScaleSummary:
    """Write a store ``factor`` times the demo's observation rows to ``out`` (replacing it)."""
    if factor < 1:
        raise ValueError("factor must be at least 1")
    started = time.perf_counter()
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ecm-scale-", dir=target.parent) as tmp:
        demo = Path(tmp) / "demo.duckdb"
        build_demo(demo)
        if factor == 1:
            os.replace(demo, target)
        else:
            building = Path(tmp) / "scaled.duckdb"
            store = Store(building)
            try:
                with store.transaction() as cur:
                    cur.execute("ATTACH ? AS demo (READ_ONLY)", [str(demo)])
                    _copy_reference(cur)
                    cur.execute(
                        """
                        INSERT INTO indicator BY NAME
                        SELECT i.* REPLACE (i.indicator_id || '__x' || k.copy AS indicator_id,
                                          i.short_title || ' (copy ' || k.copy || ')' AS short_title,
                                          NULL AS outcome_id, NULL AS aim_id,
                                          FALSE AS mapped)
                        FROM demo.indicator i, range(2, $f + 1) k(copy)
                        """,
                        {"f": factor},
                    )
                    jitter = _jitter_sql()
                    jittered = ", ".join(f"o.{c} * {jitter} AS {c}" for c in _JITTERED)
                    order = ", ".join(OBS_STORAGE_ORDER)
                    cur.execute(
                        f"""
                        INSERT INTO observation BY NAME
                        SELECT * FROM (
                            SELECT * FROM demo.observation
                            UNION ALL
                            SELECT o.* REPLACE (o.indicator_id || '__x' || k.copy AS indicator_id,
                                                {jittered})
                            FROM demo.observation o, range(2, $f + 1) k(copy)
                        ) ORDER BY {order}
                        """,
                        {"f": factor},
                    )
                    refresh_derived(cur)
                    cur.execute(
                        "INSERT OR REPLACE INTO store_meta VALUES ('scale_factor', ?)", [str(factor)]
                    )
                cur = store.cursor()
                cur.execute("DETACH demo")
                store.con.execute("CHECKPOINT")
            finally:
                store.close()
            os.replace(building, target)
    with duckdb.connect(str(target), read_only=True) as con:
        n_obs, n_ind = con.execute(
            "SELECT (SELECT count(*) FROM observation), (SELECT count(*) FROM indicator)"
        ).fetchone()
    return ScaleSummary(
        path=str(target),
        factor=factor,
        observations=int(n_obs),
        indicators=int(n_ind),
        seconds=time.perf_counter() - started,
        bytes_on_disk=target.stat().st_size,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factor", type=int, default=10)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    s = build_scaled(args.out, args.factor)
    print(
        f"built {s.path}: x{s.factor}, {s.observations:,} observations, {s.indicators} indicators, "
        f"{s.bytes_on_disk / 1e6:.0f} MB, in {s.seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
