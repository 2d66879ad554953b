"""The DfE explore-education-statistics reader, on the real published files and on
small files written here for the rules the real ones do not exercise.

Expected figures are read from the published files with the ``csv`` module, never
through the reader under test.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from metrics.display import round_half_up
from metrics.io.core import ImportResult, import_source
from metrics.io.faults import ImportFailed
from metrics.io.formats import open_source
from metrics.store import Store
from tests.conftest import REPO_ROOT, shared_path

MAPPINGS = REPO_ROOT / "data" / "mappings"
# Areas the published files carry that the store does not: Inner/Outer London
# (sub-regions), and LAs abolished by mergers (no one-to-one re-code).
NOT_IN_STORE = {"E13000001", "E13000002", "E10000006", "E10000009", "E10000021", "E06000028", "E06000029"}

REAL_FILES = [
    ("c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv", "dfe_c1_referrals.csv"),
    ("d3_cpps_subsequent_plan_2013_to_2025.csv", "dfe_d3_cpp_subsequent.csv"),
    ("cla_number_and_rate_per_10k_children.csv", "dfe_cla_rate.csv"),
    ("la_cla_placement_stability.csv", "dfe_cla_placement_stability.csv"),
    ("la_care_leavers_activity.csv", "dfe_care_leavers_activity.csv"),
    ("la_care_leavers_accommodation_suitability.csv", "dfe_care_leavers_accommodation.csv"),
    ("la_conviction_health_outcome_cla.csv", "dfe_cla_health_outcomes.csv"),
    ("ks2_la.csv", "dfe_ks2.csv"),
    ("ks4_la.csv", "dfe_ks4.csv"),
    ("absence_la.csv", "dfe_absence.csv"),
    ("d5_cpps_at31march_by_duration_2013_to_2025.csv", "dfe_d5_cpp.csv"),
    ("c3_factors_identified_at_end_of_assessment_2018_to_2025.csv", "dfe_c3_factors.csv"),
]


@pytest.fixture
def store(reference_store: Store) -> Store:
    """Reference tables only: every figure in the store came from the file under test."""
    return reference_store


def dfe_import(store: Store, data: Path, mapping: Path, **kwargs: object) -> ImportResult:
    return import_source(store, open_source(store, data, "dfe", mapping), **kwargs)  # type: ignore[arg-type]


def published_rows(path: Path, **match: str) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [r for r in csv.DictReader(fh) if all(r[k].strip() == v for k, v in match.items())]


def obs(store: Store, indicator: str, area: str, year: int, group: str) -> dict[str, object]:
    frame = store.df(
        "SELECT * FROM observation WHERE indicator_id = ? AND area_code = ? AND period_year = ?"
        " AND client_group_id = ?", [indicator, area, year, group],
    )
    assert len(frame) == 1, (indicator, area, year, group, len(frame))
    return frame.iloc[0].to_dict()


def number(text: str) -> float:
    return float(text.replace(",", ""))


# Real files ---------------------------------------------------------------------------


def test_rereferrals_england_2025_equal_the_published_cells(store: Store) -> None:
    data = shared_path("data", "dfe_ees", REAL_FILES[0][0])
    result = dfe_import(store, data, MAPPINGS / "dfe_c1_referrals.csv", unknown_areas="skip")
    assert result.batch_id is not None
    [cell] = published_rows(data, time_period="2025", geographic_level="National")
    england = obs(store, "REREF12", "E92000001", 2025, "cin")
    assert england["value"] == number(cell["rereferral_percent"])
    assert england["count"] == number(cell["rereferral_count"])
    assert england["denominator"] == number(cell["referral_count"])
    assert england["period_label"] == "2024-25"  # the catalogue's financial-year label
    # DfE rounds half-up from (here nearly exact) counts: the published figure agrees.
    assert round_half_up(england["count"] / england["denominator"] * 100, 1) == england["value"]
    assert england["lower95"] < england["value"] < england["upper95"]
    # An LA, found by its code in the file (the column order differs from other files).
    [telford] = published_rows(data, time_period="2025", new_la_code="E06000020")
    la = obs(store, "REREF12", "E06000020", 2025, "cin")
    assert la["value"] == number(telford["rereferral_percent"])
    assert la["count"] == number(telford["rereferral_count"])
    assert set(result.skipped_areas) <= NOT_IN_STORE


@pytest.mark.parametrize(("data_name", "mapping_name"), REAL_FILES)
def test_every_mapped_real_file_imports_and_matches_its_national_cells(
    store: Store, data_name: str, mapping_name: str
) -> None:
    data = shared_path("data", "dfe_ees", data_name)
    mapping = MAPPINGS / mapping_name
    result = dfe_import(store, data, mapping, unknown_areas="skip")
    assert result.new > 0
    assert set(result.skipped_areas) <= NOT_IN_STORE
    with mapping.open(encoding="utf-8", newline="") as fh:
        rules = list(csv.DictReader(fh))
    latest = max(r["time_period"] for r in published_rows(data, geographic_level="National"))
    for rule in rules:
        filters = dict(part.split("=", 1) for part in rule["filters"].split(";"))
        [cell] = published_rows(data, time_period=latest, geographic_level="National", **filters)
        year = int(latest) if len(latest) == 4 else int(latest[:4]) + 1
        stored = obs(store, rule["indicator_id"], "E92000001", year, rule["client_group_id"])
        if rule["count_column"]:
            assert stored["count"] == number(cell[rule["count_column"]]), rule
        if rule["value_from"] == "published":
            assert stored["value"] == number(cell[rule["value_column"]]), rule
        else:  # computed from counts, and agreeing with the whole-number published figure
            if rule["value_column"]:  # a rate over another file's population has none here
                published = number(cell[rule["value_column"]])
                assert abs(stored["value"] - published) <= 1.0, rule
            k = store.scalar("SELECT multiplier FROM indicator WHERE indicator_id = ?", [rule["indicator_id"]])
            assert stored["value"] == pytest.approx(stored["count"] / stored["denominator"] * k), rule


def test_denominator_from_the_total_row(store: Store) -> None:
    data = shared_path("data", "dfe_ees", "la_cla_placement_stability.csv")
    dfe_import(store, data, MAPPINGS / "dfe_cla_placement_stability.csv", unknown_areas="skip")
    group = "CLA on 31 March"
    [num] = published_rows(data, time_period="2025", new_la_code="E06000020", cla_group=group,
                           placement_stability="With 3 or more placements during the year")
    [tot] = published_rows(data, time_period="2025", new_la_code="E06000020", cla_group=group,
                           placement_stability="Total children")
    stored = obs(store, "NI62", "E06000020", 2025, "lac")
    assert stored["count"] == number(num["children_count"])
    assert stored["denominator"] == number(tot["children_count"])


def test_suppression_codes_are_never_zero(store: Store) -> None:
    data = shared_path("data", "dfe_ees", "ks2_la.csv")
    dfe_import(store, data, MAPPINGS / "dfe_ks2.csv", unknown_areas="skip")
    coded = [r for r in published_rows(data, geographic_level="Local authority",
                                       social_care_group="CLA 12 months at 31 March")
             if r["pt_rwm_met_expected_standard"] == "c" and r["new_la_code"] not in NOT_IN_STORE]
    assert coded, "the file has suppressed cells"
    r = coded[0]
    stored = obs(store, "NI73", r["new_la_code"], int(r["time_period"][:4]) + 1, "lac")
    assert stored["suppressed"]
    assert math.isnan(stored["value"])
    assert "c" in str(stored["note"])
    assert stored["period_label"].count("/") == 1  # academic-year label, e.g. 2024/25


def test_empty_cohort_is_kept_as_not_applicable(store: Store) -> None:
    data = shared_path("data", "dfe_ees", "d3_cpps_subsequent_plan_2013_to_2025.csv")
    dfe_import(store, data, MAPPINGS / "dfe_d3_cpp_subsequent.csv", unknown_areas="skip")
    [scilly] = published_rows(data, time_period="2024", new_la_code="E06000053")
    assert (scilly["CPP_start"], scilly["CPP_subsequent_percent"]) == ("0", "z")
    stored = obs(store, "NI65", "E06000053", 2024, "cpp")
    assert math.isnan(stored["denominator"]) and math.isnan(stored["value"])
    assert "not applicable" in stored["note"] and "denominator 0" in stored["note"]


# Small files for the rules ---------------------------------------------------------------

HEADER = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
          "region_name", "new_la_code", "old_la_code", "la_name", "group", "num", "den", "pct"]


def write(path: Path, rows: list[list[str]], header: list[str] = HEADER, bom: bool = True) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def mapping(path: Path, **fields: str) -> Path:
    row = {"indicator_id": "NI62", "client_group_id": "lac", "value_column": "pct", "count_column": "num",
           "denominator_column": "den", "filters": "group=A", **fields}
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, list(row))
        w.writeheader()
        w.writerow(row)
    return path


def la(period: str, code: str, num: str, den: str, pct: str, group: str = "A", old: str = "") -> list[str]:
    return [period, "Reporting year", "Local authority", "E92000001", "England", "E12000005", "West Midlands",
            code, old, "x", group, num, den, pct]


def test_levels_periods_codes_and_other_levels_counted(store: Store, tmp_path: Path) -> None:
    data = write(tmp_path / "small.csv", [
        ["2025", "Reporting year", "National", "E92000001", "England", "", "", "", "", "", "A", "100", "1000", "10"],
        ["2025", "Reporting year", "Regional", "E92000001", "England", "E12000005", "West Midlands", "", "", "",
         "A", "20", "100", "20"],
        la("2025", "E06000020", "5", "50", "10"),
        la("2024", "", "6", "60", "10", old="894"),  # no new code: found by the DfE LA number
        la("2016-17 (OT)", "E06000020", "7", "70", "10"),
        la("2023", "E10000023", "8", "80", "10"),  # North Yorkshire's old code, re-coded by core
        la("2025", "E06000021", "c", "40", "c"),
        la("2025", "E06000020", "99", "99", "99", group="B"),  # not this mapping's filter
        ["2025", "Reporting year", "Local authority district", "E92000001", "England", "E12000005", "", "E07000001",
         "", "", "A", "1", "10", "10"],
        ["2025", "Reporting year", "School", "E92000001", "England", "", "", "", "", "", "A", "1", "10", "10"],
    ])
    result = dfe_import(store, data, mapping(tmp_path / "map.csv"))
    assert result.rows_read == 7
    assert any("2 rows at other geographic levels skipped" in n for n in result.notes), result.notes
    assert "Local authority district" in " ".join(result.notes)
    assert obs(store, "NI62", "E92000001", 2025, "lac")["value"] == 10
    assert obs(store, "NI62", "E12000005", 2025, "lac")["count"] == 20
    assert obs(store, "NI62", "E06000020", 2024, "lac")["count"] == 6
    ot = obs(store, "NI62", "E06000020", 2017, "lac")
    assert ot["period_label"] == "2016-17" and "(OT)" in ot["note"]
    assert obs(store, "NI62", "E06000065", 2023, "lac")["count"] == 8
    shropshire = obs(store, "NI62", "E06000021", 2025, "lac")
    assert shropshire["suppressed"] and math.isnan(shropshire["count"]) and math.isnan(shropshire["value"])
    note = store.scalar("SELECT note FROM import_batch WHERE batch_id = ?", [result.batch_id])
    assert "other geographic levels" in note


def test_column_order_and_no_bom(store: Store, tmp_path: Path) -> None:
    header = list(reversed(HEADER))
    rows = [list(reversed(la("202425", "E06000020", "5", "50", "10")))]
    data = write(tmp_path / "rev.csv", rows, header, bom=False)
    dfe_import(store, data, mapping(tmp_path / "map.csv"))
    assert obs(store, "NI62", "E06000020", 2025, "lac")["period_label"] == "2024-25"


def test_mapping_faults_name_the_mapping_file_and_line(store: Store, tmp_path: Path) -> None:
    data = write(tmp_path / "small.csv", [la("2025", "E06000020", "5", "50", "10")])
    with pytest.raises(ImportFailed) as exc:
        dfe_import(store, data, mapping(tmp_path / "map.csv", count_column="number"))
    [fault] = exc.value.faults
    assert (fault.file, fault.row, fault.value) == ("map.csv", 2, "number")
    assert "not in small.csv" in fault.rule
    with pytest.raises(ImportFailed) as exc:
        dfe_import(store, data, mapping(tmp_path / "map.csv", filters="group=Z"))
    assert "no row of small.csv matches" in exc.value.faults[0].rule
    with pytest.raises(ImportFailed) as exc:
        dfe_import(store, data, mapping(tmp_path / "map.csv", indicator_id="NOPE"))
    assert exc.value.faults[0].column == "indicator_id"
    with pytest.raises(ImportFailed) as exc:
        dfe_import(store, data, mapping(tmp_path / "map.csv", value_column="", count_column=""))
    assert "needs value_column" in exc.value.faults[0].rule
    assert store.scalar("SELECT count(*) FROM observation") == 0


def test_bad_cells_are_faults_naming_row_and_column(store: Store, tmp_path: Path) -> None:
    data = write(tmp_path / "small.csv", [
        la("2025", "E06000020", "5", "50", "10"),
        la("2025", "E06000021", "five", "50", "10"),
        la("20x5", "E06000022", "5", "50", "10"),
    ])
    with pytest.raises(ImportFailed) as exc:
        dfe_import(store, data, mapping(tmp_path / "map.csv"))
    found = {(f.row, f.column, f.value) for f in exc.value.faults}
    assert (3, "num", "five") in found
    assert (4, "time_period", "20x5") in found
    assert store.scalar("SELECT count(*) FROM observation") == 0


def test_value_from_counts_checks_the_published_value(store: Store, tmp_path: Path) -> None:
    ok = write(tmp_path / "ok.csv", [la("2025", "E06000020", "31", "332", "9")])  # 9.34 -> 9
    dfe_import(store, ok, mapping(tmp_path / "map.csv", value_from="counts"))
    stored = obs(store, "NI62", "E06000020", 2025, "lac")
    assert stored["value"] == pytest.approx(31 / 332 * 100)
    wrong = write(tmp_path / "wrong.csv", [la("2025", "E06000020", "31", "332", "45")])
    with pytest.raises(ImportFailed) as exc:
        dfe_import(store, wrong, mapping(tmp_path / "map.csv", value_from="counts"))
    assert "computed from the counts" in exc.value.faults[0].rule
    assert exc.value.faults[0].row == 2


def region(period: str, code: str, num: str, den: str, pct: str) -> list[str]:
    return [period, "Reporting year", "Regional", "E92000001", "England", code, "x", "", "", "", "A", num, den, pct]


def test_value_from_counts_keeps_the_published_value_where_rounded_counts_are_coarser(
    store: Store, tmp_path: Path
) -> None:
    """DfE rounds national and regional counts to the nearest 10 and computes their
    percentages from the unrounded ones. 480 / 500 could be anything from 475 / 505 (94.1%)
    to 485 / 495 (98.0%), so the published whole number 94 is the better figure; 46 / 47 at an
    LA is exact (97.87%, published as 98); 59,300 / 67,600 is within 0.02 of 87.72, finer
    than the published 88."""
    data = write(tmp_path / "rounded.csv", [
        region("2022", "E12000001", "480", "500", "94"),
        la("2022", "E06000020", "46", "47", "98"),
        ["2022", "Reporting year", "National", "E92000001", "England", "", "", "", "", "", "A", "59300", "67600", "88"],
    ])
    dfe_import(store, data, mapping(tmp_path / "map.csv", value_from="counts"))
    north_east = obs(store, "NI62", "E12000001", 2022, "lac")
    assert north_east["value"] == 94 and (north_east["count"], north_east["denominator"]) == (480, 500)
    assert obs(store, "NI62", "E06000020", 2022, "lac")["value"] == pytest.approx(46 / 47 * 100)
    assert obs(store, "NI62", "E92000001", 2022, "lac")["value"] == pytest.approx(59300 / 67600 * 100)
    # Rounding explains no more than it can: 480 / 500 is never 90%.
    wrong = write(tmp_path / "wrong.csv", [region("2022", "E12000001", "480", "500", "90")])
    with pytest.raises(ImportFailed) as exc:
        dfe_import(store, wrong, mapping(tmp_path / "map.csv", value_from="counts"))
    assert "computed from the counts" in exc.value.faults[0].rule
    # ... and an LA's counts are exact, multiples of 10 or not: 480 / 500 there is 96, not 94.
    la_wrong = write(tmp_path / "la_wrong.csv", [la("2022", "E06000020", "480", "500", "94")])
    with pytest.raises(ImportFailed):
        dfe_import(store, la_wrong, mapping(tmp_path / "map.csv", value_from="counts"))


def test_zero_of_zero_published_as_zero_is_an_empty_cohort(store: Store, tmp_path: Path) -> None:
    """City of London's 2024 SDQ scores: 0 children with a cause for concern of 0 with a score,
    published as 0%. No children is not a rate of 0%."""
    data = write(tmp_path / "empty.csv", [la("2024", "E09000001", "0", "0", "0"), la("2024", "E06000020", "5", "50", "10")])
    dfe_import(store, data, mapping(tmp_path / "map.csv"))
    city = obs(store, "NI62", "E09000001", 2024, "lac")
    assert math.isnan(city["value"]) and math.isnan(city["denominator"])
    assert "denominator 0" in city["note"]
    # A count above a zero denominator is still refused: that is no empty cohort.
    bad = write(tmp_path / "bad.csv", [la("2024", "E09000001", "3", "0", "0")])
    with pytest.raises(ImportFailed):
        dfe_import(store, bad, mapping(tmp_path / "map.csv"))


def test_every_code_and_period_form(store: Store, tmp_path: Path) -> None:
    codes = {"E06000020": "low", "E06000021": "k", "E06000022": "x", "E06000023": "z", "E06000024": "u",
             "E06000025": ":"}
    rows = [la("2025", code, c, "50", c) for code, c in codes.items()]
    rows += [la("2010/11", "E06000020", "5", "50", "10"), la("2018 (Rev)", "E06000020", "6", "60", "10"),
             la("202223", "E06000020", "7", "70", "10")]
    data = write(tmp_path / "codes.csv", rows)
    dfe_import(store, data, mapping(tmp_path / "map.csv"))
    for code, c in codes.items():
        got = obs(store, "NI62", code, 2025, "lac")
        assert math.isnan(got["count"]) and math.isnan(got["value"]), c
        assert got["suppressed"] == (c in ("low", "k")), c
        assert got["note"].startswith(c), (c, got["note"])
    assert obs(store, "NI62", "E06000020", 2011, "lac")["period_label"] == "2010-11"
    rev = obs(store, "NI62", "E06000020", 2018, "lac")
    assert rev["period_label"] == "2017-18" and "(Rev)" in rev["note"]
    assert obs(store, "NI62", "E06000020", 2023, "lac")["count"] == 7


def test_ragged_rows_are_refused_not_padded_or_trimmed(store: Store, tmp_path: Path) -> None:
    whole = la("2025", "E06000020", "5", "50", "10")
    data = write(tmp_path / "ragged.csv", [whole, whole[:-2], [*la("2024", "E06000020", "6", "60", "10"), "x"]])
    with pytest.raises(ImportFailed) as exc:
        dfe_import(store, data, mapping(tmp_path / "map.csv"))
    faults = [(f.file, f.row, f.rule) for f in exc.value.faults]
    assert faults == [
        ("ragged.csv", 3, "12 fields where the header has 14: a row cut short"),
        ("ragged.csv", 4, "15 fields where the header has 14: an unquoted comma?"),
    ]
    assert store.scalar("SELECT count(*) FROM observation") == 0
