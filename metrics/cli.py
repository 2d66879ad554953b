"""Command line: ``jar`` (or ``python -m metrics``).

Each subcommand is a thin wrapper over a ``metrics`` function. Errors exit
non-zero with one clear line on stderr, never a traceback, because the CLI is
what performance teams script against.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import duckdb

from metrics.auth import AuthError, PermissionDenied, User
from metrics.display import fmt_megabytes, fmt_seconds
from metrics.framework import ReferenceDataError, load_reference
from metrics.lookups import dataset_status
from metrics.publish import PublishError
from metrics.store import (
    DB_ENV,
    DEMO_DB,
    Store,
    StoreBusy,
    StoreError,
    default_db_path,
    table_counts,
)


def _db(args: argparse.Namespace) -> Path:
    return Path(args.db) if args.db else default_db_path()


def _demo_db(args: argparse.Namespace) -> Path:
    # The demo has its own default file, so it never overwrites the published store.
    return Path(args.db) if args.db else Path(os.environ.get(DB_ENV) or DEMO_DB)


def cmd_build_demo(args: argparse.Namespace) -> int:
    from metrics.demo import build_demo

    target = _demo_db(args)
    if target.exists() and not args.force:
        raise StoreError(f"{target} already exists; pass --force to rebuild it")

    def progress(fraction: float, message: str) -> None:
        print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)

    summary = build_demo(target, seed=args.seed, progress=progress)
    print(
        f"Built {summary.path}: {summary.observations:,} observations, {summary.areas} areas, "
        f"{summary.indicators} indicators, {summary.years[0]}-{summary.years[1]}, "
        f"in {fmt_seconds(summary.seconds)}"
    )
    return 0


def cmd_build_demo_if_missing(args: argparse.Namespace) -> int:
    target = _demo_db(args)
    if target.exists():
        print(f"Using existing store {target}")
        return 0
    args.force = False
    args.seed = 20_050_901
    return cmd_build_demo(args)


def cmd_init(args: argparse.Namespace) -> int:
    from metrics.published import init_store

    target = init_store(_db(args), force=args.force)
    print(f"Initialised {target}: reference data (framework, catalogue, areas) and no observations.")
    print(f"Next: jar import FILE --db {target} (see README: Importing real data), or jar build-published.")
    return 0


def _progress(fraction: float, message: str) -> None:
    print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)


def cmd_build_published(args: argparse.Namespace) -> int:
    from metrics.published import build_published

    summary = build_published(_db(args), force=args.force, progress=_progress)
    for line in summary.steps:
        print(f"  {line}")
    print(f"Built {summary.path}: {summary.observations:,} observations from the published snapshot, "
          f"{fmt_megabytes(summary.size_bytes)}, in {fmt_seconds(summary.seconds)}")
    return 0


def cmd_build_published_if_missing(args: argparse.Namespace) -> int:
    target = _db(args)
    if target.exists():
        print(f"Using existing store {target}")
        return 0
    args.force = False
    return cmd_build_published(args)


def cmd_info(args: argparse.Namespace) -> int:
    with Store(_db(args), read_only=True) as store:
        info = {
            "path": store.path,
            "dataset": dataset_status(store).label,
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


#: The acting account's password for ``--user`` / ``--by`` when not typed at a prompt.
PASSWORD_ENV = "ECM_PASSWORD"


def _sign_in(store: Store, username: str) -> User:
    """``username``'s account, proven by its password (``$ECM_PASSWORD`` or a prompt).

    The CLI never acts as a named account on the say-so of a flag: the sign-in
    goes through :func:`metrics.auth.authenticate`, audited and rate-limited
    like the dashboard's.
    """
    from metrics.auth import authenticate

    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        password = getpass.getpass(f"Password for {username}: ")
    return authenticate(store, username, password)


def _actor(store: Store, username: str | None) -> User:
    """Who a data command acts as: the named account (with its password), else the OS operator.

    The operator (``<os user>@cli``) may import, roll back and publish: holding
    the store file already means full control of its data (see the README).
    """
    from metrics.auth import operator_user

    return _sign_in(store, username) if username else operator_user()


def cmd_import_neighbours(args: argparse.Namespace) -> int:
    """DfE's statistical-neighbour lists (any layout in data/mappings/neighbour_layouts.csv), merged per LA."""
    from metrics.io.faults import ImportFailed
    from metrics.services import run_neighbours_import

    dry_run = bool(getattr(args, "dry_run", False))
    with Store(_db(args)) as store:
        actor = _actor(store, args.user)
        try:
            frame = run_neighbours_import(store, actor, args.path, dry_run=dry_run)
        except ImportFailed as exc:
            print(f"jar import: {exc}", file=sys.stderr)
            return 1
    a = frame.attrs
    lists = f"{len(a['new'])} new, {len(a['replaced'])} replaced, {len(a['unchanged'])} unchanged"
    counted = f"{len(frame)} neighbour rows for {frame['area_code'].nunique()} LAs"
    if dry_run:
        print(f"Would import {counted} ({lists}); dry run, nothing written")
    elif a["batch_id"] is None:
        print(f"Nothing imported: the store already holds these lists ({counted})")
    else:
        print(f"Imported {counted} as batch {a['batch_id']} ({lists}); other LAs' lists are kept")
    print(f"  layout: {a['layout']}")
    names = {x.area_code: x.name for x in load_reference().local_authorities}
    for label, codes in (("new", a["new"]), ("replaced", a["replaced"])):
        if codes:
            shown = ", ".join(f"{names.get(c, c)} ({c})" for c in codes[:12])
            more = f" and {len(codes) - 12} more" if len(codes) > 12 else ""
            print(f"  {'would be ' if dry_run else ''}{label}: {shown}{more}")
    if a.get("pending"):
        print(f"  note: {a['pending']}", file=sys.stderr)
    for line in a["skipped"] + a["unlisted"]:
        print(f"  skipped {line}")
    for line in a["short"]:
        print(f"  short list, {line}")
    return 0


def cmd_import_ofsted(args: argparse.Namespace) -> int:
    """Ofsted's ILACS outcomes (DfE's CSVs or the ILACS overview workbook): judgements, not observations."""
    from metrics.io.faults import ImportFailed
    from metrics.services import run_ofsted_import

    with Store(_db(args)) as store:
        actor = _actor(store, args.user)
        try:
            result = run_ofsted_import(store, actor, args.path)
        except ImportFailed as exc:
            print(f"jar import: {exc}", file=sys.stderr)
            return 1
    print(result.summary())
    return 0


def _is_neighbour_file(path: str) -> bool:
    from metrics.neighbours import looks_like_neighbours

    return looks_like_neighbours(path)


def cmd_import(args: argparse.Namespace) -> int:
    from metrics.io.faults import ImportFailed
    from metrics.services import run_import

    if args.format == "ofsted":
        return cmd_import_ofsted(args)
    if args.format == "neighbours" or (args.format is None and _is_neighbour_file(args.path)):
        # DfE's neighbour lists: the same door, their own reader.
        return cmd_import_neighbours(args)

    def progress(rows: int, message: str) -> None:
        print(f"  {message}", file=sys.stderr, flush=True)

    with Store(_db(args)) as store:
        actor = _actor(store, args.user)
        try:
            result = run_import(
                store, actor, args.path, args.format, args.mapping, dry_run=args.dry_run,
                unknown_areas="skip" if args.skip_unknown_areas else "fault", progress=progress,
            )
        except ImportFailed as exc:
            print(f"jar import: {exc}", file=sys.stderr)
            return 1
    print(result.summary())
    return 0


def cmd_changes(args: argparse.Namespace) -> int:
    """What changed for an area since an earlier data version (a batch, or the data on a date)."""
    import datetime as dt

    from metrics.changes import changes_since, changes_table, version_at, versions
    from metrics.results import Selection

    with Store(_db(args), read_only=True) as store:
        if args.since_batch is not None:
            found = [v for v in versions(store) if v.batch_id == args.since_batch]
            if not found:
                raise ValueError(f"no committed import batch {args.since_batch} (see jar history)")
            since = found[0]
        else:
            try:
                day = dt.date.fromisoformat(args.since)
            except ValueError as exc:
                raise ValueError(f"--since {args.since!r}: give a date as YYYY-MM-DD") from exc
            since = version_at(store, day)
            if since is None:
                raise ValueError(f"the store held no data on {day:%d %B %Y}: its first import came later")
        sel = Selection(args.area, args.benchmark, None, args.group)  # type: ignore[arg-type]
        changes = changes_since(store, sel, since.batch_id)
    print(f"Changes for {args.area} against {sel.benchmark} since {since.label}: {len(changes)}")
    if not changes.empty:
        print(changes_table(changes).to_string(index=False))
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    """The publishers' APIs into the store: every series validated before any is written."""
    from metrics.fetch import SERIES_FILE, fetch, parse_since
    from metrics.io.faults import ImportFailed

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    since = parse_since(args.since)
    with Store(_db(args)) as store:
        actor = _actor(store, args.user)
        try:
            report = fetch(store, actor, args.publisher, series_ids=args.series, since=since,
                           dry_run=args.dry_run, say=say,
                           series_file=args.series_file or SERIES_FILE)
        except ImportFailed as exc:
            print(f"jar fetch: {exc}", file=sys.stderr)
            return 1
    for line in report.lines():
        print(line)
    print(report.summary())
    return 0


def _years(periods: Sequence[str] | None) -> list[int] | None:
    from metrics.io.values import parse_period

    if not periods:
        return None
    years = []
    for text in periods:
        parsed = parse_period(text)
        if parsed is None:
            raise ValueError(f"--period {text!r}: not a period (e.g. 2025, 2024-25 or 2024/25)")
        years.append(parsed[0])
    return years


def cmd_export(args: argparse.Namespace) -> int:
    from metrics.io.export import export_observations

    with Store(_db(args), read_only=True) as store:
        n = export_observations(store, args.out, args.format, indicator_ids=args.indicator,
                                area_codes=args.area, years=_years(args.period))
    print(f"Exported {n:,} rows to {args.out}")
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from metrics.io.template import write_template

    years = _years([args.period] if args.period else None)
    with Store(_db(args), read_only=True) as store:
        n = write_template(store, args.out, area_code=args.area, indicator_ids=args.indicator,
                           period_year=years[0] if years else None, fmt=args.format)
    print(f"Wrote a template with {n:,} rows to fill to {args.out}")
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    from metrics.services import run_rollback

    with Store(_db(args)) as store:
        n = run_rollback(store, _actor(store, args.user), args.batch)
    print(f"Rolled back batch {args.batch}: removed {n:,} rows and restored the values they replaced")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from metrics.batches import batch_history

    with Store(_db(args), read_only=True) as store:
        print(batch_history(store, all_stores=args.all_stores).to_string(index=False))
    return 0


def _shared_target(args: argparse.Namespace) -> str:
    """The PostgreSQL URL a command writes to: ``--to``, else ``ECM_SHARED_DB``."""
    from metrics.shared import SHARED_ENV, shared_url

    url = (args.to or "").strip() or shared_url()
    if not url:
        raise ValueError(f"no PostgreSQL database: pass --to postgresql://... or set {SHARED_ENV}")
    try:
        import psycopg  # noqa: F401 - only to say clearly that the extra is missing
    except ImportError as exc:
        raise StoreError("psycopg is not installed: .venv/bin/pip install -e '.[postgres]'") from exc
    return url


def cmd_sync_batches(args: argparse.Namespace) -> int:
    from metrics.auth import operator_user
    from metrics.batches import sync_batches
    from metrics.shared import describe_url, pg_backend

    url = _shared_target(args)
    # Read-only: it reads DuckDB's batches only, so it also runs on a publish folder while the app writes.
    with Store(_db(args), read_only=True) as store:
        report = sync_batches(store, backend=pg_backend(url), audit_as=operator_user().username)
    if report is None:  # cannot happen with a PostgreSQL backend; said plainly rather than assumed
        raise StoreError("no PostgreSQL backend to record the batches in")
    print(f"{describe_url(url)}: {report.summary()}")
    return 0


def cmd_migrate_shared(args: argparse.Namespace) -> int:
    from metrics.auth import operator_user
    from metrics.shared_migrate import migrate_shared

    url = _shared_target(args)
    with Store(_db(args), read_only=True) as store:
        report = migrate_shared(store, url, operator_user().username, dry_run=args.dry_run)
    print(report.summary())
    return 0


def _password(prompt: str) -> str:
    """A new account's password: ``$JAR_PASSWORD`` or typed twice (the acting account's is ``$ECM_PASSWORD``)."""
    env = os.environ.get("JAR_PASSWORD")
    if env:
        return env
    first = getpass.getpass(prompt)
    if getpass.getpass("Again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def cmd_create_admin(args: argparse.Namespace) -> int:
    from metrics.auth import create_first_admin

    with Store(_db(args)) as store:
        user = create_first_admin(store, args.username, _password(f"Password for {args.username}: "),
                                  args.name or "")
    print(f"Created admin {user.username}")
    return 0


def cmd_add_user(args: argparse.Namespace) -> int:
    from metrics.auth import ROLES, create_user

    with Store(_db(args)) as store:
        # The admin proves who they are with their own password; create_user then
        # checks their current role in the store again.
        actor = _sign_in(store, args.by)
        if actor.role != "admin":
            raise ValueError(f"--by {args.by!r} is not an active admin of this store")
        if args.role not in ROLES:
            raise ValueError(f"unknown role {args.role!r}")
        password = None if args.oidc else _password(f"Password for {args.username}: ")
        create_user(store, actor, args.username, args.role, password, args.name or "",
                    source="oidc" if args.oidc else "local")
    print(f"Added {args.username} as {args.role}")
    return 0


def cmd_pack(args: argparse.Namespace) -> int:
    from metrics.pack import build_pack

    def progress(fraction: float, message: str) -> None:
        print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)

    year = _years([args.period])[0] if args.period else None
    with Store(_db(args), read_only=True) as store:
        path, seconds = build_pack(store, args.area, args.out, year, args.benchmark, progress=progress)
    print(f"Wrote {path} in {fmt_seconds(seconds)}")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from metrics.auth import operator_user
    from metrics.services import run_publish

    actor = operator_user()
    if args.user:
        with Store(_db(args)) as store:
            actor = _sign_in(store, args.user)
    path = run_publish(_db(args), args.to, actor, keep=args.keep)
    print(f"Published {path.name} to {args.to} (now current)")
    return 0


USER_HELP = ("act as this account, after its password ($ECM_PASSWORD or a prompt); "
             "default: the operating-system user, as <name>@cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jar", description=__doc__.splitlines()[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="DuckDB store (default: $ECM_DB or var/ecm_published.duckdb)")
    pg_target = argparse.ArgumentParser(add_help=False)  # read by _shared_target
    pg_target.add_argument("--to", help="PostgreSQL URL (default: $ECM_SHARED_DB)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build-demo", parents=[common], help="build the synthetic national demo store")
    p.add_argument("--seed", type=int, default=20_050_901)
    p.add_argument("--force", action="store_true", help="replace an existing store")
    p.set_defaults(func=cmd_build_demo)

    p = sub.add_parser(
        "build-demo-if-missing", parents=[common], help="build the demo store only if none exists"
    )
    p.set_defaults(func=cmd_build_demo_if_missing)

    p = sub.add_parser("init", parents=[common], help="a store with the reference data and no observations")
    p.add_argument("--force", action="store_true", help="replace an existing store")
    p.set_defaults(func=cmd_init)
    p = sub.add_parser("build-published", parents=[common],
                       help="build the national store from the shipped published snapshot (data/published)")
    p.add_argument("--force", action="store_true", help="rebuild an existing store")
    p.set_defaults(func=cmd_build_published)
    p = sub.add_parser("build-published-if-missing", parents=[common],
                       help="build the published store unless the store file exists (make run)")
    p.set_defaults(func=cmd_build_published_if_missing)
    p = sub.add_parser("info", parents=[common], help="counts per table and the data version")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("check-reference", parents=[common], help="validate the reference data files")
    p.add_argument("--data-dir", default=None)
    p.set_defaults(func=cmd_check_reference)

    p = sub.add_parser("import-neighbours", parents=[common],
                       help="import DfE's statistical-neighbour lists (workbook or CSV), replacing only the LAs listed")
    p.add_argument("path")
    p.add_argument("--user", default=None, help=USER_HELP)
    p.add_argument("--dry-run", action="store_true", help="validate and show what would change; write nothing")
    p.set_defaults(func=cmd_import_neighbours)

    p = sub.add_parser("import", parents=[common], help="import a published data file (all or nothing)")
    p.add_argument("path")
    p.add_argument("--format", choices=["fingertips", "dfe", "template", "lait", "lait_counts", "fingertips_tidy",
                                         "healthdata", "neighbours", "ofsted"],
                   default=None, help="default: detected from the file (fingertips_tidy: a tidy Fingertips extract; "
                   "healthdata: FingertipsNext's healthdata layout; lait_counts: the counts and denominators LAIT "
                   "publishes beside a rate, with --mapping; neighbours: DfE's statistical-neighbour "
                   "lists, workbook or CSV; ofsted: Ofsted's ILACS inspection outcomes, CSV or the overview workbook)")
    p.add_argument("--mapping", help="mapping file (DfE tidy CSV, lait_counts: required; Fingertips, LAIT, "
                   "fingertips_tidy, healthdata: optional, replacing the reviewed default)")
    p.add_argument("--dry-run", action="store_true", help="validate and show what would change")
    p.add_argument("--skip-unknown-areas", action="store_true",
                   help="report and skip rows for areas not in the store (e.g. abolished LAs)")
    p.add_argument("--user", default=None, help=USER_HELP)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("fetch", parents=[common],
                       help="download the catalogue's series from Fingertips' or DfE's API and import them")
    p.add_argument("publisher", choices=["fingertips", "ees"],
                   help="fingertips: OHID's Fingertips; ees: DfE's explore-education-statistics")
    p.add_argument("--series", nargs="+", action="extend", metavar="ID",
                   help="only these series of data/fetch_series.csv (default: every series to import)")
    p.add_argument("--since", metavar="DATE",
                   help="skip series the publisher has not updated since DATE (2025-06-01), or since each "
                   "series' last fetch ('last')")
    p.add_argument("--dry-run", action="store_true", help="download and validate, show what would change, write nothing")
    p.add_argument("--series-file", default=None, metavar="CSV",
                   help="which series to fetch (default: data/fetch_series.csv)")
    p.add_argument("--user", default=None, help=USER_HELP)
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser("export", parents=[common], help="export observations (Fingertips CSV layout, or XLSX)")
    p.add_argument("--out", required=True, help="file to write")
    p.add_argument("--format", choices=["csv", "xlsx"], default=None, help="default: from the --out suffix")
    p.add_argument("--indicator", nargs="+", action="extend", metavar="ID", help="indicator ids (default: all)")
    p.add_argument("--area", nargs="+", action="extend", metavar="CODE", help="area codes (default: all)")
    p.add_argument("--period", nargs="+", action="extend", metavar="YEAR",
                   help="periods: 2025, 2024-25 or 2024/25 (default: all)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("template", parents=[common], help="write a data-entry template to fill in and import")
    p.add_argument("--out", required=True, help="file to write (.xlsx: README and one sheet per outcome)")
    p.add_argument("--area", help="LA code: rows for it and its clusters (default: every LA and cluster)")
    p.add_argument("--indicator", nargs="+", action="extend", metavar="ID",
                   help="indicator ids (default: every current indicator)")
    p.add_argument("--period", help="period to collect (default: the one after the latest in the store)")
    p.add_argument("--format", choices=["csv", "xlsx"], default=None, help="default: from the --out suffix")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("rollback", parents=[common], help="undo an import batch")
    p.add_argument("batch", type=int)
    p.add_argument("--user", default=None, help=USER_HELP)
    p.set_defaults(func=cmd_rollback)

    p = sub.add_parser("history", parents=[common],
                       help="list import batches (the team's, from PostgreSQL, when ECM_SHARED_DB is set)")
    p.add_argument("--all-stores", action="store_true",
                   help="with ECM_SHARED_DB: every store's batches recorded there, not just this store's")
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("sync-batches", parents=[common, pg_target],
                       help="record the store's import batches in PostgreSQL (repairs a failed write)")
    p.set_defaults(func=cmd_sync_batches)

    p = sub.add_parser("migrate-shared", parents=[common, pg_target],
                       help="copy users, audit log, reviews, judgements and batches into PostgreSQL")
    p.add_argument("--dry-run", action="store_true", help="check and count, then write nothing")
    p.set_defaults(func=cmd_migrate_shared)

    p = sub.add_parser("changes", parents=[common],
                       help="what changed for an area since an earlier data version (new figures, comparisons, "
                            "bands, red-reds, revisions)")
    p.add_argument("--area", required=True, help="area code, e.g. E06000020")
    since = p.add_mutually_exclusive_group(required=True)
    since.add_argument("--since", help="a date (YYYY-MM-DD): the data as the last import before it left them")
    since.add_argument("--since-batch", type=int, help="an import batch (see jar history)")
    p.add_argument("--benchmark", default="england",
                   choices=["england", "region", "neighbours", "parent", "good_or_outstanding"])
    p.add_argument("--group", default="all", help="client group (default: all children)")
    p.set_defaults(func=cmd_changes)

    p = sub.add_parser("pack", parents=[common], help="write the pre-inspection data pack (PDF or XLSX)")
    p.add_argument("--area", required=True, help="area code, e.g. E06000020")
    p.add_argument("--period", help="period, e.g. 2024 or 2023-24 (default: the latest)")
    p.add_argument("--benchmark", default="england", choices=["england", "region", "neighbours", "parent", "good_or_outstanding"])
    p.add_argument("--out", required=True, help="file to write: .pdf or .xlsx")
    p.set_defaults(func=cmd_pack)

    p = sub.add_parser("publish", parents=[common],
                       help="snapshot the store into a publish folder that read-only replicas serve")
    p.add_argument("--to", required=True, help="publish folder (replicas run with ECM_DB set to it)")
    p.add_argument("--keep", type=int, default=3, help="snapshots to keep (default 3)")
    p.add_argument("--user", default=None, help=USER_HELP)
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("create-admin", parents=[common], help="create the first admin (asks for a password)")
    p.add_argument("username")
    p.add_argument("--name", help="full name")
    p.set_defaults(func=cmd_create_admin)

    p = sub.add_parser("add-user", parents=[common], help="add a user (asks for a password)")
    p.add_argument("username")
    p.add_argument("--role", required=True, help="viewer, inspector, director, analyst or admin")
    p.add_argument("--by", required=True,
                   help="the admin adding the user (asks for their password, or reads $ECM_PASSWORD)")
    p.add_argument("--name", help="full name")
    p.add_argument("--oidc", action="store_true", help="signs in through OIDC: no local password")
    p.set_defaults(func=cmd_add_user)
    return parser


def _pg_errors() -> tuple[type[Exception], ...]:
    """psycopg's base error when it is installed: a server that is down is one line, not a traceback."""
    try:
        import psycopg
    except ImportError:
        return ()
    return (psycopg.Error,)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from metrics.published import SnapshotError

    try:
        return int(args.func(args))
    except (StoreError, ReferenceDataError, ValueError, FileNotFoundError, FileExistsError, SnapshotError,
            PermissionDenied, AuthError, PublishError, duckdb.Error, *_pg_errors()) as exc:
        # Line by line: a message's own line breaks stay, a file name's escape codes do not.
        from metrics.io.faults import printable

        text = str(exc)
        if isinstance(exc, StoreBusy) and exc.detail:  # the operator may need to know which process
            text = f"{text}\n{exc.detail}"
        shown = "\n".join(printable(line) for line in text.splitlines())
        print(f"jar {args.command}: error: {shown}", file=sys.stderr)
        return 1
