"""Each text's probability of each sentiment class, from the scorer to the store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from sqlalchemy import Engine

from analysis.impersonal import add_impersonal
from analysis.pipeline import read_pending, score_new_feedback
from analysis.sentiment import LABELS, add_sentiment
from store.feedback import read_feedback, upsert_feedback
from store.records import FeedbackFrame, FeedbackRecord, SourceSpec
from store.schema import SENTIMENT_PROBABILITY_COLUMNS
from store.scores import SCORE_COLUMNS, write_scores

COMMENTS = SourceSpec("Comments", "survey", "csv")
TEXTS = (
    "Lovely staff and the best sourdough in town!",
    "The chatbot kept looping and I could not reach a person. Awful.",
    "Ordered a latte.",
)


def store_comments(engine: Engine, texts: tuple[str, ...] = TEXTS) -> None:
    start = datetime(2026, 11, 2, 9, tzinfo=UTC)
    records = [
        FeedbackRecord(f"C{number}", "survey", start + timedelta(hours=number), text=text)
        for number, text in enumerate(texts)
    ]
    upsert_feedback(engine, COMMENTS, FeedbackFrame.of(records))


def stored_probabilities(engine: Engine) -> pl.DataFrame:
    return read_feedback(engine, ("id", "text", "sentiment", *SENTIMENT_PROBABILITY_COLUMNS)).sort("id")


def test_probability_columns__the_store_keeps_the_scorers_columns() -> None:  # one definition: pulse.measures
    assert set(SENTIMENT_PROBABILITY_COLUMNS) <= set(SCORE_COLUMNS)


def test_write_scores__keeps_each_class_probability_and_replaces_it_on_rescoring(engine: Engine) -> None:
    store_comments(engine, TEXTS[:2])
    pending = read_pending(engine)
    scored = pending.with_columns(
        sentiment=pl.Series(["positive", "negative"]),
        sentiment_score=pl.Series([0.75, -0.5]),
        sentiment_p_negative=pl.Series([0.05, 0.7]),
        sentiment_p_neutral=pl.Series([0.15, 0.2]),
        sentiment_p_positive=pl.Series([0.8, 0.1]),
        impersonal=pl.lit(False),
        impersonal_score=pl.lit(0.0),
        impersonal_cues=pl.lit([], dtype=pl.List(pl.String)),
    )
    write_scores(engine, scored, "v1")
    stored = stored_probabilities(engine)
    assert stored.select(SENTIMENT_PROBABILITY_COLUMNS).rows() == [(0.05, 0.15, 0.8), (0.7, 0.2, 0.1)]
    assert all(stored.schema[name] == pl.Float64 for name in SENTIMENT_PROBABILITY_COLUMNS)

    write_scores(engine, scored.drop(SENTIMENT_PROBABILITY_COLUMNS), "v2")  # a scorer without probabilities
    assert (
        stored_probabilities(engine).select(SENTIMENT_PROBABILITY_COLUMNS).rows() == [(None, None, None)] * 2
    )


@pytest.mark.slow
def test_score_new_feedback__stores_probabilities_summing_to_one_and_vader_stores_none(
    engine: Engine,
) -> None:
    store_comments(engine)
    assert score_new_feedback(engine) == len(TEXTS)
    stored = stored_probabilities(engine)
    probabilities = stored.select(SENTIMENT_PROBABILITY_COLUMNS).to_numpy()
    assert ((probabilities >= 0) & (probabilities <= 1)).all()
    assert probabilities.sum(axis=1) == pytest.approx([1.0] * len(TEXTS))
    most_likely = [LABELS[index] for index in probabilities.argmax(axis=1)]
    assert most_likely[:2] == ["positive", "negative"]  # the praise and the complaint, as anyone reads them

    pending = stored.select("id", "text")
    by_vader = add_impersonal(add_sentiment(pending, scorer="vader"))
    write_scores(engine, by_vader.select("id", *SCORE_COLUMNS), "vader")
    rescored = stored_probabilities(engine)
    assert rescored["sentiment"].to_list() == by_vader["sentiment"].to_list()
    assert rescored.select(SENTIMENT_PROBABILITY_COLUMNS).rows() == [(None, None, None)] * len(TEXTS)
