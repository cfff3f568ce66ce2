"""Follow-up: the unhappy customers a person contacts. How the team is doing (open and overdue cases, the share
contacted within the due time, the median time to first contact), my cases or all of them, overdue first, and
the case picked (or opened by a link, `?case=ID`): the customer's words and scores, how to reach them (editors
and admins only), the buttons that move it on (editors and admins) and its history. The rules that make cases
below (admins change them)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import polars as pl
import streamlit as st

from analysis.case_measures import CaseMeasures, case_measures, order_cases, weekly_case_measures
from analysis.personal_data import redact, redact_expr
from analysis.quotes import shorten
from dashboard.auth import allowed, require_role
from dashboard.case_editor import render_case_actions, render_rules_editor, signed_in_name
from dashboard.components import render_empty_state, render_flash, render_kpi_row
from dashboard.data import (
    cases_stamp,
    data_version,
    get_settings,
    load_case_events,
    load_case_notifications,
    load_case_outcomes,
    load_case_rules,
    load_cases,
    load_contacts,
    load_user_names,
)
from dashboard.kpis import Kpi
from pulse.formatting import EMPTY, format_moment, format_share, format_week
from pulse.plain_text import markdown_literal
from reports.follow_up import (
    due_words,
    event_words,
    follow_up_summary,
    format_hours,
    in_time_help,
    median_help,
    outcome_sentences,
    status_words,
)
from store.cases import CLOSED_STATUSES
from store.schema import CASE_STATUSES

CASE_PARAM = "case"  # ?case=ID opens that case (the links in case notifications: /follow-up?case=ID)
PICK = "follow_up__case"
NOT_CLOSED = [status for status in CASE_STATUSES if status not in CLOSED_STATUSES]  # listed at first


def case_list_table(
    cases: pl.DataFrame, now: datetime, reasons: dict[str, str], timezone: str
) -> pl.DataFrame:
    """The listed cases as people read them, in the order given: when contact is due (overdue marked), why the
    case was made, its status and assignee, and the start of what the customer wrote."""
    due = [
        due_words(row["due_at"], now, row["first_contact_at"] is not None, row["closed_at"] is not None)
        for row in cases.iter_rows(named=True)
    ]
    return cases.select(
        pl.col("id").alias("Case"),
        pl.Series(
            "Due",
            due,
            dtype=pl.String,
        ),
        pl.col("reason").replace_strict(reasons, default=pl.col("reason")).alias("Why"),
        pl.col("status")
        .replace_strict({status: status_words(status) for status in CASE_STATUSES}, default=pl.col("status"))
        .alias("Status"),
        pl.col("assignee").fill_null(EMPTY).alias("Assigned to"),
        pl.col("text")
        .map_elements(lambda text: shorten(" ".join(text.split()), 80), return_dtype=pl.String)
        .alias("Customer said"),
        pl.col("nps").alias("NPS"),
        pl.col("stars").alias("Stars"),
        pl.col("feedback_created_at").dt.convert_time_zone(timezone).alias("Written"),
    )


def scores_line(case: dict[str, Any]) -> str:
    """'NPS 3 of 10 · CSAT 2 of 5 · 1 star' for the scores the customer gave."""
    scores = [
        f"{name} {case[column]} of {top}"
        for name, column, top in (("NPS", "nps", 10), ("CSAT", "csat", 5), ("CES", "ces", 7))
        if case[column] is not None
    ]
    if case["stars"] is not None:
        scores.append(f"{case['stars']} star" + ("" if case["stars"] == 1 else "s"))
    return " · ".join(scores) or "No scores"


def render_case(case: dict[str, Any], now: datetime, reasons: dict[str, str], user_names: list[str]) -> None:
    """One case: its state, what the customer said and how to reach them, the buttons, and its history."""
    timezone = get_settings().timezone
    case_id = case["id"]
    with st.container(border=True, key=f"follow_up__case_{case_id}"):
        st.subheader(f"Case {case_id}: {markdown_literal(reasons.get(case['reason'], case['reason']))}")
        due = due_words(
            case["due_at"], now, case["first_contact_at"] is not None, case["closed_at"] is not None
        )
        with st.container(horizontal=True):
            st.badge(status_words(case["status"]), color="gray" if case["closed_at"] else "blue")
            if due.startswith("overdue"):
                st.badge(due.capitalize(), icon=":material/schedule:", color="red")
            elif due:
                st.badge(due.capitalize(), icon=":material/schedule:", color="orange")
        assignee = markdown_literal(case["assignee"]) if case["assignee"] else "nobody yet"
        st.markdown(
            f"**Assigned to** {assignee} · **First contact due** {format_moment(case['due_at'], timezone)}"
            f" · **Case made** {format_moment(case['created_at'], timezone)}"
        )
        if case["first_contact_at"] is not None:
            st.caption(f"First contacted {format_moment(case['first_contact_at'], timezone)}.")

        st.markdown("**What the customer wrote**")
        text = (case["text"] or "").strip()
        if text:  # plain text, never Markdown or HTML; personal data masked for viewers
            st.text(text if allowed("editor") else redact(text))
        else:
            st.caption("No comment: only scores.")
        where = [
            markdown_literal(part)
            for part in (case["kind"], case["source"], case["channel"], case["location"])
            if part
        ]
        written = format_moment(case["feedback_created_at"], timezone)
        st.caption(" · ".join([scores_line(case), *where, f"written {written}"]))
        render_contact(case)

        if allowed("editor"):
            render_case_actions(case, user_names)
        render_history(case_id, reasons)
        render_notifications(case_id)


def render_contact(case: dict[str, Any]) -> None:
    """The email address the respondent gave, for editors and admins; for viewers, that it is hidden."""
    if not allowed("editor"):
        st.caption("Contact details hidden: editors and admins see them.")
        return
    contacts = load_contacts([case["author_hash"]] if case["author_hash"] else [])
    email = contacts.emails.get(case["author_hash"] or "")
    if email:
        st.markdown("**Contact the customer gave**")
        st.code(email, language=None)  # as given, with a copy button
    elif contacts.problem:
        st.caption(contacts.problem)  # Pulse's own words (with `commands`), never what someone typed
    else:
        st.caption("The customer gave no contact details.")


def render_history(case_id: int, reasons: dict[str, str]) -> None:
    events = load_case_events(case_id)
    if events.is_empty():
        return
    rows = [
        (row["at"], row["by"], *event_words(row["action"], row["before"], row["after"], row["note"], reasons))
        for row in events.iter_rows(named=True)
    ]
    history = pl.DataFrame(
        rows,
        schema={"When": pl.Datetime("us", "UTC"), "By": pl.String, "What": pl.String, "Note": pl.String},
        orient="row",
    ).with_columns(pl.col("When").dt.convert_time_zone(get_settings().timezone))
    st.markdown("**History**")
    st.dataframe(
        history,
        hide_index=True,
        width="stretch",
        placeholder=EMPTY,
        key=f"follow_up__history_{case_id}",
        column_config={
            "When": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm"),
            "Note": st.column_config.TextColumn("Note", width="large"),
        },
    )


def render_notifications(case_id: int) -> None:
    """Who was told of the case, and how that went (each failed attempt's error too)."""
    notifications = load_case_notifications(case_id)
    if notifications.is_empty():
        return
    timezone = get_settings().timezone
    failed = notifications.filter(pl.col("status") == "failed").height
    label = f"Notifications ({notifications.height}" + (f", {failed} failed)" if failed else ")")
    with st.expander(label):
        st.dataframe(
            notifications.select(
                pl.col("channel").alias("Channel"),
                pl.col("target").alias("To"),
                pl.col("status").alias("Status"),
                pl.col("attempts").alias("Attempts"),
                pl.col("sent_at").dt.convert_time_zone(timezone).alias("Sent"),
                pl.col("next_attempt_at").dt.convert_time_zone(timezone).alias("Next attempt"),
                pl.col("last_error").alias("Last error"),
            ),
            hide_index=True,
            width="stretch",
            placeholder=EMPTY,
            column_config={
                "Sent": st.column_config.DatetimeColumn("Sent", format="D MMM YYYY, HH:mm"),
                "Next attempt": st.column_config.DatetimeColumn("Next attempt", format="D MMM YYYY, HH:mm"),
                "Last error": st.column_config.TextColumn("Last error", width="large"),
            },
        )
        if failed:
            st.caption(
                "`pulse cases notify --retry-failed` tries the failed ones again once the setting is fixed."
            )


def case_label(case: dict[str, Any], reasons: dict[str, str], timezone: str) -> str:
    """'Case 12 · Detractor (NPS 0-6) · written 2 Dec 2026, 10:05': what does not change as the case moves on.
    The browser sends back the label it shows, so a label that changed with the case's status would no longer
    be found after a move (and the box would fall back to another case)."""
    written = format_moment(case["feedback_created_at"], timezone)
    return f"Case {case['id']} · {reasons.get(case['reason'], case['reason'])} · written {written}"


def linked_case() -> int | None:
    """The case that the link's ?case=ID asks for; None when it names none."""
    try:
        return int(st.query_params.get(CASE_PARAM, ""))
    except ValueError:
        return None


def keep_case_in_link() -> None:
    """The picker's callback: the link names the case picked, so that it can be shared or reloaded."""
    picked = st.session_state.get(PICK)
    if isinstance(picked, int):
        st.query_params[CASE_PARAM] = str(picked)
    else:
        st.query_params.pop(CASE_PARAM, None)


def kpis(measures: CaseMeasures) -> list[Kpi]:
    return [
        Kpi("Open cases", f"{measures.open_n:,}", help="Cases not resolved or closed without a reply."),
        Kpi(
            "Overdue",
            f"{measures.overdue_n:,}",
            help="Open cases whose customer nobody has contacted by the due time.",
        ),
        Kpi("Contacted in time", format_share(measures.in_time_share), help=in_time_help(measures)),
        Kpi("Median first contact", format_hours(measures.median_hours), help=median_help(measures)),
    ]


require_role("viewer")  # staff accounts only add observations
st.title("Follow-up")
st.caption("Unhappy customers that someone on the team contacts: who, by when, and what came of it.")
render_flash()

settings = get_settings()
rules = load_case_rules()
reasons = {rule.key: rule.label for rule in rules}
user_names = load_user_names()
cases = load_cases()
now = datetime.now(UTC)

if cases.is_empty():
    render_empty_state(
        "No follow-up cases yet.",
        "`pulse analyze` makes one for each detractor, complaint of impersonal service, 1–2 star review or "
        "comment asking to be contacted, as the rules below say; an admin can change them here.",
    )
else:
    measures = case_measures(cases, now)
    (st.warning if measures.overdue_n else st.success)(
        follow_up_summary(measures) + ".", icon=":material/support_agent:"
    )
    render_kpi_row(kpis(measures))

    me = signed_in_name()
    whose = "all"
    filters, status_column = st.columns([1, 2])
    if me is not None:
        whose = (
            filters.segmented_control(
                "Cases",
                ["mine", "all"],
                format_func={"mine": "My cases", "all": "All cases"}.__getitem__,
                default="mine",
                key="follow_up__whose",
            )
            or "mine"
        )
    statuses = status_column.pills(
        "Status",
        CASE_STATUSES,
        selection_mode="multi",
        default=NOT_CLOSED,
        format_func=status_words,
        key="follow_up__status",
        help="None chosen: every status.",
    )
    listed = cases
    if whose == "mine":
        listed = listed.filter(pl.col("assignee") == me)
    if statuses:
        listed = listed.filter(pl.col("status").is_in(statuses))
    listed = order_cases(listed, now)
    if me is None:
        st.caption("Open access: nobody is signed in, so every case is listed.")
    if listed.is_empty():
        st.info(
            "No cases assigned to you with these statuses: see All cases."
            if whose == "mine"
            else "No cases with these statuses.",
            icon=":material/info:",
        )
    else:
        if not allowed("editor"):  # what viewers see of the customers' words is masked
            listed = listed.with_columns(redact_expr(pl.col("text")).alias("text"))
        st.dataframe(
            case_list_table(listed, now, reasons, settings.timezone),
            hide_index=True,
            width="stretch",
            placeholder=EMPTY,
            key="follow_up__list",
            column_config={
                "Written": st.column_config.DatetimeColumn("Written", format="D MMM YYYY, HH:mm"),
                "Customer said": st.column_config.TextColumn("Customer said", width="large"),
            },
        )

    # the case picked: one of those listed, or the one the link names (whatever the filters)
    by_id = {row["id"]: row for row in cases.iter_rows(named=True)}
    choices = listed["id"].to_list()
    linked = linked_case()
    if linked is not None and linked not in by_id:
        st.warning(f"There is no case {linked}: it may have been removed.", icon=":material/warning:")
        linked = None
    if linked is not None and linked not in choices:
        choices.insert(0, linked)
    if linked is not None and st.session_state.get(PICK) != linked:
        st.session_state[PICK] = linked  # a link (or the Pulse page's) opens its case
    elif not isinstance(st.session_state.get(PICK), int) or st.session_state.get(PICK) not in choices:
        st.session_state[PICK] = choices[0] if choices else None
    if choices:
        picked = st.selectbox(
            "Case",
            choices,
            format_func=lambda case_id: case_label(by_id[case_id], reasons, settings.timezone),
            key=PICK,
            on_change=keep_case_in_link,
        )
        render_case(by_id[picked], now, reasons, user_names)

    with st.expander("Did following up help?"):
        outcomes = load_case_outcomes(data_version(), cases_stamp(cases))
        for sentence in outcome_sentences(outcomes):
            st.markdown(markdown_literal(sentence))

    weekly = weekly_case_measures(cases, now, settings.timezone).tail(13)
    with st.expander("By week"):
        st.dataframe(
            weekly.select(
                pl.col("week").map_elements(format_week, return_dtype=pl.String).alias("Week made"),
                pl.col("cases").alias("Cases"),
                pl.col("known").alias("Contacted or due"),
                pl.col("in_time").alias("In time"),
                (100 * pl.col("in_time_share")).round(0).alias("In time (%)"),
                pl.col("median_hours").round(1).alias("Median first contact (h)"),
            ),
            hide_index=True,
            width="stretch",
            placeholder=EMPTY,
        )
        st.caption(
            "Contacted in time: of the cases contacted or past their due time, those first contacted by it "
            "(95% Wilson interval in the card's help). Median first contact: over the cases contacted (95% "
            "interval from the order statistics)."
        )

with st.expander("Rules that make cases", expanded=cases.is_empty()):
    render_rules_editor(rules, user_names)
