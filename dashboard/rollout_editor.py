"""The Rollouts page's forms: one form to tag a new rollout or to change one's fields, and a delete that acts only
after an explicit confirmation. All write through store.rollouts, by the rollout's id, which checks the fields and
keeps every change in the audit trail with who made it; each checks the editor role on the server before writing.
Every widget of the editor is keyed on the rollout's id, never on its label or place in the list, and each write
says afterwards what it wrote to which rollout."""

from __future__ import annotations

from itertools import cycle
from typing import Any

import polars as pl
import streamlit as st

from dashboard.auth import OPEN_ACCESS, allowed, current_user, tagged_by
from dashboard.components import flash, pick_by_id, render_error
from dashboard.data import get_engine
from pulse.errors import PulseError
from pulse.plain_text import markdown_literal
from store.rollouts import (
    ROLLOUT_KINDS,
    Rollout,
    add_rollout,
    delete_rollout,
    describe_change,
    update_rollout,
)

# What the form to tag a new rollout starts with.
NEW_ROLLOUT: dict[str, Any] = {
    "name": "",
    "kind": ROLLOUT_KINDS[0],
    "started_on": "today",
    "ended_on": None,
    "channel": None,
    "description": "",
}


def render_rollout_editor(rollouts: pl.DataFrame) -> None:
    """Pick a rollout, then edit or delete it (editors and admins only)."""
    st.subheader("Edit or delete a rollout")
    by_id = {row["id"]: row for row in rollouts.iter_rows(named=True)}
    labels = {rollout_id: rollout_label(row) for rollout_id, row in by_id.items()}
    rollout_id = pick_by_id("Rollout", labels, key="rollouts__pick", placeholder="Choose a rollout to change")
    if rollout_id is None:
        return
    current = by_id[rollout_id]
    by = ask_who("rollouts__editor")
    render_rollout_form(current, by)
    render_delete(current, by)


def rollout_label(row: dict[str, Any]) -> str:
    return f"{row['name']} (from {row['started_on']})"


def ask_who(key: str) -> str:
    """Who makes a change: the name typed in a "Your name" box under open access, else the signed-in user."""
    who = st.text_input("Your name", key=key) if current_user() is OPEN_ACCESS else ""
    return who.strip() or tagged_by()


def render_rollout_form(current: dict[str, Any] | None = None, by: str | None = None) -> None:
    """The form to tag a new rollout or, given `current`, to change its fields (its end date too). `by` says who
    makes the change; when None, the form asks for it (see ask_who). Only an editor's submit writes."""
    values = NEW_ROLLOUT if current is None else current

    def key(field: str) -> str:
        return field_key(field, None if current is None else current["id"])

    form_key = "rollouts__add" if current is None else f"rollouts__edit_{current['id']}"
    with st.form(form_key, clear_on_submit=current is None):
        if current is None:
            st.markdown("**Tag a rollout**")
        columns = cycle(st.columns(2))  # the short fields two by two, left then right
        entered = {
            "name": next(columns).text_input(
                "Name", values["name"], key=key("name"), placeholder="Support chatbot"
            ),
            "kind": next(columns).selectbox(
                "Kind", ROLLOUT_KINDS, index=ROLLOUT_KINDS.index(values["kind"]), key=key("kind")
            ),
            "started_on": next(columns).date_input("Started on", values["started_on"], key=key("started_on")),
        }
        if current is not None:
            entered["ended_on"] = next(columns).date_input(
                "Ended on (empty: still running)", values["ended_on"], key=key("ended_on")
            )
        entered["channel"] = next(columns).text_input(
            "Channel it affects",
            values["channel"] or "",
            key=key("channel"),
            placeholder="online, in-store, all",
        )
        entered["description"] = st.text_area(
            "What changed for customers", values["description"], key=key("description")
        )
        who = ask_who("rollouts__by") if by is None else by
        submitted = st.form_submit_button(
            "Add rollout" if current is None else "Save changes", type="primary"
        )
    if not submitted or not allowed("editor"):
        return
    if current is None:
        add_new(entered, who)
    else:
        save_changes(current, entered, who)


def field_key(field: str, rollout_id: int | None) -> str:
    """The key of a field's widget: in the form to tag a new rollout (`rollout_id` None), or in the form to
    change the rollout of that id."""
    return f"rollouts__{field}" if rollout_id is None else f"rollouts__edit_{field}_{rollout_id}"


def cleaned_fields(entered: dict[str, Any]) -> dict[str, Any]:
    """The form's fields as they are stored: text trimmed, an empty channel None."""
    cleaned = {name: (value.strip() if isinstance(value, str) else value) for name, value in entered.items()}
    cleaned["channel"] = cleaned["channel"] or None
    return cleaned


def add_new(entered: dict[str, Any], by: str) -> None:
    fields = cleaned_fields(entered)
    try:
        add_rollout(get_engine(), Rollout(**fields), by=by)
        judge_rollouts()
    except PulseError as error:
        render_error(error)
        return
    flash(f"Added '{markdown_literal(fields['name'])}' to the timeline.")
    st.rerun()


def changed_fields(current: dict[str, Any], edited: dict[str, Any]) -> dict[str, Any]:
    """The fields whose edited value differs from the stored one (cleaned as cleaned_fields does)."""
    return {name: value for name, value in cleaned_fields(edited).items() if value != current[name]}


def save_changes(current: dict[str, Any], edited: dict[str, Any], by: str) -> None:
    changes = changed_fields(current, edited)
    if not changes:
        st.info("Nothing changed.", icon=":material/info:")
        return
    try:
        updated = update_rollout(get_engine(), current["id"], changes, by=by)
        judge_rollouts()
    except PulseError as error:
        render_error(error)
        return
    for field in edited:  # the form starts again from what is stored
        st.session_state.pop(field_key(field, current["id"]), None)
    before = {name: current[name] for name in changes}
    after = {name: getattr(updated, name) for name in changes}
    saved = markdown_literal(describe_change(before, after))
    flash(f"Saved rollout '{markdown_literal(updated.name)}' (id {current['id']}): {saved}.")
    st.rerun()


def render_delete(current: dict[str, Any], by: str) -> None:
    """A delete button that acts only once the confirmation box, which names the rollout, is ticked; both are
    keyed on the rollout's id, and the rollout deleted is the one of that id."""
    rollout_id, label = current["id"], rollout_label(current)
    confirmed = st.checkbox(
        f"Yes, delete '{markdown_literal(label)}'", key=f"rollouts__confirm_delete_{rollout_id}"
    )
    if not st.button("Delete rollout", key=f"rollouts__delete_{rollout_id}") or not allowed("editor"):
        return
    if not confirmed:
        st.warning(
            f"Tick the box to confirm first: '{markdown_literal(label)}' was not deleted.",
            icon=":material/warning:",
        )
        return
    try:
        removed = delete_rollout(get_engine(), rollout_id, by=by)
        judge_rollouts()
    except PulseError as error:
        render_error(error)
        return
    label = markdown_literal(f"{removed.name} (from {removed.started_on})")
    flash(f"Deleted '{label}' (id {rollout_id}); its history is kept.")
    st.rerun()


def judge_rollouts() -> None:
    """After a change to the timeline: every rollout judged again and the verdicts stored (the pipeline's step,
    analysis/impact_pipeline.py), so that the Rollouts and Trends pages, which only read them, show the change."""
    from analysis.impact_pipeline import refresh_rollout_impacts  # scipy and statsmodels: not at start-up

    with st.spinner("Judging the rollouts…"):
        refresh_rollout_impacts(get_engine())
