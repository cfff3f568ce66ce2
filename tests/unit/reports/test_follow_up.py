"""The follow-up sentences (reports.follow_up) and the digest's Follow-up section."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl

from analysis.case_outcomes import CaseOutcomes, FollowUpWeek, OutcomeComparison
from analysis.metrics import read_period_metrics
from reports.digest import build_digest
from reports.follow_up import (
    OBSERVATIONAL,
    follow_up_lines,
    format_hours,
    new_cases_sentence,
    outcome_sentence,
    outcome_sentences,
    overdue_sentence,
    response_sentence,
)


def weekly_metrics() -> pl.DataFrame:
    """Two weeks of three answers, the second starting on Monday 2 November 2026."""
    start = datetime(2026, 10, 26, 9, tzinfo=UTC)
    frame = pl.DataFrame(
        {
            "created_at": [start + timedelta(days=day) for day in (0, 1, 2, 7, 8, 9)],
            "nps": [10, 9, 6, 10, 10, 0],
            "csat": [5, 4, 2, 5, 5, 1],
            "sentiment": ["positive", "positive", "negative", "positive", "neutral", "negative"],
            "impersonal": [False, False, True, False, False, True],
        }
    )
    return read_period_metrics(frame, "week", "UTC", min_responses=3)


def comparison(outcome: str = "next_nps", **values: object) -> OutcomeComparison:
    defaults: dict[str, object] = {
        "outcome": outcome,
        "followed_n": 48,
        "comparison_n": 120,
        "not_contacted_n": 120,
        "before_cases_n": 0,
        "followed_value": 7.9,
        "comparison_value": 5.8,
        "raw_difference": 2.1,
        "difference": 2.1,
        "low": -0.4,
        "high": 4.6,
        "verdict": "no clear difference",
        "strata": pl.DataFrame(),
    }
    return OutcomeComparison(**{**defaults, **values})  # type: ignore[arg-type]


def test_outcome_sentence__next_nps_with_its_interval_and_verdict() -> None:
    assert outcome_sentence(comparison()) == (
        "Customers followed up gave a next NPS answer 2.1 points higher on the 0-10 scale (95% interval -0.4 "
        "to +4.6) than similar customers not followed up: no clear difference yet (48 against 120 who "
        "answered again within 180 days)."
    )
    worse = outcome_sentence(
        comparison(
            difference=-1.5, low=-2.5, high=-0.5, verdict="worse", before_cases_n=100, not_contacted_n=20
        )
    )
    assert worse.startswith("Customers followed up gave a next NPS answer 1.5 points lower on the 0-10 scale")
    assert worse.endswith(
        "worse, beyond the noise (48 against 120 who answered again within 180 days; of those not followed "
        "up, 20 had a case nobody contacted and 100 were detractors before there were cases)."
    )


def test_outcome_sentence__bought_again_in_points_and_too_few() -> None:
    bought = comparison("bought_again", difference=0.12, low=0.02, high=0.22, verdict="better")
    assert outcome_sentence(bought, return_days=90) == (
        "Customers followed up bought again within 90 days 12 points more often (95% interval +2 to +22 "
        "points) than similar customers not followed up: better, beyond the noise (48 against 120 who had 90 "
        "days to buy again)."
    )
    few = comparison("bought_again", followed_n=4, comparison_n=7, verdict="too few to tell")
    assert outcome_sentence(few) == (
        "Too few customers to compare buying again yet: 4 followed up and 7 not followed up who had 90 days "
        "to buy again (at least 10 of each are needed)."
    )
    none = comparison(followed_n=0, difference=None, low=None, high=None, verdict="too few to tell")
    assert outcome_sentence(none).startswith(
        "Too few customers to compare next NPS answers yet: 0 followed up"
    )


def test_response_new_and_overdue_sentences() -> None:
    assert (
        response_sentence(9, 11, 6.2)
        == "9 of 11 cases contacted within the due time; median first contact 6 h."
    )
    assert response_sentence(0, 0, None) == "No case is due yet."
    assert [format_hours(h) for h in (0.3, 1.4, 47.6, 60)] == ["18 min", "1 h", "48 h", "2.5 days"]
    assert new_cases_sentence({"detractor": 9, "impersonal": 1, "low_stars": 2}) == (
        "New cases this week: 12 (9 detractors, 1 impersonal-service complaint, 2 low-star reviews (1-2 stars))."
    )
    assert new_cases_sentence({}) == "No new cases this week."
    assert (
        overdue_sentence(1, 5)
        == "Overdue now: 1 case nobody has contacted by their due time (5 open in all)."
    )
    assert (
        overdue_sentence(0, 3) == "None overdue (3 open)."
        and overdue_sentence(0, 0) == "None overdue, none open."
    )


WEEK = FollowUpWeek(
    new_by_reason={"detractor": 3}, known_n=2, in_time_n=2, median_hours=5.0, overdue_n=0, open_n=1
)


def test_follow_up_lines__the_week_then_the_outcome_and_its_caveat() -> None:
    outcomes = CaseOutcomes(next_nps=comparison(), bought_again=None, units=pl.DataFrame())
    assert outcome_sentences(outcomes)[-1] == OBSERVATIONAL and len(outcome_sentences(outcomes)) == 2
    lines = follow_up_lines(WEEK, outcomes)
    assert lines[:3] == [
        "New cases this week: 3 (3 detractors).",
        "2 of 2 cases contacted within the due time; median first contact 5 h.",
        "None overdue (1 open).",
    ]
    assert lines[3].startswith("Customers followed up gave a next NPS answer") and lines[4] == OBSERVATIONAL
    assert follow_up_lines(WEEK, None) == lines[:3]


def test_build_digest__a_follow_up_section_only_when_there_are_cases() -> None:
    outcomes = CaseOutcomes(next_nps=comparison(), bought_again=None, units=pl.DataFrame())
    digest = build_digest(
        weekly_metrics(), pl.DataFrame(), "Hut", follow_up_week=WEEK, case_outcomes=outcomes
    )
    assert digest.week == date(2026, 11, 2)
    headings = [heading for heading, _ in digest.sections()]
    assert headings.index("Follow-up") == headings.index("Alerts") + 1
    text = digest.text()
    assert "\nFollow-up\n- New cases this week: 3 (3 detractors).\n" in text
    assert f"- {OBSERVATIONAL}" in text and "<h3>Follow-up</h3>" in digest.html()
    assert "Follow-up" not in [
        heading for heading, _ in build_digest(weekly_metrics(), pl.DataFrame(), "Hut").sections()
    ]
