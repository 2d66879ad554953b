"""Small metrics helpers the pages lean on (ranks across a narrowed scope, weak-area filters,
boundary outlines, scorecard counts), so the pages can stay thin."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metrics.comparisons import indicator_across_las
from metrics.geo import aspect_ratio, load_boundaries, outlines
from metrics.results import Selection
from metrics.store import Store
from metrics.weak_areas import filter_weak, weak_areas
from tests.conftest import shared_path

SEL = Selection("E06000020", "england", 2025, "all")


# ---------------------------------------------------------------- n_ranked


def test_rank_denominator_survives_narrowing_the_scope(demo_store: Store) -> None:
    everyone = indicator_across_las(demo_store, "NI73", SEL, "england")
    region = indicator_across_las(demo_store, "NI73", SEL, "region")
    ranked = int(np.isfinite(everyone["value"].to_numpy(dtype=float)).sum())
    assert set(everyone["n_ranked"]) == {ranked}
    assert set(region["n_ranked"]) == {ranked}
    assert len(region) < len(everyone)
    assert int(everyone["rank"].max()) <= ranked


# ---------------------------------------------------------------- filter_weak


def test_filter_weak_by_outcome_and_standard(demo_store: Store) -> None:
    weak = weak_areas(demo_store, SEL)
    assert len(filter_weak(weak)) == len(weak)
    ss = filter_weak(weak, "SS")
    assert len(ss) == int((weak["outcome_id"] == "SS").sum())
    assert set(ss["outcome_id"]) <= {"SS"}
    std5 = filter_weak(weak, "all", "5")
    expected = sum(1 for s in weak["nsf_standards"] if s is not None and 5 in list(s))
    assert len(std5) == expected
    both = filter_weak(weak, "SS", "5")
    assert len(both) <= min(len(ss), len(std5))
    assert list(filter_weak(weak, "SS")["priority"]) == sorted(filter_weak(weak, "SS")["priority"])


# ---------------------------------------------------------------- geo outlines


def _square(x0: float, y0: float, size: float) -> list[list[float]]:
    return [[x0, y0], [x0, y0 + size], [x0 + size, y0 + size], [x0 + size, y0], [x0, y0]]


def _write(tmp_path: Path, features: list[dict]) -> Path:
    path = tmp_path / "b.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def test_outlines_keep_rings_and_holes_separate(tmp_path: Path) -> None:
    path = _write(tmp_path, [
        {"type": "Feature", "properties": {"CODE": "E06000020", "NAME": "T"},
         "geometry": {"type": "Polygon", "coordinates": [_square(0, 52, 1), _square(0.25, 52.25, 0.5)]}},
        {"type": "Feature", "properties": {"CODE": "E06000051", "NAME": "S"},
         "geometry": {"type": "MultiPolygon", "coordinates": [[_square(2, 52, 1)], [_square(4, 52, 1)]]}},
        {"type": "Feature", "properties": {"CODE": "E06000099", "NAME": "no geometry"}, "geometry": None},
    ])
    bounds = load_boundaries(path)
    assert bounds is not None and bounds.code_property == "CODE"
    shapes = outlines(bounds)
    assert set(shapes) == {"E06000020", "E06000051"}
    t = shapes["E06000020"]
    assert t.x.count(None) == 2 and t.y.count(None) == 2  # outer ring and hole
    assert len(t.x) == len(t.y) == 5 + 1 + 5 + 1
    assert shapes["E06000051"].x.count(None) == 2  # two polygons
    assert bounds.outlines is bounds.outlines  # computed once per loaded file


def test_outlines_round_and_drop_repeated_points(tmp_path: Path) -> None:
    ring = [[0.0, 52.0], [0.00001, 52.00001], [0.0, 53.0], [1.0, 53.0], [0.0, 52.0]]
    path = _write(tmp_path, [{"type": "Feature", "properties": {"CODE": "E06000020"},
                              "geometry": {"type": "Polygon", "coordinates": [ring]}}])
    bounds = load_boundaries(path)
    assert bounds is not None
    shape = outlines(bounds, decimals=4)["E06000020"]
    assert shape.x == [0.0, 0.0, 1.0, 0.0, None]
    assert shape.y == [52.0, 53.0, 53.0, 52.0, None]


def test_aspect_ratio_is_the_inverse_cosine_of_the_mid_latitude(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"type": "Feature", "properties": {"CODE": "E06000020"},
                              "geometry": {"type": "Polygon", "coordinates": [_square(0, 50, 6)]}}])
    bounds = load_boundaries(path)
    assert bounds is not None
    assert aspect_ratio(outlines(bounds)) == pytest.approx(1 / math.cos(math.radians(53)))
    assert aspect_ratio({}) == 1.0


def test_real_ons_boundaries_cover_the_demo_las(demo_store: Store) -> None:
    path = shared_path("data", "geo", "counties_unitary_authorities_dec2023_bsc.geo.json")
    bounds = load_boundaries(path)
    assert bounds is not None
    shapes = bounds.outlines
    las = set(indicator_across_las(demo_store, "NI73", SEL)["area_code"])
    drawn = las & set(shapes)
    assert len(drawn) >= len(las) - 5  # codes renamed since Dec 2023 (e.g. Barnsley, Sheffield)
    assert 1.5 < aspect_ratio({c: shapes[c] for c in drawn}) < 1.8  # England: ~52-54°N


# ---------------------------------------------------------------- outcome_scorecard


def test_scorecard_counts_each_outcome_by_hand() -> None:
    from metrics.scorecard import OUTCOME_COUNT_COLUMNS, outcome_scorecard

    results = pd.DataFrame({
        "outcome_id": ["BH", "BH", "BH", "SS", "SS"],
        "outcome_name": ["Be healthy"] * 3 + ["Stay safe"] * 2,
        "comparison": ["better", "worse", "higher", "similar", None],
        "trend": ["getting_better", "getting_worse", "increasing", "cannot_be_calculated", "getting_worse"],
        "value": [1.0, 2.0, 3.0, 4.0, np.nan],  # other columns are ignored
        "band": pd.Series(["A", "D", None, "D", "D"], dtype=object),  # only untested figures are placed by band
    })
    card = outcome_scorecard(results).set_index("outcome_id")
    assert list(card.index) == ["BH", "SS"]  # in the results' order
    # better, similar, worse, not compared, best quarter, worst quarter, improving, worsening, higher, lower:
    # the activity measure significantly higher is "higher", not "not compared"
    assert card.loc["BH", OUTCOME_COUNT_COLUMNS].tolist() == [1, 0, 1, 0, 0, 0, 1, 1, 1, 0]
    assert card.loc["SS", OUTCOME_COUNT_COLUMNS].tolist() == [0, 1, 0, 1, 0, 1, 0, 1, 0, 0]
    assert card["indicators"].tolist() == [3, 2]
    assert results.shape == (5, 6)  # the caller's frame is not changed
