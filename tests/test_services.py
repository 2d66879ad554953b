"""Every write goes through one door that reads the acting account from the store.

The auth matrix: an account that once held the right role, then was disabled,
demoted or never existed, tries every write path (import, rollback, neighbours,
publish, users, judgements). Each is refused by the library, changes nothing
but the audit log, and is on record there.
"""

from __future__ import annotations

import ast
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from metrics.auth import (
    OPERATOR_SOURCE,
    PermissionDenied,
    User,
    authorise,
    create_user,
    current_account,
    operator_user,
    set_active,
    set_role,
)
from metrics.framework import REPO_ROOT
from metrics.io.core import store_checksum
from metrics.judgements import create_review, record_judgement, submit_review
from metrics.services import run_import, run_neighbours_import, run_publish, run_rollback
from metrics.store import Store
from tests.support.accounts import add_account

PASSWORD = "a sound long passphrase"


@pytest.fixture()
def db(demo_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "store.duckdb"
    shutil.copy(demo_db, copy)
    with Store(copy) as s:
        add_account(s, "ian", "inspector")  # opens the review the judgement paths act on
        create_review(s, User("ian", "inspector"), "E06000020", 2025)
    return copy


@pytest.fixture()
def store(db: Path) -> Iterator[Store]:
    s = Store(db)
    yield s
    s.close()


# (write path, the role it needs, the call); each call acts as ``user`` on ``store``.
Write = Callable[[Store, User, Path], object]
PATHS: dict[str, tuple[str, Write]] = {
    "import": ("analyst", lambda s, u, tmp: run_import(s, u, tmp / "any.csv")),
    "rollback": ("analyst", lambda s, u, tmp: run_rollback(s, u, 1)),
    "neighbours": ("analyst", lambda s, u, tmp: run_neighbours_import(s, u, tmp / "sn.xlsx")),
    "create user": ("admin", lambda s, u, tmp: create_user(s, u, "mallory", "admin", PASSWORD)),
    "set role": ("admin", lambda s, u, tmp: set_role(s, u, "ian", "admin")),
    "disable user": ("admin", lambda s, u, tmp: set_active(s, u, "ian", False)),
    "open review": ("inspector", lambda s, u, tmp: create_review(s, u, "E06000043", 2025)),
    "record judgement": ("inspector", lambda s, u, tmp: record_judgement(s, u, "E06000020-2025-1", "SS", 1)),
    "submit review": ("inspector", lambda s, u, tmp: submit_review(s, u, "E06000020-2025-1")),
}


def _make(store: Store, state: str, role: str) -> User:
    """A :class:`User` claiming ``role``, whose stored account is now disabled, demoted or absent."""
    claimed = User("mel", role)
    if state == "disabled":
        add_account(store, "mel", role, active=False)
    elif state == "demoted":
        add_account(store, "mel", "viewer")
    # "unknown": no row at all
    return claimed


def _unchanged(before: dict, after: dict) -> bool:
    return {t: v for t, v in before.items() if t != "audit_log"} == {
        t: v for t, v in after.items() if t != "audit_log"}


@pytest.mark.parametrize("state", ["disabled", "demoted", "unknown"])
@pytest.mark.parametrize("path", sorted(PATHS))
def test_a_stale_user_object_writes_nothing(store: Store, tmp_path: Path, path: str, state: str) -> None:
    role, write = PATHS[path]
    user = _make(store, state, role)
    before = store_checksum(store)
    with pytest.raises(PermissionDenied) as refused:
        write(store, user, tmp_path)
    assert _unchanged(before, store_checksum(store))
    reason = {"disabled": "disabled", "demoted": "(viewer)", "unknown": "no such user"}[state]
    assert reason in str(refused.value)
    last = store.df("SELECT username, role, outcome FROM audit_log ORDER BY audit_id DESC LIMIT 1").iloc[0]
    assert (last["username"], last["outcome"]) == ("mel", "refused")
    assert last["role"] == ("viewer" if state == "demoted" else role)  # the role checked, not only claimed


@pytest.mark.parametrize("state", ["disabled", "demoted", "unknown"])
def test_publish_by_a_stale_user_is_refused(db: Path, tmp_path: Path, state: str) -> None:
    with Store(db) as s:
        user = _make(s, state, "analyst")
    with pytest.raises(PermissionDenied):
        run_publish(db, tmp_path / "publish", user)
    assert not (tmp_path / "publish").exists()


def test_the_same_account_writes_once_its_role_is_current(store: Store, tmp_path: Path) -> None:
    """The matrix's refusals are the account's state, not the paths: restored, the account writes."""
    add_account(store, "mel", "admin")
    create_user(store, User("mel", "viewer"), "sam", "viewer", PASSWORD)  # claimed role ignored: stored admin
    assert store.scalar("SELECT count(*) FROM app_user WHERE username = 'sam'") == 1
    entry = store.df("SELECT username, role FROM audit_log WHERE action = 'create_user'").iloc[0]
    assert (entry["username"], entry["role"]) == ("mel", "admin")


def test_a_role_change_applies_to_the_next_write(store: Store) -> None:
    admin = add_account(store, "ada", "admin")
    ian = User("ian", "inspector")
    record_judgement(store, ian, "E06000020-2025-1", "SS", 2)
    set_role(store, admin, "ian", "viewer")
    with pytest.raises(PermissionDenied, match=r"ian \(viewer\)"):
        record_judgement(store, ian, "E06000020-2025-1", "SS", 1)
    assert store.scalar("SELECT count(*) FROM judgement") == 1


# The command-line operator ---------------------------------------------------------------


@pytest.mark.parametrize(("action", "allowed"), [
    ("import_data", True), ("rollback_import", True), ("publish_data", True),
    ("manage_users", False), ("record_judgement", False), ("submit_review", False), ("view_audit", False),
])
def test_the_operator_may_only_do_what_holding_the_file_allows(store: Store, action: str, allowed: bool) -> None:
    operator = operator_user()
    if allowed:
        assert authorise(store, operator, action) == operator
    else:
        with pytest.raises(PermissionDenied, match="--user NAME"):
            authorise(store, operator, action)


def test_the_operator_name_cannot_be_borrowed(store: Store) -> None:
    """Only this process's own OS user is the operator: a made-up ``vic@cli`` is nobody."""
    with pytest.raises(PermissionDenied):
        authorise(store, User("someone-else@cli", "analyst", "", OPERATOR_SOURCE), "import_data")
    with pytest.raises(ValueError):
        operator_user("any tool at all")


def test_the_operator_publishes_and_it_is_audited(db: Path, tmp_path: Path) -> None:
    path = run_publish(db, tmp_path / "publish", operator_user())
    assert path.exists()
    with Store(db, read_only=True) as s:
        entry = s.df("SELECT username, action, outcome FROM audit_log WHERE action = 'publish'").iloc[0]
    assert tuple(entry) == (operator_user().username, "publish", "ok")


# Sessions --------------------------------------------------------------------------------


def test_a_session_is_rechecked_against_the_store(store: Store) -> None:
    admin = add_account(store, "ada", "admin")
    session = User("ian", "inspector")
    assert current_account(store, session).role == "inspector"
    set_role(store, admin, "ian", "director")
    assert current_account(store, session).role == "director"
    set_active(store, admin, "ian", False)
    assert current_account(store, session) is None
    assert current_account(store, User("ghost", "admin")) is None
    assert current_account(store, None) is None


def test_a_disabled_account_is_signed_out_of_the_dashboard(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    with Store(db) as s:
        add_account(s, "ann", "analyst", active=False)
    monkeypatch.setenv("ECM_DB", str(db))
    monkeypatch.setenv("ECM_WRITABLE", "1")
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60)
        at.switch_page("dashboard/pages/data.py")
        at.session_state["signed_in_user"] = User("ann", "analyst")
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert "signed_in_user" not in at.session_state
        assert not any("Import a file" in h.value for h in at.subheader)
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()


# One door --------------------------------------------------------------------------------

# The engines that write without asking who: only the door may call them.
ENGINES = {"import_source", "rollback_batch", "import_dfe_neighbours", "publish"}
DOOR = {Path("metrics/services.py")}


def test_only_the_door_calls_the_write_engines() -> None:
    offenders = []
    for folder in ("metrics", "dashboard"):
        for file in sorted((REPO_ROOT / folder).rglob("*.py")):
            rel = file.relative_to(REPO_ROOT)
            if rel in DOOR:
                continue
            for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call):
                    name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                    if name in ENGINES:
                        offenders.append(f"{rel}:{node.lineno} calls {name}")
    assert offenders == []
