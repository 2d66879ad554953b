"""Source precedence: a row with counts or CIs is never replaced by a value alone.

Small Fingertips files written here cover every pairing; the real LAIT and DfE
files show the refresh the rule exists for (LAIT after the DfE CSVs).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from metrics.io.core import (
    CANONICAL,
    ImportResult,
    import_history,
    import_source,
    rollback_batch,
    store_checksum,
)
from metrics.io.formats import open_source
from metrics.store import Store
from tests.conftest import shared_path
from tests.io.conftest import ci, import_file, row, write_fingertips

FIGURES = ["count", "denominator", "value", "lower95", "upper95", "lower998", "upper998"]
NO_CI = ci("", "", "", "")
# NI70 for Hartlepool 2023/24 (tests/io/conftest.BASE_ROW), in four kinds of support.
COUNTED = row()  # count, denominator and CIs
COUNTED_OTHER = row(Value="131.5", Count="240", **ci("115.3", "149.2", "107.5", "159.0"))
CI_ONLY = row(Value="125.0", Count="", Denominator="", **ci("110.0", "141.0", "102.0", "150.0"))
COUNT_ONLY = row(Value="", Count="0", Denominator="", **NO_CI)  # DfE: a count under a suppressed rate
VALUE_ONLY = row(Value="118.0", Count="", Denominator="", **NO_CI)
VALUE_ONLY_OTHER = row(Value="119.0", Count="", Denominator="", **NO_CI)
BLANK = row(Value="", Count="", Denominator="", **NO_CI)  # "x": not available, or LAIT's "-"
DENOMINATOR_ONLY = row(Value="", Count="", Denominator="3000", **NO_CI)  # DfE: a suppressed rate and its cohort


def _stored(store: Store) -> dict[str, object]:
    frame = store.df(f"SELECT {', '.join(FIGURES)} FROM observation")
    assert len(frame) == 1
    return {k: (None if v != v else v) for k, v in frame.iloc[0].to_dict().items()}  # NaN -> None


def _figures(fingertips_row: dict[str, str]) -> dict[str, object]:
    """The figures a row of the file should be stored with (nothing derived: Fingertips rounds counts)."""
    names = {"count": "Count", "denominator": "Denominator", "value": "Value",
             "lower95": "Lower CI 95.0 limit", "upper95": "Upper CI 95.0 limit",
             "lower998": "Lower CI 99.8 limit", "upper998": "Upper CI 99.8 limit"}
    return {k: float(fingertips_row[v]) if fingertips_row[v] else None for k, v in names.items()}


@pytest.mark.parametrize(
    ("first", "second", "outcome"),
    [
        (COUNTED, VALUE_ONLY, "yielded"),
        (COUNTED, CI_ONLY, "yielded"),
        (CI_ONLY, VALUE_ONLY, "yielded"),
        (COUNT_ONLY, VALUE_ONLY, "yielded"),
        (COUNTED, COUNT_ONLY, "yielded"),
        (VALUE_ONLY, COUNTED, "replaced"),
        (CI_ONLY, COUNTED, "replaced"),
        (VALUE_ONLY, CI_ONLY, "replaced"),
        (COUNT_ONLY, CI_ONLY, "replaced"),
        (COUNTED, COUNTED_OTHER, "replaced"),
        (VALUE_ONLY, VALUE_ONLY_OTHER, "replaced"),
        (COUNTED, COUNTED, "unchanged"),
        (VALUE_ONLY, VALUE_ONLY, "unchanged"),
        (VALUE_ONLY, BLANK, "yielded"),
        (DENOMINATOR_ONLY, BLANK, "yielded"),
        (BLANK, VALUE_ONLY, "replaced"),
        (BLANK, DENOMINATOR_ONLY, "replaced"),
        (DENOMINATOR_ONLY, VALUE_ONLY, "replaced"),
    ],
    ids=["value-over-counted", "ci-over-counted", "value-over-ci", "value-over-count", "count-over-counted",
         "counted-over-value", "counted-over-ci", "ci-over-value", "ci-over-count", "counted-over-counted", "value-over-value", "identical-counted", "identical-value",
         "blank-over-value", "blank-over-denominator", "value-over-blank", "denominator-over-blank",
         "value-over-denominator"],
)
def test_second_import_of_one_key(reference_store: Store, tmp_path: Path, first: dict[str, str],
                                  second: dict[str, str], outcome: str) -> None:
    import_file(reference_store, write_fingertips(tmp_path / "first.csv", [first]))
    before = store_checksum(reference_store)
    result = import_file(reference_store, write_fingertips(tmp_path / "second.csv", [second]))
    counts = {"new": result.new, "replaced": result.replaced, "unchanged": result.unchanged,
              "yielded": result.yielded}
    assert counts == {"new": 0, "replaced": 0, "unchanged": 0, "yielded": 0} | {outcome: 1}
    kept = first if outcome == "yielded" else second
    assert _stored(reference_store) == _figures(kept)
    if outcome == "yielded":
        assert result.yielded_to == {"first.csv": 1}
        assert "1 yielded to stored rows with counts or confidence intervals" in result.summary()
        assert "first.csv 1" in result.summary()
        assert result.batch_id is None  # nothing written
        assert store_checksum(reference_store) == before
    else:
        assert "yielded" not in result.summary()


def test_yielding_does_not_depend_on_import_order(reference_store: Store, tmp_path: Path) -> None:
    """Counted then value-only, or value-only then counted: the store ends with the counted row."""
    import_file(reference_store, write_fingertips(tmp_path / "value.csv", [VALUE_ONLY]))
    import_file(reference_store, write_fingertips(tmp_path / "counted.csv", [COUNTED]))
    again = import_file(reference_store, write_fingertips(tmp_path / "value.csv", [VALUE_ONLY]))
    assert (again.yielded, again.replaced, again.batch_id) == (1, 0, None)
    assert _stored(reference_store) == _figures(COUNTED)


def test_mixed_file_writes_what_wins_and_rolls_back_exactly(reference_store: Store, tmp_path: Path) -> None:
    """One file that adds a key, replaces a value-only row and yields to a counted one:
    its batch records the yield, and rolling it back restores the store exactly."""
    middlesbrough = {"Area_Code": "E06000002", "Area_Name": "Middlesbrough"}
    redcar = {"Area_Code": "E06000003", "Area_Name": "Redcar and Cleveland"}
    import_file(reference_store, write_fingertips(tmp_path / "dfe.csv", [
        COUNTED, row(Value="118.0", Count="", Denominator="", **NO_CI, **middlesbrough),
    ]))
    before = store_checksum(reference_store)
    result = import_file(reference_store, write_fingertips(tmp_path / "lait.csv", [
        VALUE_ONLY,  # Hartlepool: yields to the counted row
        row(**middlesbrough),  # counted over value-only: replaces
        row(Value="99.0", Count="", Denominator="", **NO_CI, **redcar),  # new
    ]))
    assert (result.new, result.replaced, result.unchanged, result.yielded) == (1, 1, 0, 1)
    assert result.batch_id is not None
    hartlepool = reference_store.df("SELECT count, value FROM observation WHERE area_code = 'E06000001'")
    assert hartlepool.to_dict("records") == [{"count": 220.0, "value": 120.5}]
    note = import_history(reference_store).set_index("batch_id").at[result.batch_id, "note"]
    assert "1 yielded to stored rows with counts or confidence intervals this file lacks (dfe.csv 1)" in note
    rollback_batch(reference_store, result.batch_id)
    assert store_checksum(reference_store)["observation"] == before["observation"]
    assert store_checksum(reference_store)["observation_history"] == before["observation_history"]


def test_synthetic_rows_never_outrank_an_import(store: Store, tmp_path: Path) -> None:
    """The demo's made-up NI70 row has a count and CIs; a published value-only row still replaces it."""
    demo = store.df(
        """SELECT o.count, b.synthetic FROM observation o JOIN import_batch b USING (batch_id)
           WHERE indicator_id = 'NI70' AND area_code = 'E06000001' AND period_year = 2024
             AND client_group_id = 'all' AND sex = 'persons' AND category = ''"""
    )
    assert demo["synthetic"].tolist() == [True] and demo["count"].notna().all()
    result = import_file(store, write_fingertips(tmp_path / "real.csv", [VALUE_ONLY]))
    assert (result.replaced, result.yielded) == (1, 0)


def test_dry_run_reports_the_yield(reference_store: Store, tmp_path: Path) -> None:
    import_file(reference_store, write_fingertips(tmp_path / "first.csv", [COUNTED]))
    result = import_file(reference_store, write_fingertips(tmp_path / "second.csv", [VALUE_ONLY]), dry_run=True)
    assert result.yielded == 1
    assert result.summary().startswith("second.csv: would import 1 rows: 0 new, 0 replaced")
    assert "1 yielded" in result.summary()


# Real files: DfE's CSVs (counts) and LAIT (values only) ---------------------------------

DFE_FILES = [  # the four measures the issue saw fall to "not compared"
    ("c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv", "dfe_c1_referrals.csv"),
    ("d3_cpps_subsequent_plan_2013_to_2025.csv", "dfe_d3_cpp_subsequent.csv"),
    ("la_care_leavers_activity.csv", "dfe_care_leavers_activity.csv"),
    ("la_cla_placement_stability.csv", "dfe_cla_placement_stability.csv"),
]
MAPPINGS = Path(__file__).resolve().parents[2] / "data" / "mappings"
KEY_COLUMNS = ["indicator_id", "area_code", "period_year", "client_group_id", "sex", "category"]


@dataclass
class Refresh:
    dfe_first: Store  # DfE, then LAIT: the refresh the issue describes
    lait_first: Store  # LAIT, DfE, then LAIT again
    counted: pd.DataFrame  # the DfE rows with counts, as the DfE import stored them
    lait_after_dfe: ImportResult
    lait_again: ImportResult
    dfe_names: set[str]


def _import_dfe(store: Store, files: list[tuple[Path, Path]]) -> None:
    for data, mapping in files:
        import_source(store, open_source(store, data, "dfe", mapping), unknown_areas="skip")


def _import_lait(store: Store, parquet: Path) -> ImportResult:
    return import_source(store, open_source(store, parquet), unknown_areas="skip")


def _rows(store: Store) -> pd.DataFrame:
    columns = ", ".join(c for c in CANONICAL)
    return store.df(f"SELECT {columns} FROM observation ORDER BY {', '.join(KEY_COLUMNS)}")


@pytest.fixture(scope="module")
def refresh(reference_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Refresh]:
    parquet = shared_path("data", "lait", "bds_long_0.parquet")
    files = [(shared_path("data", "dfe_ees", data), MAPPINGS / mapping) for data, mapping in DFE_FILES]
    folder = tmp_path_factory.mktemp("precedence")
    stores = []
    for name in ("dfe_first", "lait_first"):
        shutil.copyfile(reference_db, folder / f"{name}.duckdb")
        stores.append(Store(folder / f"{name}.duckdb"))
    dfe_first, lait_first = stores
    _import_dfe(dfe_first, files)
    counted = dfe_first.df(
        f"SELECT {', '.join(CANONICAL)} FROM observation WHERE count IS NOT NULL ORDER BY {', '.join(KEY_COLUMNS)}"
    )
    lait_after_dfe = _import_lait(dfe_first, parquet)
    _import_lait(lait_first, parquet)
    _import_dfe(lait_first, files)
    lait_again = _import_lait(lait_first, parquet)
    yield Refresh(dfe_first, lait_first, counted, lait_after_dfe, lait_again, {d for d, _ in DFE_FILES})
    for store in stores:
        store.close()


def test_lait_after_dfe_keeps_every_count_and_ci(refresh: Refresh) -> None:
    store = refresh.dfe_first
    assert not refresh.counted.empty
    # REF_RATE: the C1 file's referral counts over ONS's population (beside it in the folder);
    # REF_NFA: the C1 file's counts, and LAIT's CIN_Refferals_NFA values for the same figures
    assert set(refresh.counted["indicator_id"]) == {"REREF12", "REF_RATE", "REF_NFA", "NI65", "NI148", "NI62", "NI63"}
    after = store.df(
        f"SELECT {', '.join(CANONICAL)} FROM observation WHERE count IS NOT NULL ORDER BY {', '.join(KEY_COLUMNS)}"
    )
    pd.testing.assert_frame_equal(after, refresh.counted)
    lost = store.scalar(
        "SELECT count(*) FROM observation_history WHERE superseded_by = ?"
        " AND (count IS NOT NULL OR lower95 IS NOT NULL)",
        [refresh.lait_after_dfe.batch_id],
    )
    assert lost == 0


def test_the_report_says_which_files_kept_their_rows(refresh: Refresh) -> None:
    result = refresh.lait_after_dfe
    assert result.yielded > 0
    assert set(result.yielded_to) == refresh.dfe_names
    assert sum(result.yielded_to.values()) == result.yielded
    assert f"{result.yielded:,} yielded to stored rows with counts or confidence intervals" in result.summary()


def test_import_order_does_not_matter(refresh: Refresh) -> None:
    """DfE then LAIT, or LAIT, DfE and LAIT again (a routine refresh): the same store."""
    pd.testing.assert_frame_equal(_rows(refresh.lait_first), _rows(refresh.dfe_first))
    again = refresh.lait_again
    assert again.new == 0
    assert (again.replaced, again.yielded) == (refresh.lait_after_dfe.replaced, refresh.lait_after_dfe.yielded)
