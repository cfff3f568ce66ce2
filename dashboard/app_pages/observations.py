"""Observations: what customers said or did today, as staff heard and saw it, in a few words with a theme and a
channel if they like. Any signed-in user adds them; staff see only their own, viewers everyone's without who
reported them, editors and admins everyone's with the name. They are scored and themed like customers' feedback
and never counted in customers' figures; the Themes page lists them beside the customers' themes."""

from __future__ import annotations

import polars as pl
import streamlit as st

from analysis.personal_data import redact_expr
from analysis.themes.staff import theme_names
from dashboard.auth import current_user, tagged_by
from dashboard.components import flash, render_empty_state, render_error, render_flash
from dashboard.data import (
    data_version,
    get_engine,
    get_settings,
    load_filter_options,
    load_observations,
    load_topics,
)
from pulse.errors import PulseError
from pulse.formatting import EMPTY, format_moment
from store.observations import MAX_OBSERVATION_CHARS, add_observation

COLUMNS = {
    "created_at": st.column_config.TextColumn("When"),
    "text": st.column_config.TextColumn(
        "What they said or did", width="large", help="Double-click a long one to read it all."
    ),
    "theme": "Theme",
    "channel": "Channel",
    "sentiment": st.column_config.TextColumn("Sentiment", help="Once `pulse analyze` has scored it."),
    "reported_by": "Reported by",
}


def observation_rows(observations: pl.DataFrame, timezone: str, names: bool) -> pl.DataFrame:
    """The observations as the tables show them: when in the business's time zone, and who reported each only
    when `names` (editors and admins)."""
    shown = observations.with_columns(
        pl.col("created_at").map_elements(
            lambda moment: format_moment(moment, timezone, sortable=True), return_dtype=pl.String
        ),
        pl.col("sentiment").fill_null("not scored yet"),
    )
    return shown.select("created_at", "text", "theme", "channel", "sentiment", *["reported_by"] * names)


version = data_version()
user = current_user()
if user is None:  # app.py signs in before any page runs
    st.stop()
timezone = get_settings().timezone
st.title("Observations")
st.caption(
    "What customers said or did today, as you heard and saw it. Pulse scores and themes it like customers' "
    "feedback but never counts it in their figures: the Themes page shows it beside the customers' themes."
)
render_flash()

with st.form("observations__form", clear_on_submit=True):
    text = st.text_area(
        "What did customers say or do today?",
        max_chars=MAX_OBSERVATION_CHARS,
        key="observations__text",
        placeholder="Two regulars asked for the phone number: the chatbot could not change their order.",
    )
    theme_column, channel_column = st.columns(2)
    theme = theme_column.selectbox(
        "Theme (optional)",
        theme_names(load_topics(version)),
        index=None,
        placeholder="No theme",
        key="observations__theme",
    )
    channel = channel_column.selectbox(
        "Channel (optional)",
        list(load_filter_options(version).channels),
        index=None,
        placeholder="No channel",
        key="observations__channel",
    )
    submitted = st.form_submit_button("Add observation", type="primary")
if submitted:
    try:
        add_observation(get_engine(), text, tagged_by(), channel, theme)
    except PulseError as error:
        render_error(error)
    else:
        flash("Thank you: your observation is kept. The next `pulse analyze` scores and themes it.")
        st.rerun()

st.subheader("Your observations")
mine = load_observations(version, tagged_by())
if mine.is_empty():
    render_empty_state("You have not added an observation yet.", "Write one in the form above.")
else:
    st.dataframe(
        observation_rows(mine, timezone, names=False),
        hide_index=True,
        width="stretch",
        placeholder=EMPTY,
        column_config=COLUMNS,
    )

if user.can("viewer"):  # staff see their own only
    names = user.can("editor")
    st.subheader("Everyone's observations")
    st.caption(
        "Who reported each is shown to editors and admins."
        if names
        else "Without who reported them: editors and admins see the names."
    )
    everyone = load_observations(version)
    if everyone.is_empty():
        render_empty_state("No observations yet.", "Staff add them with the form above.")
    else:
        if not user.can("admin"):  # as the Explorer shows customers' words
            everyone = everyone.with_columns(redact_expr(pl.col("text")).alias("text"))
        st.dataframe(
            observation_rows(everyone, timezone, names=names),
            hide_index=True,
            width="stretch",
            placeholder=EMPTY,
            column_config=COLUMNS,
        )
