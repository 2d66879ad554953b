"""``ecm_observation``, the rows pages read, never drifts from the observations.

It is a derived table (migration 005) rebuilt inside every transaction that
changes observations: these tests change the store each way the project can
(demo build, import of new and replacing rows, a failed import, a rollback, an
older store opened for the first time) and check the derived rows are exactly
what the defining view gives, in the storage order pages rely on.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from metrics.derived import ECM_OBSERVATION_ORDER, SECONDARY_NOTE
from metrics.io.core import rollback_batch, store_checksum
from metrics.io.faults import ImportFailed
from metrics.store import SCHEMA_VERSION, Store, duplicate_keys
from tests.io.conftest import import_file, row, write_fingertips


def _in_step(store: Store) -> None:
    assert duplicate_keys(store) == 0  # the key observation keeps without an index
    cur = store.cursor()
    # Every column but the suppression flag and note, which clusters' complements change.
    cols = "* EXCLUDE (suppressed, note)"
    only_derived, only_source, total = cur.execute(
        f"""
        SELECT (SELECT count(*) FROM (SELECT {cols} FROM ecm_observation
                                      EXCEPT ALL SELECT {cols} FROM ecm_observation_source)),
               (SELECT count(*) FROM (SELECT {cols} FROM ecm_observation_source
                                      EXCEPT ALL SELECT {cols} FROM ecm_observation)),
               (SELECT count(*) FROM ecm_observation)
        """
    ).fetchone()
    assert (only_derived, only_source) == (0, 0)
    assert total > 0
    changed = cur.execute(
        """
        SELECT h.reason, d.suppressed, d.note, s.suppressed
        FROM ecm_observation d JOIN ecm_observation_source s
          USING (indicator_id, area_code, period_year, client_group_id, sex, category)
        LEFT JOIN observation_hidden h
          USING (indicator_id, area_code, period_year, client_group_id, sex, category)
        WHERE d.suppressed IS DISTINCT FROM s.suppressed OR d.note IS DISTINCT FROM s.note
        """
    ).fetchall()
    # Only the store's disclosure control: hidden, and a secondary cell saying why.
    assert all(reason is not None and sup and not was and (reason == "primary" or note == SECONDARY_NOTE)
               for reason, sup, note, was in changed)
    unmarked = cur.execute(
        """SELECT count(*) FROM ecm_observation d JOIN observation_hidden h
             USING (indicator_id, area_code, period_year, client_group_id, sex, category)
           WHERE NOT d.suppressed"""
    ).fetchone()[0]
    assert unmarked == 0  # every cell the store hides is hidden on pages
    order = ", ".join(ECM_OBSERVATION_ORDER)
    unordered = cur.execute(
        f"""SELECT count(*) FROM (
                SELECT ({order}) < lag(({order})) OVER (ORDER BY rowid) AS back FROM ecm_observation
            ) WHERE back"""
    ).fetchone()[0]
    assert unordered == 0, "ecm_observation is not stored in page order"


def test_demo_store_holds_exactly_the_page_rows(demo_store: Store) -> None:
    _in_step(demo_store)
    n, persons = demo_store.cursor().execute(
        """SELECT (SELECT count(*) FROM ecm_observation),
                  (SELECT count(*) FROM observation WHERE sex = 'persons' AND category = '')"""
    ).fetchone()
    assert n == persons  # every demo indicator is mapped
    assert demo_store.scalar("SELECT count(*) FROM observation") > 2 * n  # boys' and girls' rows stay out


def test_import_new_and_replacing_rows_then_rollback(store: Store, tmp_path: Path) -> None:
    before = store.df("SELECT * FROM ecm_observation ORDER BY ALL")
    path = write_fingertips(tmp_path / "ft.csv", [
        row(),  # replaces the demo's Hartlepool 2023/24 value
        row(**{"Area Code": "E06000002", "Time period": "2012/13"}),  # a year the demo lacks: new
        row(Sex="Male", Count="120", Denominator="9300", Value="129.0",
            **{"Lower CI 95.0 limit": "107.0", "Upper CI 95.0 limit": "154.0",
               "Lower CI 99.8 limit": "97.0", "Upper CI 99.8 limit": "168.0"}),  # not a page row
    ])
    result = import_file(store, path)
    assert result.new + result.replaced == 3
    _in_step(store)
    value = store.scalar(
        """SELECT value FROM ecm_observation WHERE indicator_id = 'NI70' AND area_code = 'E06000001'
           AND period_year = 2024 AND client_group_id = 'all'"""
    )
    assert value == pytest.approx(120.5)
    assert store.scalar("SELECT count(*) FROM ecm_observation WHERE period_year = 2013") == 1
    rollback_batch(store, int(result.batch_id))  # type: ignore[arg-type]
    _in_step(store)
    after = store.df("SELECT * FROM ecm_observation ORDER BY ALL")
    assert after.drop(columns="batch_id").equals(before.drop(columns="batch_id"))


def test_failed_import_leaves_derived_rows_alone(store: Store, tmp_path: Path) -> None:
    before = store_checksum(store)
    assert "ecm_observation" in before
    path = write_fingertips(tmp_path / "bad.csv", [row(), row(Count="-4")])
    with pytest.raises(ImportFailed):
        import_file(store, path)
    assert store_checksum(store) == before


def test_older_store_gains_the_table_when_opened(demo_db: Path, tmp_path: Path) -> None:
    old = tmp_path / "v4.duckdb"
    shutil.copyfile(demo_db, old)
    with duckdb.connect(str(old)) as con:  # undo migrations 005 and 006: a store from before them
        expected = con.execute("SELECT * FROM ecm_position ORDER BY ALL").df()
        con.execute("DROP TABLE ecm_position")
        con.execute("DROP TABLE ecm_national")
        con.execute("DROP TABLE ecm_observation")
        con.execute("DROP VIEW ecm_observation_source")
        con.execute("DELETE FROM schema_version WHERE version >= 5")
    with Store(old, read_only=True) as s:  # a page view upgrades it before reading
        assert s.scalar("SELECT max(version) FROM schema_version") == SCHEMA_VERSION
        _in_step(s)
        assert s.df("SELECT * FROM ecm_position ORDER BY ALL").equals(expected)
