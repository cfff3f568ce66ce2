from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from analysis.case_measures import CaseMeasures
from reports.follow_up import (
    due_words,
    event_words,
    follow_up_link_label,
    follow_up_summary,
    format_hours,
    in_time_help,
    median_help,
)

MEASURES = CaseMeasures(
    open_n=3,
    overdue_n=1,
    days=90,
    known_n=11,
    in_time_n=9,
    in_time_share=9 / 11,
    in_time_low=0.52,
    in_time_high=0.95,
    contacted_n=10,
    median_hours=5.2,
    median_low=2.0,
    median_high=30.0,
)


def test_follow_up_summary__the_answer_in_one_sentence() -> None:
    assert follow_up_summary(MEASURES) == (
        "3 open cases, 1 overdue; 82% contacted within the due time (last 90 days); median first contact 5 h"
    )
    none_due = CaseMeasures(1, 0, 90, 0, 0, None, None, None, 0, None, None, None)
    assert follow_up_summary(none_due) == "1 open case, none overdue; no case due yet in the last 90 days"
    assert median_help(none_due) == "No case made in the last 90 days has been contacted yet."


def test_follow_up_link_label__counts_open_and_overdue() -> None:
    assert follow_up_link_label(4, 1) == "Follow-up: 4 open cases, 1 overdue"
    assert follow_up_link_label(0, 0) == "Follow-up: no open cases"


def test_helps__say_the_denominator_and_the_intervals() -> None:
    assert in_time_help(MEASURES) == (
        "9 of the 11 cases made in the last 90 days that were contacted or are past their due time were first "
        "contacted by their due time. 95% interval 52% to 95%."
    )
    assert "over the 10 cases made in the last 90 days that someone contacted" in median_help(MEASURES)
    assert median_help(MEASURES).endswith("95% interval 2 h to 30 h (from the order statistics).")


@pytest.mark.parametrize(
    ("hours", "words"),
    [(0.25, "15 min"), (5.2, "5 h"), (47.4, "47 h"), (60, "2.5 days"), (72, "3 days"), (3313, "138 days")],
)
def test_format_hours(hours: float, words: str) -> None:
    assert format_hours(hours) == words


def test_due_words__overdue_or_due_until_contacted() -> None:
    now = datetime(2026, 12, 3, 12, tzinfo=UTC)
    assert due_words(now - timedelta(hours=5), now, False, False) == "overdue by 5 h"
    assert due_words(now + timedelta(hours=3), now, False, False) == "due in 3 h"
    assert due_words(now - timedelta(hours=5), now, True, False) == ""


def test_event_words__each_line_of_the_history() -> None:
    reasons = {"detractor": "Detractor"}
    assert event_words("created", None, "new", "detractor", reasons) == ('Made by the rule "Detractor"', None)
    assert event_words("assigned", None, "eve", None, reasons) == ("Assigned to eve", None)
    assert event_words("assigned", "eve", "sam", None, reasons) == ("Assigned to sam (was eve)", None)
    assert event_words("assigned", "eve", None, None, reasons) == ("Unassigned (was eve)", None)
    assert event_words("status", "assigned", "no_reply", "rang twice", reasons) == (
        "No reply (was Assigned)",
        "rang twice",
    )
    assert event_words("note", None, None, "Refunded", reasons) == ("Note", "Refunded")
