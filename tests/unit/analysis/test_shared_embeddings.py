"""Scoring embeds every piece once (texts, segments, sentences: deduplicated, batched together, sorted by
length) and shares the vectors between sentiment and the impersonal detector, with the same results as
embedding them separately, as scoring did before."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
import pytest

from analysis.embeddings import BATCH, PieceEmbeddings, embed, load_model
from analysis.impersonal import add_impersonal
from analysis.pipeline import embedded_pieces, score_frame
from analysis.sentiment import add_sentiment
from pulse.settings import PROJECT_ROOT

FIXED = [
    "Great bread, but the kiosk is a nightmare.",
    "The chatbot sorted my refund in a minute, great",
    "I just wanted to talk to someone. The app kept logging me out; however the staff were lovely.",
    "",
    None,
]


def demo_sample() -> list[str | None]:
    """Texts of the demo's every source (a few of each, short and long), and a few fixed ones."""
    demo = PROJECT_ROOT / "data" / "demo"
    surveys = pl.read_csv(demo / "surveys.csv")["comment"].drop_nulls().head(40).to_list()
    reviews = pl.read_csv(demo / "reviews.csv")["text"].head(40).to_list()
    mentions = pl.read_csv(demo / "mentions.csv")["text"].head(40).to_list()
    return [*surveys, *reviews, *mentions, *FIXED]


def embed_as_given(texts: Sequence[str]) -> np.ndarray:
    """How scoring embedded before: each call's texts in the order given, BATCH at a time."""
    model = load_model()
    parts = [
        model.encode(list(texts[start : start + BATCH]), batch_size=BATCH, normalize_embeddings=True)
        for start in range(0, len(texts), BATCH)
    ]
    return np.vstack(parts) if parts else np.zeros((0, 384), dtype=np.float32)


def score_separately(frame: pl.DataFrame) -> pl.DataFrame:
    """Scoring as before: sentiment embeds texts and segments, then the detector embeds its sentences and
    clauses again, each with its own calls."""
    return add_impersonal(add_sentiment(frame, embedder=embed_as_given), embedder=embed_as_given)


class CountingEmbedder:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return embed(texts)


@pytest.mark.slow
def test_score_frame__gives_the_scores_of_separate_embedding() -> None:
    frame = pl.DataFrame({"text": demo_sample()}, schema={"text": pl.String})
    before = score_separately(frame)
    after = score_frame(frame)
    assert after["sentiment"].to_list() == before["sentiment"].to_list()
    assert after["impersonal"].to_list() == before["impersonal"].to_list()
    assert after["impersonal_cues"].to_list() == before["impersonal_cues"].to_list()
    # float32 vectors of a text differ in their last bits with the batch it is padded in (measured: scores
    # by at most 3.8e-7 on these 125 texts; impersonal scores, rounded to 4 places, not at all)
    np.testing.assert_allclose(after["sentiment_score"], before["sentiment_score"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(after["impersonal_score"], before["impersonal_score"], rtol=0, atol=1e-4)


@pytest.mark.slow
def test_score_frame__embeds_each_piece_once_in_one_call() -> None:
    texts = demo_sample()
    counting = CountingEmbedder()
    score_frame(pl.DataFrame({"text": texts}, schema={"text": pl.String}), embedder=counting)
    pieces = {piece for text in texts for piece in embedded_pieces(text or "")}
    first, *later = counting.calls
    assert set(first) == pieces and len(first) == len(pieces)
    assert all(not set(call) & pieces for call in later)  # later calls: only the prototype phrases, once


def test_piece_embeddings__answers_prepared_pieces_without_the_source() -> None:
    counting: list[list[str]] = []

    def source(texts: Sequence[str]) -> np.ndarray:
        counting.append(list(texts))
        return np.array([[float(len(text)), 1.0] for text in texts], dtype=np.float32).reshape(-1, 2)

    shared = PieceEmbeddings(source)
    shared.prepare(["ab", "abc", "ab"])
    assert counting == [["ab", "abc"]]
    np.testing.assert_array_equal(shared(["abc", "ab", "abc"])[:, 0], [3, 2, 3])
    assert counting == [["ab", "abc"]]
    shared(["abcd"])
    shared.prepare(["abcd", "x"])
    assert counting == [["ab", "abc"], ["abcd"], ["x"]] and set(shared.vectors) == {"abcd", "x"}


def test_embedded_pieces__a_one_sentence_text_is_one_piece() -> None:
    # the detector's sentence keeps its full stop, so it is the text that sentiment embeds (BANKING77's
    # queries: 1.70 distinct pieces per query before, 1.42 after)
    assert embedded_pieces("My card has not arrived yet.") == ["My card has not arrived yet."]
    assert embedded_pieces("Where is my card? I have waited a week.") == [
        "Where is my card? I have waited a week.",
        "Where is my card?",
        "I have waited a week.",
    ]
