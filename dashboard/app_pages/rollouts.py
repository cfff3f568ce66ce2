"""Rollouts: the timeline of automation changes, a form to tag a new one, and an editor to change or delete one."""

from __future__ import annotations

import streamlit as st

from dashboard.auth import OPEN_ACCESS, allowed, current_user, tagged_by
from dashboard.components import flash, render_empty_state, render_error, render_flash
from dashboard.data import (
    data_version,
    get_engine,
    load_rollout_changes,
    load_rollout_impacts,
    load_rollouts,
)
from dashboard.rollout_editor import render_rollout_editor
from pulse.errors import PulseError
from store.rollouts import ROLLOUT_KINDS, Rollout, add_rollout

st.title("Automation rollouts")
st.caption("Each automation change, dated, so that its effect on customers can be checked, not assumed.")
render_flash()

version = data_version()
rollouts = load_rollouts(version)
if rollouts.is_empty():
    render_empty_state(
        "No rollouts on the timeline yet.", "Add the first one below, or `pulse rollouts import FILE`."
    )
else:
    st.dataframe(
        rollouts.select("name", "kind", "channel", "started_on", "ended_on", "description", "created_by"),
        hide_index=True,
        width="stretch",
        column_config={
            "name": "Rollout",
            "kind": "Kind",
            "channel": "Channel",
            "started_on": "Started",
            "ended_on": "Ended",
            "description": "What changed",
            "created_by": "Tagged by",
        },
    )

    st.subheader("Did it change how customers feel?")
    st.caption(
        "NPS in the 8 weeks after each start against the 8 weeks before, with 95% intervals; against the "
        "channels it did not touch when it touched one; a trend model where there is half a year of history. "
        "See the README."
    )
    for impact in load_rollout_impacts(version):
        with st.container(border=True):
            st.markdown(f"**{impact['name']}** · from {impact['started_on']} · {impact['method']}")
            st.text(impact["verdict"])
            st.caption(impact["detectable"])
            for warning in impact["warnings"]:
                st.warning(warning, icon=":material/warning:")

history = load_rollout_changes(version)
if not history.is_empty():
    with st.expander(f"Change history ({history.height})"):
        st.dataframe(
            history,
            hide_index=True,
            width="stretch",
            column_config={
                "rollout_id": "Rollout",
                "action": "Change",
                "changed_by": "By",
                "changed_at": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm"),
                "what": "What changed",
            },
        )

if not allowed("editor"):
    st.info("Viewers see the timeline; an editor or admin tags rollouts, and edits or deletes them.")
    st.stop()

with st.form("rollouts__add", clear_on_submit=True):
    st.markdown("**Tag a rollout**")
    left, right = st.columns(2)
    name = left.text_input("Name", key="rollouts__name", placeholder="Support chatbot")
    kind = right.selectbox("Kind", ROLLOUT_KINDS, key="rollouts__kind")
    started_on = left.date_input("Started on", key="rollouts__started_on")
    channel = right.text_input(
        "Channel it affects", key="rollouts__channel", placeholder="online, in-store, all"
    )
    description = st.text_area("What changed for customers", key="rollouts__description")
    by = st.text_input("Your name", key="rollouts__by") if current_user() is OPEN_ACCESS else ""
    if st.form_submit_button("Add rollout", type="primary") and allowed("editor"):
        try:
            add_rollout(
                get_engine(),
                Rollout(
                    name=name.strip(),
                    kind=kind,
                    started_on=started_on,
                    channel=channel.strip() or None,
                    description=description.strip(),
                ),
                by=by.strip() or tagged_by(),
            )
            flash(f"Added '{name.strip()}' to the timeline.")
            st.rerun()
        except PulseError as error:
            render_error(error)

if not rollouts.is_empty():
    render_rollout_editor(rollouts)
