"""Boundaries for the map: a GeoJSON file, shipped or configured by path.

``data/geo/boundaries.geojson`` ships ONS's generalised "Counties and Unitary
Authorities (December 2023) Boundaries UK BSC" for every English upper-tier LA,
simplified by ``tools/build_boundaries.py`` (see ``data/geo/README.md`` for the
licence). ``ECM_BOUNDARIES`` points the map at another file, such as a newer
vintage. The property holding the ONS code is found, not assumed, since its name
changes with the vintage (CTYUA23CD, CTYUA24CD...).
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from metrics.framework import REPO_ROOT

BOUNDARIES_ENV = "ECM_BOUNDARIES"
DEFAULT_BOUNDARIES = REPO_ROOT / "data" / "geo" / "boundaries.geojson"
_CODE = re.compile(r"^E(06|07|08|09|10|11)\d{6}$")


@dataclass(frozen=True)
class Boundaries:
    geojson: dict[str, Any]
    code_property: str
    path: str

    @property
    def codes(self) -> set[str]:
        return {f["properties"][self.code_property] for f in self.geojson["features"]}

    @functools.cached_property
    def outlines(self) -> dict[str, Outline]:
        """Every area's rings as plain x/y lists, computed once per loaded file."""
        return outlines(self)


@dataclass(frozen=True)
class Outline:
    """One area's boundary as longitude/latitude lists, rings separated by None.

    Plotly's geo maps fetch a world topojson from a CDN even when the base map is
    hidden, and draw nothing when it cannot be fetched (offline servers, strict
    networks). Polygons on ordinary axes need nothing from outside.
    """

    x: list[float | None]
    y: list[float | None]


def outlines(bounds: Boundaries, decimals: int = 4) -> dict[str, Outline]:
    """Each feature's exterior and interior rings, rounded (4 dp is about 10 m).

    Rounding and dropping the repeated points it creates keeps the page small;
    holes are kept as separate rings so an enclosed area is not painted over.
    """
    out: dict[str, Outline] = {}
    for feature in bounds.geojson["features"]:
        code = feature["properties"].get(bounds.code_property)
        geom = feature.get("geometry") or {}
        if geom.get("type") == "Polygon":
            polygons = [geom["coordinates"]]
        elif geom.get("type") == "MultiPolygon":
            polygons = geom["coordinates"]
        else:
            continue
        xs: list[float | None] = []
        ys: list[float | None] = []
        for polygon in polygons:
            for ring in polygon:
                last: tuple[float, float] | None = None
                for lon, lat, *_ in ring:
                    point = (round(float(lon), decimals), round(float(lat), decimals))
                    if point != last:
                        xs.append(point[0])
                        ys.append(point[1])
                        last = point
                xs.append(None)
                ys.append(None)
        if xs:
            out[str(code)] = Outline(xs, ys)
    return out


def aspect_ratio(shapes: dict[str, Outline]) -> float:
    """How much taller a degree of latitude is drawn than a degree of longitude.

    Unprojected longitude shrinks by cos(latitude); scaling the y axis by its inverse
    at the shapes' mid-latitude keeps England from looking squashed.
    """
    lats = [y for o in shapes.values() for y in o.y if y is not None]
    if not lats:
        return 1.0
    mid = (min(lats) + max(lats)) / 2
    return 1.0 / math.cos(math.radians(mid))


def boundaries_path() -> Path:
    return Path(os.environ.get(BOUNDARIES_ENV) or DEFAULT_BOUNDARIES)


def load_boundaries(path: Path | str | None = None) -> Boundaries | None:
    """The boundaries, or None when no file is configured (the page explains)."""
    p = Path(path) if path else boundaries_path()
    if not p.exists():
        return None
    return _load(str(p), p.stat().st_mtime)


def clear_cache() -> None:
    """Forget the boundaries read so far: the next view reads and converts the file again."""
    _load.cache_clear()


@functools.lru_cache(maxsize=2)
def _load(path: str, _mtime: float) -> Boundaries:
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    features = data.get("features") or []
    if not features:
        raise ValueError(f"{path}: no features in GeoJSON")
    props = features[0].get("properties", {})
    for key, value in props.items():
        if isinstance(value, str) and _CODE.match(value):
            return Boundaries(data, key, path)
    raise ValueError(f"{path}: no property holds ONS area codes (E06…/E08…/E09…/E10…)")
