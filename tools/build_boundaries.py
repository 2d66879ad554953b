"""Build data/geo/boundaries.geojson from ONS's generalised county and UA boundaries.

    .venv/bin/python tools/build_boundaries.py [--source PATH]

Input: ONS "Counties and Unitary Authorities (December 2023) Boundaries UK BSC"
(WGS84 GeoJSON; developers have it at
../shared/data/geo/counties_unitary_authorities_dec2023_bsc.geo.json). Output: the
English upper-tier LAs in data/reference/areas.csv only, each point rounded to
3 decimal places (about 100 m, finer than a pixel of the map at any size the
page draws), repeated points and rings left with fewer than four points
dropped, properties cut to the code and name, and codes changed since the
vintage (data/reference/area_code_changes.csv) brought up to date. That keeps the shipped file under
2 MB, so a fresh clone draws the map without configuration.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "geo" / "counties_unitary_authorities_dec2023_bsc.geo.json"
OUT = ROOT / "data" / "geo" / "boundaries.geojson"
DECIMALS = 3


def _ring(ring: list[list[float]]) -> list[list[float]] | None:
    out: list[list[float]] = []
    for lon, lat, *_ in ring:
        point = [round(lon, DECIMALS), round(lat, DECIMALS)]
        if not out or point != out[-1]:
            out.append(point)
    if out and out[0] != out[-1]:
        out.append(out[0])
    return out if len(out) >= 4 else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    args = parser.parse_args(argv)
    with (ROOT / "data" / "reference" / "areas.csv").open(encoding="utf-8", newline="") as fh:
        las = {r["area_code"]: r["name"] for r in csv.DictReader(fh) if r["area_type"] == "la"}
    with (ROOT / "data" / "reference" / "area_code_changes.csv").open(encoding="utf-8", newline="") as fh:
        recode = {r["old_code"]: r["new_code"] for r in csv.DictReader(fh)}
    data = json.loads(args.source.read_text(encoding="utf-8"))
    features = []
    for f in data["features"]:
        props = f["properties"]
        code = next((v for k, v in props.items() if k.upper().endswith("CD")), None)
        # A boundary vintage older than a re-code (Barnsley and Sheffield, 2024) keeps the old code.
        code = recode.get(code, code)
        if code not in las:
            continue
        geom = f["geometry"]
        polygons = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        kept = []
        for polygon in polygons:
            rings = [r for r in (_ring(ring) for ring in polygon) if r]
            if rings:
                kept.append(rings)
        features.append({"type": "Feature", "properties": {"code": code, "name": las[code]},
                         "geometry": {"type": "MultiPolygon", "coordinates": kept}})
    features.sort(key=lambda f: f["properties"]["code"])
    missing = sorted(set(las) - {f["properties"]["code"] for f in features})
    out = {"type": "FeatureCollection", "features": features}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{len(features)} LAs, {OUT.stat().st_size / 1e6:.2f} MB -> {OUT}"
          + (f"; no boundary for {', '.join(missing)}" if missing else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
