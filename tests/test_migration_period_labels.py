"""Migration 011: a store written before imports relabelled periods gets one label per indicator-year."""

from __future__ import annotations

from pathlib import Path

import duckdb

from metrics.framework import Reference
from metrics.periods import period_label
from metrics.store import Store, load_reference_tables, migrate

INSERT = "INSERT INTO observation VALUES (" + ", ".join(["?"] * 17) + ")"
HISTORY = "INSERT INTO observation_history BY NAME SELECT * REPLACE (? AS period_label), ? AS superseded_by FROM observation LIMIT 1"

# (indicator, area, year, label as an older import stored it); NI70 is financial,
# NI73 academic, NI117 calendar in data/reference/indicators.csv.
OLD_ROWS = [
    ("NI70", "E06000020", 2024, "2023/24"),   # Fingertips' spelling of a financial year
    ("NI70", "E06000021", 2024, "2023-24"),   # already canonical
    ("NI70", "E06000022", 2024, "202324"),
    ("NI73", "E06000020", 2024, "2023-24"),   # LAIT's spelling of an academic year
    ("NI117", "E06000020", 2024, "2023-24"),  # LAIT's financial type for a calendar series
]
POOLED = [  # three-year ranges stay as published
    ("NI70", "E06000020", 2019, "2017 - 19"),
    ("NI70", "E06000021", 2019, "2017-19"),
]


def _old_store(path: Path, reference: Reference) -> None:
    """A store as release 10 of the schema left it, holding the labels each file used."""
    with duckdb.connect(str(path)) as con:
        assert migrate(con, upto=10) == 10
        con.execute("BEGIN TRANSACTION")
        load_reference_tables(con, reference)
        con.execute("INSERT INTO import_batch (batch_id, source_file, format, imported_by) VALUES (1, 'old.csv', 'test', 'tester')")
        for iid, area, year, label in OLD_ROWS + POOLED:
            con.execute(INSERT, [iid, area, year, label, "all", "persons", "", 5, 100, 5.0,
                                 None, None, None, None, False, None, 1])
        con.execute(HISTORY, ["2023/24", 1])
        con.execute("COMMIT")


def test_migration_gives_each_single_period_its_types_label(tmp_path: Path, reference: Reference) -> None:
    path = tmp_path / "old.duckdb"
    _old_store(path, reference)
    types = {i.indicator_id: i.period_type for i in reference.indicators}
    with Store(path, read_only=True) as s:  # read-only opening upgrades an older store first
        rows = s.df("SELECT indicator_id, area_code, period_year, period_label FROM observation")
        shown = s.df("SELECT DISTINCT indicator_id, period_year, period_label FROM ecm_observation")
        history = s.df("SELECT indicator_id, period_year, period_label FROM observation_history")
    got = {(r.indicator_id, r.area_code, r.period_year): r.period_label for r in rows.itertuples()}
    for iid, area, year, label in OLD_ROWS:
        assert got[(iid, area, year)] == period_label(year, types[iid]), (iid, area, year, label)
    for iid, area, year, label in POOLED:
        assert got[(iid, area, year)] == label
    assert got[("NI70", "E06000020", 2024)] == "2023-24"
    assert got[("NI73", "E06000020", 2024)] == "2023/24"
    assert got[("NI117", "E06000020", 2024)] == "2024"
    singles = shown[shown["period_year"] == 2024]
    assert (singles.groupby(["indicator_id", "period_year"])["period_label"].nunique() == 1).all()
    assert set(history["period_label"]) == {period_label(int(history["period_year"].iloc[0]),
                                                         types[history["indicator_id"].iloc[0]])}


def test_migration_leaves_a_current_store_alone(tmp_path: Path, reference: Reference) -> None:
    path = tmp_path / "new.duckdb"
    _old_store(path, reference)
    with Store(path):
        pass
    with duckdb.connect(str(path)) as con:
        before = con.execute("SELECT * FROM observation ORDER BY ALL").fetchall()
    with Store(path):
        pass
    with duckdb.connect(str(path)) as con:
        assert con.execute("SELECT * FROM observation ORDER BY ALL").fetchall() == before
