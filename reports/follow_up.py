"""The follow-up cases in words, for the Follow-up page, the Pulse page's link to it and the weekly digest: did
following up help (the outcome: analysis.case_outcomes), how quickly the team reached customers (the page's
answer, "3 open cases, 1 overdue; 82% contacted within the due time (last 90 days); median first contact 5 h":
analysis.case_measures), the week's cases (analysis.case_outcomes.follow_up_week), a case's status and the lines
of its history. Numbers come from analysis; these say them."""

from __future__ import annotations

from datetime import datetime

from analysis.case_measures import CaseMeasures
from analysis.case_outcomes import CaseOutcomes, FollowUpWeek, OutcomeComparison
from pulse.formatting import EMPTY, format_share, plural

# How each rule's cases are named in a sentence (analysis/case_rules.py's reasons): singular, plural
REASON_WORDS = {
    "detractor": ("detractor", "detractors"),
    "impersonal": ("impersonal-service complaint", "impersonal-service complaints"),
    "low_stars": ("low-star review (1-2 stars)", "low-star reviews (1-2 stars)"),
    "contact_request": ("request to be contacted", "requests to be contacted"),
}

OBSERVATIONAL = (
    "Observational, not an experiment: staff may follow up first the customers who are easier to reach or to "
    "please, and the customers not followed up include detractors from before there were cases; each customer "
    "is compared only with customers who gave the same score band (NPS 0-3, 4-6, 7-8, 9-10) or had the same "
    "reason, so a difference hints at what following up does without proving it."
)

VERDICT_ENDINGS = {
    "better": "better, beyond the noise",
    "worse": "worse, beyond the noise",
    "no clear difference": "no clear difference yet",
}


def reason_words(reason: str, count: int) -> str:
    """'3 detractors', '1 impersonal-service complaint'."""
    one, many = REASON_WORDS.get(reason, (reason.replace("_", " "), reason.replace("_", " ") + "s"))
    return plural(count, one, many)


def format_hours(hours: float | None) -> str:
    """A wait: '40 min' under an hour, '6 h' under two days, '3.5 days' ('3 days') under ten, then '12 days'."""
    if hours is None:
        return EMPTY
    if hours < 1:
        return f"{max(round(hours * 60), 1)} min"
    if hours < 48:
        return f"{hours:.0f} h"
    days = hours / 24
    return (f"{days:.1f}".removesuffix(".0") if days < 10 else f"{days:.0f}") + " days"


def outcome_sentence(comparison: OutcomeComparison, next_days: int = 180, return_days: int = 90) -> str:
    """One outcome in a sentence: 'Customers followed up gave a next NPS answer 2.1 points higher on the 0-10
    scale (95% interval -0.4 to +4.6) than similar customers not followed up: no clear difference yet (48
    against 120 who answered again within 180 days).' Or why there is nothing to compare yet."""
    nps = comparison.outcome == "next_nps"
    measured = f"answered again within {next_days} days" if nps else f"had {return_days} days to buy again"
    counts = (
        f"{comparison.followed_n} followed up and {comparison.comparison_n} not followed up who {measured}"
    )
    low, high, difference = comparison.low, comparison.high, comparison.difference
    if comparison.verdict == "too few to tell" or difference is None or low is None or high is None:
        what = "next NPS answers" if nps else "buying again"
        return f"Too few customers to compare {what} yet: {counts} (at least 10 of each are needed)."
    if nps:
        size = f"{abs(difference):.1f} points {'higher' if difference >= 0 else 'lower'}"
        change = f"gave a next NPS answer {size} on the 0-10 scale (95% interval {low:+.1f} to {high:+.1f})"
    else:
        size = f"{100 * abs(difference):.0f} points {'more' if difference >= 0 else 'less'} often"
        change = (
            f"bought again within {return_days} days {size} "
            f"(95% interval {100 * low:+.0f} to {100 * high:+.0f} points)"
        )
    composition = ""
    if comparison.before_cases_n:
        composition = (
            f"; of those not followed up, {comparison.not_contacted_n} had a case nobody contacted and "
            f"{comparison.before_cases_n} were detractors before there were cases"
        )
    return (
        f"Customers followed up {change} than similar customers not followed up: "
        f"{VERDICT_ENDINGS[comparison.verdict]} ({comparison.followed_n} against {comparison.comparison_n} "
        f"who {measured}{composition})."
    )


def outcome_sentences(outcomes: CaseOutcomes) -> list[str]:
    """Did following up help: a sentence per outcome (next NPS; bought again when there are orders), then the
    reminder that this is observational."""
    return [
        *[
            outcome_sentence(comparison, outcomes.next_days, outcomes.return_days)
            for comparison in outcomes.comparisons()
        ],
        OBSERVATIONAL,
    ]


def response_sentence(in_time_n: int, known_n: int, median_hours: float | None) -> str:
    """'9 of 11 cases contacted within the due time; median first contact 6 h.'"""
    if not known_n:
        first = "No case is due yet"
    else:
        first = f"{in_time_n} of {plural(known_n, 'case')} contacted within the due time"
    if median_hours is None:
        return f"{first}."
    return f"{first}; median first contact {format_hours(median_hours)}."


def new_cases_sentence(new_by_reason: dict[str, int]) -> str:
    """'New cases this week: 14 (9 detractors, 3 impersonal-service complaints, 2 1–2 star reviews).'"""
    total = sum(new_by_reason.values())
    if not total:
        return "No new cases this week."
    reasons = ", ".join(reason_words(reason, count) for reason, count in new_by_reason.items())
    return f"New cases this week: {total} ({reasons})."


def overdue_sentence(overdue_n: int, open_n: int) -> str:
    """'Overdue now: 2 cases nobody has contacted by their due time (5 open in all).'"""
    if not overdue_n:
        return f"None overdue ({open_n} open)." if open_n else "None overdue, none open."
    return f"Overdue now: {plural(overdue_n, 'case')} nobody has contacted by their due time ({open_n} open in all)."


def follow_up_lines(week: FollowUpWeek, outcomes: CaseOutcomes | None) -> list[str]:
    """The weekly digest's Follow-up section: the week's new cases by reason, how many of them were contacted
    within the due time, what is overdue now, and whether following up helped."""
    lines = [
        new_cases_sentence(week.new_by_reason),
        response_sentence(week.in_time_n, week.known_n, week.median_hours),
        overdue_sentence(week.overdue_n, week.open_n),
    ]
    return [*lines, *(outcome_sentences(outcomes) if outcomes is not None else [])]


# --- the Follow-up page: its answer, a case's status and history ---------------------------------------------

STATUS_WORDS = {
    "new": "New",
    "assigned": "Assigned",
    "contacted": "Contacted",
    "resolved": "Resolved",
    "no_reply": "No reply",
}


def status_words(status: str | None) -> str:
    return STATUS_WORDS.get(status or "", status or EMPTY)


def open_cases_words(open_n: int, overdue_n: int) -> str:
    """'4 open cases, 1 overdue' ('no open cases' when there are none)."""
    if open_n == 0:
        return "no open cases"
    return f"{plural(open_n, 'open case')}, {f'{overdue_n:,}' if overdue_n else 'none'} overdue"


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
