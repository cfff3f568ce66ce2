from __future__ import annotations

import nltk
import polars as pl
import pytest

from analysis.impersonal import add_impersonal
from analysis.pipeline import score_frame
from analysis.sentiment import add_sentiment, build_vader


def test_build_vader__loads_the_packaged_lexicon_without_downloading(monkeypatch: pytest.MonkeyPatch) -> None:
    build_vader.cache_clear()
    monkeypatch.setattr(nltk, "download", lambda *a, **k: pytest.fail("nltk.download was called"))
    analyzer = build_vader()
    assert len(analyzer.lexicon) > 7000
    assert analyzer.polarity_scores("The bread is wonderful")["compound"] > 0.5


@pytest.mark.slow
def test_add_sentiment__labels_plain_texts() -> None:
    frame = add_sentiment(
        pl.DataFrame(
            {"text": ["Lovely staff, great coffee!", "Cold, stale and rude.", "Ordered a latte.", None]}
        )
    )
    assert frame["sentiment"].to_list() == ["positive", "negative", "neutral", "neutral"]
    assert all(-1 <= score <= 1 for score in frame["sentiment_score"])


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        "The chatbot was useless and I could never reach a human. Awful!",
        "I just wanted to talk to someone about my order",
        "Got the same copy-paste answer three times",
        "Felt like just a number, the personal touch is gone",
        "stuck pressing 1 then 2 then back to the start, nobody answered",
        "Went round in circles with the bot for twenty minutes",
        "Great bread, but the kiosk is a nightmare.",
    ],
)
def test_add_impersonal__flags_complaints_and_paraphrases(text: str) -> None:
    row = score_frame(pl.DataFrame({"text": [text]})).row(0, named=True)
    assert row["impersonal"] is True
    assert row["impersonal_cues"]
    assert 0.5 <= row["impersonal_score"] <= 1


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        "The new kiosk is brilliant, no queue at all",
        "The chatbot sorted my refund in a minute, great",
        "Nobody makes croissants like this place",
        "The girl at the till was rude to me",
        "Best sourdough in town",
    ],
)
def test_add_impersonal__leaves_praise_and_human_complaints_alone(text: str) -> None:
    row = score_frame(pl.DataFrame({"text": [text]})).row(0, named=True)
    assert row["impersonal"] is False
    assert row["impersonal_cues"] == []


def test_add_impersonal__needs_sentiment_first() -> None:
    with pytest.raises(pl.exceptions.ColumnNotFoundError):
        add_impersonal(pl.DataFrame({"text": ["hello"]}))
