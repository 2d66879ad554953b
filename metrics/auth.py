"""Who may do what: roles, local users, and the append-only audit log.

Access is enforced here, in the library, not by hiding buttons: every write
function in ``metrics`` that changes data or judgements takes the acting
:class:`User` and calls :func:`authorise` first, so a notebook, the CLI and the
dashboard are held to the same rules. A :class:`User` object is only a claim of
who is acting: :func:`authorise` reads that user's *current* role and status
from ``app_user`` on every write, so an account disabled, demoted or never
created writes nothing, whatever object a caller holds.

The one principal not in ``app_user`` is the command-line operator
(:func:`operator_user`): the operating-system user running ``jar`` on the
store's machine. Holding the store file already means full control of its data,
so the operator may import, roll back and publish; it may not manage users or
record judgements (those need a named account and its password).

Two ways to sign in:

- **Embedded default**: local users in the store's ``app_user`` table with
  Argon2id password hashes (argon2-cffi; the salt is inside each hash). The first
  admin is created from the command line (``jar create-admin``); admins then add
  users from the Users page or the CLI.
- **Production**: Streamlit's OIDC login (``st.login``). The identity provider
  proves who the user is; :func:`role_from_claims` maps the token's claims to a
  role with rules from ``.streamlit/secrets.toml`` (see the README).

Users and the audit log live wherever :func:`metrics.shared.shared_for` says:
the DuckDB store by default, or a PostgreSQL database (``ECM_SHARED_DB``) that
several app processes write at once. The checks here are the same for both.

The audit log records every login, import, rollback, judgement change and user
change, successful or refused. No function here updates or deletes a row of it.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import logging
import math
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from metrics.framework import REPO_ROOT
from metrics.passwords import MIN_LENGTH, check_password, normalise_username
from metrics.shared import DuckCursor, SharedCursor, shared_for
from metrics.store import Store
from metrics.throttle import CLIENT_POLICY, USER_POLICY, FailureLog, describe_wait, wait_seconds

log = logging.getLogger(__name__)

ROLES: tuple[str, ...] = ("viewer", "inspector", "director", "analyst", "admin")

ROLE_NAMES: dict[str, str] = {
    "viewer": "Viewer (trust board member)",
    "inspector": "Inspector",
    "director": "Director of children's services",
    "analyst": "Analyst (imports data)",
    "admin": "Administrator (manages users)",
}

# Write actions and the roles allowed to take them. Reading is open to every
# signed-in role. Duties are kept apart on purpose: an admin manages accounts but
# does not record judgements or load data, so no one role can both change the
# figures and the verdicts drawn from them.
PERMISSIONS: dict[str, frozenset[str]] = {
    "import_data": frozenset({"analyst"}),
    "rollback_import": frozenset({"analyst"}),
    "record_judgement": frozenset({"inspector"}),
    "submit_review": frozenset({"inspector"}),
    "manage_users": frozenset({"admin"}),
    "view_audit": frozenset({"admin"}),
    "publish_data": frozenset({"analyst"}),
    # Every signed-in role keeps its own watchlist; it changes no figure or verdict.
    "keep_watchlist": frozenset(ROLES),
}

#: ``User.source`` of the command-line operator; never stored in ``app_user``.
OPERATOR_SOURCE = "os"
#: What the operator may do: only what holding the store file already allows.
OPERATOR_ACTIONS: frozenset[str] = frozenset({"import_data", "rollback_import", "publish_data"})
#: Tools the operator runs that name themselves in the batch history instead of
#: ``<os user>@cli`` (the published store's batches say who built them).
OPERATOR_TOOLS: frozenset[str] = frozenset({"jar build-published"})

MIN_PASSWORD_LENGTH = MIN_LENGTH
_hasher = PasswordHasher()
#: Where sign-ins are recorded when the shared tables cannot be written (a
#: read-only server with no ``ECM_SHARED_DB``): one JSON line per attempt.
SIGNIN_LOG_ENV = "ECM_SIGNIN_LOG"
DEFAULT_SIGNIN_LOG = REPO_ROOT / "var" / "signin-audit.log"
# Failed sign-ins seen by this process: per client address always, per user
# name when the audit log cannot hold them (metrics.throttle says why).
failures = FailureLog()


def now() -> dt.datetime:
    """The clock of audit entries and sign-in limits: one function, so a test can move time."""
    return dt.datetime.now()


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches the Argon2id ``password_hash``; the one place a hash is checked."""
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _stand_in_hash() -> str:
    """A hash of a random secret, with the real hashes' parameters, verified for unknown names.

    So a sign-in as a name that does not exist (or is disabled, or has no
    local password) costs the same Argon2id work as a wrong password for a
    real one, and the time taken does not tell which names exist.
    """
    return _hasher.hash(secrets.token_urlsafe(24))


class AuthError(Exception):
    """Sign-in failed; the message never says which of name or password was wrong."""


class PermissionDenied(Exception):
    """The acting user's role does not allow this action; nothing was written."""


@dataclass(frozen=True)
class User:
    username: str
    role: str
    display_name: str = ""
    source: str = "local"

    def can(self, action: str) -> bool:
        return self.role in PERMISSIONS.get(action, frozenset())


def operator_user(tool: str | None = None) -> User:
    """The command-line operator: the operating-system user running this process.

    Named ``<os user>@cli`` in the audit log (or ``tool``, one of
    :data:`OPERATOR_TOOLS`). :func:`authorise` accepts it only for
    :data:`OPERATOR_ACTIONS`, and only under this process's own OS user name or
    a tool's, so the name cannot be borrowed to act as an account.
    """
    if tool is not None and tool not in OPERATOR_TOOLS:
        raise ValueError(f"unknown operator tool {tool!r}")
    return User(tool or f"{getpass.getuser()}@cli", "analyst", tool or "command line", OPERATOR_SOURCE)


def _account_status(store: Store, username: str) -> tuple[User | None, str]:
    """(the stored account as it is now, or None; why not) from one read of ``app_user``."""
    row = shared_for(store).df(
        "SELECT username, display_name, role, source, active FROM app_user WHERE username = ?", [username]
    )
    if row.empty:
        return None, "no such user in this store"
    r = row.iloc[0]
    if not bool(r["active"]):
        return None, "the account is disabled"
    return User(str(r["username"]), str(r["role"]), str(r["display_name"] or r["username"]), str(r["source"])), ""


def current_account(store: Store, user: User | None) -> User | None:
    """``user`` as the store knows them now (current role), or None if gone or disabled.

    For re-checking a signed-in session on every page run. The operator is
    returned as is; an OIDC user with no stored row (a read-only server with no
    shared database) keeps the role the identity provider gave, since such a
    server cannot write anyway and :func:`authorise` still refuses every write.
    """
    if user is None or user.source == OPERATOR_SOURCE:
        return user
    account, why = _account_status(store, user.username)
    if account is not None:
        return account
    if user.source == "oidc" and why.startswith("no such user"):
        return user
    return None


def authorise(store: Store | None, user: User | None, action: str, target: str | None = None) -> User:
    """Return the acting user as the store knows them now, or raise :class:`PermissionDenied`.

    The role is read from ``app_user`` (in the store, or PostgreSQL with
    ``ECM_SHARED_DB``), never taken from ``user``: a disabled, demoted or unknown
    account is refused. Callers audit with the returned user, so the log shows
    the role that was checked. A refusal is written to the audit log when the
    shared tables are writable (a read-only DuckDB replica may still audit into
    PostgreSQL), so an attempt is on record even though it changed nothing.
    """
    if action not in PERMISSIONS:
        raise ValueError(f"unknown action {action!r}")
    words = action.replace("_", " ")
    allowed = ", ".join(sorted(PERMISSIONS[action]))
    who = user.username if user else "anonymous"
    role = user.role if user else None
    if user is None:
        reason = f"{who} (not signed in) may not {words}: needs {allowed}"
    elif user.source == OPERATOR_SOURCE:
        own = user.username == operator_user().username or user.username in OPERATOR_TOOLS
        if own and action in OPERATOR_ACTIONS:
            return user
        reason = (f"{who} (the command-line operator) may not {words}: act as a named account with "
                  "--user NAME (or --by NAME) and that account's password")
    elif store is None:
        reason = f"{who} may not {words}: no store to check the account against"
    else:
        account, why = _account_status(store, user.username)
        if account is not None:
            if account.role in PERMISSIONS[action]:
                return account
            role = account.role
            reason = f"{who} ({role}) may not {words}: needs {allowed}"
        else:
            reason = f"{who} may not {words}: {why}"
    if store is not None:
        shared = shared_for(store)
        if shared.writable:
            with shared.transaction() as cur:
                audit(cur, who, role, action, target, "refused")
    raise PermissionDenied(reason)


def audit(
    cur: SharedCursor | duckdb.DuckDBPyConnection,
    username: str,
    role: str | None,
    action: str,
    target: str | None = None,
    outcome: str = "ok",
    detail: Mapping[str, Any] | None = None,
) -> int:
    """Append one entry; call it inside the transaction that does the action.

    Writing the entry in the same transaction means an action and its record
    commit or vanish together. ``cur`` is a transaction of the shared store (a
    bare DuckDB cursor is accepted for callers writing to the DuckDB store).
    """
    if isinstance(cur, duckdb.DuckDBPyConnection):
        cur = DuckCursor(cur)
    audit_id = cur.next_id("audit_log", "audit_id")
    cur.execute(
        "INSERT INTO audit_log (audit_id, logged_at, username, role, action, target, outcome, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [audit_id, now(), username, role, action, target, outcome,
         json.dumps(dict(detail), default=str, sort_keys=True) if detail else None],
    )
    return int(audit_id)


def audit_log(store: Store, actor: User, limit: int | None = None) -> pd.DataFrame:
    """The log, newest first; only admins may read it (it names every user)."""
    authorise(store, actor, "view_audit")  # reads only, but names every user: the current role decides
    sql = "SELECT * FROM audit_log ORDER BY audit_id DESC"
    if limit is not None:
        return shared_for(store).df(sql + " LIMIT ?", [int(limit)])
    return shared_for(store).df(sql)


def audit_log_csv(store: Store, actor: User) -> bytes:
    """The whole log as CSV for an admin, with formula-like text made inert.

    Sign-in attempts record whatever name was typed, so a hostile "user name"
    such as ``=HYPERLINK(...)`` must not run when the file is opened in Excel.
    """
    from metrics.spreadsheet import csv_bytes

    return csv_bytes(audit_log(store, actor))


def _check_new_user(username: str, role: str, password: str | None) -> str:
    """The user name in its stored form, once name, role and password pass; ``ValueError`` if not."""
    name = normalise_username(username)
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if password is not None:
        check_password(password, name)
    return name


def _stored_name(username: str) -> str:
    """``username`` as accounts are stored (an old or odd name is looked up as given)."""
    try:
        return normalise_username(username)
    except ValueError:
        return username


def _insert_user(
    cur: SharedCursor, username: str, display_name: str, role: str,
    password: str | None, source: str, created_by: str,
) -> None:
    exists = cur.execute("SELECT count(*) FROM app_user WHERE username = ?", [username]).fetchone()[0]
    if exists:
        raise ValueError(f"user {username!r} already exists")
    cur.execute(
        "INSERT INTO app_user (username, display_name, role, password_hash, source, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [username, display_name or username, role, _hasher.hash(password) if password else None,
         source, created_by],
    )


def create_first_admin(store: Store, username: str, password: str, display_name: str = "") -> User:
    """Create the first admin of a store; refused once any admin exists.

    The bootstrap step (``jar create-admin``) runs on the server's own machine,
    where holding the store file already implies full control.
    """
    username = _check_new_user(username, "admin", password)
    with shared_for(store).transaction() as cur:
        cur.serialise("create_first_admin")  # two first runs at once must not both see no admin
        admins = cur.execute("SELECT count(*) FROM app_user WHERE role = 'admin'").fetchone()[0]
        if admins:
            raise PermissionDenied("an admin already exists: ask them to add users")
        _insert_user(cur, username, display_name, "admin", password, "local", "first-run")
        audit(cur, username, "admin", "create_first_admin", username)
    return User(username, "admin", display_name or username)


def create_user(
    store: Store, actor: User, username: str, role: str, password: str | None = None,
    display_name: str = "", source: str = "local",
) -> User:
    """Add a user (admins only). OIDC users have no password here."""
    actor = authorise(store, actor, "manage_users", username)
    username = _check_new_user(username, role, password if source == "local" else None)
    if source == "local" and not password:
        raise ValueError("a local user needs a password")
    shared = shared_for(store)
    try:
        with shared.transaction() as cur:
            _insert_user(cur, username, display_name, role, password, source, actor.username)
            audit(cur, actor.username, actor.role, "create_user", username,
                  detail={"role": role, "source": source})
    except shared.conflicts as exc:
        # Another process added the same name between our check and our insert.
        raise ValueError(f"user {username!r} already exists") from exc
    return User(username, role, display_name or username, source)


def set_role(store: Store, actor: User, username: str, role: str) -> None:
    actor = authorise(store, actor, "manage_users", username)
    username = _stored_name(username)
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    with shared_for(store).transaction() as cur:
        old = cur.execute("SELECT role FROM app_user WHERE username = ?", [username]).fetchone()
        if old is None:
            raise ValueError(f"no user {username!r}")
        cur.execute("UPDATE app_user SET role = ? WHERE username = ?", [role, username])
        audit(cur, actor.username, actor.role, "set_role", username, detail={"from": old[0], "to": role})


def set_active(store: Store, actor: User, username: str, active: bool) -> None:
    """Disable or re-enable an account; users are never deleted (the audit log names them)."""
    actor = authorise(store, actor, "manage_users", username)
    username = _stored_name(username)
    with shared_for(store).transaction() as cur:
        found = cur.execute("SELECT count(*) FROM app_user WHERE username = ?", [username]).fetchone()[0]
        if not found:
            raise ValueError(f"no user {username!r}")
        cur.execute("UPDATE app_user SET active = ? WHERE username = ?", [active, username])
        audit(cur, actor.username, actor.role, "enable_user" if active else "disable_user", username)


def change_user(store: Store, actor: User, username: str, role: str | None, active: bool) -> list[str]:
    """Apply what an administrator changed for ``username``; return what changed, in words.

    ``role`` None keeps the current role: a change of role is always an explicit
    choice, never a preselected default. An empty list means nothing changed and
    nothing was written (no audit line for a Save that changed nothing).
    """
    users = list_users(store).set_index("username")
    name = _stored_name(username)
    if name not in users.index:
        raise ValueError(f"no user {username!r}")
    was_role, was_active = str(users.loc[name, "role"]), bool(users.loc[name, "active"])
    changed: list[str] = []
    if role is not None and role != was_role:
        set_role(store, actor, name, role)
        changed.append(f"role {was_role} to {role}")
    if active != was_active:
        set_active(store, actor, name, active)
        changed.append("account enabled" if active else "account disabled")
    return changed


def list_users(store: Store) -> pd.DataFrame:
    """Users without their hashes."""
    return shared_for(store).df(
        "SELECT username, display_name, role, source, active, created_at, created_by"
        " FROM app_user ORDER BY username"
    )


def signin_log_path() -> Path:
    return Path(os.environ.get(SIGNIN_LOG_ENV) or DEFAULT_SIGNIN_LOG)


def _record_signin(store: Store, username: str, role: str | None, action: str, outcome: str,
                   detail: Mapping[str, Any] | None = None) -> None:
    """Audit a sign-in attempt: in the audit log when it can be written, else in the sign-in log file.

    A read-only server with no shared database cannot write ``audit_log``, but
    its sign-ins must still be on record (issue 15).
    """
    shared = shared_for(store)
    if shared.writable:
        with shared.transaction() as cur:
            audit(cur, username, role, action, username, outcome, detail)
        return
    entry = {"logged_at": now().isoformat(), "store": store.path, "username": username, "role": role,
             "action": action, "target": username, "outcome": outcome, "detail": dict(detail or {})}
    path = signin_log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(entry, default=str, sort_keys=True) + "\n")
    except OSError:
        log.exception("could not write the sign-in log %s; entry: %s", path, entry)


def _failed_signins(store: Store, name: str, when: dt.datetime) -> list[dt.datetime]:
    """Times of ``name``'s failed sign-ins since its last success, within the policy's window.

    From the audit log when sign-ins are written there (every process and the
    CLI then count together), else from this process's own memory.
    """
    shared = shared_for(store)
    if not shared.writable:
        return failures.times("user:" + name)
    since = when - dt.timedelta(seconds=USER_POLICY.window)
    rows = shared.df(
        "SELECT logged_at FROM audit_log WHERE action = 'login' AND outcome = 'refused' AND target = ?"
        " AND logged_at > ? AND logged_at > COALESCE((SELECT max(logged_at) FROM audit_log"
        " WHERE action = 'login' AND outcome = 'ok' AND target = ?), ?)"
        " ORDER BY logged_at DESC LIMIT 64",
        [name, since, name, since],
    )
    return [pd.Timestamp(t).to_pydatetime() for t in rows["logged_at"]]


def _like_literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _failed_from_client(store: Store, client: str, when: dt.datetime) -> list[dt.datetime]:
    """Times of failed sign-ins from ``client`` within the client policy's window.

    From the audit log when sign-ins are written there, so replicas behind one
    load balancer count one client's guesses together; else from this process.
    The entry's detail is JSON written with sorted keys, so the client appears
    as exactly ``"client": "<address>"``.
    """
    shared = shared_for(store)
    if not shared.writable:
        return failures.times("client:" + client)
    since = when - dt.timedelta(seconds=CLIENT_POLICY.window)
    pattern = "%" + _like_literal(json.dumps({"client": client})[1:-1]) + "%"
    rows = shared.df(
        "SELECT logged_at FROM audit_log WHERE action = 'login' AND outcome = 'refused'"
        " AND logged_at > ? AND detail LIKE ? ESCAPE '\\' ORDER BY logged_at DESC LIMIT 64",
        [since, pattern],
    )
    return [pd.Timestamp(t).to_pydatetime() for t in rows["logged_at"]]


def authenticate(store: Store, username: str, password: str, client: str | None = None) -> User:
    """Check a local user's password; every attempt is audited (``client``: the caller's address).

    The same work whatever the name: an unknown, disabled or passwordless
    account still verifies a stand-in hash. After repeated failures for the
    name, or from ``client``, attempts are refused without checking the
    password until a growing wait has passed (:mod:`metrics.throttle`).
    """
    stand_in = _stand_in_hash()  # made on the first attempt whatever the name, so that one is no tell
    try:
        name = normalise_username(username)
    except ValueError:
        name = None  # cannot be an account; treated exactly as an unknown one
    key = name if name is not None else username
    when = now()
    wait = wait_seconds(_failed_signins(store, key, when), when, USER_POLICY)
    if client:
        wait = max(wait, wait_seconds(_failed_from_client(store, client, when), when, CLIENT_POLICY))
    if wait > 0:
        _record_signin(store, key, None, "login_locked", "refused",
                       {"client": client, "wait_seconds": math.ceil(wait)})
        raise AuthError(f"sign-in paused after repeated failures: try again in {describe_wait(wait)}")
    row = pd.DataFrame()
    if name is not None:
        row = shared_for(store).df(
            "SELECT username, display_name, role, password_hash, active FROM app_user WHERE username = ?",
            [name],
        )
    usable = not row.empty and bool(row.iloc[0]["active"]) and bool(row.iloc[0]["password_hash"])
    stored = str(row.iloc[0]["password_hash"]) if usable else stand_in
    ok = verify_password(stored, password) and usable
    detail = {"client": client} if client else None
    if ok:
        failures.clear("user:" + key)
        _record_signin(store, key, str(row.iloc[0]["role"]), "login", "ok", detail)
        r = row.iloc[0]
        return User(str(r["username"]), str(r["role"]), str(r["display_name"]))
    failures.record("user:" + key, when)
    if client:
        failures.record("client:" + client, when)
    _record_signin(store, key, None, "login", "refused", detail)
    raise AuthError("sign-in failed: unknown user, wrong password or disabled account")


def role_from_claims(claims: Mapping[str, Any], rules: Mapping[str, Iterable[str]], default: str = "viewer") -> str:
    """Map OIDC identity claims to a role.

    ``rules`` maps a role to the e-mail addresses, domains (``@example.gov.uk``) or
    group names (from a ``groups`` claim) that receive it. When several match, the
    one latest in :data:`ROLES` wins (so a named analyst in a viewers' domain is
    an analyst). ``admin`` is granted only by an explicit e-mail address or group,
    never by a domain, so a typo cannot make a whole council admins.
    """
    email = str(claims.get("email") or "").lower()
    groups = {str(g).lower() for g in claims.get("groups") or []}
    domain = "@" + email.split("@", 1)[1] if "@" in email else None
    matched = []
    for role, patterns in rules.items():
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r} in the OIDC role rules")
        for p in patterns:
            p = str(p).lower()
            if p == email or p in groups or (role != "admin" and domain is not None and p == domain):
                matched.append(role)
    if not matched:
        return default
    return max(matched, key=ROLES.index)


def oidc_user(store: Store, claims: Mapping[str, Any], rules: Mapping[str, Iterable[str]]) -> User:
    """The :class:`User` for an OIDC sign-in, recording the login in the audit log.

    The identity provider proves who signs in and the rules give the role; the
    account is recorded (or its role brought up to date) in ``app_user`` so that
    :func:`authorise` can read it on every write like a local user's, and an
    admin who disables an OIDC account keeps it out at its next sign-in.
    """
    username = _stored_name(str(claims.get("email") or claims.get("sub") or ""))
    if not username:
        raise AuthError("the identity provider sent no e-mail or subject claim")
    role = role_from_claims(claims, rules)
    name = str(claims.get("name") or username)
    shared = shared_for(store)
    if shared.writable:
        with shared.transaction() as cur:
            row = cur.execute("SELECT role, active FROM app_user WHERE username = ?" + cur.for_update,
                              [username]).fetchone()
            if row is not None and not bool(row[1]):
                audit(cur, username, str(row[0]), "login", username, "refused",
                      detail={"source": "oidc", "reason": "disabled"})
                disabled = True
            else:
                disabled = False
                if row is None:
                    cur.execute(
                        "INSERT INTO app_user (username, display_name, role, password_hash, source, created_by)"
                        " VALUES (?, ?, ?, NULL, 'oidc', 'oidc')", [username, name, role])
                elif str(row[0]) != role:
                    cur.execute("UPDATE app_user SET role = ? WHERE username = ?", [role, username])
                audit(cur, username, role, "login", username, detail={"source": "oidc"})
        if disabled:
            raise AuthError("sign-in failed: this account is disabled")
    return User(username, role, name, "oidc")
