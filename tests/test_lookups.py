"""Lookups over a store: the catalogue search, and the catalogue page's list of imported indicators
not yet mapped to an ECM outcome. (Latest periods: tests/test_latest_available.py; the data-set
marker: tests/test_published.py.)"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from metrics.framework import Reference
from metrics.lookups import search_catalogue, unmapped_indicators
from metrics.store import Store, load_reference_tables, new_batch


@pytest.fixture()
def store(reference: Reference) -> Iterator[Store]:
    with Store(":memory:") as s:
        with s.transaction() as cur:
            load_reference_tables(cur, reference)
        yield s


def _add_unmapped(store: Store, indicator_id: str, title: str, years: list[int]) -> None:
    with store.transaction() as cur:
        cur.execute(
            """INSERT INTO indicator (indicator_id, short_title, title, polarity, value_type, multiplier, unit,
                   ci_method, source, period_type, client_groups, headline_group, mapped)
               VALUES (?, ?, ?, 'no_judgement', 'as_published', 1, 'count', 'none', 'DfE LAIT', 'financial',
                   ['all'], 'all', FALSE)""",
            [indicator_id, title[:40], title],
        )
        batch = new_batch(cur, "test.parquet", "lait", "test")
        for year in years:
            cur.execute(
                """INSERT INTO observation (indicator_id, area_code, period_year, period_label, client_group_id,
                       value, batch_id) VALUES (?, 'E92000001', ?, ?, 'all', 1.0, ?)""",
                [indicator_id, year, str(year), batch],
            )


def test_catalogue_alone_has_none(store: Store) -> None:
    frame = unmapped_indicators(store)
    assert frame.empty
    assert list(frame.columns) == ["id", "title", "source", "rows"]


def test_lists_unmapped_with_their_rows(store: Store, reference: Reference) -> None:
    _add_unmapped(store, "LAIT_B", "Spend on youth justice", [2023, 2024, 2025])
    _add_unmapped(store, "LAIT_A", "Foster places filled", [])
    frame = unmapped_indicators(store)
    assert frame["id"].tolist() == ["LAIT_A", "LAIT_B"]
    assert frame["rows"].tolist() == [0, 3]
    assert frame["title"].tolist() == ["Foster places filled", "Spend on youth justice"]
    assert set(frame["source"]) == {"DfE LAIT"}
    assert not set(frame["id"]) & {i.indicator_id for i in reference.indicators}


# ---------------------------------------------------------------- search_catalogue


@pytest.fixture()
def catalogue() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "indicator_id": ["AE_0_4", "NI101", "NI73"],
            "title": ["A&E attendances, children aged 0-4", "Looked-after children: GCSEs", "KS2 (RWM)"],
            "definition": ["Attendances (0-4) per 1,000", None, "Reading, writing and maths"],
        }
    )


def test_search_matches_code_title_and_definition_ignoring_case(catalogue: pd.DataFrame) -> None:
    assert search_catalogue(catalogue, "ni101")["indicator_id"].tolist() == ["NI101"]
    assert search_catalogue(catalogue, "LOOKED-AFTER")["indicator_id"].tolist() == ["NI101"]
    assert search_catalogue(catalogue, "writing")["indicator_id"].tolist() == ["NI73"]


def test_search_is_literal_not_a_regex(catalogue: pd.DataFrame) -> None:
    assert search_catalogue(catalogue, "A&E")["indicator_id"].tolist() == ["AE_0_4"]
    assert search_catalogue(catalogue, "(0-4)")["indicator_id"].tolist() == ["AE_0_4"]
    assert search_catalogue(catalogue, "(RWM)")["indicator_id"].tolist() == ["NI73"]
    assert search_catalogue(catalogue, ".*").empty


def test_blank_search_keeps_everything(catalogue: pd.DataFrame) -> None:
    assert len(search_catalogue(catalogue, "")) == 3
    assert len(search_catalogue(catalogue, "   ")) == 3
