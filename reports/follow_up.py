"""Follow-up cases in words, for the Follow-up page and the Pulse page's link to it: "3 open cases, 1 overdue;
82% contacted within the due time (last 90 days); median first contact 5 h", a case's status and the lines of
its history. The numbers are analysis.case_measures'."""

from __future__ import annotations

from datetime import datetime

from analysis.case_measures import CaseMeasures
from pulse.formatting import EMPTY, format_share, plural

STATUS_WORDS = {
    "new": "New",
    "assigned": "Assigned",
    "contacted": "Contacted",
    "resolved": "Resolved",
    "no_reply": "No reply",
}


def status_words(status: str | None) -> str:
    return STATUS_WORDS.get(status or "", status or EMPTY)


def format_hours(hours: float | None) -> str:
    """A time span for people: '40 min' under an hour, '5 h' under two days, '3.5 days' from then on."""
    if hours is None:
        return EMPTY
    if hours < 1:
        return f"{max(round(hours * 60), 0)} min"
    if hours < 48:
        return f"{hours:.0f} h"
    return f"{hours / 24:.1f}".removesuffix(".0") + " days"


def open_cases_words(open_n: int, overdue_n: int) -> str:
    """'4 open cases, 1 overdue' ('no open cases' when there are none)."""
    if open_n == 0:
        return "no open cases"
    return f"{plural(open_n, 'open case')}, {overdue_n or 'none'} overdue"


def follow_up_link_label(open_n: int, overdue_n: int) -> str:
    """The Pulse page's link to the Follow-up page: 'Follow-up: 4 open cases, 1 overdue'."""
    return f"Follow-up: {open_cases_words(open_n, overdue_n)}"


def follow_up_summary(measures: CaseMeasures) -> str:
    """The Follow-up page's answer in one sentence: '3 open cases, 1 overdue; 82% contacted within the due
    time (last 90 days); median first contact 5 h'."""
    parts = [open_cases_words(measures.open_n, measures.overdue_n)]
    span = f"last {measures.days} days"
    if measures.in_time_share is None:
        parts.append(f"no case due yet in the {span}")
    else:
        parts.append(f"{format_share(measures.in_time_share)} contacted within the due time ({span})")
    if measures.median_hours is not None:
        parts.append(f"median first contact {format_hours(measures.median_hours)}")
    sentence = "; ".join(parts)
    return sentence[:1].upper() + sentence[1:]


def in_time_help(measures: CaseMeasures) -> str:
    """How the share contacted within the due time was counted, with its interval."""
    if measures.in_time_share is None:
        return (
            f"No case made in the last {measures.days} days has been contacted or reached its due time yet."
        )
    interval = (
        f" 95% interval {format_share(measures.in_time_low)} to {format_share(measures.in_time_high)}."
        if measures.in_time_low is not None
        else ""
    )
    return (
        f"{measures.in_time_n:,} of the {plural(measures.known_n, 'case')} made in the last {measures.days} "
        "days that were contacted or are past their due time were first contacted by their due time."
        + interval
    )


def median_help(measures: CaseMeasures) -> str:
    """How the median time to first contact was worked out, with its interval."""
    if measures.median_hours is None:
        return f"No case made in the last {measures.days} days has been contacted yet."
    interval = (
        f" 95% interval {format_hours(measures.median_low)} to {format_hours(measures.median_high)} (from the "
        "order statistics)."
        if measures.median_low is not None
        else " Too few contacted cases for an interval (6 needed)."
    )
    return (
        f"From the case being made to its first contact, over the {plural(measures.contacted_n, 'case')} "
        f"made in the last {measures.days} days that someone contacted (cases still waiting are not in it)."
        + interval
    )


def due_words(due_at: datetime, now: datetime, contacted: bool, closed: bool) -> str:
    """'overdue by 5 h', 'due in 3 h', or, once the customer was contacted or the case closed, ''."""
    if contacted or closed:
        return ""
    hours = (due_at - now).total_seconds() / 3600
    return f"overdue by {format_hours(-hours)}" if hours < 0 else f"due in {format_hours(hours)}"


def event_words(
    action: str, before: str | None, after: str | None, note: str | None, reasons: dict[str, str]
) -> tuple[str, str | None]:
    """A line of a case's history as (what happened, the note shown with it): ('Made by the rule "Detractor"',
    None), ('Assigned to eve (was sam)', None), ('Contacted (was Assigned)', note), ('Note', 'Called, sorry').
    `reasons`: each rule's key and its label (a case's "created" line keeps the rule's key as its note)."""
    if action == "created":
        return f'Made by the rule "{reasons.get(note or "", note or EMPTY)}"', None
    if action == "assigned":
        if not after:
            return f"Unassigned (was {before})", note
        return f"Assigned to {after}" + (f" (was {before})" if before else ""), note
    if action == "status":
        return f"{status_words(after)} (was {status_words(before)})", note
    if action == "note":
        return "Note", note
    return action, note
