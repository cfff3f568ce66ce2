"""The Follow-up page's writes: move a case on (assign it, mark it contacted, resolved or no reply, reopen it,
add a note) and change the rules that make cases. Each checks the role on the server before it writes (editors
move cases on; admins change the rules), records who did it (dashboard.auth.tagged_by: the signed-in user, or
"dashboard" under open access), says what it did, and reruns the page, which reads the cases afresh.
Every widget is keyed on the case's id or the rule's key."""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from analysis.case_rules import THRESHOLD_RANGES, CaseRule, check_rule
from dashboard.auth import OPEN_ACCESS, allowed, current_user, tagged_by
from dashboard.components import flash, render_error
from dashboard.data import get_engine
from pulse.errors import PulseError
from pulse.plain_text import markdown_literal
from reports.follow_up import status_words
from store.cases import RuleChange, add_case_note, assign_case, set_case_status, write_rule_change

NOBODY = "Nobody"
SOMEONE_ELSE = "Someone else…"
ME = "Me"
THRESHOLD_LABELS = {"detractor": "NPS at most", "low_stars": "Stars at most"}  # the rules with a threshold
MAX_DUE_HOURS = 2000  # analysis.case_rules.check_rule's limit


def signed_in_name() -> str | None:
    """The signed-in user's name; None under open access, where nobody is "me"."""
    user = current_user()
    return None if user is None or user is OPEN_ACCESS else user.username


def assignee_options(user_names: list[str], current: str | None) -> list[str]:
    """Whom a case can go to: the signed-in user first (as "Me"), the other accounts, its assignee now (an
    account removed since, or a name typed), nobody, or a name to type."""
    me = signed_in_name()
    names = [name for name in user_names if name != me]
    if current and current != me and current not in names:
        names.append(current)
    return [*([ME] if me else []), *names, NOBODY, SOMEONE_ELSE]


def chosen_assignee(choice: str, typed: str) -> str | None:
    """The assignee that a choice of assignee_options means (None: nobody)."""
    if choice == ME:
        return tagged_by()
    if choice == NOBODY:
        return None
    if choice == SOMEONE_ELSE:
        return typed.strip() or None
    return choice


def render_case_actions(case: dict[str, Any], user_names: list[str]) -> None:
    """The buttons that move the case on (editors and admins only; the page shows them only to them)."""
    case_id = case["id"]
    closed = case["closed_at"] is not None
    with st.container(border=True, key=f"follow_up__actions_{case_id}"):
        st.markdown("**Move the case on**")
        options = assignee_options(user_names, case["assignee"])
        mine = case["assignee"] is not None and case["assignee"] == signed_in_name()
        current = ME if mine else case["assignee"] or NOBODY
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        choice = left.selectbox(
            "Assign to", options, index=options.index(current), key=f"follow_up__assignee_{case_id}"
        )
        typed = (
            left.text_input("Their name", key=f"follow_up__assignee_name_{case_id}")
            if choice == SOMEONE_ELSE
            else ""
        )
        if right.button("Assign", key=f"follow_up__assign_{case_id}", width="stretch"):
            assign(case, chosen_assignee(choice, typed))
        with st.container(horizontal=True):
            if closed:
                if st.button("Reopen", key=f"follow_up__reopen_{case_id}", icon=":material/undo:"):
                    reopened = "contacted" if case["first_contact_at"] is not None else "new"
                    if reopened == "new" and case["assignee"]:
                        reopened = "assigned"
                    move(case, reopened)
            else:
                for status, label, icon in (
                    ("contacted", "Mark contacted", ":material/call:"),
                    ("resolved", "Mark resolved", ":material/task_alt:"),
                    ("no_reply", "Mark no reply", ":material/phone_missed:"),
                ):
                    if st.button(
                        label,
                        key=f"follow_up__{status}_{case_id}",
                        icon=icon,
                        disabled=case["status"] == status,
                        type="primary"
                        if status == "contacted" and case["first_contact_at"] is None
                        else "secondary",
                    ):
                        move(case, status)
        note = st.text_area(
            "Note",
            key=f"follow_up__note_{case_id}",
            placeholder="Called, apologised, offered a refund",
            help="Kept in the case's history with your name.",
        )
        if st.button("Add note", key=f"follow_up__add_note_{case_id}", icon=":material/edit_note:"):
            add_note(case, note)


def assign(case: dict[str, Any], assignee: str | None) -> None:
    if not allowed("editor"):
        return
    try:
        assign_case(get_engine(), case["id"], assignee, by=tagged_by())
    except PulseError as error:
        render_error(error)
        return
    for field in ("assignee", "assignee_name"):  # the boxes start again from what is stored
        st.session_state.pop(f"follow_up__{field}_{case['id']}", None)
    whom = markdown_literal(assignee) if assignee else "nobody"
    flash(f"Case {case['id']} assigned to {whom}.")
    st.rerun()


def move(case: dict[str, Any], status: str) -> None:
    if not allowed("editor"):
        return
    try:
        set_case_status(get_engine(), case["id"], status, by=tagged_by())
    except PulseError as error:
        render_error(error)
        return
    flash(f"Case {case['id']}: {status_words(status)}.")
    st.rerun()


def add_note(case: dict[str, Any], note: str) -> None:
    if not allowed("editor"):
        return
    try:
        add_case_note(get_engine(), case["id"], note, by=tagged_by())
    except PulseError as error:
        render_error(error)
        return
    st.session_state.pop(f"follow_up__note_{case['id']}", None)  # the box starts empty again
    flash(f"Note added to case {case['id']}.")
    st.rerun()


def rules_table(rules: list[CaseRule]) -> pl.DataFrame:
    """The rules as everyone can read them."""
    return pl.DataFrame(
        {
            "Rule": [rule.label for rule in rules],
            "On": [rule.enabled for rule in rules],
            "New cases go to": [rule.assignee or NOBODY for rule in rules],
            "First contact due within (business hours)": [rule.due_hours for rule in rules],
        }
    )


def render_rules_editor(rules: list[CaseRule], user_names: list[str]) -> None:
    """The rules that make cases: a table for everyone, a form for admins (who decide what makes work for the
    team and where it goes). Only the rules whose settings changed are saved, each with who changed it."""
    st.dataframe(rules_table(rules), hide_index=True, width="stretch")
    st.caption(
        "A case is due within business hours (PULSE_BUSINESS_HOURS). The rules apply to the cases that "
        "`pulse analyze` makes from then on; the first rule a comment meets is its reason."
    )
    if not allowed("admin"):
        st.caption("An admin changes the rules.")
        return
    entered = {}
    for rule in rules:
        with st.container(border=True, key=f"follow_up__rule_{rule.key}"):
            st.markdown(f"**{markdown_literal(rule.label)}**")
            on, threshold, assignee, due = st.columns(4, vertical_alignment="bottom")
            enabled = on.checkbox("On", rule.enabled, key=f"follow_up__rule_enabled_{rule.key}")
            value = rule.threshold
            if rule.key in THRESHOLD_RANGES and rule.threshold is not None:
                low, high = THRESHOLD_RANGES[rule.key]
                value = int(
                    threshold.number_input(
                        THRESHOLD_LABELS[rule.key],
                        low,
                        high,
                        rule.threshold,
                        step=1,
                        key=f"follow_up__rule_threshold_{rule.key}",
                    )
                )
            options = [NOBODY, *user_names]
            if rule.assignee and rule.assignee not in options:
                options.append(rule.assignee)
            goes_to = assignee.selectbox(
                "New cases go to",
                options,
                index=options.index(rule.assignee or NOBODY),
                key=f"follow_up__rule_assignee_{rule.key}",
            )
            hours = due.number_input(
                "Due within (business hours)",
                1,
                MAX_DUE_HOURS,
                int(rule.due_hours),
                step=1,
                key=f"follow_up__rule_due_{rule.key}",
            )
            entered[rule.key] = CaseRule(
                rule.key, enabled, value, None if goes_to == NOBODY else goes_to, int(hours)
            )
    if st.button("Save rules", type="primary", key="follow_up__save_rules") and allowed("admin"):
        save_rules(rules, entered)


def save_rules(rules: list[CaseRule], entered: dict[str, CaseRule]) -> None:
    stored = {rule.key: rule for rule in rules}
    changed = [rule for key, rule in entered.items() if rule != stored[key]]
    if not changed:
        st.info("Nothing changed.", icon=":material/info:")
        return
    try:
        for rule in [check_rule(rule) for rule in changed]:  # every change checked before any is written
            change = RuleChange(rule.key, rule.enabled, rule.threshold, rule.assignee, rule.due_hours)
            write_rule_change(get_engine(), change, by=tagged_by())
    except PulseError as error:
        render_error(error)
        return
    flash(
        "Saved the rules: "
        + "; ".join(markdown_literal(rule.label) for rule in changed)
        + ". They apply to the cases that `pulse analyze` makes from now on."
    )
    st.rerun()
