"""metrics.geo: which boundary file the map reads, how its code property is found, what is
cached, how rings become outlines, and the aspect ratio that keeps England unsquashed.

Small GeoJSON files are written here so each answer follows from the coordinates by
hand; the shipped ONS file is checked against a reading of its JSON made here.
(Rings, holes and rounding are in tests/test_results_helpers.py; the shipped file's
coverage of every LA in tests/test_published.py.)
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest

from metrics.geo import (
    BOUNDARIES_ENV,
    DEFAULT_BOUNDARIES,
    Outline,
    aspect_ratio,
    boundaries_path,
    clear_cache,
    load_boundaries,
    outlines,
)

TELFORD = "E06000020"
SHROPSHIRE = "E06000051"


def square(x0: float, y0: float, size: float) -> list[list[float]]:
    return [[x0, y0], [x0, y0 + size], [x0 + size, y0 + size], [x0 + size, y0], [x0, y0]]


def feature(properties: dict[str, Any], geometry: dict[str, Any] | None) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def polygon(*rings: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": list(rings)}


def write(path: Path, features: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


# ---------------------------------------------------------------- which file


def test_the_environment_names_the_file_and_the_shipped_one_is_the_default(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BOUNDARIES_ENV, raising=False)
    assert boundaries_path() == DEFAULT_BOUNDARIES
    monkeypatch.setenv(BOUNDARIES_ENV, "")
    assert boundaries_path() == DEFAULT_BOUNDARIES  # set but empty: the shipped file
    other = write(tmp_path / "newer.geojson", [feature({"CTYUA24CD": TELFORD}, polygon(square(0, 52, 1)))])
    monkeypatch.setenv(BOUNDARIES_ENV, str(other))
    assert boundaries_path() == other
    bounds = load_boundaries()
    assert bounds is not None and bounds.path == str(other) and bounds.codes == {TELFORD}


def test_no_file_means_no_boundaries_not_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_boundaries(tmp_path / "absent.geojson") is None
    monkeypatch.setenv(BOUNDARIES_ENV, str(tmp_path / "also_absent.geojson"))
    assert load_boundaries() is None


# ---------------------------------------------------------------- the code property


def test_the_code_property_is_found_by_its_values_not_its_name(tmp_path: Path) -> None:
    path = write(tmp_path / "b.geojson", [
        feature({"OBJECTID": 7, "CTYUA24NM": "Telford and Wrekin", "RGN": "E12000005", "CTYUA24CD": TELFORD},
                polygon(square(0, 52, 1))),
        feature({"OBJECTID": 8, "CTYUA24NM": "Shropshire", "RGN": "E12000005", "CTYUA24CD": SHROPSHIRE},
                polygon(square(1, 52, 1))),
    ])
    bounds = load_boundaries(path)
    assert bounds is not None
    assert bounds.code_property == "CTYUA24CD"  # a region code (E12) is not an LA code
    assert bounds.codes == {TELFORD, SHROPSHIRE}


@pytest.mark.parametrize("code", ["E06000020", "E07000008", "E08000025", "E09000001", "E10000028", "E11000001"])
def test_every_kind_of_la_code_is_recognised(tmp_path: Path, code: str) -> None:
    bounds = load_boundaries(write(tmp_path / "b.geojson", [feature({"id": code}, polygon(square(0, 52, 1)))]))
    assert bounds is not None and bounds.code_property == "id"


@pytest.mark.parametrize("properties", [
    {"name": "Telford"},
    {"code": "E12000005"},  # a region
    {"code": "E92000001"},  # England
    {"code": "E0600002"},  # one digit short
    {"code": "W06000001"},  # Wales
    {"code": 6000020},  # not text
])
def test_a_file_with_no_la_codes_is_refused(tmp_path: Path, properties: dict[str, Any]) -> None:
    path = write(tmp_path / "b.geojson", [feature(properties, polygon(square(0, 52, 1)))])
    with pytest.raises(ValueError, match="no property holds ONS area codes"):
        load_boundaries(path)


def test_a_file_with_no_features_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no features"):
        load_boundaries(write(tmp_path / "empty.geojson", []))


# ---------------------------------------------------------------- caching


def test_a_file_is_read_once_until_it_changes_or_the_cache_is_cleared(tmp_path: Path) -> None:
    path = write(tmp_path / "b.geojson", [feature({"code": TELFORD}, polygon(square(0, 52, 1)))])
    first = load_boundaries(path)
    assert load_boundaries(path) is first
    clear_cache()
    reread = load_boundaries(path)
    assert reread is not first and reread == first
    write(path, [feature({"code": SHROPSHIRE}, polygon(square(1, 52, 1)))])
    stamp = path.stat().st_mtime + 10
    os.utime(path, (stamp, stamp))  # a newer file, whatever the clock's resolution
    changed = load_boundaries(path)
    assert changed is not None and changed.codes == {SHROPSHIRE}


# ---------------------------------------------------------------- outlines


def test_outlines_follow_each_ring_and_end_it_with_none(tmp_path: Path) -> None:
    ring = [[-2.5, 52.6], [-2.4, 52.7], [-2.3, 52.6], [-2.5, 52.6]]
    bounds = load_boundaries(write(tmp_path / "b.geojson", [feature({"code": TELFORD}, polygon(ring))]))
    assert bounds is not None
    assert outlines(bounds) == {TELFORD: Outline([-2.5, -2.4, -2.3, -2.5, None], [52.6, 52.7, 52.6, 52.6, None])}


def test_outlines_take_longitude_and_latitude_of_points_with_a_height(tmp_path: Path) -> None:
    ring = [[0.0, 52.0, 120.0], [0.0, 53.0, 80.0], [1.0, 53.0, 0.0], [0.0, 52.0, 120.0]]
    bounds = load_boundaries(write(tmp_path / "b.geojson", [feature({"code": TELFORD}, polygon(ring))]))
    assert bounds is not None
    shape = outlines(bounds)[TELFORD]
    assert shape.x == [0.0, 0.0, 1.0, 0.0, None] and shape.y == [52.0, 53.0, 53.0, 52.0, None]


def test_outlines_round_to_the_places_asked(tmp_path: Path) -> None:
    ring = [[0.123456, 52.987654], [0.2, 53.04], [0.123456, 52.987654]]
    bounds = load_boundaries(write(tmp_path / "b.geojson", [feature({"code": TELFORD}, polygon(ring))]))
    assert bounds is not None
    assert outlines(bounds, decimals=2)[TELFORD] == Outline([0.12, 0.2, 0.12, None], [52.99, 53.04, 52.99, None])
    assert outlines(bounds, decimals=1)[TELFORD] == Outline([0.1, 0.2, 0.1, None], [53.0, 53.0, 53.0, None])


def test_features_that_are_not_areas_have_no_outline(tmp_path: Path) -> None:
    bounds = load_boundaries(write(tmp_path / "b.geojson", [
        feature({"code": TELFORD}, polygon(square(0, 52, 1))),
        feature({"code": SHROPSHIRE}, {"type": "Point", "coordinates": [0.5, 52.5]}),
        feature({"code": "E06000019"}, {"type": "LineString", "coordinates": [[0, 52], [1, 53]]}),
        feature({"code": "E06000021"}, None),
    ]))
    assert bounds is not None
    assert set(outlines(bounds)) == {TELFORD}
    assert bounds.codes == {TELFORD, SHROPSHIRE, "E06000019", "E06000021"}  # listed, just not drawn


def test_a_multipolygon_gives_one_outline_with_every_ring(tmp_path: Path) -> None:
    geometry = {"type": "MultiPolygon", "coordinates": [[square(0, 52, 1), square(0.2, 52.2, 0.2)],
                                                        [square(3, 52, 1)]]}
    bounds = load_boundaries(write(tmp_path / "b.geojson", [feature({"code": TELFORD}, geometry)]))
    assert bounds is not None
    shape = bounds.outlines[TELFORD]
    assert shape.x.count(None) == 3  # outer ring, hole, second island
    assert shape.x[12:18] == [3, 3, 4, 4, 3, None]  # the island's ring follows the first polygon's two


# ---------------------------------------------------------------- aspect ratio


def test_the_aspect_ratio_is_taken_at_the_middle_of_the_latitudes_drawn() -> None:
    north = Outline([0.0, 1.0, None], [56.0, 55.0, None])
    south = Outline([0.0, 1.0, None], [50.0, 51.0, None])
    # from 50 to 56 degrees north: the middle is 53, however the points are spread
    assert aspect_ratio({"a": north, "b": south}) == pytest.approx(1 / math.cos(math.radians(53)))
    assert aspect_ratio({"a": Outline([0.0, None], [0.0, None])}) == pytest.approx(1.0)  # the equator
    assert aspect_ratio({"a": Outline([None], [None])}) == 1.0  # nothing drawn


def test_the_shipped_file_draws_england_at_its_own_mid_latitude() -> None:
    raw = json.loads(DEFAULT_BOUNDARIES.read_text(encoding="utf-8"))
    lats = [pt[1] for f in raw["features"] for poly in f["geometry"]["coordinates"] for ring in poly for pt in ring]
    bounds = load_boundaries(DEFAULT_BOUNDARIES)
    assert bounds is not None and bounds.code_property == "code"
    expected = 1 / math.cos(math.radians((min(lats) + max(lats)) / 2))
    assert aspect_ratio(bounds.outlines) == pytest.approx(expected, abs=1e-3)
    assert 1.6 < expected < 1.7  # England spans roughly 50 to 55.8 degrees north
