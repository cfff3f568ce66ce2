"""`pulse forget --email`: a person's feedback and everything derived from it leave the store."""

from __future__ import annotations

import json
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, func, inspect, select, text

from pulse.errors import InputError
from store.authors import read_author_salt, salted_hash
from store.engine import build_engine, reading, writing
from store.feedback import read_feedback, upsert_feedback
from store.forget import Forgotten, count_author, forget_author
from store.migrate import downgrade, upgrade
from store.records import FeedbackFrame, FeedbackRecord, SourceSpec
from store.schema import embeddings, feedback, rejected_rows, scores

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
    pulse,
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

    engine = build_engine(database_url)
    with reading(engine) as connection:
        raw = connection.execute(select(rejected_rows.c.raw)).scalar_one()
    engine.dispose()
    assert "[removed]" in raw and "ann" not in raw.lower()  # rejected rows never hold the address

    result = pulse("forget", "--email", "ANN@example.com", "--yes")

    assert "Deleted 2 feedback items, 2 scores, 0 theme assignments" in result.output
    assert "and 1 rejected rows" in result.output  # Ann's rejected answer, found by her hash
    assert (_count(database_url, feedback), _count(database_url, scores)) == (1, 1)
    assert _count(database_url, rejected_rows) == 0
    assert 0 < _count(database_url, embeddings) < embedded_before  # Bob's texts stay
    again = pulse("forget", "--email", "ann@example.com", "--yes")
    assert "Deleted 0 feedback items" in again.output and "check the spelling" in again.output


def test_forget__asks_first_and_a_no_deletes_nothing(pulse, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "responses.csv"
    source.write_text(RESPONSES, encoding="utf-8")
    pulse("db", "upgrade")
    pulse("import", str(source))
    from click.testing import CliRunner

    from cli.main import main

    answered = CliRunner().invoke(main, ["forget", "--email", "ann@example.com"], input="n\n")
    assert answered.exit_code == 1
    assert (
        "Stored under 'ann@example.com' exactly: 2 feedback items, 0 scores, 0 theme assignments, "
        "0 embeddings, 0 orders, 0 contact details and 1 rejected rows." in answered.output
    )  # what it will delete, said before it asks
    assert "Delete them, and any dashboard upload left in the temporary folder?" in answered.output
    assert (_count(database_url, feedback), _count(database_url, rejected_rows)) == (3, 1)


def test_forget__deletes_the_dashboards_uploads_left_in_the_temporary_folder(  # type: ignore[no-untyped-def]
    pulse,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pulse.uploads as uploads

    folder = tmp_path / "pulse-uploads"
    (folder / "tmpab12").mkdir(parents=True)
    (folder / "tmpab12" / "answers.csv").write_text(RESPONSES, encoding="utf-8")  # left by a crashed import
    (folder / "0123456789abcdef-answers.csv").write_text(
        RESPONSES, encoding="utf-8"
    )  # as Pulse used to keep them
    monkeypatch.setattr(uploads, "UPLOADS", folder)
    pulse("db", "upgrade")

    result = pulse("forget", "--email", "ann@example.com", "--yes")

    assert "and 2 dashboard uploads." in result.output
    assert list(folder.iterdir()) == []


def test_forget__refuses_a_placeholder_or_a_piece_of_text_with_a_hint(pulse) -> None:  # type: ignore[no-untyped-def]
    pulse("db", "upgrade")
    from click.testing import CliRunner

    from cli.main import main

    for identity in (",", "anonymous", "N/A"):
        refused = CliRunner().invoke(main, ["forget", "--email", identity, "--yes"])
        assert refused.exit_code == 1
        assert "is not one person's identity" in refused.output and "exact email address" in refused.output


def test_forget_author__counts_the_scores_written_while_it_waits(engine: Engine) -> None:
    ann = salted_hash("ann@example.com", read_author_salt(engine))
    first = datetime(2026, 11, 16, 9, tzinfo=UTC)
    answers = [
        FeedbackRecord(
            f"R{day}", "survey", first + timedelta(days=day), text=f"answer {day}", author_hash=ann
        )
        for day in range(3)
    ]
    upsert_feedback(engine, SourceSpec("Survey export", "survey", "csv"), FeedbackFrame.of(answers))
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


# --- finding one person, exactly -------------------------------------------------------------------------

CUSTOMERS = """response_id,submitted_at,customer id,nps,comment
R1,2026-11-16T09:00:00Z,Al,11,a typo in the score
R2,2026-11-16T10:00:00Z,Alice,12,another typo
R3,2026-11-16T11:00:00Z,Alan,13,and another
R4,2026-11-10T10:10:00Z,10,14,score 14
R5,2026-11-16T12:00:00Z,C-7,15,my order 10 of 2026-11-10
R6,2026-11-17T09:00:00Z,Al,9,a kept answer
"""


def _import(engine: Engine, path: Path, text: str) -> None:
    from collectors.base import run_collector
    from collectors.reviews import ReviewFileCollector
    from collectors.surveys import SurveyFileCollector

    path.write_text(text, encoding="utf-8")
    if "review" in path.name:
        run_collector(engine, ReviewFileCollector(path))
    else:
        run_collector(engine, SurveyFileCollector(path, mapping_overrides={"nps": "nps"}, timezone="UTC"))


def _rejected_lines(engine: Engine) -> list[int]:
    with reading(engine) as connection:
        return sorted(connection.execute(select(rejected_rows.c.line)).scalars())


def test_forget_author__deletes_that_persons_rejected_rows_never_a_substring(
    engine: Engine, tmp_path: Path
) -> None:
    _import(engine, tmp_path / "customers.csv", CUSTOMERS)
    assert _rejected_lines(engine) == [2, 3, 4, 5, 6]

    assert forget_author(engine, "Al") == Forgotten(1, 0, 0, 0, rejected_rows=1)
    assert _rejected_lines(engine) == [3, 4, 5, 6]  # Alice's and Alan's rows are theirs
    assert forget_author(engine, "10").rejected_rows == 1
    assert _rejected_lines(engine) == [3, 4, 6]  # "10" in a date or a comment is nobody
    with pytest.raises(InputError, match="not one person's identity"):
        forget_author(engine, ",")
    assert _rejected_lines(engine) == [3, 4, 6]


def test_forget_author__finds_the_rejected_rows_of_an_email_respondent(
    engine: Engine, tmp_path: Path
) -> None:
    extra = "R5,2026-11-20T12:00:00Z,bob@example.com,eleven,Bob's typo\n"
    _import(engine, tmp_path / "responses.csv", RESPONSES + extra)
    assert _rejected_lines(engine) == [4, 6]

    forgotten = forget_author(engine, "ANN@example.com")

    assert (forgotten.feedback, forgotten.rejected_rows) == (2, 1)
    assert _rejected_lines(engine) == [6]  # Bob's


def test_forget_author__finds_a_reviewers_rejected_rows(engine: Engine, tmp_path: Path) -> None:
    reviews = (
        "date,rating,review,author,email\n"
        "2024-05-01,5,Lovely,Nadia B.,nadia@example.com\n"
        "2024-05-02,9,Six stars,Al,al@example.com\n"
        "2024-05-03,7,Seven stars,Alan,alan@example.com\n"
    )
    _import(engine, tmp_path / "reviews.csv", reviews)
    with reading(engine) as connection:
        raws = connection.execute(select(rejected_rows.c.raw)).scalars().all()
    assert not [raw for raw in raws if "@" in raw or "Al" in raw]  # neither the address nor the name is kept

    assert forget_author(engine, "Al").rejected_rows == 1
    assert _rejected_lines(engine) == [4]


def test_forget_author__refuses_a_placeholder_and_anonymous_answers_are_no_one(
    engine: Engine, tmp_path: Path
) -> None:
    rows = [f"{i},2026-11-16T09:{i % 60:02d}:00Z,anonymous,,9,fine" for i in range(80)]
    rows += [
        "80,2026-11-16T11:00:00Z,Anonymous,,12,typo",
        "81,2026-11-16T11:30:00Z,ann@example.com,Ann,3,slow",
    ]
    _import(
        engine, tmp_path / "forms.csv", "\n".join(["ID,Completion time,Email,Name,NPS,Comment", *rows]) + "\n"
    )
    with reading(engine) as connection:
        hashes = connection.execute(select(feedback.c.author_hash)).scalars().all()
        reject_hash = connection.execute(select(rejected_rows.c.author_hash)).scalar_one()
    assert (len(hashes), hashes.count(None), reject_hash) == (81, 80, None)

    for placeholder in ("anonymous", "ANONYMOUS", "n/a", "-", " "):
        with pytest.raises(InputError) as raised:
            forget_author(engine, placeholder)
        assert "exact email address" in raised.value.hint
    assert _count_in(engine, feedback) == 81
    assert forget_author(engine, "ann@example.com").feedback == 1


def test_forget_author__finds_rows_kept_before_rejects_had_a_hash_by_an_exact_cell(engine: Engine) -> None:
    salt = read_author_salt(engine)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    old_review = json.dumps(
        {"author": salted_hash(json.dumps("Nadia B."), salt), "stars": "9"}
    )  # as 0005 kept it
    with writing(engine) as connection:
        connection.execute(
            rejected_rows.insert(),
            [
                {"origin": "old.csv", "line": line, "reason": "old", "raw": raw, "created_at": now}
                for line, raw in enumerate(
                    ["R1,2026-11-10,Al,11", "R2,2026-11-10,Alice,12", "R3,2026-11-10,C-10,13", old_review],
                    start=2,
                )
            ],
        )
    assert forget_author(engine, "al").rejected_rows == 1
    assert forget_author(engine, "10").rejected_rows == 0
    assert forget_author(engine, "Nadia B.").rejected_rows == 1
    assert _rejected_lines(engine) == [3, 4]


def test_count_author__says_what_forget_would_delete_and_deletes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    _import(engine, tmp_path / "responses.csv", RESPONSES)
    counted = count_author(engine, "ann@example.com")
    assert counted == Forgotten(feedback=2, scores=0, topic_assignments=0, embeddings=0, rejected_rows=1)
    assert (_count_in(engine, feedback), _count_in(engine, rejected_rows)) == (3, 1)
    assert forget_author(engine, "ann@example.com") == counted
    with pytest.raises(InputError):
        count_author(engine, "n/a")


def test_migration_0007__adds_the_author_hash_to_rejected_rows_keeping_them(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0005")
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with writing(empty_engine) as connection:
        connection.execute(
            text(
                "INSERT INTO rejected_rows (origin, line, reason, raw, created_at) VALUES ('a.csv', 2, 'x', 'y', :t)"
            ),
            {"t": now},
        )
    upgrade(empty_engine, "0007")
    with reading(empty_engine) as connection:
        assert connection.execute(select(rejected_rows.c.line, rejected_rows.c.author_hash)).all() == [
            (2, None)
        ]
    downgrade(empty_engine, "0005")
    assert "author_hash" not in {
        column["name"] for column in inspect(empty_engine).get_columns("rejected_rows")
    }
    assert _count_in(empty_engine, rejected_rows) == 1


def _count_in(engine: Engine, table) -> int:  # type: ignore[no-untyped-def]
    with reading(engine) as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())
