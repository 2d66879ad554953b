"""Source precedence: a row with counts or CIs is never replaced by a value alone.

Small Fingertips files written here cover every pairing; the real LAIT and DfE
files show the refresh the rule exists for (LAIT after the DfE CSVs).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from metrics.io.core import import_history, rollback_batch, store_checksum
from metrics.store import Store
from tests.io.conftest import ci, import_file, row, write_fingertips

FIGURES = ["count", "denominator", "value", "lower95", "upper95", "lower998", "upper998"]
NO_CI = ci("", "", "", "")
# NI70 for Hartlepool 2023/24 (tests/io/conftest.BASE_ROW), in four kinds of support.
COUNTED = row()  # count, denominator and CIs
COUNTED_OTHER = row(Value="131.5", Count="240", **ci("115.3", "149.2", "107.5", "159.0"))
CI_ONLY = row(Value="125.0", Count="", Denominator="", **ci("110.0", "141.0", "102.0", "150.0"))
VALUE_ONLY = row(Value="118.0", Count="", Denominator="", **NO_CI)
VALUE_ONLY_OTHER = row(Value="119.0", Count="", Denominator="", **NO_CI)


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
        (VALUE_ONLY, COUNTED, "replaced"),
        (CI_ONLY, COUNTED, "replaced"),
        (VALUE_ONLY, CI_ONLY, "replaced"),
        (COUNTED, COUNTED_OTHER, "replaced"),
        (VALUE_ONLY, VALUE_ONLY_OTHER, "replaced"),
        (COUNTED, COUNTED, "unchanged"),
        (VALUE_ONLY, VALUE_ONLY, "unchanged"),
    ],
    ids=["value-over-counted", "ci-over-counted", "value-over-ci", "counted-over-value", "counted-over-ci",
         "ci-over-value", "counted-over-counted", "value-over-value", "identical-counted", "identical-value"],
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


def test_dry_run_reports_the_yield(reference_store: Store, tmp_path: Path) -> None:
    import_file(reference_store, write_fingertips(tmp_path / "first.csv", [COUNTED]))
    result = import_file(reference_store, write_fingertips(tmp_path / "second.csv", [VALUE_ONLY]), dry_run=True)
    assert result.yielded == 1
    assert result.summary().startswith("second.csv: would import 1 rows: 0 new, 0 replaced")
    assert "1 yielded" in result.summary()
