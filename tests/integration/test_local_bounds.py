"""Times given in the business's time zone select the same feedback as in UTC (store.schema.UtcDateTime), on
SQLite and PostgreSQL: a date-only answer is stored as local midnight, and a day or week that starts at local
midnight must include it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from store.explorer import FeedbackQuery, search_feedback
from store.feedback import read_feedback, upsert_feedback
from store.records import FeedbackFrame, FeedbackRecord, SourceSpec

LONDON = ZoneInfo("Europe/London")
MONDAY = datetime(2026, 10, 5, tzinfo=LONDON)  # local midnight: 2026-10-04 23:00 UTC (BST)


def add_answers(engine: Engine) -> None:
    """A date-only answer for Monday 5 October (stored at local midnight) and one late on the Sunday before."""
    records = [
        FeedbackRecord("dated", "survey", created_at=MONDAY, text="Dated 5 October", nps=9),
        FeedbackRecord(
            "sunday", "survey", created_at=MONDAY - timedelta(minutes=30), text="Sunday night", nps=3
        ),
    ]
    upsert_feedback(engine, SourceSpec("Survey: dates", "survey", "file"), FeedbackFrame.of(records))


def test_read_feedback__a_week_from_local_midnight_includes_the_date_only_answer(engine: Engine) -> None:
    add_answers(engine)
    week = read_feedback(engine, ("text", "created_at"), since=MONDAY, until=MONDAY + timedelta(days=7))
    assert week["text"].to_list() == ["Dated 5 October"]
    assert week["created_at"].to_list() == [datetime(2026, 10, 4, 23, tzinfo=UTC)]
    before = read_feedback(engine, ("text",), until=MONDAY)
    assert before["text"].to_list() == ["Sunday night"]


def test_search_feedback__local_day_bounds_include_the_date_only_answer(engine: Engine) -> None:
    add_answers(engine)
    found, total = search_feedback(engine, FeedbackQuery(since=MONDAY, until=MONDAY + timedelta(days=1)))
    assert (found["text"].to_list(), total) == (["Dated 5 October"], 1)
