"""Boundaries for the map: a GeoJSON file configured by path.

ONS publishes county and unitary authority boundaries (e.g. "Counties and
Unitary Authorities (December 2023) Boundaries UK BSC", WGS84). The file is not
shipped (it is large and changes with each reorganisation); point ``ECM_BOUNDARIES``
at it. The property holding the ONS code is found, not assumed, since its name
changes with the vintage (CTYUA23CD, CTYUA24CD...).
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from metrics.framework import REPO_ROOT

BOUNDARIES_ENV = "ECM_BOUNDARIES"
DEFAULT_BOUNDARIES = REPO_ROOT / "var" / "boundaries.geojson"
_CODE = re.compile(r"^E(06|07|08|09|10|11)\d{6}$")


@dataclass(frozen=True)
class Boundaries:
    geojson: dict[str, Any]
    code_property: str
    path: str

    @property
    def codes(self) -> set[str]:
        return {f["properties"][self.code_property] for f in self.geojson["features"]}


def boundaries_path() -> Path:
    return Path(os.environ.get(BOUNDARIES_ENV) or DEFAULT_BOUNDARIES)


def load_boundaries(path: Path | str | None = None) -> Boundaries | None:
    """The boundaries, or None when no file is configured (the page explains)."""
    p = Path(path) if path else boundaries_path()
    if not p.exists():
        return None
    return _load(str(p), p.stat().st_mtime)


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
