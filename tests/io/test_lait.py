"""LAIT import on DfE's real dataset: every figure checked against the parquet itself.

The whole file (641,070 rows) is imported once per module into a fresh demo
store; expected values are read straight from the parquet with DuckDB SQL, never
through the reader under test.
"""

from __future__ import annotations

import csv
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from metrics.framework import REPO_ROOT, load_reference
from metrics.io.core import ImportResult, import_source, store_checksum
from metrics.io.faults import ImportFailed
from metrics.io.formats import open_source
from metrics.io.lait import (
    DEFAULT_MAPPING,
    LaitMappingError,
    check_mapping,
    measure_id,
    open_lait,
    read_lait_period,
    read_mapping,
    read_period_types,
    unknown_areas,
)
from metrics.lookups import catalogue_frame, unmapped_indicators
from metrics.store import Store
from tests.conftest import shared_path

TELFORD = "E06000020"
ENGLAND = "E92000001"


def _end_year(years: str) -> int:
    """The year a LAIT period ends in, worked out here independently of the reader."""
    bare = re.sub(r"\s*\(.*\)\s*$", "", years).strip()
    return int(bare) if len(bare) == 4 else int(bare[:2] + bare[-2:])


def _mapping_rows() -> list[dict[str, str]]:
    with DEFAULT_MAPPING.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@dataclass
class Imported:
    store: Store
    parquet: Path
    first: ImportResult
    second: ImportResult
    before: dict[str, tuple[int, int]]
    after: dict[str, tuple[int, int]]
    clean_db: Path


@pytest.fixture(scope="module")
def lait(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Imported]:
    from metrics.demo import build_demo

    parquet = shared_path("data", "lait", "bds_long_0.parquet")
    folder = tmp_path_factory.mktemp("lait")
    clean = folder / "clean.duckdb"
    build_demo(clean)
    db = folder / "lait.duckdb"
    shutil.copy(clean, db)
    store = Store(db)
    first = import_source(store, open_source(store, parquet), unknown_areas="skip")
    before = store_checksum(store)
    second = import_source(store, open_source(store, parquet), unknown_areas="skip")
    after = store_checksum(store)
    yield Imported(store, parquet, first, second, before, after, clean)
    store.close()


def _parquet(parquet: Path, sql: str, params: list[object]) -> list[tuple]:
    con = duckdb.connect()
    try:
        con.read_parquet(str(parquet)).create_view("p")
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def _latest(parquet: Path, measure: str, la_number: int) -> tuple[str, float] | None:
    rows = _parquet(
        parquet,
        """SELECT "Years", CAST("Values" AS DOUBLE) FROM p
           WHERE "Short Desc" = ? AND "LA Number" = ? AND TRY_CAST("Values" AS DOUBLE) IS NOT NULL""",
        [measure, la_number],
    )
    return max(rows, key=lambda r: _end_year(r[0])) if rows else None


def _stored(store: Store, indicator: str, area: str, year: int, group: str) -> float | None:
    return store.scalar(
        """SELECT value FROM observation WHERE indicator_id = ? AND area_code = ? AND period_year = ?
           AND client_group_id = ? AND sex = 'persons' AND category = ''""",
        [indicator, area, year, group],
    )


def test_whole_file_imported(lait: Imported) -> None:
    total = _parquet(lait.parquet, "SELECT count(*) FROM p", [])[0][0]
    filler = _parquet(lait.parquet, "SELECT count(*) FROM p WHERE \"Years\" = '0'", [])[0][0]
    r = lait.first
    assert r.rows_read == total - filler
    assert r.new + r.replaced + r.unchanged + r.skipped == r.rows_read
    assert r.batch_id is not None


def test_telford_headline_equals_parquet(lait: Imported) -> None:
    """Telford and Wrekin (LA 894): KS2 RWM, latest year, in the store as published."""
    years, value = _latest(lait.parquet, "KS2RWM_Expected_STD", 894)
    assert _stored(lait.store, "NI73", TELFORD, _end_year(years), "all") == pytest.approx(value, rel=1e-12)
    years, value = _latest(lait.parquet, "KS2RWM_Expected_STD", 970)
    assert _stored(lait.store, "NI73", ENGLAND, _end_year(years), "all") == pytest.approx(value, rel=1e-12)


def test_every_catalogue_mapping_lands_where_the_file_says(lait: Imported) -> None:
    """For each catalogue row of the mapping: Telford's latest value, scaled, is stored."""
    headline = {i.indicator_id: i.headline_group for i in load_reference().indicators}
    checked = 0
    for row in _mapping_rows():
        if row["kind"] != "catalogue":
            continue
        latest = _latest(lait.parquet, row["lait_measure"], 894)
        if latest is None:
            continue
        years, value = latest
        group = row["client_group_id"] or headline[row["indicator_id"]]
        scale = float(row["scale"] or 1)
        got = _stored(lait.store, row["indicator_id"], TELFORD, _end_year(years), group)
        assert got == pytest.approx(value * scale, rel=1e-12), row["lait_measure"]
        checked += 1
    assert checked >= 60


def test_region_matched_by_name(lait: Imported) -> None:
    # LAIT spells it "Yorkshire and the Humber"; the store "Yorkshire and The Humber".
    years, value = _latest(lait.parquet, "CIN", 982)
    assert _stored(lait.store, "CIN_RATE", "E12000003", _end_year(years), "all") == pytest.approx(value)


def test_dash_is_missing_with_a_note_never_zero(lait: Imported) -> None:
    rows = _parquet(
        lait.parquet,
        """SELECT "Years" FROM p WHERE "Short Desc" = 'KS2RWM_Expected_STD' AND "Values" = '-'
           AND "LA Number" = 970""",
        [],
    ) or _parquet(
        lait.parquet,
        """SELECT "Years", "LA Number" FROM p WHERE "Short Desc" = 'LAC_KS2_ExpStd_RWM' AND "Values" = '-'
           AND "LA Number" = 894""",
        [],
    )
    assert rows, "expected a '-' cell to check"
    years = rows[0][0]
    found = lait.store.df(
        """SELECT value, note FROM observation WHERE indicator_id = 'NI73' AND area_code = ?
           AND period_year = ? AND client_group_id = 'lac' AND sex = 'persons'""",
        [TELFORD, _end_year(years)],
    )
    assert len(found) == 1
    assert found["value"].isna().all()
    assert found["note"].iloc[0].startswith("-:")


def test_unmapped_measures_are_listed(lait: Imported) -> None:
    in_file = {r[0] for r in _parquet(lait.parquet, 'SELECT DISTINCT "Short Desc" FROM p', [])}
    mapped = {r["lait_measure"] for r in _mapping_rows()}
    mapped |= {i.lait_measure for i in load_reference().indicators if i.lait_measure}
    expected = {measure_id(m) for m in in_file - mapped}
    listed = unmapped_indicators(lait.store)
    assert expected == set(listed["id"])
    assert (listed["rows"] > 0).all()
    assert listed["title"].notna().all()


def test_ecm_mapped_measures_join_the_framework(lait: Imported) -> None:
    cat = catalogue_frame(lait.store).set_index("indicator_id")
    for row in _mapping_rows():
        if row["kind"] != "ecm":
            continue
        iid = measure_id(row["lait_measure"])
        assert iid in cat.index, iid
        assert cat.at[iid, "aim_id"] == row["aim_id"]
        assert sorted(list(cat.at[iid, "nsf_standards"])) == sorted(int(s) for s in row["nsf_standards"].split(";"))


def test_polarity_and_units_come_from_the_dictionary(lait: Imported) -> None:
    dictionary = shared_path("data", "lait", "lait_data_dictionary.csv")
    with dictionary.open(encoding="utf-8-sig", newline="") as fh:
        polarity = {r["Measure_short"]: r["Polarity"] for r in csv.DictReader(fh)}
    got = lait.store.df("SELECT lait_measure, polarity FROM indicator WHERE starts_with(indicator_id, 'LAIT_')")
    expect = {"High": "high_is_good", "Low": "low_is_good"}
    for measure, pol in got.itertuples(index=False, name=None):
        assert pol == expect.get(polarity[measure], "no_judgement"), measure


def test_abolished_las_reported_not_dropped(lait: Imported) -> None:
    skipped = " ".join(lait.first.skipped_areas)
    for name in ("Cumbria", "Northamptonshire", "Poole (Pre LG)"):
        assert name in skipped
    areas = lait.store.df("SELECT la_number FROM area WHERE la_number IS NOT NULL")["la_number"]
    unknown = _parquet(
        lait.parquet,
        """SELECT count(*) FROM p WHERE CAST(CAST("LA Number" AS INTEGER) AS VARCHAR) NOT IN (SELECT unnest(?))
           AND "LA Number" < 970 AND "Years" <> '0'""",
        [list(areas)],
    )[0][0]
    london_parts = _parquet(lait.parquet, """SELECT count(*) FROM p WHERE "LA Number" IN (987, 988)
                                             AND "Years" <> '0'""", [])[0][0]
    assert lait.first.skipped == unknown + london_parts
    listed = unknown_areas(lait.parquet, lait.store)
    assert {909, 928, 835, 836, 837, 987, 988} == set(listed["la_number"])
    assert (listed["rows_with_value"] > 0).all()


def test_reimport_changes_nothing(lait: Imported) -> None:
    assert lait.second.new == 0 and lait.second.replaced == 0
    assert lait.second.batch_id is None
    assert lait.before == lait.after


def test_subset_refused_without_skip_and_nothing_written(lait: Imported, tmp_path: Path) -> None:
    """A small file in the same layout: abolished LAs make the import fail by name."""
    subset = tmp_path / "bds_long_subset.parquet"
    con = duckdb.connect()
    con.read_parquet(str(lait.parquet)).create_view("p")
    con.execute(
        f"""COPY (SELECT * FROM p WHERE "LA Number" IN (894, 909, 970)
              AND "Short Desc" IN ('KS2RWM_Expected_STD', 'TotPermEx', 'ExcessYr6', 'TotalLACFinance'))
            TO '{subset}' (FORMAT parquet)"""
    )
    con.close()
    shutil.copy(lait.parquet.parent / "lait_data_dictionary.csv", tmp_path / "lait_data_dictionary.csv")
    db = tmp_path / "subset.duckdb"
    shutil.copy(lait.clean_db, db)
    with Store(db) as store:
        before = store_checksum(store)
        with pytest.raises(ImportFailed) as failed:
            import_source(store, open_source(store, subset))
        assert "Cumbria (LAIT 909)" in str(failed.value)
        assert store_checksum(store) == before
        result = import_source(store, open_source(store, subset), unknown_areas="skip")
        assert result.skipped_areas == ["Cumbria (LAIT 909)"]
        years, value = _latest(subset, "TotPermEx", 894)
        # LAIT: % of pupils; the catalogue's NI114: per 10,000 pupils.
        assert _stored(store, "NI114", TELFORD, _end_year(years), "all") == pytest.approx(value * 100)
        assert set(unmapped_indicators(store)["id"]) == {"LAIT_TotalLACFinance"}


def test_file_of_catalogue_measures_only(lait: Imported, tmp_path: Path) -> None:
    subset = tmp_path / "only_ks2.parquet"
    con = duckdb.connect()
    con.read_parquet(str(lait.parquet)).create_view("p")
    con.execute(f"""COPY (SELECT * FROM p WHERE "Short Desc" = 'KS2RWM_Expected_STD' AND "LA Number" = 894)
                    TO '{subset}' (FORMAT parquet)""")
    con.close()
    db = tmp_path / "only.duckdb"
    shutil.copy(lait.clean_db, db)
    with Store(db) as store:
        source = open_source(store, subset)
        assert source.new_indicators is not None and source.new_indicators.empty
        result = import_source(store, source)
        assert result.skipped == 0 and result.new + result.replaced > 0
        years, value = _latest(subset, "KS2RWM_Expected_STD", 894)
        assert _stored(store, "NI73", TELFORD, _end_year(years), "all") == pytest.approx(value)


def test_mapping_file_is_valid_and_confirms_the_catalogue() -> None:
    rows = read_mapping()
    reference = load_reference()
    catalogue = {i.lait_measure: i.indicator_id for i in reference.indicators if i.lait_measure}
    headline = {(r.lait_measure, r.indicator_id) for r in rows if r.kind == "catalogue" and not r.client_group_id}
    assert set(catalogue.items()) <= headline
    assert sum(r.kind == "catalogue" for r in rows) >= 60


def test_mapping_measures_exist_in_the_dictionary() -> None:
    dictionary = shared_path("data", "lait", "lait_data_dictionary.csv")
    with dictionary.open(encoding="utf-8-sig", newline="") as fh:
        known = {r["Measure_short"] for r in csv.DictReader(fh)}
    assert {r.lait_measure for r in read_mapping()} <= known


def test_nccis_measures_are_calendar_years_like_the_catalogue(lait: Imported) -> None:
    """LAIT's dictionary calls NCCIS figures financial years; the reviewed override makes
    16-17 NEET a calendar year, labelled as the catalogue's NI117 from the same collection."""
    store = lait.store
    types = dict(store.df(
        "SELECT lait_measure, period_type FROM indicator WHERE lait_measure IN ('16-17 NEET', '16-17_not known_NEET')"
    ).itertuples(index=False, name=None))
    assert types == {"16-17 NEET": "calendar", "16-17_not known_NEET": "calendar"}
    labels = store.df(
        """SELECT i.lait_measure, o.period_label FROM observation o JOIN indicator i USING (indicator_id)
           WHERE i.lait_measure IN ('16-17 NEET', '16-17_not known_NEET') AND o.area_code = ?
             AND o.period_year = 2024 AND o.client_group_id = 'all'""",
        [ENGLAND],
    )
    assert dict(labels.itertuples(index=False, name=None)) == {"16-17 NEET": "2024", "16-17_not known_NEET": "2024"}


def test_period_type_overrides_are_valid_and_in_the_dictionary() -> None:
    overrides = read_period_types()
    assert overrides["16-17 NEET"] == "calendar"
    dictionary = shared_path("data", "lait", "lait_data_dictionary.csv")
    with dictionary.open(encoding="utf-8-sig", newline="") as fh:
        known = {r["Measure_short"] for r in csv.DictReader(fh)}
    assert set(overrides) <= known


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("16-17 NEET,quarterly,why", "period_type"),
        ("16-17 NEET,calendar,", "say why"),
        ("16-17 NEET,calendar,a\n16-17 NEET,calendar,b", "listed twice"),
    ],
)
def test_bad_period_type_rows_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "types.csv"
    path.write_text(f"lait_measure,period_type,reason\n{text}\n", encoding="utf-8")
    with pytest.raises(LaitMappingError, match=message):
        read_period_types(path)


def test_period_type_override_of_a_catalogue_measure_is_refused(demo_store: Store, tmp_path: Path) -> None:
    """A catalogue indicator's period type is the catalogue's (NI117 is calendar already)."""
    parquet = shared_path("data", "lait", "bds_long_0.parquet")
    path = tmp_path / "types.csv"
    path.write_text("lait_measure,period_type,reason\n16-17_not known_NEET,financial,test\n", encoding="utf-8")
    with pytest.raises(LaitMappingError, match="catalogue"):
        open_lait(parquet, demo_store, period_types=path)


@pytest.mark.parametrize(
    "line, message",
    [
        ("X,ecm,,,,EA,,1,,", "outcome_id and aim_id"),
        ("X,catalogue,NOPE,,,,,,,", "not in the catalogue"),
        ("X,catalogue,NI148,all,,,,,,", "not published for client group all"),
        ("X,ecm,,,,EA,BH1,1,,", "not under outcome"),
        ("X,ecm,,,,EA,EA1,12,,", "unknown NSF standard"),
        ("KS2RWM_Expected_STD,catalogue,ATT8,,,,,,,", "gives this measure to NI73"),
        ("X,catalogue,NI73,,0,,,,,", "scale must be positive"),
        ("X,catalogue,NI73,lac,,,,,,\nY,catalogue,NI73,lac,,,,,,", "already comes from"),
    ],
)
def test_bad_mapping_rows_are_refused(demo_store: Store, tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "map.csv"
    header = "lait_measure,kind,indicator_id,client_group_id,scale,outcome_id,aim_id,nsf_standards,polarity,note"
    path.write_text(f"{header}\n{line}\n", encoding="utf-8")
    with pytest.raises(LaitMappingError, match=message):
        check_mapping(read_mapping(path), demo_store)


@pytest.mark.parametrize(
    "text, period_type, expected",
    [
        ("2025", "academic", (2025, "2024/25", None)),
        ("2025", "financial", (2025, "2024-25", None)),
        ("2024", "calendar", (2024, "2024", None)),
        ("2023/24", "academic", (2024, "2023/24", None)),
        ("2016-17 (OT)", "financial", (2017, "2016-17", "OT")),
        ("2025 (prov)", "academic", (2025, "2024/25", "prov")),
        ("2014-16", "calendar", (2016, "2014-16", None)),
        ("2021/22-23/24", "financial", (2024, "2021/22-23/24", None)),
        ("0", "academic", None),
    ],
)
def test_lait_periods(text: str, period_type: str, expected: tuple | None) -> None:
    assert read_lait_period(text, period_type) == expected


def test_measure_ids_spell_out_signs() -> None:
    assert measure_id("LAC_ceased_SGO%") != measure_id("LAC_ceased_SGO")
    assert measure_id("Hosp_Adm_Alc_<18yrs") == "LAIT_Hosp_Adm_Alc_lt_18yrs"


def test_repository_mapping_path() -> None:
    assert DEFAULT_MAPPING == REPO_ROOT / "data" / "mappings" / "lait_measures.csv"
