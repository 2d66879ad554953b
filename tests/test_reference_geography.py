"""The geography reference (data/reference/areas.csv, clusters.csv) against the real lookups.

Two kinds of test:

* structural checks that need only the committed files (run everywhere, including a
  user's fresh clone);
* checks against the published lookups in ``../shared/data`` (DfE LA lookup, DfE
  statistical neighbours, ONS mid-2024 population, IMD 2025), skipped cleanly when
  ``../shared`` is absent.
"""

from __future__ import annotations

import csv
import importlib.util
import re
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
AREAS = REPO / "data" / "reference" / "areas.csv"
CLUSTERS = REPO / "data" / "reference" / "clusters.csv"

ENGLAND = "E92000001"
LA_PREFIXES = ("E06", "E08", "E09", "E10")
IMD_COLUMNS = [
    "imd_score",
    "income_score",
    "employment_score",
    "education_score",
    "health_score",
    "crime_score",
    "housing_score",
    "living_env_score",
]

# The DfE lookup gives Barnsley's and Sheffield's new (2025) ONS codes no DfE LA number ("z");
# their numbers are unchanged and come from the rows of their predecessor codes.
RECODED = {"E08000038": ("E08000016", "370"), "E08000039": ("E08000019", "373")}

# DfE's May 2025 statistical-neighbour workbook keeps, under "Old SNs:", neighbour lists for
# authorities abolished by local government reorganisation. They are rightly not in the list
# of current LAs.
SN_SUPERSEDED = {
    "835": "Dorset (pre-2019 county), replaced by Dorset (838) and BCP (839)",
    "836": "Poole, merged into Bournemouth, Christchurch and Poole (839) in 2019",
    "837": "Bournemouth, merged into Bournemouth, Christchurch and Poole (839) in 2019",
    "909": "Cumbria, split into Cumberland (942) and Westmorland and Furness (943) in 2023",
    "928": "Northamptonshire, split into North (940) and West (941) Northamptonshire in 2021",
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def areas() -> list[dict[str, str]]:
    return _rows(AREAS)


@pytest.fixture(scope="module")
def las(areas: list[dict[str, str]]) -> list[dict[str, str]]:
    return [a for a in areas if a["area_type"] == "la"]


def shared(*parts: str) -> Path:
    path = SHARED.joinpath("data", *parts)
    if not path.exists():
        pytest.skip(
            f"../shared not present: {path} is missing (the published lookups are only in "
            "developer checkouts)"
        )
    return path


def _norm_region(name: str) -> str:
    """'London (Inner)' -> 'london'; 'Yorkshire and the Humber' -> 'yorkshire and the humber'."""
    return re.sub(r"\s*\((inner|outer)\)$", "", name.strip(), flags=re.I).lower()


# --------------------------------------------------------------- committed files only


def test_area_counts_and_codes(areas: list[dict[str, str]]) -> None:
    kinds = defaultdict(int)
    for a in areas:
        kinds[a["area_type"]] += 1
    assert dict(kinds) == {"england": 1, "region": 9, "la": 153}
    codes = [a["area_code"] for a in areas]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"E\d{8}", c) for c in codes)


def test_parents_and_regions(areas: list[dict[str, str]]) -> None:
    by_code = {a["area_code"]: a for a in areas}
    england = [a for a in areas if a["area_type"] == "england"][0]
    assert england["area_code"] == ENGLAND and england["name"] == "England"
    assert england["parent_code"] == "" and england["region_code"] == ""
    for a in areas:
        if a["area_type"] == "region":
            assert a["area_code"].startswith("E12")
            assert a["parent_code"] == ENGLAND
            assert a["region_code"] == a["area_code"]
            assert a["la_number"] == ""
        elif a["area_type"] == "la":
            assert a["area_code"].startswith(LA_PREFIXES), a
            parent = by_code.get(a["parent_code"])
            assert parent is not None and parent["area_type"] == "region", a
            assert a["region_code"] == a["parent_code"]
            assert re.fullmatch(r"\d{3}", a["la_number"]), a


def test_la_numbers_unique(las: list[dict[str, str]]) -> None:
    numbers = [a["la_number"] for a in las]
    assert len(numbers) == len(set(numbers))


def test_current_authorities_present(areas: list[dict[str, str]]) -> None:
    by_code = {a["area_code"]: a for a in areas}
    expected = {
        "E06000020": ("Telford and Wrekin", "894"),
        "E06000053": ("Isles of Scilly", "420"),
        "E06000061": ("North Northamptonshire", "940"),
        "E06000062": ("West Northamptonshire", "941"),
        "E06000063": ("Cumberland", "942"),
        "E06000064": ("Westmorland and Furness", "943"),
        "E06000065": ("North Yorkshire", "815"),
        "E06000066": ("Somerset", "933"),
        "E08000038": ("Barnsley", "370"),
        "E08000039": ("Sheffield", "373"),
        "E09000001": ("City of London", "201"),
    }
    for code, (name, number) in expected.items():
        assert (by_code[code]["name"], by_code[code]["la_number"]) == (name, number)
    # superseded codes must not appear
    for old in ("E10000006", "E10000021", "E10000023", "E10000027", "E08000016", "E08000019"):
        assert old not in by_code


def test_populations_add_up(areas: list[dict[str, str]]) -> None:
    pop = {a["area_code"]: int(a["population_0_17"]) for a in areas}
    assert all(v > 0 for v in pop.values())
    las = [a for a in areas if a["area_type"] == "la"]
    assert sum(pop[a["area_code"]] for a in las) == pop[ENGLAND]
    regions = [a for a in areas if a["area_type"] == "region"]
    assert sum(pop[r["area_code"]] for r in regions) == pop[ENGLAND]
    for r in regions:
        members = [a for a in las if a["parent_code"] == r["area_code"]]
        assert sum(pop[a["area_code"]] for a in members) == pop[r["area_code"]], r["name"]


def test_deprivation_scores_filled(areas: list[dict[str, str]]) -> None:
    for a in areas:
        for col in IMD_COLUMNS:
            float(a[col])  # every area, incl. regions and England (population-weighted)
    scores = [float(a["imd_score"]) for a in areas if a["area_type"] == "la"]
    assert 5 < min(scores) < max(scores) < 60


def test_sorted_deterministically(areas: list[dict[str, str]]) -> None:
    order = {"england": 0, "region": 1, "la": 2}
    keys = [(order[a["area_type"]], a["area_code"]) for a in areas]
    assert keys == sorted(keys)


def test_clusters(areas: list[dict[str, str]]) -> None:
    la_codes = {a["area_code"] for a in areas if a["area_type"] == "la"}
    clusters = _rows(CLUSTERS)
    codes = [c["cluster_code"] for c in clusters]
    assert len(codes) == len(set(codes))
    shares: dict[str, float] = defaultdict(float)
    offsets: dict[str, float] = defaultdict(float)
    for c in clusters:
        assert c["parent_code"] in la_codes, c
        assert re.fullmatch(re.escape(c["parent_code"]) + r"-C\d{2}", c["cluster_code"]), c
        share = float(c["population_share"])
        assert 0 < share <= 1
        shares[c["parent_code"]] += share
        offsets[c["parent_code"]] += share * float(c["deprivation_offset"])
        assert c["name"] and c["description"]
    assert set(shares) >= {"E06000020", "E06000043", "E10000032"}
    for parent, total in shares.items():
        assert total == pytest.approx(1.0, abs=1e-9), parent
        assert abs(offsets[parent]) < 0.05, parent
    counts = defaultdict(int)
    for c in clusters:
        counts[c["parent_code"]] += 1
    assert counts["E06000020"] == 5 and counts["E06000043"] == 3
    assert any("Littlehampton" in c["name"] for c in clusters if c["parent_code"] == "E10000032")


# --------------------------------------------------------------- against ../shared


@pytest.fixture(scope="module")
def lookup() -> pd.DataFrame:
    df = pd.read_csv(
        shared("geo", "la_lookup_from_geo_hierarchy.csv"), dtype=str, keep_default_na=False
    )
    english = df[df["new_la_code"].str.startswith(LA_PREFIXES)]
    return english


@pytest.fixture(scope="module")
def current(lookup: pd.DataFrame) -> pd.DataFrame:
    latest = lookup["last_year"].astype(float).max()
    return lookup[lookup["last_year"].astype(float) == latest].set_index("new_la_code")


def test_las_agree_with_dfe_lookup(
    las: list[dict[str, str]], lookup: pd.DataFrame, current: pd.DataFrame
) -> None:
    assert {a["area_code"] for a in las} == set(current.index)
    by_code = lookup.set_index("new_la_code")
    for a in las:
        row = current.loc[a["area_code"]]
        assert a["name"] == row["la_name"], a
        assert a["region_code"] == row["region_code"], a
        expected_number = row["old_la_code"]
        if not expected_number.isdigit():
            old_code, number = RECODED[a["area_code"]]
            assert by_code.loc[old_code, "la_name"] == row["la_name"]
            expected_number = by_code.loc[old_code, "old_la_code"]
            assert expected_number == number
        assert a["la_number"] == expected_number, a


def test_regions_match_lookup(areas: list[dict[str, str]], current: pd.DataFrame) -> None:
    ours = {a["area_code"]: a["name"] for a in areas if a["area_type"] == "region"}
    theirs = dict(zip(current["region_code"], current["region_name"], strict=True))
    assert ours == theirs
    assert len(ours) == 9


def _sn_blocks() -> tuple[pd.DataFrame, pd.DataFrame]:
    raw = pd.read_excel(shared("lait", "sn_may_2025.xlsx"), header=None, dtype=object)
    header_row = raw.index[raw[0].astype(str).str.strip() == "LA num"][0]
    table = raw.iloc[header_row + 1 :].copy()
    table.columns = [str(c) for c in raw.iloc[header_row]]
    table = table.loc[:, ~table.columns.duplicated()]  # SNP closeness columns repeat
    marker = table.index[table["LA Name"].astype(str).str.startswith("Old SNs")]
    cut = marker[0] if len(marker) else table.index[-1] + 1
    main = table.loc[: cut - 1].dropna(subset=["LA num"])
    old = table.loc[cut:].dropna(subset=["LA num"])
    return main, old


def test_statistical_neighbour_las_are_ours(las: list[dict[str, str]]) -> None:
    main, old = _sn_blocks()
    ours = {a["la_number"]: a for a in las}
    sn_numbers = {str(int(n)) for n in main["LA num"]}
    # every current LA in DfE's neighbour list is one of ours, and the other way round
    assert sn_numbers == set(ours)
    # the "Old SNs" block holds only documented, superseded authorities
    assert {str(int(n)) for n in old["LA num"]} == set(SN_SUPERSEDED)
    assert not set(SN_SUPERSEDED) & set(ours)
    region_names = {code: _norm_region(name) for code, name in _region_names().items()}
    for number, name, region in zip(main["LA num"], main["LA Name"], main["GOReg"], strict=True):
        mine = ours[str(int(number))]
        assert _norm_region(str(region)) == region_names[mine["region_code"]], (name, mine)
    # neighbours of current LAs are current LAs
    sn_cols = [c for c in main.columns if re.fullmatch(r"SN\d+", c)]
    assert len(sn_cols) == 10
    neighbours = {str(int(v)) for c in sn_cols for v in main[c].dropna()}
    assert neighbours <= set(ours)


def _region_names() -> dict[str, str]:
    return {a["area_code"]: a["name"] for a in _rows(AREAS) if a["area_type"] == "region"}


def test_population_equals_ons_2024(areas: list[dict[str, str]]) -> None:
    ons = pd.read_csv(
        shared("dfe_ees", "ons_mid-year_population_estimates_2012_to_2024.csv"),
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
    )
    ons = ons[ons["time_period"] == "2024"]
    national = ons[ons["geographic_level"] == "National"]["population_estimate"].astype(int)
    regional = ons[
        (ons["geographic_level"] == "Regional") & ons["region_code"].str.startswith("E12")
    ]
    local = ons[ons["geographic_level"] == "Local authority"]
    by_number = dict(
        zip(local["old_la_code"], local["population_estimate"].astype(int), strict=True)
    )
    by_region = dict(
        zip(regional["region_code"], regional["population_estimate"].astype(int), strict=True)
    )
    for a in areas:
        pop = int(a["population_0_17"])
        if a["area_type"] == "england":
            assert pop == int(national.iloc[0])
        elif a["area_type"] == "region":
            assert pop == by_region[a["area_code"]], a["name"]
        else:
            # matched by DfE LA number: the ONS file still uses Barnsley's and Sheffield's old codes
            assert pop == by_number[a["la_number"]], a["name"]
    assert len(by_number) == 153


def test_unitary_imd_scores_are_the_published_district_scores(las: list[dict[str, str]]) -> None:
    imd = pd.read_csv(shared("imd", "imd2025_england_ltla24.csv"), dtype=str).set_index(
        "ltla24_code"
    )
    source = {
        "imd_score": "imd_average_score",
        "income_score": "income_average_score",
        "crime_score": "crime_average_score",
        "living_env_score": "living_environment_average_score",
    }
    checked = 0
    for a in las:
        if a["area_code"].startswith("E10"):
            continue  # counties: population-weighted means of several districts
        code = RECODED.get(a["area_code"], (a["area_code"],))[0]
        if code not in imd.index:
            code = a["area_code"]
        for ours, theirs in source.items():
            published = float(imd.loc[code, theirs])
            assert float(a[ours]) == pytest.approx(published, abs=5e-4), a["name"]
        checked += 1
    assert checked == 153 - 21


def test_county_imd_scores_lie_within_their_districts(las: list[dict[str, str]]) -> None:
    imd = pd.read_csv(shared("imd", "imd2025_england_ltla24.csv"), dtype=str)
    lad = pd.read_csv(
        shared("geo", "lad_to_la_lookup_from_geo_hierarchy.csv"), dtype=str, keep_default_na=False
    )
    lad = lad[lad["last_year"].astype(float) == lad["last_year"].astype(float).max()]
    merged = imd.merge(lad, left_on="ltla24_code", right_on="lad_code")
    counties = [a for a in las if a["area_code"].startswith("E10")]
    assert len(counties) == 21
    for a in counties:
        scores = merged.loc[merged["new_la_code"] == a["area_code"], "imd_average_score"]
        scores = scores.astype(float)
        assert len(scores) >= 4, a["name"]
        assert scores.min() < float(a["imd_score"]) < scores.max(), a["name"]


def test_build_script_reproduces_committed_file(areas: list[dict[str, str]]) -> None:
    shared("geo", "lad_to_la_lookup_from_geo_hierarchy.csv")
    spec = importlib.util.spec_from_file_location(
        "build_geography", REPO / "tools" / "build_geography.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == areas
