"""Who is using the dashboard and what they may do: open access (the demo's default), the built-in accounts of
`pulse users`, or Streamlit's own OpenID Connect sign-in (`st.login`) when `.streamlit/secrets.toml` has an
[auth] section. Pages call `allowed(role)` before every write, and `require_role` before they show anything (a
staff account only adds observations); the checks run on the server. A built-in account
is read again on every run, so a removed user is signed out and a changed role applies at once."""

from __future__ import annotations

import time

import streamlit as st

from dashboard.data import current_workspace, get_home_engine, get_settings, get_workspace_engine
from store.users import User, account, role_of, sign_in
from store.workspaces import DEFAULT_WORKSPACE

OPEN_ACCESS = User("anyone (open access)", "admin")
SESSION_KEY = "auth__user"
SINCE_KEY = "auth__since"
NOTICE_KEY = "auth__notice"


def oidc_configured() -> bool:
    """Whether `.streamlit/secrets.toml` configures Streamlit's OpenID Connect sign-in."""
    try:
        return "auth" in st.secrets
    except Exception:
        return False


def current_user() -> User | None:
    """The user of this browser session with their role in its workspace, or None when they must sign in first
    or have no role there."""
    user = signed_in_account()
    if user is None:
        return None
    return role_in_workspace(user, current_workspace())


def role_in_workspace(user: User, workspace: str) -> User | None:
    """`user` with their role in `workspace` (a row of that workspace's users: `pulse workspaces grant`), or
    None when they have none. Open access is an admin everywhere; in the default workspace an account's role
    is its own (and a signed-in OpenID Connect user without one is a viewer there)."""
    if user is OPEN_ACCESS or workspace == DEFAULT_WORKSPACE:
        return user
    role = role_of(get_workspace_engine(workspace), user.username)
    return None if role is None else User(user.username, role)


def signed_in_account() -> User | None:
    """Who signed in (an account of the default workspace, an OpenID Connect user, or open access), with their
    role in the default workspace; None when nobody has yet."""
    settings = get_settings()
    if settings.anonymous_access:
        return OPEN_ACCESS
    if oidc_configured():
        if not getattr(st.user, "is_logged_in", False):  # absent until the auth flow has run
            return None
        email = str(st.user.get("email") or "")
        return User(email, role_of(get_home_engine(), email) or "viewer")
    user = st.session_state.get(SESSION_KEY)
    if user is None:
        return None
    if time.time() - st.session_state.get(SINCE_KEY, 0.0) > settings.session_minutes * 60:
        sign_out()
        return None
    stored = account(
        get_home_engine(), user.username
    )  # on every run: a removal or a new role applies at once
    if stored is None:
        sign_out()
        st.session_state[NOTICE_KEY] = (
            f"The account {user.username!r} no longer exists, so you were signed out."
        )
        return None
    if stored != user:
        st.session_state[SESSION_KEY] = stored
    return stored


def sign_out() -> None:
    st.session_state.pop(SESSION_KEY, None)
    st.session_state.pop(SINCE_KEY, None)


def allowed(role: str) -> bool:
    """Whether the current user has `role` (staff, viewer, editor or admin) or a stronger one."""
    user = current_user()
    return user is not None and user.can(role)


def require_role(role: str = "viewer") -> None:
    """Stop the page, saying why, unless the current user has `role` or a stronger one: every page but
    Observations requires a viewer, so that a staff account (which only adds observations) that reaches one by
    its address, or a page run without the app's sign-in, sees nothing of it. app.py lists only the pages a
    user may open; this is the pages' own check."""
    user = current_user()
    if user is not None and user.can(role):
        return
    if user is None:
        st.error("Sign in to see this page.", icon=":material/lock:")
    else:
        st.error(f"This page is not open to a {user.role} account.", icon=":material/lock:")
        st.info("Add what customers said or did on the Observations page.", icon=":material/lightbulb:")
    st.stop()


def tagged_by() -> str:
    """The name to record with a change: the signed-in user, or "dashboard" under open access."""
    user = current_user()
    return "dashboard" if user is None or user is OPEN_ACCESS else user.username


def render_sign_in() -> None:
    """The sign-in form (or Streamlit's OpenID Connect button)."""
    st.title("Sign in to Pulse")
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.warning(notice)
    if oidc_configured():
        st.button("Sign in", type="primary", on_click=st.login, key="auth__oidc")
        return
    with st.form("auth__form"):
        username = st.text_input("User name", key="auth__username")
        password = st.text_input("Password", type="password", key="auth__password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        outcome = sign_in(get_home_engine(), username, password)
        if outcome.user is None:
            st.error(outcome.message)
            return
        st.session_state[SESSION_KEY] = outcome.user
        st.session_state[SINCE_KEY] = time.time()
        st.rerun()
    st.caption("No account? Ask an admin to run `pulse users add NAME`.")


def render_who(user: User) -> None:
    """The sidebar line that says who is signed in, or that the dashboard is open to anyone."""
    if user is OPEN_ACCESS:
        st.warning(
            "Open access: anyone who can reach this address can see and change everything. "
            "Set PULSE_ANONYMOUS_ACCESS=false and add accounts with `pulse users add` to require sign-in.",
            icon=":material/lock_open:",
        )
        return
    st.caption(f"Signed in as **{user.username}** ({user.role})")
    if oidc_configured():
        st.button("Sign out", on_click=st.logout, key="auth__sign_out")
    elif st.button("Sign out", key="auth__sign_out"):
        sign_out()
        st.rerun()
