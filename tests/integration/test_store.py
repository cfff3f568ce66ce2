"""The store, against SQLite and a real PostgreSQL server."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sqlalchemy import Engine, inspect, select

from collectors.rollouts import import_rollouts
from pulse.errors import ConfigError, InputError, StoreError
from store.daily_counts import counts_need_refresh, read_daily_counts, refresh_daily_counts
from store.embeddings import read_embeddings, write_embeddings
from store.engine import build_engine, bulk_writes, inserted_id, reading, writing
from store.feedback import count_feedback, prepare_feedback, read_feedback, upsert_feedback
from store.migrate import current_revision, downgrade, head_revision, is_current, schema_differences, upgrade
from store.records import FeedbackFrame, FeedbackRecord, Rejected, SourceSpec
from store.rollouts import Rollout, add_rollout, read_rollouts, rollouts_csv
from store.runs import finish_run, read_last_cursor, read_runs, recorded_run, start_run
from store.schema import corrections, feedback, metadata, rejected_rows, scores, sources
from store.scores import read_unscored, write_scores
from store.sources import read_sources
from store.state import read_data_version

SURVEY = SourceSpec("Survey export", "survey", "csv")


def survey(number: int, text: str | None = "fine", nps: int | None = 9) -> FeedbackRecord:
    return FeedbackRecord(
        external_id=f"R{number}",
        kind="survey",
        created_at=datetime(2026, 3, 2, 9, tzinfo=UTC) + timedelta(hours=number),
        text=text,
        nps=nps,
        csat=4,
        channel="online",
    )


def test_upgrade__from_empty_creates_every_table_and_matches_the_schema(empty_engine: Engine) -> None:
    assert current_revision(empty_engine) is None
    before, after = upgrade(empty_engine)
    assert (before, after) == (None, head_revision())
    assert is_current(empty_engine)
    tables = set(inspect(empty_engine).get_table_names())
    assert set(metadata.tables) <= tables
    assert schema_differences(empty_engine) == []


def test_upgrade__twice_changes_nothing_and_downgrade_empties(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    assert upgrade(empty_engine) == (head_revision(), head_revision())
    downgrade(empty_engine, "base")
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}


def _store_at_0003_with_one_scored_item(engine: Engine) -> None:
    upgrade(engine, "0003")
    now = datetime(2026, 11, 2, 9, tzinfo=UTC)
    with writing(engine) as connection:
        source_id = inserted_id(
            connection.execute(
                sources.insert().values(
                    name="Old survey", kind="survey", platform="csv", config={}, created_at=now
                )
            )
        )
        feedback_id = inserted_id(
            connection.execute(
                feedback.insert().values(
                    source_id=source_id,
                    external_id="R1",
                    kind="survey",
                    created_at=now,
                    nps=9,
                    ingested_at=now,
                )
            )
        )
        connection.execute(
            scores.insert().values(
                feedback_id=feedback_id, sentiment="positive", sentiment_score=0.5, impersonal=False,
                impersonal_score=0.0, impersonal_cues=[], model_version="v1", scored_at=now,
            )
        )  # fmt: skip


def _counts(engine: Engine) -> tuple[int, int]:
    with reading(engine) as connection:
        return tuple(  # type: ignore[return-value]
            connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
            for table in ("feedback", "scores")
        )


def test_migration_0004__adds_ces_keeping_rows_and_scores_and_downgrades_in_place(
    empty_engine: Engine,
) -> None:
    _store_at_0003_with_one_scored_item(empty_engine)
    assert "ces" not in {column["name"] for column in inspect(empty_engine).get_columns("feedback")}
    assert upgrade(empty_engine, "0004") == ("0003", "0004")
    assert "ces" in {column["name"] for column in inspect(empty_engine).get_columns("feedback")}
    moment = datetime(2026, 11, 3, tzinfo=UTC)
    with writing(empty_engine) as connection:  # as revision 0004's schema has it (the code is at head)
        source_id = connection.execute(select(sources.c.id)).scalar_one()
        connection.execute(
            feedback.insert().values(
                source_id=source_id,
                external_id="R2",
                kind="survey",
                created_at=moment,
                ces=6,
                ingested_at=moment,
            )
        )
    stored = read_feedback(empty_engine, ("id", "nps", "ces", "sentiment")).sort("id").drop("id")
    assert stored.rows() == [(9, None, "positive"), (None, 6, None)]
    assert stored.schema["ces"] == pl.Int8
    downgrade(empty_engine, "0003")
    assert "ces" not in {column["name"] for column in inspect(empty_engine).get_columns("feedback")}
    assert _counts(empty_engine) == (2, 1)  # the table was altered in place: no cascade deleted the score


def test_migration_0011__adds_null_class_probabilities_to_scores_and_downgrades_keeping_the_scores(
    empty_engine: Engine,
) -> None:
    _store_at_0003_with_one_scored_item(empty_engine)
    upgrade(empty_engine, "0010")
    probabilities = {"sentiment_p_negative", "sentiment_p_neutral", "sentiment_p_positive"}
    assert not probabilities & {column["name"] for column in inspect(empty_engine).get_columns("scores")}
    assert upgrade(empty_engine, "0011") == ("0010", "0011")
    added = {column["name"]: column for column in inspect(empty_engine).get_columns("scores")}
    assert probabilities <= set(added) and all(added[name]["nullable"] for name in probabilities)
    stored = read_feedback(empty_engine, ("sentiment", *sorted(probabilities)))
    assert stored.rows() == [("positive", None, None, None)]  # a score from before keeps null
    assert all(stored.schema[name] == pl.Float64 for name in probabilities)
    downgrade(empty_engine, "0010")
    assert not probabilities & {column["name"] for column in inspect(empty_engine).get_columns("scores")}
    assert _counts(empty_engine) == (1, 1)


def test_migration_0012__counts_corrected_items_and_recounts_a_store_with_corrections(
    empty_engine: Engine,
) -> None:
    _store_at_0003_with_one_scored_item(empty_engine)
    upgrade(empty_engine, "0011")
    with writing(empty_engine) as connection:  # counted once, then an editor corrected the label
        connection.exec_driver_sql("UPDATE store_state SET counts_timezone = 'Europe/London'")
        feedback_id = connection.execute(select(feedback.c.id)).scalar_one()
        connection.execute(
            corrections.insert().values(
                feedback_id=feedback_id,
                field="sentiment",
                value="negative",
                corrected_by="editor",
                corrected_at=datetime(2026, 11, 3, tzinfo=UTC),
            )
        )
    assert upgrade(empty_engine, "0012") == ("0011", "0012")
    assert counts_need_refresh(empty_engine)  # the migration marked the days: the next refresh recounts
    assert refresh_daily_counts(empty_engine)
    counted = read_daily_counts(empty_engine, "Europe/London")
    assert (counted["corrected_n"].sum(), counted["negative"].sum(), counted["n"].sum()) == (1, 1, 1)
    downgrade(empty_engine, "0011")
    assert "corrected_n" not in {
        column["name"] for column in inspect(empty_engine).get_columns("daily_counts")
    }
    assert _counts(empty_engine) == (1, 1)


def test_sqlite__runs_in_wal_mode_with_foreign_keys(sqlite_engine: Engine) -> None:
    with reading(sqlite_engine) as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_upsert_feedback__twice_adds_nothing(engine: Engine) -> None:
    first = upsert_feedback(engine, SURVEY, FeedbackFrame.of([survey(n) for n in range(5)]))
    second = upsert_feedback(engine, SURVEY, FeedbackFrame.of([survey(n) for n in range(7)]))
    assert (first.new, first.duplicate) == (5, 0)
    assert (second.new, second.duplicate) == (2, 5)
    assert count_feedback(engine) == 7


@pytest.mark.parametrize("prepared", [False, True], ids=["frame", "prepared frame"])
def test_upsert_feedback__a_frame_stores_what_its_records_would(engine: Engine, prepared: bool) -> None:
    records = [survey(n, text=f"text {n}") for n in range(4)]
    records[1] = FeedbackRecord(**{**vars(records[1]), "raw": {"table": 7}, "segment": "regulars"})
    other = SourceSpec("Same survey, as records", "survey", "csv")
    frame = FeedbackFrame.of([*records, records[0]])
    counts = upsert_feedback(engine, SURVEY, prepare_feedback(engine, frame) if prepared else frame)
    upsert_feedback(engine, other, FeedbackFrame.of(records))
    assert (counts.new, counts.duplicate) == (4, 1)
    assert upsert_feedback(engine, SURVEY, FeedbackFrame.of(records)).duplicate == 4
    columns = ("created_at", "kind", "text", "nps", "csat", "segment")
    with reading(engine) as connection:
        raws = connection.exec_driver_sql("SELECT source_id, external_id, raw FROM feedback").all()
    stored = read_feedback(engine, columns=("id", *columns)).sort("id")
    assert stored.head(4).drop("id").equals(stored.tail(4).drop("id"))
    by_source: dict[int, set[str]] = {}
    for source, external_id, raw in raws:
        by_source.setdefault(source, set()).add(f"{external_id} {raw}")
    assert len(by_source) == 2 and len(set(map(frozenset, by_source.values()))) == 1


@pytest.mark.parametrize("prepared", [False, True], ids=["frame", "prepared frame"])
def test_upsert_feedback__a_frame_with_a_score_out_of_range_is_refused(
    engine: Engine, prepared: bool
) -> None:
    frame = FeedbackFrame.of([survey(1)]).frame.with_columns(nps=pl.lit(11, dtype=pl.Int64))
    with pytest.raises(ValueError, match="1 rows of a feedback frame are not feedback records"):
        records = FeedbackFrame(frame)  # checked when made, before the store is asked
        upsert_feedback(engine, SURVEY, prepare_feedback(engine, records) if prepared else records)
    assert count_feedback(engine) == 0


def test_bulk_writes__commits_skip_the_checkpoint_and_the_log_is_truncated_after(
    sqlite_engine: Engine,
) -> None:
    database = sqlite_engine.url.database
    assert database is not None
    with bulk_writes(sqlite_engine):
        with writing(sqlite_engine) as connection:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        upsert_feedback(sqlite_engine, SURVEY, FeedbackFrame.of([survey(n) for n in range(3000)]))
        assert Path(f"{database}-wal").stat().st_size > 0
    assert Path(f"{database}-wal").stat().st_size == 0
    assert count_feedback(sqlite_engine) == 3000
    with writing(sqlite_engine) as connection:
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000


def test_upsert_feedback__same_id_in_another_source_is_another_item(engine: Engine) -> None:
    upsert_feedback(engine, SURVEY, FeedbackFrame.of([survey(1)]))
    upsert_feedback(engine, SourceSpec("Other survey", "survey", "csv"), FeedbackFrame.of([survey(1)]))
    assert count_feedback(engine) == 2


def test_upsert_feedback__duplicates_within_one_batch_count_once(engine: Engine) -> None:
    counts = upsert_feedback(engine, SURVEY, FeedbackFrame.of([survey(1), survey(1), survey(2)]))
    assert (counts.new, counts.duplicate) == (2, 1)


def test_upsert_feedback__keeps_rejected_rows_with_reason_and_line(engine: Engine) -> None:
    reject = Rejected(origin="export.csv", line=4, reason="nps 11 is out of range", raw="R4,11,ok")
    counts = upsert_feedback(engine, SURVEY, FeedbackFrame.of([survey(1)]), [reject])
    assert counts.rejected == 1
    with reading(engine) as connection:
        stored = connection.execute(select(rejected_rows)).mappings().one()
    assert (stored["origin"], stored["line"], stored["reason"], stored["raw"]) == (
        "export.csv",
        4,
        "nps 11 is out of range",
        "R4,11,ok",
    )
    sources = read_sources(engine)
    assert sources.select("name", "feedback", "rejected").to_dicts() == [
        {"name": "Survey export", "feedback": 1, "rejected": 1}
    ]


def test_upsert_feedback__same_reject_twice_is_kept_once_but_reported_each_time(engine: Engine) -> None:
    reject = Rejected(origin="export.csv", line=4, reason="bad date", raw="R4,yesterday")
    assert upsert_feedback(engine, SURVEY, FeedbackFrame.empty(), [reject]).rejected == 1
    assert upsert_feedback(engine, SURVEY, FeedbackFrame.empty(), [reject, reject]).rejected == 2
    assert read_sources(engine)["rejected"].to_list() == [1]


def test_read_feedback__returns_utc_times_and_filters_by_window(engine: Engine) -> None:
    local = timezone(timedelta(hours=2))
    upsert_feedback(
        engine,
        SURVEY,
        FeedbackFrame.of(
            [
                FeedbackRecord("a", "survey", datetime(2026, 3, 2, 11, tzinfo=local), nps=10),
                FeedbackRecord("b", "survey", datetime(2026, 3, 9, 9, tzinfo=UTC), nps=3),
            ]
        ),
    )
    frame = read_feedback(
        engine,
        ("created_at", "nps"),
        since=datetime(2026, 3, 1, tzinfo=UTC),
        until=datetime(2026, 3, 5, tzinfo=UTC),
    )
    assert frame.schema["created_at"] == pl.Datetime("us", "UTC")
    assert frame.to_dicts() == [{"created_at": datetime(2026, 3, 2, 9, tzinfo=UTC), "nps": 10}]


def test_feedback_record__rejects_scores_out_of_range_and_naive_times() -> None:
    with pytest.raises(ValueError, match="nps must be between 0 and 10"):
        survey(1, nps=11)
    with pytest.raises(ValueError, match="ces must be between 1 and 7"):
        FeedbackRecord("x", "survey", datetime(2026, 1, 1, tzinfo=UTC), ces=8)
    with pytest.raises(ValueError, match="time zone"):
        FeedbackRecord("x", "survey", datetime(2026, 1, 1))


def test_data_version__moves_with_every_write(engine: Engine) -> None:
    start = read_data_version(engine)
    upsert_feedback(engine, SURVEY, FeedbackFrame.of([survey(1)]))
    after_feedback = read_data_version(engine)
    add_rollout(engine, Rollout("Chatbot", "chatbot", date(2026, 4, 13)), by="test")
    assert start < after_feedback < read_data_version(engine)


def test_scores__unscored_rows_then_rescored_by_a_new_version(engine: Engine) -> None:
    upsert_feedback(
        engine, SURVEY, FeedbackFrame.of([survey(1, "great"), survey(2, None), survey(3, "awful")])
    )
    pending = read_unscored(engine, "v1")
    assert pending["text"].to_list() == ["great", "awful"]
    scored = pending.with_columns(
        sentiment=pl.lit("positive"),
        sentiment_score=pl.lit(0.5),
        impersonal=pl.lit(False),
        impersonal_score=pl.lit(0.0),
        impersonal_cues=pl.lit([], dtype=pl.List(pl.String)),
    )
    assert write_scores(engine, scored, "v1") == 2
    assert read_unscored(engine, "v1").is_empty()
    assert read_unscored(engine, "v2").height == 2
    write_scores(engine, scored.with_columns(sentiment_score=pl.lit(-0.25)), "v2")
    frame = read_feedback(engine, ("text", "sentiment_score"))
    assert frame.drop_nulls()["sentiment_score"].to_list() == [-0.25, -0.25]


def test_rollouts__add_list_and_refuse_a_duplicate(engine: Engine) -> None:
    add_rollout(engine, Rollout("Support chatbot", "chatbot", date(2026, 4, 13), channel="online"), by="sam")
    frame = read_rollouts(engine)
    assert frame.select("name", "kind", "channel", "started_on", "created_by").to_dicts() == [
        {
            "name": "Support chatbot",
            "kind": "chatbot",
            "channel": "online",
            "started_on": date(2026, 4, 13),
            "created_by": "sam",
        }
    ]
    with pytest.raises(InputError, match="already on the timeline"):
        add_rollout(engine, Rollout("Support chatbot", "chatbot", date(2026, 4, 13)), by="jo")


def test_rollouts__csv_export_then_import_round_trips(engine: Engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    add_rollout(engine, Rollout("=HYPERLINK(1)", "other", date(2026, 1, 5), description="-risky"), by="sam")
    add_rollout(engine, Rollout("Kiosk", "kiosk", date(2026, 1, 12), date(2026, 3, 1), "in-store"), by="sam")
    add_rollout(engine, Rollout("'90s menu", "other", date(2026, 2, 2), channel="@counter"), by="sam")
    add_rollout(engine, Rollout("'=quoted already", "other", date(2026, 2, 9)), by="sam")
    before = read_rollouts(engine).select("name", "kind", "channel", "started_on", "ended_on", "description")
    exported = rollouts_csv(engine)
    assert '"\'=HYPERLINK(1)"' in exported and '"\'-risky"' in exported and '"\'@counter"' in exported
    assert '"\'90s menu"' in exported and "\"''=quoted already\"" in exported
    path = tmp_path / "rollouts.csv"
    path.write_text(exported, encoding="utf-8")

    assert import_rollouts(engine, path, by="jo") == (0, 4)  # every rollout read back as it was: none new
    after = read_rollouts(engine).select(before.columns)
    assert after.to_dicts() == before.to_dicts()
    assert rollouts_csv(engine) == exported


def test_rollouts__import_with_a_bad_row_adds_nothing_and_names_the_line(engine: Engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "rollouts.csv"
    path.write_text("name,kind,started_on\nKiosk,kiosk,2026-01-12\nBot,robot,2026-13-01\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 3") as raised:
        import_rollouts(engine, path, by="jo")
    assert raised.value.hint
    assert read_rollouts(engine).is_empty()


def test_runs__record_status_and_counts(engine: Engine) -> None:
    run_id = start_run(engine, "collector", "demo")
    finish_run(engine, run_id, "ok", {"new": 3})
    run = read_runs(engine).row(0, named=True)
    assert (run["status"], run["counts"], run["finished_at"] is not None) == ("ok", {"new": 3}, True)


def test_recorded_run__ends_ok_with_its_counts_or_failed_with_the_error(engine: Engine) -> None:
    with recorded_run(engine, "pipeline", "score", versions={"scorer": "v1"}) as run:
        run.counts = {"scored": 2}
    with pytest.raises(RuntimeError, match="boom"), recorded_run(engine, "collector", "feed") as run:
        run.counts = {"new": 1}
        run.save_cursor("page-2")
        raise RuntimeError("boom")
    failed, ok = read_runs(engine).rows(named=True)  # newest first
    assert (ok["status"], ok["counts"]["scored"], ok["versions"], ok["message"]) == (
        "ok",
        2,
        {"scorer": "v1"},
        None,
    )
    assert (failed["status"], failed["counts"]["new"], failed["message"]) == ("failed", 1, "boom")
    assert failed["finished_at"] is not None and read_last_cursor(engine, "feed") == "page-2"


def test_writing__rolls_back_on_error(engine: Engine) -> None:
    with pytest.raises(RuntimeError), writing(engine) as connection:
        connection.execute(
            rejected_rows.insert().values(origin="x", reason="y", raw="z", created_at=datetime.now(UTC))
        )
        raise RuntimeError("boom")
    with reading(engine) as connection:
        assert connection.execute(select(rejected_rows)).all() == []


def test_build_engine__bad_url_says_what_to_write() -> None:
    with pytest.raises(ConfigError) as raised:
        build_engine("not a url")
    assert "postgresql+psycopg://" in raised.value.hint


def test_build_engine__unreachable_server_is_a_store_error_with_a_hint() -> None:
    engine = build_engine("postgresql://nobody:secret@127.0.0.1:1/none")
    with pytest.raises(StoreError) as raised:
        read_data_version(engine)
    assert "secret" not in raised.value.message
    assert "pulse db upgrade" in raised.value.hint


def test_embeddings__stored_once_per_text_hash_and_model_and_read_back_exactly(engine: Engine) -> None:
    first = {"a" * 64: np.array([0.25, -1.5, 3.0], dtype=np.float32), "b" * 64: np.ones(3, dtype=np.float32)}
    assert write_embeddings(engine, "model-x", first) == 2
    write_embeddings(engine, "model-x", {"a" * 64: np.zeros(3, dtype=np.float32)})  # already there: kept
    write_embeddings(engine, "model-y", {"a" * 64: np.zeros(3, dtype=np.float32)})
    found = read_embeddings(engine, "model-x", ["a" * 64, "c" * 64])
    assert list(found) == ["a" * 64]
    np.testing.assert_array_equal(found["a" * 64], first["a" * 64])
    assert read_embeddings(engine, "model-y", ["a" * 64])["a" * 64].tolist() == [0.0, 0.0, 0.0]
