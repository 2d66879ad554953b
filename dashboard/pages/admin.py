"""Users and audit log: administrators add users, change roles, and read or export the log."""

from __future__ import annotations

import streamlit as st

from dashboard.signin import signin_panel
from dashboard.state import get_store
from metrics.auth import (
    ROLE_NAMES,
    ROLES,
    PermissionDenied,
    audit_log,
    audit_log_csv,
    change_user,
    create_user,
    list_users,
)
from metrics.display import plain
from metrics.shared import writes_enabled

store = get_store()
st.title("Users and audit log")
user = signin_panel(store, "manage users and read the audit log (admin role)")
if user is None:
    st.stop()
if not user.can("manage_users"):
    st.warning(f"Your role ({user.role}) cannot manage users: that needs the admin role.")
    st.stop()

st.subheader("Users")
st.dataframe(list_users(store), hide_index=True, key="users")

if not writes_enabled(store):
    st.info("This server opened the store read-only: start it with `ECM_WRITABLE=1` to change users.")
else:
    with st.form("add-user", clear_on_submit=True):
        st.markdown("**Add a user**")
        name = st.text_input("User name")
        display = st.text_input("Full name")
        role = st.selectbox("Role", ROLES, format_func=ROLE_NAMES.__getitem__)
        password = st.text_input(
            "Initial password (10 characters or more; not a common password or the user name)", type="password")
        if st.form_submit_button("Add user"):
            try:
                create_user(store, user, name.strip(), role, password, display.strip())
            except (ValueError, PermissionDenied) as exc:
                st.error(plain(exc))
            else:
                st.success(f"Added {plain(name)} as {ROLE_NAMES[role]}.")
                st.rerun()
    users = list_users(store)
    others = [u for u in users["username"] if u != user.username]
    if others:
        st.markdown("**Change a user**")
        # The user is chosen outside the form so the form shows that user's current role and status;
        # no new role is preselected: a change of role is always an explicit choice.
        current = users.set_index("username")
        who = st.selectbox("User", others, key="change-who",
                           format_func=lambda u: f"{u} ({ROLE_NAMES.get(current.loc[u, 'role'], current.loc[u, 'role'])})")
        was_role, was_active = str(current.loc[who, "role"]), bool(current.loc[who, "active"])
        with st.form("change-user"):
            st.caption(f"Current role: {ROLE_NAMES.get(was_role, was_role)}; "
                       f"account {'active' if was_active else 'disabled'}.")
            new_role = st.selectbox("New role", ROLES, index=None, placeholder="Keep the current role",
                                    format_func=ROLE_NAMES.__getitem__, key=f"change-role-{who}")
            active = st.checkbox("Account active", value=was_active, key=f"change-active-{who}")
            if st.form_submit_button("Save"):
                try:
                    changed = change_user(store, user, who, new_role, active)
                except (ValueError, PermissionDenied) as exc:
                    st.error(plain(exc))
                else:
                    if not changed:
                        st.info(f"Nothing changed for {plain(who)}: choose a new role or change the account status.")
                    else:
                        role_now = new_role or was_role
                        st.success(f"{plain(who)}: {ROLE_NAMES[role_now]}, {'active' if active else 'disabled'}.")

st.subheader("Audit log")
log = audit_log(store, user)
st.dataframe(log, hide_index=True, key="audit")
st.download_button("Download the audit log (CSV)", audit_log_csv(store, user),
                   file_name="audit_log.csv", mime="text/csv", key="dl-audit")
