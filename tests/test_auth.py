"""Roles, local users and the audit log: enforced by the library, recorded append-only."""

from __future__ import annotations

from pathlib import Path

import pytest

from metrics.auth import (
    PERMISSIONS,
    ROLES,
    AuthError,
    PermissionDenied,
    User,
    audit_log,
    authenticate,
    authorise,
    change_user,
    create_first_admin,
    create_user,
    list_users,
    role_from_claims,
    set_active,
    set_role,
)
from metrics.store import Store
from tests.support.accounts import add_account

PASSWORD = "correct horse battery"


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "auth.duckdb")


@pytest.fixture()
def admin(store: Store) -> User:
    return create_first_admin(store, "ada", PASSWORD)


def _log(store: Store) -> list[tuple[str, str, str]]:
    return [tuple(r) for r in store.df("SELECT username, action, outcome FROM audit_log ORDER BY audit_id").itertuples(index=False)]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(PERMISSIONS))
def test_role_matrix(store: Store, role: str, action: str) -> None:
    """Every write action by every role: only the allowed pairs pass, refusals are audited."""
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
        assert _log(store) == []
    else:
        with pytest.raises(PermissionDenied, match=action.replace("_", " ")):
            authorise(store, user, action)
        assert _log(store) == [("u", action, "refused")]


def test_anonymous_is_refused(store: Store) -> None:
    with pytest.raises(PermissionDenied, match="not signed in"):
        authorise(store, None, "import_data")


def test_unknown_action_is_a_programming_error(store: Store) -> None:
    with pytest.raises(ValueError):
        authorise(store, User("u", "admin"), "drop_everything")


def test_first_admin_only_once(store: Store, admin: User) -> None:
    assert admin.role == "admin"
    with pytest.raises(PermissionDenied):
        create_first_admin(store, "eve", PASSWORD)
    assert list(list_users(store)["username"]) == ["ada"]


def test_passwords_are_salted_hashes_never_plain(store: Store, admin: User) -> None:
    create_user(store, admin, "ian", "inspector", "another long secret")
    create_user(store, admin, "ivy", "inspector", "another long secret")
    hashes = store.df("SELECT username, password_hash FROM app_user ORDER BY username")
    assert all(h.startswith("$argon2id$") for h in hashes["password_hash"])
    assert "another long secret" not in "".join(hashes["password_hash"])
    by_user = dict(zip(hashes["username"], hashes["password_hash"], strict=True))
    assert by_user["ian"] != by_user["ivy"]  # same password, different salt
    assert "password_hash" not in list_users(store).columns


def test_login_success_failure_and_disabled(store: Store, admin: User) -> None:
    create_user(store, admin, "ian", "inspector", "another long secret")
    assert authenticate(store, "ian", "another long secret") == User("ian", "inspector", "ian")
    with pytest.raises(AuthError):
        authenticate(store, "ian", "wrong password!")
    with pytest.raises(AuthError):
        authenticate(store, "nobody", "another long secret")
    set_active(store, admin, "ian", False)
    with pytest.raises(AuthError):
        authenticate(store, "ian", "another long secret")
    logins = [r for r in _log(store) if r[1] == "login"]
    assert logins == [("ian", "login", "ok"), ("ian", "login", "refused"),
                      ("nobody", "login", "refused"), ("ian", "login", "refused")]


def test_only_admins_manage_users(store: Store, admin: User) -> None:
    analyst = create_user(store, admin, "ann", "analyst", "yet another secret")
    with pytest.raises(PermissionDenied):
        create_user(store, analyst, "mal", "admin", "yet another secret")
    with pytest.raises(PermissionDenied):
        set_role(store, analyst, "ann", "admin")
    assert set(list_users(store)["username"]) == {"ada", "ann"}
    set_role(store, admin, "ann", "director")
    assert list_users(store).set_index("username").loc["ann", "role"] == "director"


def test_bad_new_users_are_refused(store: Store, admin: User) -> None:
    with pytest.raises(ValueError, match="at least"):
        create_user(store, admin, "sam", "viewer", "short")
    with pytest.raises(ValueError, match="unknown role"):
        create_user(store, admin, "sam", "superuser", PASSWORD)
    create_user(store, admin, "sam", "viewer", PASSWORD)
    with pytest.raises(ValueError, match="already exists"):
        create_user(store, admin, "sam", "viewer", PASSWORD)


def test_audit_log_is_admin_only_and_records_user_changes(store: Store, admin: User) -> None:
    create_user(store, admin, "vic", "viewer", PASSWORD)
    set_role(store, admin, "vic", "director")
    log = audit_log(store, admin)
    assert list(log["action"])[:3] == ["set_role", "create_user", "create_first_admin"]
    assert '"to": "director"' in log.iloc[0]["detail"]
    with pytest.raises(PermissionDenied):
        audit_log(store, User("vic", "director"))


def test_change_user_writes_only_what_changed(store: Store, admin: User) -> None:
    create_user(store, admin, "ana", "analyst", PASSWORD)
    before = len(audit_log(store, admin))
    assert change_user(store, admin, "ana", None, True) == []  # no role chosen, still active: nothing
    assert change_user(store, admin, "ana", "analyst", True) == []  # the same role is no change
    assert len(audit_log(store, admin)) == before  # a Save that changed nothing leaves no audit line
    assert change_user(store, admin, "ana", "inspector", False) == ["role analyst to inspector", "account disabled"]
    row = list_users(store).set_index("username").loc["ana"]
    assert (row["role"], bool(row["active"])) == ("inspector", False)
    with pytest.raises(PermissionDenied):
        change_user(store, User("ana", "analyst"), "ana", "admin", True)


def test_read_only_store_refuses_without_writing(tmp_path: Path) -> None:
    path = tmp_path / "ro.duckdb"
    Store(path).close()
    with Store(path, read_only=True) as ro, pytest.raises(PermissionDenied):
        authorise(ro, User("v", "viewer"), "import_data")


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"email": "Head@Council.gov.uk"}, "admin"),
        ({"email": "someone@council.gov.uk"}, "viewer"),
        ({"email": "perf@council.gov.uk", "groups": ["Performance"]}, "analyst"),
        ({"email": "x@ofsted.gov.uk"}, "inspector"),
        ({"email": "x@elsewhere.org"}, "viewer"),
        ({"email": "y@council.gov.uk", "groups": ["it-admins"]}, "admin"),
    ],
)
def test_oidc_claims_map_to_roles(claims: dict, expected: str) -> None:
    rules = {
        "admin": ["head@council.gov.uk", "it-admins", "@council.gov.uk"],  # the domain must not grant admin
        "analyst": ["performance"],
        "inspector": ["@ofsted.gov.uk"],
        "viewer": ["@council.gov.uk"],
    }
    assert role_from_claims(claims, rules) == expected


def test_audit_csv_neutralises_formula_like_user_names(store: Store, admin: User) -> None:
    from metrics.auth import audit_log_csv

    with pytest.raises(AuthError):
        authenticate(store, "=HYPERLINK(\"http://x\")", "whatever password")
    text = audit_log_csv(store, admin).decode("utf-8")
    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text
