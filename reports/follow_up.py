"""The follow-up cases in words, for the Follow-up page and the weekly digest: did following up help (the outcome:
analysis.case_outcomes), how quickly the team reached customers, and the week's cases (analysis.case_outcomes
.follow_up_week). Numbers come from analysis; these say them."""

from __future__ import annotations

from analysis.case_outcomes import CaseOutcomes, FollowUpWeek, OutcomeComparison
from pulse.formatting import plural

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


def format_hours(hours: float) -> str:
    """A wait: '40 min', '6 h', '3.5 days'."""
    if hours < 1:
        return f"{max(hours * 60, 1):.0f} min"
    if hours < 48:
        return f"{hours:.0f} h"
    return f"{hours / 24:.1f} days"


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
