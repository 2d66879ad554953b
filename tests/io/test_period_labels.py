"""One label per indicator-year, whichever file and spelling each figure came from."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from metrics.comparisons import indicator_series
from metrics.io.core import import_source
from metrics.io.formats import open_source
from metrics.periods import period_label
from metrics.results import Selection
from metrics.store import Store
from tests.io.conftest import import_file, row, write_fingertips


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [("2023/24", "2023-24"), ("2023-24", "2023-24"), ("202324", "2023-24"), ("2017 - 19", "2017-19")],
)
def test_a_financial_indicator_gets_the_catalogue_label(reference_store: Store, tmp_path: Path,
                                                        spelling: str, expected: str) -> None:
    """NI70 is a financial-year indicator: each one-year spelling becomes its one label; a pooled
    range names several years and keeps its own label (never read as 2018-19)."""
    import_file(reference_store, write_fingertips(tmp_path / "a.csv", [row(Time_period=spelling)]))
    assert reference_store.df("SELECT period_label FROM observation")["period_label"].tolist() == [expected]


def test_two_spellings_in_two_files_share_one_label(reference_store: Store, tmp_path: Path) -> None:
    import_file(reference_store, write_fingertips(tmp_path / "a.csv", [row(Time_period="2023/24")]))
    import_file(reference_store, write_fingertips(
        tmp_path / "b.csv", [row(Time_period="202324", Area_Code="E06000002", Area_Name="Middlesbrough")]))
    labels = reference_store.df("SELECT DISTINCT period_label FROM observation")["period_label"].tolist()
    assert labels == [period_label(2024, "financial")]


def test_published_store_has_one_label_per_indicator_year(published_db: Path) -> None:
    """LAIT, DfE and Fingertips together: no indicator-year is drawn on two x-axis categories."""
    with Store(published_db, read_only=True) as store:
        twins = store.df(
            """SELECT indicator_id, period_year, list(DISTINCT period_label) AS labels
               FROM observation GROUP BY ALL HAVING count(DISTINCT period_label) > 1"""
        )
    pooled = twins[twins["labels"].map(lambda ls: all(" - " in x or "(" in x for x in ls[1:]))]
    assert twins.drop(pooled.index).empty, twins.head(10).to_dict("records")


def _write_lait(path: Path, rows: list[tuple[str, str, float | None, str]]) -> Path:
    """A LAIT long file (the parquet layout DfE publishes): (Years, area name, LA number, value)."""
    frame = pd.DataFrame(
        [("HospAd0-14", "Hospital admissions caused by injuries in children (aged 0-14 years)", years, area,
          value, number, None) for years, area, number, value in rows],
        columns=["Short Desc", "Data item", "Years", "LA and Regions", "Values", "LA Number", "Region"],
    )
    frame.to_parquet(path, index=False)
    return path


def test_fingertips_and_lait_spellings_are_one_point_in_trends(reference_store: Store, tmp_path: Path) -> None:
    """NI70 from Fingertips (``2023/24``) and from LAIT (``2024`` and ``2023-24``): one label for
    the indicator-year in the store, and the Trends series reads that one label."""
    import_file(reference_store, write_fingertips(tmp_path / "ft.csv", [row(Time_period="2023/24")]))
    lait = _write_lait(tmp_path / "bds_long_0.parquet", [
        ("2024", "England", 970.0, "104.1"),
        ("2023-24", "Middlesbrough", 806.0, "150.2"),
        ("2024", "Hartlepool", 805.0, "119.0"),  # value only: yields to Fingertips' counted row
    ])
    result = import_source(reference_store, open_source(reference_store, lait), unknown_areas="skip")
    assert (result.new, result.yielded) == (2, 1)
    labels = reference_store.df(
        "SELECT DISTINCT period_label FROM observation WHERE indicator_id = 'NI70' AND period_year = 2024"
    )["period_label"].tolist()
    assert labels == [period_label(2024, "financial")]
    series = indicator_series(reference_store, "NI70", Selection("E06000001"), ["E06000002"])
    shown = series[series["period_year"] == 2024]
    assert set(shown["area_code"]) >= {"E06000001", "E06000002", "E92000001"}
    assert shown["period_label"].unique().tolist() == ["2023-24"]
