"""``jar fetch`` with the team's history in PostgreSQL: the fetched batch's origin reaches it too."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from metrics.auth import operator_user
from metrics.batches import batch_history
from metrics.fetch import BACKOFF_ENV, EES_ENV, FINGERTIPS_ENV, fetch
from metrics.store import Store
from tests import test_shared
from tests.support.fetch_server import FakeApi, serve
from tests.test_fetch import FT_CSV, SERIES, recorded

# The throwaway server and the per-test database (with ECM_SHARED_DB set) of tests/test_shared.py.
pg_server = test_shared.pg_server
pg_url = test_shared.pg_url


@pytest.fixture()
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApi]:
    with serve(recorded(FakeApi())) as running:
        monkeypatch.setenv(FINGERTIPS_ENV, running.base("fingertips/api"))
        monkeypatch.setenv(EES_ENV, running.base("ees/v1"))
        monkeypatch.setenv(BACKOFF_ENV, "0.01")
        yield running


def test_the_team_history_shows_where_a_fetched_batch_came_from(
        pg_url: str, api: FakeApi, empty_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "store.duckdb"
    shutil.copy(empty_db, copy)
    with Store(copy) as store:
        report = fetch(store, operator_user(), "fingertips", series_file=SERIES)
        assert report.outcomes[0].status == "imported"
        history = batch_history(store)
    fetched = history[history["fetch_series"].notna()]
    assert len(fetched) == 1 and bool(fetched["synced"].iloc[0])
    assert fetched["source_url"].iloc[0].endswith(FT_CSV.removeprefix("/fingertips/api/"))
    rows = test_shared.pg_rows("SELECT fetch_series, source_url, fetched_at FROM import_batch"
                             " WHERE fetch_series IS NOT NULL", url=pg_url)
    assert len(rows) == 1 and rows[0][0] == "fingertips_injury_0_14" and rows[0][2] is not None
