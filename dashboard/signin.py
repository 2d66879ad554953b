"""Who is using the dashboard: OIDC when configured, otherwise the store's local users.

Pages only ask :func:`current_user`; the library enforces what that user may do.
Reading needs no sign-in (board papers are read by many); writing pages call
:func:`signin_panel` and act for the user it returns.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from metrics.auth import ROLE_NAMES, AuthError, User, authenticate, current_account, oidc_user
from metrics.display import plain
from metrics.store import Store

SESSION_KEY = "signed_in_user"


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all
        return False


def _role_rules() -> dict[str, list[str]]:
    try:
        return {k: list(v) for k, v in st.secrets.get("roles", {}).items()}
    except Exception:
        return {}


def _client() -> str | None:
    """The browser's address, for the per-client limit on failed sign-ins (None when unknown)."""
    try:
        return st.context.ip_address or None
    except Exception:  # no request context (AppTest, bare mode)
        return None


def current_user(store: Store) -> User | None:
    """The signed-in user as the store knows them on this run.

    Re-checked on every page run, not remembered from sign-in: an account an
    admin disabled is signed out at its next click, and a changed role applies
    at once (the library checks again on every write in any case).
    """
    if _oidc_configured():
        if not getattr(st.user, "is_logged_in", False):
            return None
        if SESSION_KEY not in st.session_state:
            claims: dict[str, Any] = dict(st.user.to_dict())
            try:
                st.session_state[SESSION_KEY] = oidc_user(store, claims, _role_rules())
            except AuthError:
                return None
    user = st.session_state.get(SESSION_KEY)
    if user is None:
        return None
    fresh = current_account(store, user)
    if fresh is None:
        st.session_state.pop(SESSION_KEY, None)
    elif fresh != user:
        st.session_state[SESSION_KEY] = fresh
    return fresh


def signin_panel(store: Store, purpose: str) -> User | None:
    """Show who is signed in (with sign-out), or a sign-in form; return the user."""
    user = current_user(store)
    if user is not None:
        c1, c2 = st.columns([4, 1])
        # The name is user text (an admin's entry, or an identity provider's claim): never Markdown.
        c1.caption(f"Signed in as **{plain(user.display_name or user.username)}** – {ROLE_NAMES[user.role]}")
        if c2.button("Sign out", key="sign-out"):
            st.session_state.pop(SESSION_KEY, None)
            if _oidc_configured():
                st.logout()
            st.rerun()
        return user
    st.info(f"Sign in to {purpose}.")
    if _oidc_configured():
        if st.button("Sign in with your organisation's account", key="oidc-login"):
            st.login()
        return None
    with st.form("sign-in"):
        name = st.text_input("User name", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in")
    if submitted:
        try:
            st.session_state[SESSION_KEY] = authenticate(store, name, password, client=_client())
        except AuthError as exc:
            st.error(plain(exc))
            return None
        st.rerun()
    st.caption("No account yet? An administrator creates one (the first with the command jar create-admin).")
    return None
