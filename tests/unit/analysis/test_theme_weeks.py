"""The first day of the Themes page's and the handout's last weeks."""

from __future__ import annotations

from datetime import UTC, date, datetime

from analysis.themes import first_day_of_last_weeks


def test_first_day_of_last_weeks__the_monday_that_starts_whole_weeks_up_to_the_last_day() -> None:
    wednesday = datetime(2026, 3, 18, 10, tzinfo=UTC)
    assert first_day_of_last_weeks(wednesday, 12, "UTC") == date(2025, 12, 29)
    assert first_day_of_last_weeks(wednesday, 1, "UTC") == date(2026, 3, 16)


def test_first_day_of_last_weeks__the_last_day_is_local() -> None:
    sunday_night = datetime(2026, 3, 15, 23, 30, tzinfo=UTC)  # already Monday in Berlin
    assert first_day_of_last_weeks(sunday_night, 1, "UTC") == date(2026, 3, 9)
    assert first_day_of_last_weeks(sunday_night, 1, "Europe/Berlin") == date(2026, 3, 16)


def test_first_day_of_last_weeks__everything_or_no_feedback_is_none() -> None:
    assert first_day_of_last_weeks(datetime(2026, 3, 18, tzinfo=UTC), None, "UTC") is None
    assert first_day_of_last_weeks(None, 12, "UTC") is None
