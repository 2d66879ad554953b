"""The LAIT counts reader (``--format lait_counts``) on small LAIT-layout files written here.

Each test starts from a store with the reference data only, writes a parquet in
LAIT's ``bds_long`` layout and a mapping, and imports them; a refused file must
leave the store as it was and name the file, row, column, value and rule.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from metrics.framework import REPO_ROOT
from metrics.io.core import import_source, store_checksum
from metrics.io.faults import ImportFailed
from metrics.io.formats import open_source
from metrics.io.lait_counts import mapped_measures
from metrics.stats.intervals import proportion_ci
from metrics.store import Store

HEADER = "indicator_id,client_group_id,value_measure,count_measure,denominator_measure,comment\n"
MAPPING = HEADER + "NI67,cpp,RevCP,CPP_Reviewed_InReqTimeScl,CPP_31March_3MnthorMore,\n"


def lait_rows(area: str, number: float | None, years: str, value: str, count: str, denom: str) -> list[dict]:
    return [
        {"Short Desc": measure, "Data item": None, "Years": years, "LA and Regions": area, "Values": text,
         "LA Number": number, "Region": None}
        for measure, text in (("RevCP", value), ("CPP_Reviewed_InReqTimeScl", count),
                              ("CPP_31March_3MnthorMore", denom))
    ]


# Telford and Wrekin (LA 894) and Camden (202), 2024-25, and England with counts rounded to 10.
GOOD = (lait_rows("Telford and Wrekin", 894.0, "2025", "86.8", "138", "159")
        + lait_rows("Camden", 202.0, "2025", "100", "101", "101")
        + lait_rows("England", None, "2025", "90.6", "30780", "33960"))


def write(tmp_path: Path, rows: list[dict], mapping: str = MAPPING) -> tuple[Path, Path]:
    parquet = tmp_path / "bds_long_0.parquet"
    pd.DataFrame(rows).to_parquet(parquet, index=False)
    mapping_path = tmp_path / "lait_counts.csv"
    mapping_path.write_text(mapping, encoding="utf-8")
    return parquet, mapping_path


def run(store: Store, parquet: Path, mapping: Path):
    return import_source(store, open_source(store, parquet, "lait_counts", mapping), user="test")


@pytest.fixture
def store(reference_store: Store) -> Iterator[Store]:
    yield reference_store


def _refused(store: Store, parquet: Path, mapping: Path) -> str:
    before = store_checksum(store)
    with pytest.raises(ImportFailed) as exc:
        run(store, parquet, mapping)
    assert store_checksum(store) == before, "a refused import writes nothing"
    return str(exc.value)


def test_counts_and_denominators_are_stored_with_wilson_cis(store: Store, tmp_path: Path) -> None:
    parquet, mapping = write(tmp_path, GOOD)
    result = run(store, parquet, mapping)
    assert result.new == 3
    got = store.df("SELECT area_code, client_group_id, period_label, count, denominator, value, lower95, upper95"
                   " FROM observation WHERE indicator_id = 'NI67' ORDER BY area_code").set_index("area_code")
    telford = got.loc["E06000020"]
    assert (telford["count"], telford["denominator"], telford["value"]) == (138.0, 159.0, 86.8)
    assert telford["client_group_id"] == "cpp" and telford["period_label"] == "2024-25"
    _, lo, hi = proportion_ci([138.0], [159.0], 0.95, 100.0)
    assert telford["lower95"] == pytest.approx(lo[0]) and telford["upper95"] == pytest.approx(hi[0])
    assert got.loc["E09000007", "upper95"] == pytest.approx(100.0)  # Camden: 101 of 101
    # England's counts are rounded to 10 and its percentage computed from the unrounded ones:
    # accepted within rounding, with CIs from the published numbers.
    assert got.loc["E92000001", "count"] == 30780.0 and got.loc["E92000001", "lower95"] < 90.6


def test_binary_float_values_are_read_at_their_published_places(store: Store, tmp_path: Path) -> None:
    """LAIT writes some values out as floats (75.400000000000006 is 75.4 from 153 / 203)."""
    rows = lait_rows("Telford and Wrekin", 894.0, "2025", "75.400000000000006", "153", "203")
    parquet, mapping = write(tmp_path, rows)
    run(store, parquet, mapping)
    assert store.scalar("SELECT count FROM observation WHERE indicator_id = 'NI67'") == 153.0


def test_a_zero_denominator_pairs_nothing(store: Store, tmp_path: Path) -> None:
    """No child on a plan for 3 months (City of London): no proportion, no row from nothing."""
    rows = lait_rows("City of London", 201.0, "2025", "-", "0", "0") + GOOD[:3]
    parquet, mapping = write(tmp_path, rows)
    run(store, parquet, mapping)
    areas = set(store.df("SELECT area_code FROM observation")["area_code"])
    assert areas == {"E06000020"}


def test_a_value_the_counts_do_not_give_is_refused_by_row(store: Store, tmp_path: Path) -> None:
    rows = lait_rows("Telford and Wrekin", 894.0, "2025", "88.8", "138", "159")
    parquet, mapping = write(tmp_path, rows)
    message = _refused(store, parquet, mapping)
    assert "bds_long_0.parquet, row 1, Values: '88.8'" in message
    assert "86.8 computed from CPP_Reviewed_InReqTimeScl 138 / CPP_31March_3MnthorMore 159 for Telford and Wrekin 2025" in message


def test_a_count_over_its_denominator_is_refused(store: Store, tmp_path: Path) -> None:
    rows = lait_rows("Telford and Wrekin", 894.0, "2025", "-", "160", "159")
    parquet, mapping = write(tmp_path, rows)
    message = _refused(store, parquet, mapping)
    assert "Values (CPP_Reviewed_InReqTimeScl)" in message and "exceeds" in message


def test_text_that_is_no_number_is_refused_by_row(store: Store, tmp_path: Path) -> None:
    rows = lait_rows("Telford and Wrekin", 894.0, "2025", "86.8", "a lot", "159")
    parquet, mapping = write(tmp_path, rows)
    message = _refused(store, parquet, mapping)
    assert "row 2, Values: 'a lot'" in message


def test_a_measure_missing_from_the_file_names_the_mapping_line(store: Store, tmp_path: Path) -> None:
    mapping = HEADER + "NI67,cpp,RevCP,CPP_Reviewed_InReqTimeScl,CPP_Total_On_Plan,\n"
    parquet, mapping_path = write(tmp_path, GOOD, mapping)
    message = _refused(store, parquet, mapping_path)
    assert "lait_counts.csv, row 2, denominator_measure: 'CPP_Total_On_Plan'" in message
    assert "measure not in bds_long_0.parquet" in message


@pytest.mark.parametrize(("line", "column", "rule"), [
    ("NI999,cpp,RevCP,CPP_Reviewed_InReqTimeScl,CPP_31March_3MnthorMore,", "indicator_id", "unknown indicator"),
    ("ATT8,cpp,RevCP,CPP_Reviewed_InReqTimeScl,CPP_31March_3MnthorMore,", "indicator_id", "is a mean"),
    ("NI67,nobody,RevCP,CPP_Reviewed_InReqTimeScl,CPP_31March_3MnthorMore,", "client_group_id",
     "unknown client group"),
    ("NI67,cpp,RevCP,RevCP,CPP_31March_3MnthorMore,", None, "three different measures"),
    ("NI67,cpp,RevCP,,CPP_31March_3MnthorMore,", "count_measure", "Field required"),
])
def test_a_bad_mapping_line_is_named(store: Store, tmp_path: Path, line: str, column: str | None,
                                     rule: str) -> None:
    parquet, mapping = write(tmp_path, GOOD, HEADER + line + "\n")
    message = _refused(store, parquet, mapping)
    assert "lait_counts.csv, row 2" in message and rule in message
    if column:
        assert column in message


def test_duplicate_rows_are_refused(store: Store, tmp_path: Path) -> None:
    parquet, mapping = write(tmp_path, GOOD + GOOD[:1])
    message = _refused(store, parquet, mapping)
    assert "RevCP has more than one row for this area and year" in message


def test_a_file_without_lait_columns_is_refused(store: Store, tmp_path: Path) -> None:
    parquet, mapping = write(tmp_path, [{"measure": "RevCP", "value": "86.8"}])
    message = _refused(store, parquet, mapping)
    assert "not a LAIT file: no column" in message


def test_the_mapping_is_required(store: Store, tmp_path: Path) -> None:
    parquet, _ = write(tmp_path, GOOD)
    with pytest.raises(ValueError, match="need --mapping"):
        open_source(store, parquet, "lait_counts", None)


def test_unknown_areas_are_named_or_skipped(store: Store, tmp_path: Path) -> None:
    rows = GOOD[:3] + lait_rows("Cumbria", 909.0, "2025", "90", "90", "100")
    parquet, mapping = write(tmp_path, rows)
    assert "Cumbria (LAIT 909)" in _refused(store, parquet, mapping)
    result = import_source(store, open_source(store, parquet, "lait_counts", mapping), user="test",
                           unknown_areas="skip")
    assert result.new == 1


def test_the_shipped_mapping_names_three_measures_per_row() -> None:
    measures = mapped_measures(REPO_ROOT / "data" / "mappings" / "lait_counts.csv")
    assert len(measures) % 3 == 0 and "RevCP" in measures


def test_the_command_line_imports_lait_counts(reference_db: Path, tmp_path: Path) -> None:
    """``jar import FILE --format lait_counts --mapping M``, run as a user runs it."""
    db = tmp_path / "cli.duckdb"
    shutil.copyfile(reference_db, db)
    parquet, mapping = write(tmp_path, GOOD)

    def jar(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "metrics", "import", "--db", str(db), str(parquet),
                               "--format", "lait_counts", *args], capture_output=True, text=True, timeout=300)

    refused = jar()
    assert refused.returncode != 0 and "need --mapping" in refused.stderr
    assert "Traceback" not in refused.stderr
    done = jar("--mapping", str(mapping))
    assert done.returncode == 0, done.stderr
    with Store(db, read_only=True) as store:
        assert store.scalar("SELECT count(*) FROM observation WHERE lower95 IS NOT NULL") == 3
