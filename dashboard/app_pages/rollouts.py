"""Rollouts: the timeline of automation changes, what each did to customers in plain words (how it was worked out
a click away), a form to tag a new one, and an editor to change or delete one."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import streamlit as st

from dashboard.auth import allowed, require_role
from dashboard.components import render_empty_state, render_flash
from dashboard.data import (
    data_version,
    get_settings,
    load_rollout_changes,
    load_rollout_impacts,
    load_rollouts,
)
from dashboard.rollout_editor import channel_words, render_rollout_editor, render_rollout_form
from pulse.formatting import EMPTY, format_day, kind_words
from pulse.plain_text import markdown_literal
from reports.findings import findings_rows, range_rows, theme_rows
from store.rollouts import ROLLOUT_KINDS

HOW_IT_IS_JUDGED = (
    "Every vital sign on all the weeks since each start (until the next rollout on the same customers), "
    "against the weeks before; against the channels no rollout touched, when it touched one. Clear: beyond "
    "what weekly looks and several signals produce by chance 1 time in 20. Likely: 9 in 10 or more. 95% range: "
    "the true change lies in it 95 times in 100. See the README."
)


def timeline_table(rollouts: pl.DataFrame) -> pl.DataFrame:
    """The timeline as people read it: kinds and channels in words, no description an empty cell (which the
    table shows as a dash, as it does a rollout still running)."""
    return rollouts.select(
        "name",
        pl.col("kind").replace({kind: kind_words(kind) for kind in ROLLOUT_KINDS}),
        pl.col("channel").map_elements(channel_words, return_dtype=pl.String, skip_nulls=False),
        "started_on",
        "ended_on",
        pl.when(pl.col("description").str.strip_chars() != "")
        .then(pl.col("description"))
        .alias("description"),
        "created_by",
    )


def render_impact(impact: dict[str, Any]) -> None:
    """A rollout's card: what changed and how sure Pulse is, in words; how that was worked out, folded away."""
    findings = impact.get("findings") or []
    with st.container(border=True):
        name = markdown_literal(impact["name"])  # as typed: a name is never Markdown
        st.markdown(f"**{name}** · from {format_day(date.fromisoformat(impact['started_on']))}")
        st.text(impact["verdict"])
        if findings:
            st.dataframe(findings_rows(findings), hide_index=True, width="stretch")
        if impact.get("themes"):
            with st.expander("Which themes the NPS change comes from"):
                st.dataframe(theme_rows(impact["themes"]), hide_index=True, width="stretch")
        for warning in impact["warnings"]:  # they name the other rollouts
            st.warning(markdown_literal(warning), icon=":material/warning:")
        with st.expander("How this was worked out"):
            st.markdown(f"**Weeks compared:** {markdown_literal(impact['method'])}")
            if ranges := range_rows(findings):
                st.dataframe(ranges, hide_index=True, width="stretch")
            st.caption(impact["detectable"])
            st.caption(HOW_IT_IS_JUDGED)


def named_history(history: pl.DataFrame, rollouts: pl.DataFrame) -> pl.DataFrame:
    """The audit trail with each change's rollout named: by its name now, or, once deleted, the name it had
    then (a deletion's `what`)."""
    names = pl.concat(
        [
            rollouts.select(pl.col("id").cast(pl.Int64).alias("rollout_id"), pl.col("name").cast(pl.String)),
            history.filter(pl.col("action") == "deleted").select("rollout_id", pl.col("what").alias("name")),
        ]
    ).unique("rollout_id", keep="first", maintain_order=True)
    return history.join(names, on="rollout_id", how="left", maintain_order="left").select(
        "name", "action", "changed_by", "changed_at", "what", "rollout_id"
    )


require_role("viewer")  # staff accounts only add observations
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
        timeline_table(rollouts),
        hide_index=True,
        width="stretch",
        placeholder=EMPTY,
        column_config={
            "name": "Rollout",
            "kind": "Kind",
            "channel": "Channel",
            "started_on": st.column_config.DateColumn("Started", format="D MMM YYYY"),
            "ended_on": st.column_config.DateColumn("Ended", format="D MMM YYYY"),
            "description": st.column_config.TextColumn("What changed", width="large"),
            "created_by": "Tagged by",
        },
    )

    st.subheader("Did it change how customers feel?")
    st.caption("For each rollout: what changed for customers since it started, and how sure Pulse is of it.")
    for impact in load_rollout_impacts(version):
        render_impact(impact)

history = load_rollout_changes(version)
if not history.is_empty():
    with st.expander(f"Change history ({history.height})"):
        st.dataframe(
            named_history(history, rollouts).with_columns(
                pl.col("changed_at").dt.convert_time_zone(get_settings().timezone)
            ),
            hide_index=True,
            width="stretch",
            column_config={
                "name": "Rollout",
                "action": "Change",
                "changed_by": "By",
                "changed_at": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm"),
                "what": "What changed",
                "rollout_id": "Id",
            },
        )

if not allowed("editor"):
    st.info("Viewers see the timeline; an editor or admin tags rollouts, and edits or deletes them.")
    st.stop()

render_rollout_form()

if not rollouts.is_empty():
    render_rollout_editor(rollouts)
