"""The sentiment scorers: VADER's fast path and the improved scorer (analysis/sentiment.py)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from analysis.sentiment import (
    EMBEDDING_MODEL,
    SENTIMENT_VERSION,
    add_sentiment,
    load_sentiment_model,
    read_sentiment_model,
    score_sentiment,
    split_segments,
    vader_features,
    vader_score,
)
from pulse.measures import SENTIMENT_PROBABILITY_COLUMNS
from tests.shared_data import shared_data

MIXED_REVIEW = "Great bread, but the kiosk is a nightmare."
CHATBOT_COMPLAINT = "The chatbot was useless and I could never reach a human. Awful!"


def fake_embedder(texts: Sequence[str]) -> np.ndarray:
    """Unit vectors that depend only on each text (no model): enough to test shapes and plumbing."""
    rows = []
    for text in texts:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")
        vector = np.random.default_rng(seed).normal(size=384)
        rows.append(vector / np.linalg.norm(vector))
    return np.array(rows, dtype=np.float32).reshape(-1, 384)


@pytest.fixture(scope="module")
def real_embedder() -> object:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from analysis.embeddings import embed

    return embed


def test_load_sentiment_model__reads_the_versioned_weights() -> None:
    model = load_sentiment_model()
    assert model.version == SENTIMENT_VERSION
    assert model.embedding_model == EMBEDDING_MODEL
    assert model.coef.shape == (3, 384 + 4) and model.intercept.shape == (3,)
    assert model.negative_below <= model.positive_above
    assert 0 <= model.vader_weight <= 1


def test_read_sentiment_model__round_trips_without_pickle(tmp_path: Path) -> None:
    path = tmp_path / "weights.npz"
    load_sentiment_model().save(str(path))
    again = read_sentiment_model(path)
    assert again.version == SENTIMENT_VERSION
    np.testing.assert_allclose(again.coef, load_sentiment_model().coef, rtol=1e-6)
    assert again.mixed_balance == load_sentiment_model().mixed_balance


def test_read_sentiment_model__weights_before_v3_mix_any_praise_and_complaint(tmp_path: Path) -> None:
    path = tmp_path / "v2.npz"
    load_sentiment_model().save(str(path))
    with np.load(path) as arrays:  # a file written before mixed_balance existed
        np.savez(path, **{name: arrays[name] for name in arrays.files if name != "mixed_balance"})
    assert load_sentiment_model().mixed_balance > 0
    assert read_sentiment_model(path).mixed_balance == 0.0


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("Lovely staff.", ["Lovely staff."]),
        (MIXED_REVIEW, ["Great bread", "the kiosk is a nightmare."]),
        ("Slow service. Cold coffee! Never again", ["Slow service.", "Cold coffee!", "Never again"]),
        ("Fine; nothing special", ["Fine", "nothing special"]),
        ("", [""]),
    ],
)
def test_split_segments__cuts_sentences_and_contrasts(text: str, segments: list[str]) -> None:
    assert split_segments(text) == segments


def test_add_sentiment__adds_columns_in_range() -> None:
    frame = pl.DataFrame(
        {"text": ["Lovely staff, great coffee!", "Cold, stale and rude.", None, MIXED_REVIEW]}
    )
    scored = add_sentiment(frame, embedder=fake_embedder)
    assert scored.columns == ["text", "sentiment_score", "sentiment", *SENTIMENT_PROBABILITY_COLUMNS]
    assert scored.schema["sentiment_score"] == pl.Float64 and scored.schema["sentiment"] == pl.String
    assert scored["sentiment_score"].is_between(-1, 1).all()
    assert set(scored["sentiment"]) <= {"negative", "neutral", "positive"}
    probabilities = scored.select(SENTIMENT_PROBABILITY_COLUMNS).to_numpy()
    assert ((probabilities >= 0) & (probabilities <= 1)).all()
    assert probabilities.sum(axis=1) == pytest.approx(np.ones(4))
    assert probabilities[2].tolist() == [0.0, 1.0, 0.0]  # a missing text is surely neutral


def test_add_sentiment__vader_scorer_is_vader_alone() -> None:
    frame = pl.DataFrame(
        {"body": ["Lovely staff, great coffee!", "Cold, stale and rude.", "Ordered a latte.", None]}
    )
    scored = add_sentiment(frame, "body", scorer="vader")
    assert scored["sentiment"].to_list() == ["positive", "negative", "neutral", "neutral"]
    assert scored["sentiment_score"][0] == pytest.approx(vader_score("Lovely staff, great coffee!"))
    assert scored.select(SENTIMENT_PROBABILITY_COLUMNS).null_count().row(0) == (
        4,
        4,
        4,
    )  # VADER has no probabilities


def test_score_sentiment__one_sentence_is_scored_whole() -> None:
    model = load_sentiment_model()
    text = "The croissants were stale"
    _, scores = score_sentiment([text], fake_embedder)
    expected = model.segment_scores(fake_embedder([text]).astype(np.float64), vader_features([text]))
    assert scores[0] == pytest.approx(float(expected[0]))


def test_score_sentiment__no_texts() -> None:
    labels, scores = score_sentiment([], fake_embedder)
    assert labels == [] and scores.shape == (0,)


@pytest.mark.slow
def test_score_sentiment__mixed_review_is_not_positive(real_embedder: object) -> None:
    labels, scores = score_sentiment(
        [MIXED_REVIEW, "Great bread.", "The kiosk is a nightmare."], real_embedder
    )  # type: ignore[arg-type]
    assert labels[0] == "neutral"
    assert labels[1] == "positive" and labels[2] == "negative"
    model = load_sentiment_model()
    assert model.negative_below <= scores[0] <= model.positive_above  # the score agrees with the label
    assert scores[2] < scores[0] < scores[1]


def test_score_sentiment__blank_texts_are_neutral_zero() -> None:
    labels, scores = score_sentiment(["", "   ", None], fake_embedder)
    assert labels == ["neutral"] * 3 and scores.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.slow
def test_score_sentiment__chatbot_complaint_is_clearly_negative(real_embedder: object) -> None:
    labels, scores = score_sentiment([CHATBOT_COMPLAINT], real_embedder)  # type: ignore[arg-type]
    assert labels == ["negative"]
    assert scores[0] < vader_score(CHATBOT_COMPLAINT) - 0.3


@pytest.mark.slow
def test_score_sentiment__macro_f1_floor_on_a_fixed_sample(real_embedder: object) -> None:
    """A tripwire, not a quality claim: every 12th row of the Amazon snippets (309 rows), which the shipped
    model was trained on; the floor is set below the measured figure (see analysis/models/README.md for the
    leave-one-set-out figures)."""
    from analysis.train_sentiment import human_classes, macro_f1, read_rated_set

    sample = read_rated_set("Amazon snippets", shared_data("vader_ground_truth")).gather_every(12)
    labels, _ = score_sentiment(sample["text"].to_list(), real_embedder)  # type: ignore[arg-type]
    predicted = np.array([("negative", "neutral", "positive").index(label) for label in labels])
    assert macro_f1(human_classes(sample["human"].to_numpy()), predicted) >= FLOOR_F1


FLOOR_F1 = 0.53  # measured 0.571 with sentiment-minilm-v1 (2026-11-23)


def test_macro_f1__agrees_with_scikit_learn() -> None:
    from sklearn.metrics import f1_score

    from analysis.train_sentiment import macro_f1

    rng = np.random.default_rng(0)
    for size in (1, 3, 10, 500):
        truth, predicted = rng.integers(0, 3, size), rng.integers(0, 3, size)
        expected = f1_score(truth, predicted, labels=[0, 1, 2], average="macro", zero_division=0)
        assert macro_f1(truth, predicted) == pytest.approx(expected, abs=1e-12)


@pytest.mark.slow
def test_score_sentiment__macro_f1_floor_on_held_out_customer_reviews(real_embedder: object) -> None:
    """A tripwire on real customer text that no model here is fitted or tuned on: every 100th row of the
    evaluation-only Zomato restaurant reviews (92 rows, read from ../shared/data/sentiment_train/, never copied
    here). The floor is set under the figure measured with the default weights (see analysis/models/README.md)."""
    from analysis.sentiment_data import LABEL_CLASSES, read_labelled_file
    from analysis.train_sentiment import macro_f1

    folder = shared_data("sentiment_train")
    sample = read_labelled_file("zomato_hyderabad_restaurant_reviews.csv", folder).gather_every(100)
    labels, _ = score_sentiment(sample["text"].to_list(), real_embedder)  # type: ignore[arg-type]
    truth = np.array([LABEL_CLASSES[label] for label in sample["label"]])
    predicted = np.array([LABEL_CLASSES[label] for label in labels])
    assert macro_f1(truth, predicted) >= CUSTOMER_FLOOR_F1


CUSTOMER_FLOOR_F1 = 0.50  # measured 0.552 with sentiment-minilm-v3, 0.564 with v2 (VADER: 0.531), 2026-12-04


def test_sentiment_model_probabilities__rows_are_distributions_that_give_the_score() -> None:
    model = load_sentiment_model()
    texts = ["Lovely staff.", "Awful wait.", "It is a shop."]
    embeddings, vader = fake_embedder(texts).astype(np.float64), vader_features(texts)
    probabilities = model.probabilities(embeddings, vader)
    assert probabilities.shape == (3, 3) and (probabilities >= 0).all()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    blended = (1 - model.vader_weight) * (
        probabilities[:, 2] - probabilities[:, 0]
    ) + model.vader_weight * vader[:, 0]
    np.testing.assert_allclose(model.segment_scores(embeddings, vader), blended)
