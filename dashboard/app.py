"""Pulse's dashboard: `pulse serve` (or `streamlit run dashboard/app.py`)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard.auth import current_user, render_sign_in, render_who, signed_in_account
from dashboard.components import render_error
from dashboard.data import data_version, get_home_engine, get_settings, load_filter_options
from dashboard.filters import keep_filters_in_link, render_sidebar_filters
from dashboard.workspaces import enter_workspace, render_workspace_picker, user_workspaces
from pulse.errors import PulseError
from store.workspaces import DEFAULT_WORKSPACE

# The browser tab's icon: Material Symbols' monitor_heart (Apache-2.0) drawn from the font that Streamlit ships,
# in the theme's colour. Streamlit serves a file from the server; ":material/monitor_heart:" would have the
# browser fetch it from fonts.gstatic.com, which a dashboard without the internet cannot reach.
ICON = Path(__file__).resolve().parent / "icon.png"
st.set_page_config(page_title="Pulse", page_icon=ICON, layout="wide")

try:
    settings = get_settings()
    get_home_engine()
    account = signed_in_account()
    if account is None:
        render_sign_in()
        st.stop()
    roles = user_workspaces(account)  # read once a run: the entry and the picker share it
    workspace = enter_workspace(roles)
    user = current_user()
except PulseError as error:
    render_error(error)
    st.stop()
if workspace is None or user is None:
    st.error("Your account has no role in any workspace.", icon=":material/lock:")
    st.info("Ask an admin to grant you one: `pulse workspaces grant WORKSPACE USER ROLE`.")
    st.stop()

PAGES = Path(__file__).resolve().parent / "app_pages"
reader = user.can("viewer")  # a staff account sees only the Observations page (the others refuse it too)
pulse = st.Page(PAGES / "pulse.py", title="Pulse", icon=":material/monitor_heart:", default=reader)
trends = st.Page(PAGES / "trends.py", title="Trends", icon=":material/show_chart:")
loyalty = st.Page(PAGES / "loyalty.py", title="Loyalty", icon=":material/loyalty:")
locations = st.Page(PAGES / "locations.py", title="Locations", icon=":material/storefront:")
themes = st.Page(PAGES / "themes.py", title="Themes", icon=":material/forum:")
explorer = st.Page(PAGES / "explorer.py", title="Explorer", icon=":material/search:")
# /follow-up?case=ID opens a case: the links of case notifications
follow_up = st.Page(
    PAGES / "follow_up.py", title="Follow-up", icon=":material/support_agent:", url_path="follow-up"
)
observations = st.Page(
    PAGES / "observations.py", title="Observations", icon=":material/edit_note:", default=not reader
)
navigation = st.navigation(
    [
        pulse,
        follow_up,
        trends,
        loyalty,
        locations,
        themes,
        st.Page(PAGES / "rollouts.py", title="Rollouts", icon=":material/rocket_launch:"),
        explorer,
        observations,
        st.Page(PAGES / "sources.py", title="Sources", icon=":material/database:"),
    ]
    if reader
    else [observations]
)
with st.sidebar:
    st.markdown(f"### {settings.business_name if workspace == DEFAULT_WORKSPACE else workspace}")
    st.caption("Is automation making us feel impersonal? Feedback, week by week.")
    render_workspace_picker(roles)
    render_who(user)
    if navigation in (
        pulse,
        trends,
        loyalty,
        locations,
        themes,
        explorer,
    ):  # the pages with filters (their choices need the counts)
        render_sidebar_filters(load_filter_options(data_version()))
    else:
        keep_filters_in_link()
navigation.run()
