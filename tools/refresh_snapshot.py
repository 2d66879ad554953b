"""Rebuild the published snapshot from the publishers' APIs, through ``jar fetch``.

Run from anywhere with the project's Python, on a machine with the internet:

    .venv/bin/python tools/refresh_snapshot.py [--out var/refresh] [--shared ../shared/data]

1. ``jar fetch fingertips`` and ``jar fetch ees`` (:func:`metrics.fetch.fetch`)
   into a fresh throwaway store: the same download, layout checks and import a
   user's refresh goes through, so a file that would not import stops here.
2. Each download whose series names a snapshot source (``snapshot_source`` in
   ``data/fetch_series.csv``) is laid out under ``--out`` at the manifest's
   ``shared_path``; a source no series fetched (LAIT, the neighbour workbook,
   Ofsted, or a data set DfE has not put on the API) is copied from ``--shared``
   if it is there, and otherwise named with the address to download it from.
3. ``tools/build_published.py --shared OUT`` then writes the extracts and the
   manifest's hashes. Check the diff of ``data/published/manifest.csv`` and
   rebuild the store with ``jar build-published --force``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from metrics.auth import operator_user  # noqa: E402
from metrics.fetch import PUBLISHERS, SERIES_FILE, FetchError, fetch, load_series  # noqa: E402
from metrics.io.faults import ImportFailed  # noqa: E402
from metrics.published import init_store, read_manifest  # noqa: E402
from metrics.store import Store  # noqa: E402


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "refresh",
                        help="folder to lay the publishers' files out in (default var/refresh)")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data",
                        help="where to take files no series fetches (default ../shared/data)")
    parser.add_argument("--series-file", type=Path, default=SERIES_FILE)
    parser.add_argument("--fetch-only", action="store_true",
                        help="fetch and lay out the files, but leave the snapshot as it is")
    args = parser.parse_args(argv)

    series = {s.series_id: s for s in load_series(args.series_file)}
    downloads = args.out / "downloads"
    if downloads.exists():  # a file left by an earlier run must not stand in for one not fetched now
        shutil.rmtree(downloads)
    fetched: dict[str, Path] = {}  # snapshot source_id -> the fetched file
    with tempfile.TemporaryDirectory(prefix="refresh-") as tmp:
        db = init_store(Path(tmp) / "refresh.duckdb")
        with Store(db) as store:
            for publisher in PUBLISHERS:
                try:
                    report = fetch(store, operator_user(), publisher, say=say, series_file=args.series_file,
                                   keep_in=downloads)
                except (FetchError, ImportFailed) as exc:
                    print(f"refresh_snapshot: {exc}", file=sys.stderr)
                    return 1
                for outcome in report.outcomes:
                    print(outcome.line())
                    s = series[outcome.series_id]
                    if outcome.fetched is not None and s.snapshot_source:
                        fetched[s.snapshot_source] = outcome.fetched.path
    missing = []
    for source in read_manifest():
        target = args.out / source.shared_path
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.source_id in fetched:
            shutil.copyfile(fetched[source.source_id], target)
            print(f"{source.source_id}: fetched from the API")
        elif (args.shared / source.shared_path).is_file():
            shutil.copyfile(args.shared / source.shared_path, target)
            print(f"{source.source_id}: not fetched; copied from {args.shared / source.shared_path}")
        else:
            missing.append(f"{source.source_id}: download {source.file} from {source.url} into {target}")
    if missing:
        print("refresh_snapshot: files to download by hand, then run again:\n  " + "\n  ".join(missing),
              file=sys.stderr)
        return 1
    if args.fetch_only:
        print(f"Laid out under {args.out}; rebuild with: .venv/bin/python tools/build_published.py --shared {args.out}")
        return 0
    import build_published

    return int(build_published.main(["--shared", str(args.out)]))


if __name__ == "__main__":
    raise SystemExit(main())
