"""Accounts for tests: a row in ``app_user`` written directly, with no audit entry.

:func:`metrics.auth.authorise` reads the acting user's role and status from the
store on every write, so a test that acts as ``User("ann", "analyst")`` must
first give ann that account; written here without the admin dance (and without
an audit entry) so tests that count audit rows see only what they test.
"""

from __future__ import annotations

from argon2 import PasswordHasher

from metrics.auth import User
from metrics.shared import shared_for
from metrics.store import Store


def add_account(store: Store, username: str, role: str, *, active: bool = True,
                password: str | None = None) -> User:
    """Give ``username`` an account with ``role`` (replacing one it had); the matching :class:`User`.

    With ``password`` the account can sign in (the CLI's ``--user``); without, it can only be acted as.
    """
    with shared_for(store).transaction() as cur:
        cur.execute("DELETE FROM app_user WHERE username = ?", [username])
        cur.execute(
            "INSERT INTO app_user (username, display_name, role, password_hash, source, active, created_by)"
            " VALUES (?, ?, ?, ?, 'local', ?, 'test')",
            [username, username, role, PasswordHasher().hash(password) if password else None, active],
        )
    return User(username, role)


def add_accounts(store: Store, *users: User) -> None:
    for user in users:
        add_account(store, user.username, user.role)
