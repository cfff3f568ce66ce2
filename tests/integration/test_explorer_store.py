"""Searching feedback and correcting its labels (store.explorer), on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import polars as pl
import pytest
from sqlalchemy import Engine

from analysis.impersonal_threshold import unsure_band
from pulse.errors import InputError
from store.explorer import FeedbackQuery, correct_label, read_corrections, search_feedback
from store.feedback import read_feedback, upsert_feedback
from store.records import FeedbackFrame, FeedbackRecord, SourceSpec
from store.scores import write_scores
from tests.statements import recorded_statements

TEXTS = [
    "The chatbot kept looping, 100% useless",
    "Lovely sourdough and kind staff",
    "Could not reach a person, only the CHATBOT",
    "Queue_was long today",
]


@pytest.fixture
def searchable(engine: Engine) -> Engine:
    source = SourceSpec("Survey: test", "survey", "file")
    records = [
        FeedbackRecord(
            external_id=f"R{number}",
            kind="survey",
            created_at=datetime(2026, 11, 10 + number, tzinfo=UTC),
            text=text,
            channel="online" if number % 2 else "in-store",
            location="Station" if number == 3 else "High Street",
        )
        for number, text in enumerate(TEXTS)
    ]
    upsert_feedback(engine, source, FeedbackFrame.of(records))
    found, _ = search_feedback(engine, FeedbackQuery())
    sentiment = {"Lovely sourdough and kind staff": "positive"}
    write_scores(
        engine,
        pl.DataFrame(
            {
                "id": found["id"],
                "sentiment": [sentiment.get(text, "negative") for text in found["text"]],
                "sentiment_score": [0.5 if text in sentiment else -0.5 for text in found["text"]],
                "impersonal": ["chatbot" in text.lower() for text in found["text"]],
                "impersonal_score": [0.8 if "chatbot" in text.lower() else 0.0 for text in found["text"]],
                "impersonal_cues": [
                    ["chatbot"] if "chatbot" in text.lower() else [] for text in found["text"]
                ],
            }
        ),
        "test-v1",
    )
    return engine


def test_search_feedback__words_filters_and_pages(searchable: Engine) -> None:
    everything, total = search_feedback(searchable, FeedbackQuery())
    assert total == 4 and everything["text"][0] == "Queue_was long today"  # newest first
    chatbot, total = search_feedback(searchable, FeedbackQuery(search="chatbot"))
    assert total == 2 and set(chatbot["text"]) == {TEXTS[0], TEXTS[2]}  # any case
    assert (
        search_feedback(searchable, FeedbackQuery(search="100%"))[1] == 1
    )  # % is a character, not a wildcard
    assert search_feedback(searchable, FeedbackQuery(search="e_w"))[1] == 1  # so is _
    assert search_feedback(searchable, FeedbackQuery(sentiment="positive"))[0]["text"].to_list() == [TEXTS[1]]
    assert search_feedback(searchable, FeedbackQuery(impersonal_only=True))[1] == 2
    page, total = search_feedback(searchable, FeedbackQuery(limit=3, offset=3))
    assert total == 4 and page["text"].to_list() == [TEXTS[0]]


def test_search_feedback__label_filters_read_the_teams_corrections(searchable: Engine) -> None:
    found, _ = search_feedback(searchable, FeedbackQuery())
    queue, lovely = (int(found.filter(pl.col("text") == text)["id"][0]) for text in (TEXTS[3], TEXTS[1]))
    correct_label(searchable, queue, "impersonal", "true", by="eve")  # the scorer said no
    correct_label(searchable, lovely, "sentiment", "neutral", by="eve")  # the scorer said positive
    impersonal, total = search_feedback(searchable, FeedbackQuery(impersonal_only=True))
    assert total == 3 and queue in impersonal["id"].to_list()
    assert search_feedback(searchable, FeedbackQuery(sentiment="positive"))[1] == 0
    neutral, total = search_feedback(searchable, FeedbackQuery(sentiment="neutral"))
    assert total == 1 and neutral["corrected_sentiment"].to_list() == ["neutral"]
    assert neutral["sentiment"].to_list() == ["positive"]  # the scorer's label is still shown beside it


def test_read_feedback__gives_the_labels_as_corrected_and_the_scorers_scores(searchable: Engine) -> None:
    """What the Pulse page's quotes are picked from: a comment marked "not impersonal" is no longer quoted as
    an impersonal complaint."""
    found, _ = search_feedback(searchable, FeedbackQuery())
    chatbot = int(found.filter(pl.col("text") == TEXTS[0])["id"][0])
    correct_label(searchable, chatbot, "impersonal", "false", by="eve")
    correct_label(searchable, chatbot, "sentiment", "neutral", by="eve")
    read = read_feedback(searchable, ("id", "sentiment", "impersonal", "impersonal_score")).sort("id")
    row = read.filter(pl.col("id") == chatbot).row(0, named=True)
    assert (row["sentiment"], row["impersonal"], row["impersonal_score"]) == ("neutral", False, 0.8)
    assert read["impersonal"].sum() == 1  # the other chatbot complaint, uncorrected
    assert read.height == 4


def test_search_feedback__unsure_impersonal_calls_that_nobody_labelled(searchable: Engine) -> None:
    found, _ = search_feedback(searchable, FeedbackQuery())
    scored = found.with_columns(  # a weak flag, a near miss, a sure flag, nothing
        impersonal_score=pl.Series([0.55, 0.3, 0.8, 0.0]), impersonal=pl.Series([True, False, True, False])
    )
    write_scores(searchable, scored, "test-v2")
    unsure = FeedbackQuery(unsure_impersonal=unsure_band())
    listed, total = search_feedback(searchable, unsure)
    assert total == 2 and listed["id"].to_list() == found["id"].to_list()[:2]
    correct_label(searchable, int(found["id"][0]), "impersonal", "false", by="eve")  # looked at: off the list
    correct_label(
        searchable, int(found["id"][1]), "sentiment", "negative", by="eve"
    )  # not its impersonal call
    listed, total = search_feedback(searchable, unsure)
    assert total == 1 and listed["id"].to_list() == [found["id"][1]]


def test_search_feedback__gives_each_class_probability_beside_the_score(searchable: Engine) -> None:
    found, _ = search_feedback(searchable, FeedbackQuery())
    probabilities = ["sentiment_p_negative", "sentiment_p_neutral", "sentiment_p_positive"]
    assert found.columns[found.columns.index("sentiment_score") + 1 :][:3] == probabilities
    assert found.select(probabilities).rows() == [(None, None, None)] * 4  # scored without probabilities
    lovely = found.filter(pl.col("text") == TEXTS[1]).with_columns(
        sentiment_p_negative=pl.lit(0.1), sentiment_p_neutral=pl.lit(0.2), sentiment_p_positive=pl.lit(0.7)
    )
    write_scores(searchable, lovely, "test-v2")
    found, _ = search_feedback(searchable, FeedbackQuery(search="lovely"))
    assert found.select(probabilities).rows() == [(0.1, 0.2, 0.7)]


def test_search_feedback__source_channel_location_and_dates(searchable: Engine) -> None:
    assert search_feedback(searchable, FeedbackQuery(channel="online"))[1] == 2
    assert search_feedback(searchable, FeedbackQuery(channel="online", location="Station"))[0][
        "text"
    ].to_list() == [TEXTS[3]]
    assert search_feedback(searchable, FeedbackQuery(source="Survey: test"))[1] == 4
    assert search_feedback(searchable, FeedbackQuery(source="Another source"))[1] == 0
    since, until = datetime(2026, 11, 11, tzinfo=UTC), datetime(2026, 11, 13, tzinfo=UTC)
    assert search_feedback(searchable, FeedbackQuery(since=since, until=until))[0]["text"].to_list() == [
        TEXTS[2],
        TEXTS[1],
    ]


def test_search_feedback__counts_the_matches_whatever_is_corrected(searchable: Engine) -> None:
    ids = search_feedback(searchable, FeedbackQuery())[0]["id"].to_list()
    for item in ids[:3]:
        correct_label(searchable, item, "sentiment", "neutral", by="ann")
    correct_label(searchable, ids[0], "impersonal", "false", by="ann")
    queries = [
        FeedbackQuery(),
        FeedbackQuery(search="chatbot"),
        FeedbackQuery(sentiment="negative"),  # the corrected label: three of four now neutral
        FeedbackQuery(impersonal_only=True),
        FeedbackQuery(channel="online", limit=1),
        FeedbackQuery(source="Survey: test", limit=1, offset=2),
    ]
    totals = []
    for wanted in queries:
        every_match, _ = search_feedback(searchable, replace(wanted, limit=100, offset=0))
        with recorded_statements(searchable) as statements:
            _, total = search_feedback(searchable, wanted)
        assert total == every_match.height
        totals.append(total)
        counting = [statement for statement in statements if "count(" in statement.lower()]
        assert len(counting) == 1
        by_label = wanted.sentiment is not None or wanted.impersonal_only
        assert ("corrections" in counting[0]) == by_label  # only a label filter needs the corrections
    assert totals == [4, 2, 1, 2, 2, 4]


def test_correct_label__keeps_the_latest_and_shows_it_beside_the_score(searchable: Engine) -> None:
    row = search_feedback(searchable, FeedbackQuery(search="sourdough"))[0].row(0, named=True)
    correct_label(searchable, row["id"], "sentiment", "neutral", by="ann")
    correct_label(searchable, row["id"], "sentiment", "negative", by="eve")
    correct_label(searchable, row["id"], "impersonal", "true", by="eve")
    again = search_feedback(searchable, FeedbackQuery(search="sourdough"))[0].row(0, named=True)
    assert (again["sentiment"], again["corrected_sentiment"], again["corrected_impersonal"]) == (
        "positive",
        "negative",
        "true",
    )
    assert read_corrections(searchable)["corrected_by"].to_list() == ["eve", "eve"]
    with pytest.raises(InputError, match="not a sentiment label"):
        correct_label(searchable, row["id"], "sentiment", "angry", by="ann")
