"""One label per indicator-year, whichever file and spelling each figure came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from metrics.periods import period_label
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
