"""`pulse forget --email`: a person's feedback and everything derived from it leave the store."""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, func, select, text

from store.authors import read_author_salt, salted_hash
from store.engine import build_engine, reading
from store.feedback import FeedbackRecord, SourceSpec, read_feedback, upsert_feedback
from store.forget import Forgotten, forget_author
from store.schema import embeddings, feedback, rejected_rows, scores
from tests.integration.test_cli import demo_dir, pulse  # noqa: F401  (fixtures)

RESPONSES = """response_id,submitted_at,email,nps,comment
R1,2026-11-16T09:00:00Z,Ann@Example.com,3,The chatbot kept looping. I could not reach a person.
R2,2026-11-17T10:00:00Z,bob@example.com,9,Lovely sourdough and a warm welcome.
R3,2026-11-18T11:00:00Z,ann@example.com,11,My second answer had a typo in the score.
R4,2026-11-19T12:00:00Z,ann@example.com,6,Nobody rang me back about the order.
"""


def _count(database_url: str, table) -> int:  # type: ignore[no-untyped-def]
    engine = build_engine(database_url)
    with reading(engine) as connection:
        counted = int(connection.execute(select(func.count()).select_from(table)).scalar_one())
    engine.dispose()
    return counted


@pytest.mark.slow
def test_forget__deletes_a_persons_feedback_scores_and_embeddings(  # type: ignore[no-untyped-def]
    pulse,  # noqa: F811
    database_url: str,
    tmp_path: Path,
) -> None:
    source = tmp_path / "responses.csv"
    source.write_text(RESPONSES, encoding="utf-8")
    pulse("db", "upgrade")
    pulse("import", str(source))
    pulse("analyze")
    assert (_count(database_url, feedback), _count(database_url, rejected_rows)) == (3, 1)
    embedded_before = _count(database_url, embeddings)

    result = pulse("forget", "--email", "ANN@example.com", "--yes")

    assert "Deleted 2 feedback items, 2 scores, 0 theme assignments" in result.output
    assert (_count(database_url, feedback), _count(database_url, scores)) == (1, 1)
    engine = build_engine(database_url)
    with reading(engine) as connection:
        raw = connection.execute(select(rejected_rows.c.raw)).scalar_one()
    engine.dispose()
    assert "[email removed]" in raw and "ann" not in raw.lower()  # rejected rows never held the address
    assert 0 < _count(database_url, embeddings) < embedded_before  # Bob's texts stay
    again = pulse("forget", "--email", "ann@example.com", "--yes")
    assert "Deleted 0 feedback items" in again.output and "check the spelling" in again.output


def test_forget__asks_first_and_a_no_deletes_nothing(pulse, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    source = tmp_path / "responses.csv"
    source.write_text(RESPONSES, encoding="utf-8")
    pulse("db", "upgrade")
    pulse("import", str(source))
    from click.testing import CliRunner

    from pulse.cli import main

    answered = CliRunner().invoke(main, ["forget", "--email", "ann@example.com"], input="n\n")
    assert "Delete all feedback by ann@example.com" in answered.output and answered.exit_code == 1
    assert _count(database_url, feedback) == 3


def test_forget_author__counts_the_scores_written_while_it_waits(engine: Engine) -> None:
    ann = salted_hash("ann@example.com", read_author_salt(engine))
    first = datetime(2026, 11, 16, 9, tzinfo=UTC)
    answers = [
        FeedbackRecord(
            f"R{day}", "survey", first + timedelta(days=day), text=f"answer {day}", author_hash=ann
        )
        for day in range(3)
    ]
    upsert_feedback(engine, SourceSpec("Survey export", "survey", "csv"), answers)
    ids = read_feedback(engine, ("id",))["id"].to_list()
    with engine.connect() as scorer, ThreadPoolExecutor(max_workers=1) as pool:
        scorer.begin()  # a scoring run that has written a score and not yet committed it
        scorer.execute(
            scores.insert().values(
                feedback_id=ids[0], sentiment="negative", sentiment_score=-0.5, impersonal=False,
                impersonal_score=0.1, impersonal_cues=[], model_version="v1", scored_at=first,
            )
        )  # fmt: skip
        forgetting = pool.submit(forget_author, engine, "ann@example.com")
        _wait_until_blocked_by(scorer, forgetting)
        scorer.commit()
        forgotten = forgetting.result(timeout=60)
    assert forgotten == Forgotten(feedback=3, scores=1, topic_assignments=0, embeddings=0, rejected_rows=0)
    with reading(engine) as connection:
        assert connection.execute(select(func.count()).select_from(scores)).scalar_one() == 0


def _wait_until_blocked_by(holder: Connection, waiter: Future[Forgotten]) -> None:
    """Until another transaction waits for a lock that `holder` holds (PostgreSQL), or a moment (SQLite,
    where the waiter cannot begin its write while `holder` writes)."""
    if holder.dialect.name != "postgresql":
        time.sleep(0.3)
        return
    holder_pid = holder.execute(text("SELECT pg_backend_pid()")).scalar_one()
    blocked = text("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))")
    deadline = time.monotonic() + 30
    with holder.engine.connect() as watcher:
        while not waiter.done() and time.monotonic() < deadline:
            if watcher.execute(blocked, {"pid": holder_pid}).scalar_one():
                return
            watcher.rollback()  # a fresh snapshot of pg_stat_activity
            time.sleep(0.02)
