"""The Rollouts page's forms: one form to tag a new rollout or to change one's fields, and a delete that acts only
after an explicit confirmation. All write through store.rollouts, by the rollout's id, which checks the fields and
keeps every change in the audit trail with who made it; each checks the editor role on the server before writing.
Every widget of the editor is keyed on the rollout's id, never on its label or place in the list, and each write
says afterwards what it wrote to which rollout.

The forms are bordered containers, not st.form: picking "A new channel…" shows a box for its name at once (a
form would show it only after a submit). A new rollout has no kind until one is chosen; the channel is one of
those the feedback has, all channels, or a new one."""

from __future__ import annotations

from datetime import date
from itertools import cycle
from typing import Any

import polars as pl
import streamlit as st

from dashboard.auth import OPEN_ACCESS, allowed, current_user, tagged_by
from dashboard.components import flash, pick_by_id, render_error
from dashboard.data import data_version, get_engine, load_filter_options
from pulse.errors import InputError, PulseError
from pulse.formatting import format_day, kind_words
from pulse.plain_text import markdown_literal
from reports.findings import ALL_CHANNELS
from store.rollouts import (
    ROLLOUT_KINDS,
    Rollout,
    add_rollout,
    delete_rollout,
    describe_change,
    update_rollout,
)

# What the form to tag a new rollout starts with: no kind until one is chosen.
NEW_ROLLOUT: dict[str, Any] = {
    "name": "",
    "kind": None,
    "started_on": "today",
    "ended_on": None,
    "channel": None,
    "description": "",
}
EVERY_CHANNEL = "All channels"
NEW_CHANNEL = "A new channel…"


def render_rollout_editor(rollouts: pl.DataFrame) -> None:
    """Pick a rollout, then edit or delete it (editors and admins only)."""
    st.subheader("Edit or delete a rollout")
    by_id = {row["id"]: row for row in rollouts.iter_rows(named=True)}
    labels = {rollout_id: rollout_label(row["name"], row["started_on"]) for rollout_id, row in by_id.items()}
    rollout_id = pick_by_id("Rollout", labels, key="rollouts__pick", placeholder="Choose a rollout to change")
    if rollout_id is None:
        return
    current = by_id[rollout_id]
    by = ask_who("rollouts__editor")
    render_rollout_form(current, by)
    render_delete(current, by)


def rollout_label(name: str, started_on: date) -> str:
    """'Support chatbot (from 13 Apr 2026)'."""
    return f"{name} (from {format_day(started_on)})"


def channel_words(channel: str | None) -> str:
    """A rollout's channel as the form and the timeline show it: 'All channels' when it touched every one."""
    return EVERY_CHANNEL if channel in ALL_CHANNELS else str(channel)


def channel_options(stored: str | None) -> list[str]:
    """What the channel picker offers: all channels, the channels the feedback has (and the rollout's own
    when the feedback has none of it yet), and a new one."""
    channels = set(load_filter_options(data_version()).channels)
    if stored not in ALL_CHANNELS:
        channels.add(str(stored))
    return [EVERY_CHANNEL, *sorted(channels), NEW_CHANNEL]


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
    with st.container(border=True, key=form_key):
        if current is None:
            st.markdown("**Tag a rollout**")
        columns = cycle(st.columns(2))  # the short fields two by two, left then right
        kind = values["kind"]
        entered = {
            "name": next(columns).text_input(
                "Name", values["name"], key=key("name"), placeholder="Support chatbot"
            ),
            "kind": next(columns).selectbox(
                "Kind",
                ROLLOUT_KINDS,
                index=None if kind is None else ROLLOUT_KINDS.index(kind),
                format_func=kind_words,
                key=key("kind"),
                placeholder="Choose a kind",
            ),
            "started_on": next(columns).date_input("Started on", values["started_on"], key=key("started_on")),
        }
        if current is not None:
            entered["ended_on"] = next(columns).date_input(
                "Ended on (empty: still running)", values["ended_on"], key=key("ended_on")
            )
        channels = channel_options(values["channel"])
        entered["channel"] = next(columns).selectbox(
            "Channel it affects",
            channels,
            index=channels.index(channel_words(values["channel"])),
            key=key("channel"),
            help="The channel of the customers it touched; the others then serve as a comparison.",
        )
        if entered["channel"] == NEW_CHANNEL:
            entered["new_channel"] = next(columns).text_input(
                "New channel", key=key("new_channel"), placeholder="phone"
            )
        entered["description"] = st.text_area(
            "What changed for customers", values["description"], key=key("description")
        )
        who = ask_who("rollouts__by") if by is None else by
        submitted = st.button(
            "Add rollout" if current is None else "Save changes", type="primary", key=f"{form_key}__submit"
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


def cleaned_fields(entered: dict[str, Any], stored_channel: str | None = None) -> dict[str, Any]:
    """The form's fields as they are stored: text trimmed; the channel picked, the name typed for a new one, or
    None for all channels (as `stored_channel` says it, when it already does: 'all' from a file). A rollout
    without a kind, or a new channel without a name, is refused."""
    cleaned = {name: (value.strip() if isinstance(value, str) else value) for name, value in entered.items()}
    if cleaned["kind"] is None:
        named = bool(cleaned["name"])
        raise InputError(
            "A rollout needs a kind." if named else "A rollout needs a name and a kind.",
            hint="Choose its kind (Other when none fits)."
            if named
            else "Give it a short name, e.g. 'Support chatbot', and choose its kind (Other when none fits).",
        )
    new_channel = cleaned.pop("new_channel", "")
    if cleaned["channel"] == EVERY_CHANNEL:
        cleaned["channel"] = stored_channel if stored_channel in ALL_CHANNELS else None
    elif cleaned["channel"] == NEW_CHANNEL:
        if not new_channel:
            raise InputError(
                "The new channel needs a name.", hint="Type it under New channel, or pick one from the list."
            )
        cleaned["channel"] = new_channel
    return cleaned


def add_new(entered: dict[str, Any], by: str) -> None:
    try:
        fields = cleaned_fields(entered)
        add_rollout(get_engine(), Rollout(**fields), by=by)
        judge_rollouts()
    except PulseError as error:
        render_error(error)
        return
    for field in entered:  # the form starts again empty (the name of who tags it stays)
        st.session_state.pop(field_key(field, None), None)
    flash(f"Added '{markdown_literal(fields['name'])}' to the timeline.")
    st.rerun()


def changed_fields(current: dict[str, Any], edited: dict[str, Any]) -> dict[str, Any]:
    """The fields whose edited value differs from the stored one (cleaned as cleaned_fields does)."""
    cleaned = cleaned_fields(edited, current["channel"])
    return {name: value for name, value in cleaned.items() if value != current[name]}


def save_changes(current: dict[str, Any], edited: dict[str, Any], by: str) -> None:
    try:
        changes = changed_fields(current, edited)
        if not changes:
            st.info("Nothing changed.", icon=":material/info:")
            return
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
    rollout_id, label = current["id"], rollout_label(current["name"], current["started_on"])
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
    label = markdown_literal(rollout_label(removed.name, removed.started_on))
    flash(f"Deleted '{label}' (id {rollout_id}); its history is kept.")
    st.rerun()


def judge_rollouts() -> None:
    """After a change to the timeline: every rollout judged again and the verdicts stored (the pipeline's step,
    analysis/impact_pipeline.py), so that the Rollouts and Trends pages, which only read them, show the change."""
    from analysis.impact_pipeline import refresh_rollout_impacts  # scipy and statsmodels: not at start-up

    with st.spinner("Judging the rollouts…"):
        refresh_rollout_impacts(get_engine())
