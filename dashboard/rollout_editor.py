"""The Rollouts page's editor: pick a rollout, change its fields in a form, or delete it after an explicit
confirmation. Both write through store.rollouts, which keeps every change in the audit trail with who made it;
both check the editor role on the server before writing."""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from dashboard.auth import OPEN_ACCESS, allowed, current_user, tagged_by
from dashboard.components import flash, render_error
from dashboard.data import get_engine
from pulse.errors import PulseError
from store.rollouts import ROLLOUT_KINDS, delete_rollout, update_rollout


def render_rollout_editor(rollouts: pl.DataFrame) -> None:
    """Pick a rollout, then edit or delete it (editors and admins only)."""
    st.subheader("Edit or delete a rollout")
    by_id = {row["id"]: row for row in rollouts.iter_rows(named=True)}
    rollout_id = st.selectbox(
        "Rollout", list(by_id), format_func=lambda key: rollout_label(by_id[key]), key="rollouts__pick"
    )
    if rollout_id is None:
        return
    current = by_id[rollout_id]
    who = st.text_input("Your name", key="rollouts__editor") if current_user() is OPEN_ACCESS else ""
    by = who.strip() or tagged_by()
    render_edit_form(current, by)
    render_delete(current, by)


def rollout_label(row: dict[str, Any]) -> str:
    return f"{row['name']} (from {row['started_on']})"


def render_edit_form(current: dict[str, Any], by: str) -> None:
    rollout_id = current["id"]
    with st.form(f"rollouts__edit_{rollout_id}"):
        left, right = st.columns(2)
        edited = {
            "name": left.text_input("Name", current["name"], key=f"rollouts__edit_name_{rollout_id}"),
            "kind": right.selectbox(
                "Kind",
                ROLLOUT_KINDS,
                index=ROLLOUT_KINDS.index(current["kind"]),
                key=f"rollouts__edit_kind_{rollout_id}",
            ),
            "started_on": left.date_input(
                "Started on", current["started_on"], key=f"rollouts__edit_started_on_{rollout_id}"
            ),
            "ended_on": right.date_input(
                "Ended on (empty: still running)",
                current["ended_on"],
                key=f"rollouts__edit_ended_on_{rollout_id}",
            ),
            "channel": left.text_input(
                "Channel it affects", current["channel"] or "", key=f"rollouts__edit_channel_{rollout_id}"
            ),
            "description": st.text_area(
                "What changed for customers",
                current["description"],
                key=f"rollouts__edit_description_{rollout_id}",
            ),
        }
        submitted = st.form_submit_button("Save changes", type="primary")
    if submitted and allowed("editor"):
        save_changes(current, edited, by)


def changed_fields(current: dict[str, Any], edited: dict[str, Any]) -> dict[str, Any]:
    """The fields whose edited value differs from the stored one (text trimmed, an empty channel cleared)."""
    cleaned = {name: (value.strip() if isinstance(value, str) else value) for name, value in edited.items()}
    cleaned["channel"] = cleaned["channel"] or None
    return {name: value for name, value in cleaned.items() if value != current[name]}


def save_changes(current: dict[str, Any], edited: dict[str, Any], by: str) -> None:
    changes = changed_fields(current, edited)
    if not changes:
        st.info("Nothing changed.", icon=":material/info:")
        return
    try:
        updated = update_rollout(get_engine(), current["id"], changes, by=by)
    except PulseError as error:
        render_error(error)
        return
    flash(f"Saved '{updated.name}': {', '.join(changes)} changed.")
    st.rerun()


def render_delete(current: dict[str, Any], by: str) -> None:
    """A delete button that acts only once the confirmation box is ticked."""
    rollout_id, label = current["id"], rollout_label(current)
    confirmed = st.checkbox(f"Yes, delete '{label}'", key=f"rollouts__confirm_delete_{rollout_id}")
    if not st.button("Delete rollout", key=f"rollouts__delete_{rollout_id}") or not allowed("editor"):
        return
    if not confirmed:
        st.warning(f"Tick the box to confirm first: '{label}' was not deleted.", icon=":material/warning:")
        return
    try:
        delete_rollout(get_engine(), rollout_id, by=by)
    except PulseError as error:
        render_error(error)
        return
    flash(f"Deleted '{label}'; its history is kept.")
    st.rerun()
