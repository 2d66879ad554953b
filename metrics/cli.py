"""Command line: ``jar`` (or ``python -m metrics``).

Each subcommand is a thin wrapper over a ``metrics`` function. Errors exit
non-zero with one clear line on stderr, never a traceback, because the CLI is
what performance teams script against.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from metrics.framework import ReferenceDataError, load_reference
from metrics.store import Store, StoreError, default_db_path, table_counts


def _db(args: argparse.Namespace) -> Path:
    return Path(args.db) if args.db else default_db_path()


def cmd_build_demo(args: argparse.Namespace) -> int:
    from metrics.demo import build_demo

    target = _db(args)
    if target.exists() and not args.force:
        raise StoreError(f"{target} already exists; pass --force to rebuild it")

    def progress(fraction: float, message: str) -> None:
        print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)

    summary = build_demo(target, seed=args.seed, progress=progress)
    print(
        f"Built {summary.path}: {summary.observations:,} observations, {summary.areas} areas, "
        f"{summary.indicators} indicators, {summary.years[0]}-{summary.years[1]}, "
        f"in {summary.seconds:.1f} s"
    )
    return 0


def cmd_build_demo_if_missing(args: argparse.Namespace) -> int:
    target = _db(args)
    if target.exists():
        print(f"Using existing store {target}")
        return 0
    args.force = False
    args.seed = 20_050_901
    return cmd_build_demo(args)


def cmd_info(args: argparse.Namespace) -> int:
    with Store(_db(args), read_only=True) as store:
        info = {
            "path": store.path,
            "dataset": store.meta("dataset"),
            "data_version": store.data_version(),
            "schema_version": store.scalar("SELECT max(version) FROM schema_version"),
            "tables": table_counts(store),
        }
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        print(f"store:          {info['path']}")
        print(f"dataset:        {info['dataset']}")
        print(f"data version:   {info['data_version']}")
        print(f"schema version: {info['schema_version']}")
        for table, n in info["tables"].items():
            print(f"  {table:<16}{n:>12,}")
    return 0


def cmd_check_reference(args: argparse.Namespace) -> int:
    ref = load_reference(args.data_dir)
    print(
        f"OK: {len(ref.outcomes)} outcomes, {len(ref.aims)} aims, {len(ref.nsf_standards)} NSF "
        f"standards, {len(ref.indicators)} indicators, {len(ref.local_authorities)} LAs, "
        f"{len(ref.clusters)} clusters"
    )
    return 0


def cmd_import_neighbours(args: argparse.Namespace) -> int:
    from metrics.neighbours import read_dfe_neighbours
    from metrics.store import new_batch

    ref = load_reference()
    frame = read_dfe_neighbours(args.path, ref)
    with Store(_db(args)) as store, store.transaction() as cur:
        cur.execute("DELETE FROM area_neighbour WHERE source = ?", [frame["source"].iloc[0]])
        cur.register("_nb", frame)
        cur.execute("INSERT INTO area_neighbour BY NAME SELECT * FROM _nb")
        cur.unregister("_nb")
        new_batch(cur, Path(args.path).name, "neighbours", args.user, note=f"{len(frame)} rows")
    print(f"Imported {len(frame)} neighbour rows for {frame['area_code'].nunique()} LAs")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from metrics.io.core import import_source
    from metrics.io.faults import ImportFailed
    from metrics.io.formats import open_source

    def progress(rows: int, message: str) -> None:
        print(f"  {message}", file=sys.stderr, flush=True)

    with Store(_db(args)) as store:
        source = open_source(store, args.path, args.format, args.mapping)
        try:
            result = import_source(
                store, source, dry_run=args.dry_run, user=args.user,
                unknown_areas="skip" if args.skip_unknown_areas else "fault", progress=progress,
            )
        except ImportFailed as exc:
            print(f"jar import: {exc}", file=sys.stderr)
            return 1
    print(result.summary())
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    from metrics.io.core import rollback_batch

    with Store(_db(args)) as store:
        n = rollback_batch(store, args.batch, args.user)
    print(f"Rolled back batch {args.batch}: removed {n:,} rows and restored the values they replaced")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from metrics.io.core import import_history

    with Store(_db(args), read_only=True) as store:
        print(import_history(store).to_string(index=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jar", description=__doc__.splitlines()[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="DuckDB store (default: $ECM_DB or var/ecm_demo.duckdb)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build-demo", parents=[common], help="build the synthetic national demo store")
    p.add_argument("--seed", type=int, default=20_050_901)
    p.add_argument("--force", action="store_true", help="replace an existing store")
    p.set_defaults(func=cmd_build_demo)

    p = sub.add_parser(
        "build-demo-if-missing", parents=[common], help="build the demo store only if none exists"
    )
    p.set_defaults(func=cmd_build_demo_if_missing)

    p = sub.add_parser("info", parents=[common], help="counts per table and the data version")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("check-reference", parents=[common], help="validate the reference data files")
    p.add_argument("--data-dir", default=None)
    p.set_defaults(func=cmd_check_reference)

    p = sub.add_parser("import-neighbours", parents=[common], help="import DfE's statistical-neighbour workbook")
    p.add_argument("path")
    p.add_argument("--user", default="cli")
    p.set_defaults(func=cmd_import_neighbours)

    p = sub.add_parser("import", parents=[common], help="import a published data file (all or nothing)")
    p.add_argument("path")
    p.add_argument("--format", choices=["fingertips", "dfe", "template", "lait"], default=None,
                   help="default: detected from the file")
    p.add_argument("--mapping", help="mapping file (DfE tidy CSV: required; Fingertips/LAIT: optional)")
    p.add_argument("--dry-run", action="store_true", help="validate and show what would change")
    p.add_argument("--skip-unknown-areas", action="store_true",
                   help="report and skip rows for areas not in the store (e.g. abolished LAs)")
    p.add_argument("--user", default=None)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("rollback", parents=[common], help="undo an import batch")
    p.add_argument("batch", type=int)
    p.add_argument("--user", default=None)
    p.set_defaults(func=cmd_rollback)

    p = sub.add_parser("history", parents=[common], help="list import batches")
    p.set_defaults(func=cmd_history)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (StoreError, ReferenceDataError, ValueError, FileNotFoundError) as exc:
        print(f"jar {args.command}: error: {exc}", file=sys.stderr)
        return 1
