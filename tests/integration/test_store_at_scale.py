"""The store's parts for large stores (issue 25): PostgreSQL's connection pool from the settings, revision
0017's trigram index for the Explorer's word search, and daily counts that a day of new feedback recounts alone.
The figures at 10 thousand to 10 million items are benchmarks/scale.py's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event

from pulse.settings import Settings
from store.daily_counts import read_daily_counts, refresh_daily_counts
from store.engine import build_engine, pool_options, reading
from store.explorer import FeedbackQuery, search_feedback
from store.feedback import upsert_feedback
from store.records import FeedbackFrame, FeedbackRecord, SourceSpec

SURVEY = SourceSpec("Survey export", "survey", "csv")
FIRST_DAY = datetime(2026, 3, 2, 9, tzinfo=UTC)


def answers(day: datetime, count: int, prefix: str, text: str = "fine") -> FeedbackFrame:
    return FeedbackFrame.of(
        [
            FeedbackRecord(
                external_id=f"{prefix}{number}",
                kind="survey",
                created_at=day + timedelta(minutes=number),
                text=text,
                nps=number % 11,
                channel="online",
            )
            for number in range(count)
        ]
    )


@contextmanager
def statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements `engine` runs meanwhile, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_refresh_daily_counts__after_a_day_of_new_feedback_recounts_that_day_alone(engine: Engine) -> None:
    for day in range(30):  # a month of answers, counted
        upsert_feedback(engine, SURVEY, answers(FIRST_DAY + timedelta(days=day), 5, f"d{day}-"))
    assert refresh_daily_counts(engine, "UTC")
    new_day = FIRST_DAY + timedelta(days=40)
    upsert_feedback(engine, SURVEY, answers(new_day, 20, "new-"))
    with statements(engine) as seen:
        assert refresh_daily_counts(engine)
    deletes = [
        parameters for statement, parameters in seen if statement.startswith("DELETE FROM daily_counts")
    ]
    assert len(deletes) == 1
    days = deletes[0].values() if isinstance(deletes[0], dict) else deletes[0]  # PostgreSQL's, SQLite's
    assert {str(day) for day in days} == {str(new_day.date())}  # the day's counts, not the month's
    counts = read_daily_counts(engine, "UTC")
    assert counts.height == 31
    assert counts.filter(day=new_day.date())["n"].to_list() == [20]
    assert counts.filter(day=date(2026, 3, 2))["n"].to_list() == [5]


def test_build_engine__a_postgres_pool_as_the_settings_say(postgres_url: str) -> None:
    settings = Settings(database_url=postgres_url, db_pool_size=3, db_max_overflow=2, db_pool_recycle=600)
    engine = build_engine(settings.database_url, **pool_options(settings))
    try:
        pool: Any = engine.pool
        assert (pool.size(), pool._max_overflow, pool._recycle, pool._pre_ping) == (3, 2, 600, True)
        held = [engine.connect() for _ in range(5)]  # the pool's 3 and the 2 of overflow
        assert pool.checkedout() == 5
        for connection in held:
            connection.close()
        assert pool.checkedin() == 3  # the overflow's are closed when returned
    finally:
        engine.dispose()


@pytest.fixture
def postgres_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("connection pools are PostgreSQL's (a SQLite file is opened per process)")
    return database_url


def test_revision_0017__the_word_search_uses_the_trigram_index_on_postgres(engine: Engine) -> None:
    upsert_feedback(engine, SURVEY, answers(FIRST_DAY, 30, "a", text="the chatbot kept looping"))
    upsert_feedback(engine, SURVEY, answers(FIRST_DAY, 30, "b", text="lovely sourdough"))
    found, total = search_feedback(engine, FeedbackQuery(search="Chatbot"))
    assert (found.height, total) == (30, 30)
    with reading(engine) as connection:
        if engine.dialect.name != "postgresql":
            names = [row[1] for row in connection.exec_driver_sql("PRAGMA index_list(feedback)")]
            assert "ix_feedback_text_trgm" not in names  # SQLite's LIKE could not use it
            return
        connection.exec_driver_sql(
            "SET enable_seqscan = off"
        )  # as on a large table, where reading all costs most
        plan = "\n".join(
            row[0]
            for row in connection.exec_driver_sql(
                "EXPLAIN SELECT count(*) FROM feedback WHERE text ILIKE '%%chatbot%%'"
            )
        )
    assert "ix_feedback_text_trgm" in plan, plan
