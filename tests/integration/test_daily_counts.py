"""The store's daily counts (store/daily_counts.py) on SQLite and PostgreSQL: after every kind of write they equal
a direct aggregation of the feedback rows in polars, and the metrics and rollout impacts computed from them equal
those computed from the rows."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import Engine

from analysis.impact import assess_rollouts
from analysis.impact_pipeline import read_rollout_impacts
from analysis.metrics import read_counts_metrics, read_day_counts, read_period_metrics
from collectors.base import CollectContext, SourceBatch, run_collector
from pulse.errors import StoreError
from pulse.measures import SUM_COLUMNS
from reports.verdicts import impact_record
from store.authors import read_author_salt, salted_hash
from store.daily_counts import counts_need_refresh, read_daily_counts, refresh_daily_counts
from store.explorer import correct_label, read_corrections
from store.feedback import read_feedback, remove_feedback, upsert_feedback
from store.forget import forget_author
from store.records import FeedbackFrame, FeedbackRecord, SourceSpec
from store.rollouts import Rollout, add_rollout, read_rollouts
from store.schema import DAILY_COUNT_FLOATS, DAILY_COUNT_INTEGERS
from store.scores import write_scores
from store.state import read_data_version
from tests.statements import recorded_statements

LONDON = "Europe/London"
SURVEYS = SourceSpec("Survey export", "survey", "csv")
REVIEWS = SourceSpec("Google reviews", "review", "google_business")
KIOSK = SourceSpec("Kiosk survey", "survey", "csv")
GROUPS = ["kind", "source", "channel", "location", "segment"]
ROW_COLUMNS = (
    "id", "created_at", "kind", "source", "channel", "location", "segment", "nps", "csat", "stars",
    "sentiment", "sentiment_score", "impersonal",
)  # fmt: skip
FIRST = datetime(2026, 3, 20, 22, 30, tzinfo=UTC)  # around the start of British summer time (29 March)


def surveys(count: int = 60, author: str | None = None) -> list[FeedbackRecord]:
    """Survey answers every 7.5 hours (so around midnight, local and UTC), in two channels, two locations,
    with a segment on some and skipped questions on others."""
    return [
        FeedbackRecord(
            external_id=f"R{index}",
            kind="survey",
            created_at=FIRST + timedelta(hours=7.5 * index),
            text=f"answer {index}",
            nps=None if index % 7 == 3 else index % 11,
            csat=None if index % 5 == 4 else 1 + index % 5,
            channel=("in-store", "online")[index % 2],
            location=("High Street", None)[index % 3 == 0],
            segment=("new", "regular", None)[index % 3],
            author_hash=author,
        )
        for index in range(count)
    ]


def reviews(count: int = 20) -> list[FeedbackRecord]:
    return [
        FeedbackRecord(
            external_id=f"G{index}",
            kind="review",
            created_at=FIRST + timedelta(hours=11 * index + 5),
            text=f"review {index}",
            stars=1 + index % 5,
            location="High Street",
        )
        for index in range(count)
    ]


def scores_for(engine: Engine, every: int = 1) -> pl.DataFrame:
    """A score for every `every`th text: sentiment from its id, an impersonal flag on some."""
    ids = read_feedback(engine, ("id",))["id"].to_list()[::every]
    labels = ["negative", "neutral", "positive"]
    return pl.DataFrame(
        {
            "id": ids,
            "sentiment": [labels[i % 3] for i in ids],
            "sentiment_score": [round((i % 3 - 1) * 0.3 + i / 1000, 3) for i in ids],
            "impersonal": [i % 4 == 0 for i in ids],
            "impersonal_score": [0.9 if i % 4 == 0 else 0.1 for i in ids],
            "impersonal_cues": [["no_human"] if i % 4 == 0 else [] for i in ids],
        }
    )


def direct_counts(engine: Engine, timezone: str) -> pl.DataFrame:
    """The daily counts, aggregated in polars from the feedback rows, a person's label in place of the
    scorer's."""
    return read_day_counts(as_corrected(engine, read_feedback(engine, ROW_COLUMNS)), timezone, GROUPS)


def as_corrected(engine: Engine, rows: pl.DataFrame) -> pl.DataFrame:
    """`rows` with their corrected labels (read_corrections) in sentiment and impersonal, and `corrected`."""
    fixes = read_corrections(engine)
    by_field = {
        field: dict(zip(part["feedback_id"].to_list(), part["value"].to_list(), strict=True))
        for field in ("sentiment", "impersonal")
        for part in [fixes.filter(pl.col("field") == field)]
    }
    ids = rows["id"].to_list()
    sentiment = [by_field["sentiment"].get(i, label) for i, label in zip(ids, rows["sentiment"], strict=True)]
    impersonal = [
        flag if i not in by_field["impersonal"] else by_field["impersonal"][i] == "true"
        for i, flag in zip(ids, rows["impersonal"], strict=True)
    ]
    corrected = [i in by_field["sentiment"] or i in by_field["impersonal"] for i in ids]
    return rows.with_columns(
        pl.Series("sentiment", sentiment, dtype=pl.String),
        pl.Series("impersonal", impersonal, dtype=pl.Boolean),
        pl.Series("corrected", corrected, dtype=pl.Boolean),
    )


def assert_counts_match_rows(engine: Engine, timezone: str = LONDON) -> None:
    keys = ["day", *GROUPS]
    stored = read_daily_counts(engine, timezone).select(*keys, *SUM_COLUMNS).sort(keys, nulls_last=True)
    expected = direct_counts(engine, timezone).select(*keys, *SUM_COLUMNS).sort(keys, nulls_last=True)
    assert_frame_equal(stored, expected.cast(stored.schema), check_exact=False, rel_tol=1e-12)  # type: ignore[arg-type]
    assert stored.height > 0


def assert_current(engine: Engine, timezone: str = LONDON) -> None:
    """The writers left the counts current: reading them recounts nothing."""
    assert not counts_need_refresh(engine, timezone)
    assert_counts_match_rows(engine, timezone)


@dataclass
class ListCollector:
    """A collector that hands over fixed batches."""

    name: str
    batches: Sequence[SourceBatch]

    def collect(self, context: CollectContext) -> Iterator[SourceBatch]:
        yield from self.batches


@pytest.fixture
def counted(engine: Engine) -> Engine:
    """A store with surveys and reviews, imported by a collector run, with its daily counts in London time."""
    refresh_daily_counts(engine, LONDON)  # what `pulse db upgrade` does
    run_collector(
        engine,
        ListCollector(
            "file",
            [
                SourceBatch(SURVEYS, FeedbackFrame.of(surveys())),
                SourceBatch(REVIEWS, FeedbackFrame.of(reviews())),
            ],
        ),
    )
    return engine


def test_daily_counts__columns_are_what_the_metrics_sum() -> None:
    assert sorted([*DAILY_COUNT_INTEGERS, *DAILY_COUNT_FLOATS]) == sorted(SUM_COLUMNS)


def test_daily_counts__equal_the_rows_after_an_import(counted: Engine) -> None:
    assert_current(counted)
    assert read_daily_counts(counted, LONDON)["n"].sum() == 80


def test_daily_counts__equal_the_rows_after_scoring(counted: Engine) -> None:
    write_scores(counted, scores_for(counted, every=2), "v1")
    assert counts_need_refresh(counted, LONDON)  # marked in the scores' own transaction
    refresh_daily_counts(counted)  # as `pulse analyze` does at its end
    assert_current(counted)
    write_scores(counted, scores_for(counted).with_columns(pl.lit("positive").alias("sentiment")), "v2")
    refresh_daily_counts(counted)
    assert_current(counted)
    assert read_daily_counts(counted, LONDON)["negative"].sum() == 0


def test_daily_counts__count_a_corrected_label_in_place_of_the_scorers(counted: Engine) -> None:
    write_scores(counted, scores_for(counted), "v1")
    refresh_daily_counts(counted)
    before = read_daily_counts(counted, LONDON)
    scored = read_feedback(counted, ("id", "sentiment", "impersonal")).sort("id")
    negative = scored.filter(pl.col("sentiment") == "negative")["id"][0]
    flagged = scored.filter(pl.col("impersonal"))["id"][0]
    correct_label(counted, int(negative), "sentiment", "positive", by="editor")
    correct_label(counted, int(flagged), "impersonal", "false", by="editor")
    assert_current(counted)  # recounted by the correction itself
    after = read_daily_counts(counted, LONDON)
    assert after["negative"].sum() == before["negative"].sum() - 1
    assert after["impersonal_count"].sum() == before["impersonal_count"].sum() - 1
    assert (before["corrected_n"].sum(), after["corrected_n"].sum()) == (0, 2 - (negative == flagged))
    assert after["n"].sum() == before["n"].sum()
    assert after["sentiment_sum"].sum() == pytest.approx(
        before["sentiment_sum"].sum()
    )  # a label, not a score
    correct_label(counted, int(negative), "sentiment", "negative", by="editor")  # put back: still a person's
    assert_current(counted)
    assert read_daily_counts(counted, LONDON)["negative"].sum() == before["negative"].sum()


def test_daily_counts__equal_the_rows_after_forgetting_a_person(engine: Engine) -> None:
    refresh_daily_counts(engine, LONDON)
    ann = salted_hash("ann@example.com", read_author_salt(engine))
    upsert_feedback(engine, SURVEYS, FeedbackFrame.of(surveys(40)))
    upsert_feedback(engine, KIOSK, FeedbackFrame.of(surveys(30, author=ann)))
    write_scores(engine, scores_for(engine), "v1")
    refresh_daily_counts(engine)
    forgotten = forget_author(engine, "ann@example.com")
    assert forgotten.feedback == 30
    assert_current(engine)
    assert read_daily_counts(engine, LONDON)["n"].sum() == 40


def test_daily_counts__equal_the_rows_after_a_source_deletes_items(counted: Engine) -> None:
    removal = SourceBatch(SURVEYS, FeedbackFrame.empty(), removed=[f"R{index}" for index in range(0, 60, 4)])
    run_collector(counted, ListCollector("reddit", [removal]))
    assert_current(counted)
    assert read_daily_counts(counted, LONDON)["n"].sum() == 80 - 15


def test_daily_counts__an_interrupted_import_is_counted_by_the_next_writer(counted: Engine) -> None:
    upsert_feedback(
        counted, SURVEYS, FeedbackFrame.of(surveys(90)[60:])
    )  # committed, but its run never reached its end
    remove_feedback(counted, REVIEWS, ["G3"])
    assert counts_need_refresh(counted, LONDON)
    with recorded_statements(counted) as statements:
        assert read_daily_counts(counted, LONDON)["n"].sum() == 80  # as last counted: reading never recounts
    assert statements and not writes(statements)
    run_collector(counted, ListCollector("file", []))  # the next writer: an import, even of nothing new
    assert_counts_match_rows(counted)
    assert not counts_need_refresh(counted, LONDON)
    assert read_daily_counts(counted, LONDON)["n"].sum() == 90 + 19


@pytest.mark.parametrize("timezone", ["America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"])
def test_daily_counts__rebuilt_in_a_new_time_zone(counted: Engine, timezone: str) -> None:
    write_scores(counted, scores_for(counted), "v1")
    refresh_daily_counts(counted)
    assert counts_need_refresh(counted, timezone)
    with pytest.raises(StoreError, match=f"counted per day in {LONDON}, not in {timezone}") as raised:
        read_daily_counts(counted, timezone)  # reading never rebuilds them
    assert "pulse db upgrade" in raised.value.hint
    refresh_daily_counts(counted, timezone)  # as `pulse db upgrade` does after a change of PULSE_TIMEZONE
    assert_counts_match_rows(counted, timezone)
    assert not counts_need_refresh(counted, timezone) and counts_need_refresh(counted, LONDON)


def test_read_daily_counts__never_counted_feedback_says_to_count_it(engine: Engine) -> None:
    upsert_feedback(
        engine, SURVEYS, FeedbackFrame.of(surveys(5))
    )  # a store migrated without `pulse db upgrade`'s count
    with pytest.raises(StoreError, match="not counted per day yet") as raised:
        read_daily_counts(engine, LONDON)
    assert "pulse db upgrade" in raised.value.hint


def test_refresh_daily_counts__a_recount_moves_the_data_version(counted: Engine) -> None:
    """The dashboard's caches are keyed on the data version: a page that read the counts between a write and
    its recount reads them again."""
    upsert_feedback(counted, SURVEYS, FeedbackFrame.of(surveys(90)[60:]))
    before = read_data_version(counted)
    assert refresh_daily_counts(counted) is True
    assert read_data_version(counted) > before
    assert refresh_daily_counts(counted) is False and read_data_version(counted) == before + 1


def writes(statements: list[str]) -> list[str]:
    """The statements that write or take the write lock (SQLite's BEGIN IMMEDIATE, PostgreSQL's FOR UPDATE)."""
    return [
        statement
        for statement in statements
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "BEGIN IMMEDIATE"))
        or "FOR UPDATE" in statement.upper()
    ]


@pytest.mark.parametrize("timezone", [LONDON, None])
def test_refresh_daily_counts__with_nothing_marked_writes_nothing(
    counted: Engine, timezone: str | None
) -> None:
    before = read_daily_counts(counted, LONDON)
    with recorded_statements(counted) as statements:
        assert refresh_daily_counts(counted, timezone) is False
    assert statements and not writes(statements)
    assert_frame_equal(read_daily_counts(counted, LONDON), before)


def test_refresh_daily_counts__never_built_and_no_time_zone_writes_nothing(engine: Engine) -> None:
    upsert_feedback(engine, SURVEYS, FeedbackFrame.of(surveys(5)))
    with recorded_statements(engine) as statements:
        assert refresh_daily_counts(engine) is False
    assert not writes(statements) and counts_need_refresh(engine, LONDON)


def test_refresh_daily_counts__with_days_marked_recounts_them(counted: Engine) -> None:
    upsert_feedback(counted, SURVEYS, FeedbackFrame.of(surveys(90)[60:]))
    with recorded_statements(counted) as statements:
        assert refresh_daily_counts(counted) is True
    assert writes(statements)
    assert_current(counted)


def test_daily_counts__an_empty_store_has_none(engine: Engine) -> None:
    counts = read_daily_counts(engine, LONDON)
    assert counts.is_empty() and counts.schema["day"] == pl.Date and counts.schema["n"] == pl.Int64


@pytest.mark.parametrize("by", ["day", "week", "month", "all"])
def test_read_counts_metrics__equal_the_metrics_of_the_rows(counted: Engine, by: str) -> None:
    write_scores(counted, scores_for(counted, every=3), "v1")
    refresh_daily_counts(counted)
    rows = read_feedback(counted, ROW_COLUMNS)
    for group_by in ([], ["channel"], ["source", "location"]):
        from_counts = read_counts_metrics(read_daily_counts(counted, LONDON), by, 5, group_by)
        from_rows = read_period_metrics(rows, by, LONDON, 5, group_by)
        assert_frame_equal(from_counts, from_rows, check_exact=False, rel_tol=1e-12)
        assert from_counts.select("nps", "csat", "negative_share").equals(
            from_rows.select("nps", "csat", "negative_share")
        )


def test_read_rollout_impacts__from_the_counts_equal_those_from_the_rows(engine: Engine) -> None:
    refresh_daily_counts(engine, LONDON)
    start = date(2026, 4, 13)
    upsert_feedback(engine, SURVEYS, FeedbackFrame.of(answers_around(start)))
    write_scores(engine, scores_for(engine, every=2), "v1")
    refresh_daily_counts(engine)
    add_rollout(engine, Rollout("Support chatbot", "chatbot", start, channel="online"), by="test")
    add_rollout(engine, Rollout("Loyalty app", "loyalty_app", start + timedelta(weeks=10)), by="test")
    from_counts = [impact_record(impact) for impact in read_rollout_impacts(engine, timezone=LONDON)]
    columns = ("created_at", "channel", "nps", "csat", "ces", "sentiment", "sentiment_score", "impersonal")
    rows = read_feedback(engine, columns)
    from_rows = assess_rollouts(rows, read_rollouts(engine), timezone=LONDON)
    assert_close(from_counts, [impact_record(impact) for impact in from_rows])
    assert (
        from_counts[0]["method"].endswith("; against in-store") and from_counts[0]["comparison"] is not None
    )


def answers_around(start: date) -> list[FeedbackRecord]:
    """Answers every 13 hours for 27 weeks before `start` and 20 after, NPS lower after it, in two channels."""
    first = datetime.combine(start, datetime.min.time(), tzinfo=UTC) - timedelta(weeks=27)
    records = []
    for index in range(int(47 * 7 * 24 / 13)):
        created_at = first + timedelta(hours=13 * index)
        nps = (index * 7) % 11 if created_at.date() < start else (index * 5) % 9
        channel = ("online", "in-store")[index % 3 == 0]
        records.append(
            FeedbackRecord(f"N{index}", "survey", created_at, nps=nps, csat=1 + index % 5, channel=channel)
        )
    return records


def assert_close(actual: object, expected: object) -> None:
    """Equal, floats to 1e-9 relative."""
    if isinstance(actual, dict) and isinstance(expected, dict):
        assert actual.keys() == expected.keys()
        for key in actual:
            assert_close(actual[key], expected[key])
    elif isinstance(actual, list) and isinstance(expected, list):
        assert len(actual) == len(expected)
        for one, other in zip(actual, expected, strict=True):
            assert_close(one, other)
    elif isinstance(actual, float):
        assert actual == pytest.approx(expected, rel=1e-9, abs=1e-12)
    else:
        assert actual == expected
