"""Shared writes in PostgreSQL: the same users, roles, audit log and judgements, many writers.

A throwaway PostgreSQL cluster from Debian's packages is started on loopback for
this module (initdb into a temporary folder, a free port, password auth) and
stopped at the end; each test gets a database of its own. The DuckDB store is
a copy of the demo opened *read-only*, as an app replica's would be: every write
here goes to PostgreSQL, and the DuckDB file must stay untouched.

The module doubles as the worker for the concurrency test
(``python -m tests.test_shared worker ...``): two separate OS processes record
judgements on one review at the same moment.
"""

from __future__ import annotations

import glob
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from metrics import shared
from metrics.auth import (
    PERMISSIONS,
    ROLES,
    AuthError,
    PermissionDenied,
    User,
    audit_log,
    authenticate,
    authorise,
    create_first_admin,
    create_user,
    list_users,
    set_active,
    set_role,
)
from metrics.framework import REPO_ROOT
from metrics.judgements import (
    ReviewLocked,
    aspects,
    create_review,
    current_judgements,
    grade_counts,
    judgement_history,
    judgements_across_areas,
    judgements_with_data,
    list_reviews,
    record_judgement,
    submit_review,
)
from metrics.store import Store
from tests.support.accounts import add_account

PASSWORD = "correct horse battery"
INSPECTOR = User("ian", "inspector")
PER_PROCESS = 50


# A throwaway cluster ------------------------------------------------------------------


@dataclass
class PgServer:
    bindir: Path
    folder: Path
    port: int
    password: str

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://ecm:{self.password}@127.0.0.1:{self.port}/{database}"


def _pg_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user() -> list[str]:
    """initdb refuses to run as root: run the server as Debian's ``postgres`` user then."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        pytest.skip("PostgreSQL cannot run as root and runuser (util-linux) is missing")
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("PostgreSQL cannot run as root and there is no 'postgres' user (apt-get install postgresql)")
    return [runuser, "-u", "postgres", "--"]


@pytest.fixture(scope="module")
def pg_server() -> Iterator[PgServer]:
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found (make test installs Debian's postgresql package)")
    pytest.importorskip("psycopg", reason="psycopg not installed (pip install -e '.[test]')")
    prefix = _as_server_user()
    folder = Path(tempfile.mkdtemp(prefix="ecm-pg-"))  # short: the socket path is limited to ~100 bytes
    password = secrets.token_urlsafe(16)
    (folder / "pw").write_text(password + "\n")
    if prefix:
        shutil.chown(folder, "postgres")
        shutil.chown(folder / "pw", "postgres")
    init = subprocess.run(
        [*prefix, str(bindir / "initdb"), "-D", str(folder / "data"), "-U", "ecm", "-E", "UTF8",
         "--auth=scram-sha-256", f"--pwfile={folder / 'pw'}", "-N"],
        capture_output=True, text=True, timeout=120,
    )
    if init.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"initdb could not run here: {init.stderr.strip()[-500:]}")
    server = None
    for _ in range(3):  # the free port may be taken between choosing and binding
        port = _free_port()
        start = subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(folder / "data"), "-l", str(folder / "log"), "-w",
             "-t", "60", "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off", "start"],
            capture_output=True, text=True, timeout=120,
        )
        if start.returncode == 0:
            server = PgServer(bindir, folder, port, password)
            break
    if server is None:
        log = (folder / "log").read_text(errors="replace")[-800:] if (folder / "log").exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"the PostgreSQL server would not start on loopback: {log}")
    try:
        yield server
    finally:
        shared.close_all()
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(folder / "data"), "-m", "fast", "-w", "stop"],
                       capture_output=True, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture()
def pg_url(pg_server: PgServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh database for one test, named by ``ECM_SHARED_DB`` as an operator would."""
    import psycopg
    from psycopg import sql

    name = f"ecm_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server.url(), autocommit=True) as con:
        con.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = pg_server.url(name)
    monkeypatch.setenv(shared.SHARED_ENV, url)
    yield url
    shared.close_all()


@pytest.fixture(scope="module")
def replica_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("pg-replica") / "store.duckdb"
    shutil.copy(demo_db, copy)
    return copy


@pytest.fixture()
def store(replica_db: Path) -> Iterator[Store]:
    """The DuckDB store read-only, as a replica has it; afterwards its own shared tables are still empty."""
    s = Store(replica_db, read_only=True)
    yield s
    for table in shared.SHARED_TABLES:
        assert s.scalar(f"SELECT count(*) FROM {table}") == 0, f"{table} was written in DuckDB"
    s.close()


def pg_rows(sql_text: str, params: list | None = None, url: str | None = None) -> list[tuple]:
    """Run SQL directly on ``url`` (default: the database ``ECM_SHARED_DB`` names now); its rows, if any."""
    import psycopg

    with psycopg.connect(url or os.environ[shared.SHARED_ENV], autocommit=True) as con:
        shared.migrate_pg(con)  # a test that wrote nothing has not created the tables yet
        cur = con.execute(sql_text, params or [])
        return [tuple(r) for r in cur.fetchall()] if cur.description else []


def _log() -> list[tuple]:
    return pg_rows("SELECT username, action, outcome FROM audit_log ORDER BY audit_id")


@pytest.fixture()
def inspectors(pg_url: str, store: Store) -> None:
    """ian and ivy hold inspector accounts in PostgreSQL: authorise reads them there on every write."""
    add_account(store, "ian", "inspector")
    add_account(store, "ivy", "inspector")


# The schema ----------------------------------------------------------------------------


def test_schema_is_created_once_and_the_backend_is_postgres(pg_url: str, store: Store) -> None:
    backend = shared.shared_for(store)
    assert backend.kind == "postgresql" and backend.writable and shared.writes_enabled(store)
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as con:
        assert shared.migrate_pg(con) == 5  # again: nothing to do
    assert pg_rows("SELECT version, name FROM schema_version ORDER BY version") == [
        (1, "001_shared.sql"), (2, "002_import_batch.sql"), (3, "003_audit_append_only.sql"),
        (4, "004_import_batch_fetch.sql"), (5, "005_watchlist.sql")]
    tables = {r[0] for r in pg_rows("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")}
    assert {"app_user", "audit_log", "review", "judgement", "watch_item", "import_batch"} <= tables
    # The five moved here, a review before its judgements (the copy's order); batches stay DuckDB's.
    assert shared.SHARED_TABLES == ("app_user", "audit_log", "review", "judgement", "watch_item")


@pytest.mark.parametrize("change", [
    "UPDATE audit_log SET outcome = 'ok' WHERE outcome = 'refused'",
    "UPDATE audit_log SET detail = NULL",
    "DELETE FROM audit_log WHERE username = 'val'",
    "DELETE FROM audit_log",
    "TRUNCATE audit_log",
])
def test_the_audit_log_refuses_changes_and_deletions(pg_url: str, store: Store, change: str) -> None:
    """Append-only by the database's own rule, not by convention: even direct SQL cannot rewrite it."""
    import psycopg

    with pytest.raises(PermissionDenied):
        authorise(store, add_account(store, "val", "viewer"), "import_data")  # one refused entry
    before = pg_rows("SELECT * FROM audit_log ORDER BY audit_id")
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        pg_rows(change)
    assert pg_rows("SELECT * FROM audit_log ORDER BY audit_id") == before
    # Adding stays possible: the next action is recorded as ever.
    with pytest.raises(PermissionDenied):
        authorise(store, User("val", "viewer"), "import_data")
    assert len(pg_rows("SELECT * FROM audit_log")) == len(before) + 1


def test_without_the_variable_the_duckdb_store_holds_them(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(shared.SHARED_ENV, raising=False)
    backend = shared.shared_for(store)
    assert backend.kind == "duckdb" and not backend.writable  # read-only replica: no writes at all


# Roles, users and the audit log --------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(PERMISSIONS))
def test_role_matrix(pg_url: str, store: Store, role: str, action: str) -> None:
    user = add_account(store, "u", role)
    allowed = {
        ("analyst", "import_data"), ("analyst", "rollback_import"), ("analyst", "publish_data"),
        ("inspector", "record_judgement"), ("inspector", "submit_review"),
        ("admin", "manage_users"), ("admin", "view_audit"),
        # Each user's own watchlist: any signed-in role.
        *{(r, "keep_watchlist") for r in ("viewer", "inspector", "director", "analyst", "admin")},
    }
    if (role, action) in allowed:
        authorise(store, user, action)
        assert _log() == []
    else:
        with pytest.raises(PermissionDenied, match=action.replace("_", " ")):
            authorise(store, user, action)
        assert _log() == [("u", action, "refused")]


def test_users_logins_and_the_audit_log(pg_url: str, store: Store) -> None:
    admin = create_first_admin(store, "ada", PASSWORD)
    with pytest.raises(PermissionDenied):
        create_first_admin(store, "eve", PASSWORD)
    create_user(store, admin, "ian", "inspector", "another long secret")
    create_user(store, admin, "ivy", "inspector", "another long secret")
    with pytest.raises(ValueError, match="already exists"):
        create_user(store, admin, "ivy", "viewer", PASSWORD)
    hashes = dict(pg_rows("SELECT username, password_hash FROM app_user"))
    assert all(h.startswith("$argon2id$") for h in hashes.values()) and hashes["ian"] != hashes["ivy"]
    assert "password_hash" not in list_users(store).columns
    assert list(list_users(store)["username"]) == ["ada", "ian", "ivy"]

    assert authenticate(store, "ian", "another long secret") == User("ian", "inspector", "ian")
    with pytest.raises(AuthError):
        authenticate(store, "ian", "wrong password!")
    set_active(store, admin, "ian", False)
    with pytest.raises(AuthError):
        authenticate(store, "ian", "another long secret")
    analyst = create_user(store, admin, "ann", "analyst", "yet another secret")
    with pytest.raises(PermissionDenied):
        set_role(store, analyst, "ann", "admin")
    set_role(store, admin, "ann", "director")
    assert list_users(store).set_index("username").loc["ann", "role"] == "director"

    log = audit_log(store, admin)
    assert list(log["action"])[:2] == ["set_role", "manage_users"]
    assert '"to": "director"' in log.iloc[0]["detail"]
    assert [r for r in _log() if r[1] == "login"] == [
        ("ian", "login", "ok"), ("ian", "login", "refused"), ("ian", "login", "refused")]
    assert len(audit_log(store, admin, limit=3)) == 3
    with pytest.raises(PermissionDenied):
        audit_log(store, User("vic", "director"))


def test_one_clients_failures_are_counted_from_postgres(pg_url: str, store: Store) -> None:
    """Replicas share PostgreSQL's audit log: a client's guesses add up across processes."""
    from metrics import auth
    from metrics.throttle import CLIENT_POLICY

    admin = create_first_admin(store, "ada", PASSWORD)
    create_user(store, admin, "ian", "inspector", "another long secret")
    for i in range(CLIENT_POLICY.free):
        auth.failures.reset()  # each guess reaches a fresh process
        with pytest.raises(AuthError, match="sign-in failed"):
            authenticate(store, f"guess_{i}", "wrong password!", client="203.0.113.9")
    auth.failures.reset()
    with pytest.raises(AuthError, match="try again"):
        authenticate(store, "ian", "another long secret", client="203.0.113.9")
    assert authenticate(store, "ian", "another long secret", client="203.0.113.90").username == "ian"


def test_a_refused_import_is_audited_in_postgres(pg_url: str, store: Store, tmp_path: Path) -> None:
    from metrics.services import run_import

    val = add_account(store, "val", "viewer")
    with pytest.raises(PermissionDenied):
        run_import(store, val, tmp_path / "anything.csv")
    assert _log() == [("val", "import_data", "refused")]


# Judgements ----------------------------------------------------------------------------


def _grade_all(store: Store, review_id: str, grade: int = 3) -> None:
    for aspect in aspects(store):
        record_judgement(store, INSPECTOR, review_id, aspect, grade, f"evidence for {aspect}")


@pytest.mark.parametrize("role", ["viewer", "director", "analyst", "admin"])
def test_only_inspectors_write_judgements(pg_url: str, store: Store, inspectors: None, role: str) -> None:
    review = create_review(store, INSPECTOR, "E06000020", 2025)
    other = add_account(store, "someone", role)
    with pytest.raises(PermissionDenied):
        create_review(store, other, "E06000020", 2025)
    with pytest.raises(PermissionDenied):
        record_judgement(store, other, review.review_id, "SS", 2)
    with pytest.raises(PermissionDenied):
        submit_review(store, other, review.review_id)
    assert pg_rows("SELECT count(*) FROM judgement") == [(0,)]
    assert pg_rows("SELECT count(*) FROM review") == [(1,)]
    assert [r for r in _log() if r[2] == "refused"] == [
        ("someone", "record_judgement", "refused"), ("someone", "record_judgement", "refused"),
        ("someone", "submit_review", "refused")]


def test_versions_history_and_reviews_list(pg_url: str, store: Store, inspectors: None) -> None:
    review = create_review(store, INSPECTOR, "E06000020", 2025)
    assert review.review_id == "E06000020-2025-1"
    assert create_review(store, INSPECTOR, "E06000020", 2025).review_id == "E06000020-2025-2"
    assert record_judgement(store, INSPECTOR, review.review_id, "SS", 2, "re-referrals high", ["NI117"]) == 1
    assert record_judgement(store, User("ivy", "inspector"), review.review_id, "SS", 1, "and rising") == 2
    assert record_judgement(store, INSPECTOR, review.review_id, "BH", 3) == 1
    current = current_judgements(store, review.review_id)
    assert list(current["aspect"]) == ["BH", "SS"]  # framework order, as in DuckDB
    current = current.set_index("aspect")
    assert current.loc["SS", "grade"] == 1 and current.loc["SS", "recorded_by"] == "ivy"
    assert current.loc["SS", "grade_name"] == "Inadequate" and current.loc["SS", "aspect_name"] == "Stay safe"
    history = judgement_history(store, review.review_id)
    assert history[history["aspect"] == "SS"][["version", "grade", "recorded_by"]].values.tolist() == [
        [2, 1, "ivy"], [1, 2, "ian"]]
    assert list(history[history["aspect"] == "SS"].iloc[1]["indicator_ids"]) == ["NI117"]
    audit = pg_rows("SELECT detail FROM audit_log WHERE action = 'record_judgement' ORDER BY audit_id")
    assert len(audit) == 3 and '"previous_grade": 2' in audit[1][0]
    reviews = list_reviews(store, "E06000020")
    assert set(reviews["review_id"]) == {"E06000020-2025-1", "E06000020-2025-2"}
    assert set(reviews["area_name"]) == {"Telford and Wrekin"}
    assert len(list_reviews(store)) == 2


def test_submitted_review_is_locked(pg_url: str, store: Store, inspectors: None) -> None:
    review = create_review(store, INSPECTOR, "E06000020", 2025)
    record_judgement(store, INSPECTOR, review.review_id, "SS", 2)
    with pytest.raises(ValueError, match="no grade yet for Be healthy"):
        submit_review(store, INSPECTOR, review.review_id)
    _grade_all(store, review.review_id)
    submit_review(store, INSPECTOR, review.review_id)
    before = pg_rows("SELECT count(*) FROM judgement")
    with pytest.raises(ReviewLocked):
        record_judgement(store, INSPECTOR, review.review_id, "SS", 4)
    with pytest.raises(ReviewLocked):
        submit_review(store, INSPECTOR, review.review_id)
    assert pg_rows("SELECT count(*) FROM judgement") == before
    assert pg_rows("SELECT status, submitted_by FROM review") == [("submitted", "ian")]


def test_grade_counts_and_grades_beside_the_data(pg_url: str, store: Store, inspectors: None) -> None:
    from metrics.results import Selection, area_results
    from metrics.scorecard import outcome_scorecard

    for area, grade in (("E06000020", 1), ("E06000043", 3), ("E10000032", 1)):
        review = create_review(store, INSPECTOR, area, 2025)
        _grade_all(store, review.review_id, grade)
        submit_review(store, INSPECTOR, review.review_id)
    draft = create_review(store, INSPECTOR, "E06000001", 2025)
    _grade_all(store, draft.review_id, 4)  # drafts do not count
    frame = judgements_across_areas(store, 2025)
    assert frame["area_code"].nunique() == 3 and len(frame) == 3 * len(aspects(store))
    assert judgements_across_areas(store, 2024).empty
    assert len(judgements_across_areas(store)) == len(frame)
    counts = grade_counts(store, 2025).set_index("Aspect")
    assert counts.loc["Stay safe", "Inadequate"] == 2
    assert counts.loc["Stay safe", "Good"] == 1
    assert counts.loc["Stay safe", "Outstanding"] == 0
    beside = judgements_with_data(store, "SS", 2025)
    assert set(beside["area_code"][:2]) == {"E06000020", "E10000032"}  # inadequate first
    assert beside["area_code"].tolist()[2:] == ["E06000043"]
    card = outcome_scorecard(area_results(store, Selection("E06000020", "england", 2025))).set_index("outcome_id")
    row = beside.set_index("area_code").loc["E06000020"]
    assert row[["better", "similar", "worse"]].tolist() == card.loc["SS", ["better", "similar", "worse"]].tolist()


# Two app processes at once -------------------------------------------------------------


def test_two_processes_record_judgements_at_once(pg_url: str, store: Store, inspectors: None, replica_db: Path,
                                                 tmp_path: Path) -> None:
    review = create_review(store, INSPECTOR, "E06000020", 2025)
    names = list(aspects(store))
    env = {**os.environ, shared.SHARED_ENV: pg_url}
    go = tmp_path / "go"
    workers = []
    for who in ("ian", "ivy"):
        cmd = [sys.executable, "-m", "tests.test_shared", "worker", str(replica_db), review.review_id, who,
               str(PER_PROCESS), str(tmp_path / f"{who}.ready"), str(go)]
        workers.append(subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True))
    deadline = time.monotonic() + 40
    while not all((tmp_path / f"{w}.ready").exists() for w in ("ian", "ivy")):
        if time.monotonic() > deadline or any(p.poll() is not None for p in workers):
            for p in workers:
                p.kill()
            pytest.fail("workers did not get ready: " + " | ".join(p.communicate()[1][-800:] for p in workers))
        time.sleep(0.02)
    go.touch()  # both start writing at the same moment
    results = {}
    for who, p in zip(("ian", "ivy"), workers, strict=True):
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err[-2000:]
        results[who] = json.loads(out.strip().splitlines()[-1])

    # Both ran the first-run admin command at once: exactly one of them won.
    assert sorted(r["first_admin"] for r in results.values()) == [False, True]
    assert pg_rows("SELECT count(*) FROM app_user WHERE role = 'admin'") == [(1,)]
    # Both opened a review of the same area and year at once: two numbers, neither lost.
    assert sorted(r["review"] for r in results.values()) == ["E06000043-2025-1", "E06000043-2025-2"]
    rows = pg_rows("SELECT judgement_id, aspect, version, supersedes, recorded_by FROM judgement"
               " WHERE review_id = %s ORDER BY aspect, version", [review.review_id])
    assert len(rows) == 2 * PER_PROCESS  # nothing lost
    for aspect in names:
        chain = [r for r in rows if r[1] == aspect]
        expected = sum(1 for i in range(PER_PROCESS) if names[i % len(names)] == aspect) * 2
        assert [r[2] for r in chain] == list(range(1, expected + 1)), aspect  # consecutive versions
        assert [r[3] for r in chain] == [None] + [r[0] for r in chain[:-1]], aspect  # each supersedes the last
        mine = sorted(v for w in results.values() for a, v in w["versions"] if a == aspect)
        assert mine == list(range(1, expected + 1))  # the versions each process was told are the stored ones
    audit = pg_rows("SELECT username, count(*) FROM audit_log WHERE action = 'record_judgement' AND target = %s"
                " GROUP BY username ORDER BY username", [review.review_id])
    assert audit == [("ian", PER_PROCESS), ("ivy", PER_PROCESS)]  # the audit is complete
    assert pg_rows("SELECT count(*) FROM audit_log WHERE action = 'create_review'") == [(3,)]
    assert len(current_judgements(store, review.review_id)) == len(names)


def test_threads_that_come_and_go_share_a_small_pool(pg_url: str, store: Store, inspectors: None) -> None:
    """Streamlit reruns on fresh threads: connections must be reused, not left open per thread."""
    review = create_review(store, INSPECTOR, "E06000020", 2025)
    errors: list[BaseException] = []

    def save(i: int) -> None:
        try:
            record_judgement(store, INSPECTOR, review.review_id, "SS", 1 + i % 4, f"thread {i}")
        except BaseException as exc:  # reported below; a thread's exception is otherwise lost
            errors.append(exc)

    for batch in range(4):
        threads = [threading.Thread(target=save, args=(batch * 10 + i,)) for i in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    versions = pg_rows("SELECT version FROM judgement WHERE review_id = %s ORDER BY version", [review.review_id])
    assert [v for (v,) in versions] == list(range(1, 41))
    open_connections = pg_rows("SELECT count(*) FROM pg_stat_activity"
                           " WHERE datname = current_database() AND pid <> pg_backend_pid()")[0][0]
    assert open_connections <= shared.PgShared.max_idle


def _worker(db: str, review_id: str, username: str, n: str, ready: str, go: str) -> None:
    """One app process: a read-only replica store, judgements written to ``ECM_SHARED_DB``."""
    store = Store(db, read_only=True)
    user = User(username, "inspector")
    names = list(aspects(store))
    shared.shared_for(store)  # connect and check the schema before the start line
    Path(ready).touch()
    deadline = time.monotonic() + 40
    while not Path(go).exists():
        if time.monotonic() > deadline:
            raise SystemExit("no start signal")
        time.sleep(0.005)
    try:
        create_first_admin(store, f"{username}-admin", PASSWORD)
        first_admin = True
    except PermissionDenied:
        first_admin = False
    other = create_review(store, user, "E06000043", 2025)
    versions = []
    for i in range(int(n)):
        aspect = names[i % len(names)]
        versions.append((aspect, record_judgement(store, user, review_id, aspect, 1 + i % 4, f"{username} {i}")))
    print(json.dumps({"review": other.review_id, "versions": versions, "first_admin": first_admin}))


if __name__ == "__main__" and len(sys.argv) == 8 and sys.argv[1] == "worker":
    _worker(*sys.argv[2:])


# The watchlist ---------------------------------------------------------------------------


def test_watchlists_live_in_postgres_for_a_read_only_replica(pg_url: str, store: Store) -> None:
    """A replica cannot write its DuckDB file, yet users keep their watchlists (the fixture checks
    DuckDB's watch_item stays empty); each change is audited in PostgreSQL."""
    from metrics.results import Selection, area_results
    from metrics.watchlist import WatchItem, add_items, mark_seen, remove_items, watchlist

    dora = add_account(store, "dora", "director")
    shown = area_results(store, Selection("E06000020")).dropna(subset=["value"])["indicator_id"].tolist()[:2]
    ids = add_items(store, dora, [WatchItem("E06000020", i) for i in shown])
    assert [r[0] for r in pg_rows("SELECT indicator_id FROM watch_item WHERE username = 'dora' ORDER BY watch_id")] == shown
    items = watchlist(store, dora)
    assert items["indicator_id"].tolist() == shown and not items["changed"].any()
    assert mark_seen(store, dora) == 0
    assert remove_items(store, dora, ids[:1]) == 1
    assert [r for r in _log() if r[1].startswith("watch")] == [("dora", "watch_add", "ok"),
                                                               ("dora", "watch_remove", "ok")]
