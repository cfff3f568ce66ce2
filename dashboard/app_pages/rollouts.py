"""Rollouts: the timeline of automation changes, a form to tag a new one, and an editor to change or delete one."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from dashboard.auth import allowed
from dashboard.components import render_empty_state, render_flash
from dashboard.data import (
    data_version,
    get_settings,
    load_rollout_changes,
    load_rollout_impacts,
    load_rollouts,
)
from pulse.formatting import format_day
from dashboard.rollout_editor import render_rollout_editor, render_rollout_form
from pulse.plain_text import markdown_literal
from reports.findings import findings_rows, theme_rows

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
        "Every vital sign on all the weeks since each start (until the next rollout on the same customers), "
        "against the weeks before; against the channels no rollout touched, when it touched one. Clear: "
        "beyond what weekly looks and several signals produce by chance 1 time in 20. Likely: 9 in 10 or "
        "more. See the README."
    )
    for impact in load_rollout_impacts(version):
        with st.container(border=True):
            name = markdown_literal(impact["name"])  # as typed: a name is never Markdown
            started = format_day(date.fromisoformat(impact["started_on"]))
            st.markdown(f"**{name}** · from {started} · {impact['method']}")
            st.text(impact["verdict"])
            if impact.get("findings"):
                st.dataframe(findings_rows(impact["findings"]), hide_index=True, width="stretch")
            if impact.get("themes"):
                with st.expander("Which themes the NPS change comes from"):
                    st.dataframe(theme_rows(impact["themes"]), hide_index=True, width="stretch")
            st.caption(impact["detectable"])
            for warning in impact["warnings"]:  # they name the other rollouts
                st.warning(markdown_literal(warning), icon=":material/warning:")

history = load_rollout_changes(version)
if not history.is_empty():
    with st.expander(f"Change history ({history.height})"):
        st.dataframe(
            history.with_columns(pl.col("changed_at").dt.convert_time_zone(get_settings().timezone)),
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

render_rollout_form()

if not rollouts.is_empty():
    render_rollout_editor(rollouts)
