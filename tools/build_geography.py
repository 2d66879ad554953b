"""Build data/reference/areas.csv from the real published lookups in ../shared.

Run from anywhere with the project's Python:

    .venv/bin/python tools/build_geography.py

Inputs (read-only, beside the checkout in ../shared/data/):

* geo/la_lookup_from_geo_hierarchy.csv - DfE's LA lookup (dfeR geo_hierarchy): 9-character
  ONS code, DfE 3-digit LA number, name, region, first/last year each code was in use.
* geo/lad_to_la_lookup_from_geo_hierarchy.csv - lower-tier districts to upper-tier LAs.
* dfe_ees/ons_mid-year_population_estimates_2012_to_2024.csv - ONS mid-year estimates of
  children aged 0-17 (England, regions, LAs).
* imd/imd2025_england_ltla24.csv - English Indices of Deprivation 2025, lower-tier LA summaries.

Output: data/reference/areas.csv - England, the 9 regions and the 153 current upper-tier LAs
with children's services, sorted england, region, la, then code. The output depends only on the
inputs, so re-running it gives a byte-identical file.

IMD weighting: an upper-tier LA's (and a region's, and England's) score for each domain is the
population-weighted mean of its districts' published average scores. The weight of a district is
its total population as used by the IMD, recovered exactly from the published summaries as
``income_scale / income_average_score`` (the income "scale" is the number of income-deprived
people and the average score is their population-weighted share). Because each district's average
score is itself a population-weighted mean over its LSOAs, this reproduces MHCLG's method for
larger areas. For unitary, metropolitan and London LAs (one district each) it returns the
district's published score unchanged.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
OUT = ROOT / "data" / "reference" / "areas.csv"

ENGLAND_CODE = "E92000001"
ENGLAND_NAME = "England"
POPULATION_YEAR = "2024"
LA_PREFIXES = ("E06", "E08", "E09", "E10")
EXPECTED_LAS = 153
EXPECTED_REGIONS = 9

# ONS recoded two metropolitan boroughs after the 2024 Barnsley/Sheffield boundary change. The DfE
# lookup gives the new codes no DfE LA number ("z"), and older inputs (ONS mid-2024 estimates,
# IMD 2025 by LTLA24) still use the old codes. Map new code -> predecessor code.
CODE_CHANGES = {
    "E08000038": "E08000016",  # Barnsley (DfE LA number 370)
    "E08000039": "E08000019",  # Sheffield (DfE LA number 373)
}

# IMD 2025 summary column -> areas.csv column
IMD_COLUMNS = {
    "imd_average_score": "imd_score",
    "income_average_score": "income_score",
    "employment_average_score": "employment_score",
    "education_skills_and_training_average_score": "education_score",
    "health_deprivation_and_disability_average_score": "health_score",
    "crime_average_score": "crime_score",
    "barriers_to_housing_and_services_average_score": "housing_score",
    "living_environment_average_score": "living_env_score",
}
IMD_DECIMALS = 3

COLUMNS = [
    "area_code",
    "name",
    "area_type",
    "parent_code",
    "la_number",
    "region_code",
    "population_0_17",
    *IMD_COLUMNS.values(),
]
AREA_TYPE_ORDER = {"england": 0, "region": 1, "la": 2}


class BuildError(RuntimeError):
    """An input does not look the way this script expects."""


def _read(relative: str) -> pd.DataFrame:
    path = SHARED / "data" / relative
    if not path.exists():
        raise BuildError(f"missing input {path}")
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def current_las(lookup: pd.DataFrame) -> pd.DataFrame:
    """Current English upper-tier LAs with a DfE LA number, from the DfE LA lookup."""
    english = lookup[lookup["new_la_code"].str.startswith(LA_PREFIXES)].copy()
    latest = english["last_year"].astype(float).max()
    current = english[english["last_year"].astype(float) == latest].copy()

    by_code = english.set_index("new_la_code")
    numbers = []
    for row in current.itertuples():
        number = row.old_la_code
        if not number.isdigit():
            old = CODE_CHANGES.get(row.new_la_code)
            if old is None or old not in by_code.index:
                raise BuildError(f"{row.new_la_code} {row.la_name} has no DfE LA number")
            predecessor = by_code.loc[old]
            if predecessor["la_name"] != row.la_name:
                raise BuildError(f"{old} is not the predecessor of {row.new_la_code}")
            number = predecessor["old_la_code"]
        numbers.append(number)
    current["la_number"] = numbers

    if len(current) != EXPECTED_LAS:
        raise BuildError(f"expected {EXPECTED_LAS} current LAs, found {len(current)}")
    if current["new_la_code"].duplicated().any() or current["la_number"].duplicated().any():
        raise BuildError("duplicate LA code or number among current LAs")
    return current


def population(las: pd.DataFrame) -> dict[str, int]:
    """Children aged 0-17, mid-2024, keyed by area code (England, regions, current LA codes)."""
    ons = _read("dfe_ees/ons_mid-year_population_estimates_2012_to_2024.csv")
    ons = ons[ons["time_period"] == POPULATION_YEAR]
    if ons.empty:
        raise BuildError(f"no {POPULATION_YEAR} rows in the ONS population file")
    pop: dict[str, int] = {}
    national = ons[ons["geographic_level"] == "National"]
    pop[ENGLAND_CODE] = int(national["population_estimate"].iloc[0])
    regional = ons[
        (ons["geographic_level"] == "Regional") & ons["region_code"].str.startswith("E12")
    ]
    for row in regional.itertuples():
        pop[row.region_code] = int(row.population_estimate)
    local = ons[ons["geographic_level"] == "Local authority"].set_index("new_la_code")
    for code in las["new_la_code"]:
        source = code if code in local.index else CODE_CHANGES.get(code, code)
        if source not in local.index:
            raise BuildError(f"no {POPULATION_YEAR} population for {code}")
        pop[code] = int(local.loc[source, "population_estimate"])
    la_total = sum(pop[c] for c in las["new_la_code"])
    if la_total != pop[ENGLAND_CODE]:
        raise BuildError(f"LA populations sum to {la_total}, England is {pop[ENGLAND_CODE]}")
    return pop


def deprivation(las: pd.DataFrame) -> pd.DataFrame:
    """IMD 2025 domain average scores by LA, region and England (population-weighted)."""
    imd = _read("imd/imd2025_england_ltla24.csv")
    districts = _read("geo/lad_to_la_lookup_from_geo_hierarchy.csv")
    latest = districts["last_year"].astype(float).max()
    districts = districts[
        (districts["last_year"].astype(float) == latest) & districts["lad_code"].str.startswith("E")
    ]
    to_la = dict(zip(districts["lad_code"], districts["new_la_code"], strict=True))
    for new, old in CODE_CHANGES.items():
        if new in to_la:
            to_la.setdefault(old, to_la[new])

    imd["la_code"] = imd["ltla24_code"].map(to_la)
    unmatched = imd[imd["la_code"].isna()]
    if not unmatched.empty:
        raise BuildError(f"IMD districts without an LA: {sorted(unmatched['ltla24_code'])}")
    values = imd[list(IMD_COLUMNS)].astype(float)
    weight = imd["income_scale"].astype(float) / imd["income_average_score"].astype(float)

    region_of = dict(zip(las["new_la_code"], las["region_code"], strict=True))
    imd["region_code"] = imd["la_code"].map(region_of)
    missing = set(las["new_la_code"]) - set(imd["la_code"])
    if missing:
        raise BuildError(f"LAs without IMD districts: {sorted(missing)}")

    weighted = values.mul(weight, axis=0)
    frames = []
    for key in ("la_code", "region_code"):
        sums = weighted.groupby(imd[key]).sum()
        frames.append(sums.div(weight.groupby(imd[key]).sum(), axis=0))
    england = (weighted.sum() / weight.sum()).to_frame(ENGLAND_CODE).T
    frames.append(england)
    out = pd.concat(frames).rename(columns=IMD_COLUMNS)
    return out.round(IMD_DECIMALS)


def build() -> list[dict[str, str]]:
    lookup = _read("geo/la_lookup_from_geo_hierarchy.csv")
    las = current_las(lookup)
    regions = las[["region_code", "region_name"]].drop_duplicates().sort_values("region_code")
    if len(regions) != EXPECTED_REGIONS or regions["region_code"].duplicated().any():
        raise BuildError(f"expected {EXPECTED_REGIONS} regions, found {len(regions)}")
    pop = population(las)
    imd = deprivation(las)

    def imd_cells(code: str) -> dict[str, str]:
        row = imd.loc[code]
        # "+ 0.0" turns a rounded -0.0 into 0.0 so no cell reads "-0.000"
        return {col: f"{row[col] + 0.0:.{IMD_DECIMALS}f}" for col in IMD_COLUMNS.values()}

    rows = [
        {
            "area_code": ENGLAND_CODE,
            "name": ENGLAND_NAME,
            "area_type": "england",
            "parent_code": "",
            "la_number": "",
            "region_code": "",
            "population_0_17": str(pop[ENGLAND_CODE]),
            **imd_cells(ENGLAND_CODE),
        }
    ]
    for r in regions.itertuples():
        rows.append(
            {
                "area_code": r.region_code,
                "name": r.region_name,
                "area_type": "region",
                "parent_code": ENGLAND_CODE,
                "la_number": "",
                "region_code": r.region_code,
                "population_0_17": str(pop[r.region_code]),
                **imd_cells(r.region_code),
            }
        )
    for r in las.itertuples():
        rows.append(
            {
                "area_code": r.new_la_code,
                "name": r.la_name,
                "area_type": "la",
                "parent_code": r.region_code,
                "la_number": r.la_number,
                "region_code": r.region_code,
                "population_0_17": str(pop[r.new_la_code]),
                **imd_cells(r.new_la_code),
            }
        )
    rows.sort(key=lambda row: (AREA_TYPE_ORDER[row["area_type"]], row["area_code"]))
    return rows


def write(rows: list[dict[str, str]], path: Path = OUT) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> int:
    if not SHARED.is_dir():
        print(
            f"build_geography: {SHARED} not found. This script derives data/reference/areas.csv "
            "from the published lookups in ../shared beside the checkout; the committed "
            "areas.csv is the result, so a fresh clone does not need to run it.",
            file=sys.stderr,
        )
        return 2
    try:
        rows = build()
    except BuildError as exc:
        print(f"build_geography: {exc}", file=sys.stderr)
        return 1
    write(rows)
    counts = {t: sum(r["area_type"] == t for r in rows) for t in AREA_TYPE_ORDER}
    print(f"wrote {OUT.relative_to(ROOT)}: {len(rows)} areas {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
