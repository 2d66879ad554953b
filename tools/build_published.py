"""Rebuild the published snapshot (data/published/) from the publishers' files.

Run from anywhere with the project's Python:

    .venv/bin/python tools/build_published.py [--shared ../shared/data]

For each source in data/published/manifest.csv (publisher, title, download
address, release and licence are reviewed by hand there), this reads the
publisher's file, writes its rows as a compressed Parquet extract under
data/published/extracts/, and fills in the manifest's machine columns: the
SHA-256 of the publisher's file, the extract's SHA-256 and its row count.

Values are kept as the publisher's text (every column read as a string), so
writing an extract back in its publisher's layout gives the reader the same
cells; ``jar build-published`` then imports them through the ordinary readers.
The files under ../shared/data are the publishers' files as downloaded; to
refresh, download each from the address in the manifest into that folder and
run this script again.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from metrics.framework import load_healthdata_mapping  # noqa: E402
from metrics.io.files import file_hash  # noqa: E402
from metrics.io.lait_counts import mapped_measures  # noqa: E402
from metrics.ofsted import extract_columns  # noqa: E402
from metrics.published import MANIFEST, SNAPSHOT_DIR, read_manifest  # noqa: E402


def read_publisher_file(path: Path, layout: str) -> pd.DataFrame:
    if layout == "parquet":
        return pd.read_parquet(path)
    if layout == "csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame = pd.read_excel(path, header=None, dtype=str)
    frame.columns = [str(c) for c in frame.columns]
    return frame


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data",
                        help="folder holding the publishers' files (default ../shared/data)")
    args = parser.parse_args(argv)
    sources = read_manifest(SNAPSHOT_DIR)
    manifest_path = SNAPSHOT_DIR / MANIFEST
    with manifest_path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        columns = list(reader.fieldnames or [])
        rows = {r["source_id"]: r for r in reader}
    for s in sources:
        original = args.shared / s.shared_path
        if not original.exists():
            print(f"{s.source_id}: {original} is missing: download it from {s.url}", file=sys.stderr)
            return 1
        frame = read_publisher_file(original, s.layout)
        if s.format == "ofsted":
            frame = extract_columns(frame, header_row=s.layout == "xlsx")
        if s.format == "lait_counts" and s.mapping:
            # Only the measures the mapping pairs: the whole LAIT file is the lait source's extract.
            frame = frame[frame["Short Desc"].isin(mapped_measures(ROOT / s.mapping))].reset_index(drop=True)
        if s.format == "healthdata" and s.mapping:
            # Only the indicators the reviewed mapping imports; the rest would be skipped by rule.
            imported = {str(m.fingertips_id) for m in load_healthdata_mapping(ROOT / s.mapping) if m.indicator_id}
            frame = frame[frame["IndicatorId"].isin(imported)].reset_index(drop=True)
        out = SNAPSHOT_DIR / s.extract
        out.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(out, index=False, compression="zstd", compression_level=19)
        rows[s.source_id].update(sha256=file_hash(original), extract_sha256=file_hash(out),
                                 extract_rows=str(len(frame)))
        print(f"{s.source_id}: {len(frame):,} rows, {original.stat().st_size / 1e6:.2f} MB -> "
              f"{out.stat().st_size / 1e6:.2f} MB")
    with manifest_path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows.values())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
