"""Copying a DuckDB deployment's shared tables into PostgreSQL (``jar migrate-shared``).

Uses the throwaway PostgreSQL cluster of :mod:`tests.test_shared` and the
writable demo copies of :mod:`tests.test_batches` (their fixtures, imported
here; everything skips with the reason when the server cannot start).
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from pathlib import Path

import pytest

from metrics import cli, shared
from metrics.auth import (
    AuthError,
    PermissionDenied,
    User,
    audit_log,
    authenticate,
    create_first_admin,
    create_user,
    operator_user,
    set_role,
)
from metrics.judgements import (
    create_review,
    current_judgements,
    judgement_history,
    record_judgement,
)
from metrics.results import Selection, area_results
from metrics.services import run_import
from metrics.store import Store
from metrics.watchlist import WatchItem, add_items
from tests import test_batches, test_shared

pg_server = test_shared.pg_server
pg_url = test_shared.pg_url
PASSWORD = test_shared.PASSWORD
INSPECTOR_PASSWORD = test_batches.INSPECTOR_PASSWORD
store_path = test_batches.store_path
store = test_batches.store
pg = test_batches.pg
batches = test_batches.batches
Query = test_batches.Query
one_row_fingertips = test_batches.one_row_fingertips


# Moving a DuckDB deployment into PostgreSQL ---------------------------------------------


def _duckdb_deployment(store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Users, reviews, judgements, an import and their audit entries, all in the DuckDB store."""
    monkeypatch.delenv(shared.SHARED_ENV)
    with Store(store_path) as s:
        admin = create_first_admin(s, "ada", PASSWORD)
        create_user(s, admin, "ian", "inspector", INSPECTOR_PASSWORD)
        create_user(s, admin, "vic", "viewer", INSPECTOR_PASSWORD)
        inspector = authenticate(s, "ian", INSPECTOR_PASSWORD)
        review = create_review(s, inspector, "E06000020", 2025)
        record_judgement(s, inspector, review.review_id, "SS", 2, "re-referrals high", ["NI117"])
        record_judgement(s, inspector, review.review_id, "SS", 1, "and rising")
        record_judgement(s, inspector, review.review_id, "BH", 3)
        shown = area_results(s, Selection("E06000020")).dropna(subset=["value"])["indicator_id"].tolist()[:2]
        add_items(s, User("vic", "viewer"), [WatchItem("E06000020", i) for i in shown])
        # The operating-system user, who needs no account: the copy's user count stays three.
        run_import(s, operator_user(), one_row_fingertips(tmp_path / "one.csv", "120"))
    return review.review_id


QUERIES = {
    "app_user": "SELECT username, role, password_hash, active, created_at FROM app_user ORDER BY 1",
    "audit_log": "SELECT audit_id, logged_at, username, action, target, outcome, detail FROM audit_log ORDER BY 1",
    "review": "SELECT review_id, area_code, status, created_by, created_at FROM review ORDER BY 1",
    "judgement": "SELECT judgement_id, review_id, aspect, grade, evidence, indicator_ids, version, supersedes,"
                 " recorded_at FROM judgement ORDER BY 1",
    "watch_item": "SELECT watch_id, username, area_code, indicator_id, client_group_id, benchmark, added_at,"
                  " seen_figure, seen_comparison, seen_band, seen_trend FROM watch_item ORDER BY 1",
}
SAME_IN_BOTH = ("app_user", "review", "judgement", "watch_item")


def _duck_rows(store_path: Path) -> dict[str, list[tuple]]:
    with Store(store_path, read_only=True) as s:
        return {t: [tuple(r) for r in s.cursor().execute(q).fetchall()] for t, q in QUERIES.items()}


def test_migrate_shared_copies_keeps_ids_and_is_idempotent(
    pg_url: str, pg: Query, batches: Callable[..., list[tuple]], store: Store, store_path: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    store.close()
    review_id = _duckdb_deployment(store_path, tmp_path, monkeypatch)
    source = _duck_rows(store_path)
    assert len(source["audit_log"]) >= 8 and len(source["judgement"]) == 3

    assert cli.main(["migrate-shared", "--db", str(store_path), "--to", pg_url, "--dry-run"]) == 0
    assert "would copy app_user 3" in capsys.readouterr().out
    assert pg("SELECT (SELECT count(*) FROM app_user), (SELECT count(*) FROM audit_log)") == [(0, 0)]

    assert cli.main(["migrate-shared", "--db", str(store_path), "--to", pg_url]) == 0
    out = capsys.readouterr().out
    assert "copied app_user 3 (already there 0)" in out and "judgement 3" in out and "watch_item 2" in out
    assert "secret" not in out and pg_url not in out  # the URL's password is never printed
    copied = {t: pg(q) for t, q in QUERIES.items()}
    assert {t: copied[t] for t in SAME_IN_BOTH} == {t: source[t] for t in SAME_IN_BOTH}
    assert copied["audit_log"][:-1] == source["audit_log"]  # same ids, same entries, then the copy's own
    assert copied["audit_log"][-1][2:4] == (f"{getpass.getuser()}@cli", "migrate_shared")
    assert batches("batch_id, recorded_via") == [(1, "migrate"), (2, "migrate")]

    # Twice: nothing copied twice; only the second run's own audit entry is new.
    assert cli.main(["migrate-shared", "--db", str(store_path), "--to", pg_url]) == 0
    assert "copied app_user 0 (already there 3)" in capsys.readouterr().out
    again = {t: pg(q) for t, q in QUERIES.items()}
    assert {t: again[t] for t in SAME_IN_BOTH} == {t: copied[t] for t in SAME_IN_BOTH}
    assert again["audit_log"][:-1] == copied["audit_log"] and len(batches()) == 2

    # The same functions and role checks, now on PostgreSQL: the migrated inspector signs in and records.
    monkeypatch.setenv(shared.SHARED_ENV, pg_url)
    with Store(store_path, read_only=True) as replica:
        inspector = authenticate(replica, "ian", INSPECTOR_PASSWORD)
        assert inspector.role == "inspector"
        with pytest.raises(AuthError):
            authenticate(replica, "ian", "not the password")
        assert record_judgement(replica, inspector, review_id, "SS", 3, "improving") == 3
        viewer = authenticate(replica, "vic", INSPECTOR_PASSWORD)
        with pytest.raises(PermissionDenied):
            record_judgement(replica, viewer, review_id, "SS", 4)
        # The sequences moved past the copied ids: the new version follows on and supersedes the last.
        new = pg("SELECT judgement_id, supersedes FROM judgement WHERE aspect = 'SS' AND version = 3")[0]
        previous = pg("SELECT judgement_id FROM judgement WHERE aspect = 'SS' AND version = 2")[0][0]
        assert new == (max(r[0] for r in source["judgement"]) + 1, previous)
        assert current_judgements(replica, review_id).set_index("aspect").loc["SS", "grade"] == 3
        assert list(judgement_history(replica, review_id)["version"][:1]) == [3]
        log = audit_log(replica, User("ada", "admin"))
        assert log["audit_id"].is_unique and set(log["audit_id"]) >= {r[0] for r in source["audit_log"]}
        assert tuple(log.iloc[0][["username", "action", "outcome"]]) == ("vic", "record_judgement", "refused")


def test_migrate_shared_copies_every_column_the_schemas_share(
    pg_url: str, pg: Query, store: Store, store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The columns come from PostgreSQL's catalogue: one a later migration adds to both is copied too."""
    store.close()
    _duckdb_deployment(store_path, tmp_path, monkeypatch)
    with Store(store_path) as s, s.transaction() as cur:
        cur.execute("ALTER TABLE app_user ADD COLUMN team VARCHAR")
        cur.execute("UPDATE app_user SET team = 'north' WHERE username = 'ian'")
    pg("ALTER TABLE app_user ADD COLUMN team TEXT")
    assert cli.main(["migrate-shared", "--db", str(store_path), "--to", pg_url]) == 0
    assert pg("SELECT username, team FROM app_user ORDER BY 1") == [("ada", None), ("ian", "north"), ("vic", None)]


def test_migrate_shared_refuses_conflicting_rows_and_copies_nothing(
    pg_url: str, pg: Query, store: Store, store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store.close()
    _duckdb_deployment(store_path, tmp_path, monkeypatch)
    monkeypatch.setenv(shared.SHARED_ENV, pg_url)
    assert cli.main(["migrate-shared", "--db", str(store_path)]) == 0  # the target from ECM_SHARED_DB
    capsys.readouterr()
    with Store(store_path, read_only=True) as replica:
        set_role(replica, User("ada", "admin"), "vic", "director")  # changed in PostgreSQL since the copy
    monkeypatch.delenv(shared.SHARED_ENV)
    with Store(store_path) as s:
        create_user(s, User("ada", "admin"), "new", "viewer", INSPECTOR_PASSWORD)  # and DuckDB moved on too
    counts = pg("SELECT (SELECT count(*) FROM app_user), (SELECT count(*) FROM audit_log)")

    assert cli.main(["migrate-shared", "--db", str(store_path), "--to", pg_url]) == 1
    err = capsys.readouterr().err
    assert "app_user username 'vic' differs in role" in err and "Nothing was copied" in err
    assert pg("SELECT (SELECT count(*) FROM app_user), (SELECT count(*) FROM audit_log)") == counts
    assert pg("SELECT role FROM app_user WHERE username = 'vic'") == [("director",)]
    assert pg("SELECT count(*) FROM app_user WHERE username = 'new'") == [(0,)]


def test_migrate_shared_into_a_database_the_app_already_wrote_is_refused(
    pg_url: str, pg: Query, batches: Callable[..., list[tuple]], store: Store, store_path: Path,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    store.close()
    _duckdb_deployment(store_path, tmp_path, monkeypatch)
    monkeypatch.setenv(shared.SHARED_ENV, pg_url)
    with Store(store_path, read_only=True) as replica, pytest.raises(AuthError):
        authenticate(replica, "ian", INSPECTOR_PASSWORD)  # not there yet; the attempt is audit entry 1
    assert cli.main(["migrate-shared", "--db", str(store_path)]) == 1
    err = capsys.readouterr().err
    assert "audit_log audit_id 1 differs" in err and "a database the app has not written to yet" in err
    assert pg("SELECT count(*) FROM app_user") == [(0,)] and batches() == []
