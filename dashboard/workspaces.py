"""Which workspace this browser session works in: one where the signed-in user has a role, chosen in the sidebar
or by a link's `?workspace=NAME`. The session's workspace is set only after that check, and every loader reads
through its engine (dashboard.data.get_engine), so a page never sees another workspace's rows."""

from __future__ import annotations

import streamlit as st

from dashboard.auth import role_in_workspace
from dashboard.data import WORKSPACE_KEY, current_workspace, list_all_workspaces
from store.users import User
from store.workspaces import DEFAULT_WORKSPACE

QUERY_KEY = "workspace"
PICKER_KEY = "workspace__picker"


def user_workspaces(account: User) -> dict[str, str]:
    """The workspaces where `account` has a role, with that role, "default" first."""
    roles = {}
    for workspace in list_all_workspaces():
        user = role_in_workspace(account, workspace)
        if user is not None:
            roles[workspace] = user.role
    return roles


def enter_workspace(roles: dict[str, str]) -> str | None:
    """Set this session's workspace: the link's, else the session's, else the user's first, among `roles` (the
    user's, from user_workspaces; a link to any other is refused, saying so). None when the user has a role
    nowhere."""
    if not roles:
        return None
    asked = st.query_params.get(QUERY_KEY)
    picked = st.session_state.get(PICKER_KEY)
    chosen = next(
        (name for name in (picked, asked, current_workspace()) if name in roles),
        next(iter(roles)),
    )
    if asked is not None and asked not in roles:
        st.warning(
            f"You have no access to a workspace {asked!r}: this is {chosen!r}.", icon=":material/lock:"
        )
    st.session_state[WORKSPACE_KEY] = chosen
    if len(roles) > 1 or chosen != DEFAULT_WORKSPACE:
        st.query_params[QUERY_KEY] = chosen  # a shared link opens the same workspace (for those who may)
    return chosen


def render_workspace_picker(roles: dict[str, str]) -> None:
    """The sidebar's choice of workspace, when the user has more than one (`roles`: user_workspaces')."""
    if len(roles) < 2:
        return
    names = list(roles)
    st.selectbox(
        "Workspace",
        names,
        index=names.index(current_workspace()) if current_workspace() in names else 0,
        key=PICKER_KEY,
        format_func=lambda name: f"{name} ({roles[name]})",
        on_change=_forget_link_choice,
    )


def _forget_link_choice() -> None:
    """A choice in the sidebar wins over the link's `?workspace=` for the run it starts."""
    st.query_params.pop(QUERY_KEY, None)
