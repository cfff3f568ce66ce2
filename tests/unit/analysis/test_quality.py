"""Scorer quality on outside data, with floors set below what benchmarks/quality.py measured, so that a real
regression fails (measured 2026-11-23: VADER tweets r 0.878, Amazon r 0.571). The improved sentiment scorer's
and the impersonal detector's floors are in test_sentiment.py and test_impersonal.py."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from analysis.sentiment import add_sentiment
from analysis.train_sentiment import human_classes, macro_f1, pearson_r, read_rated_set
from tests.shared_data import shared_data

VADER_SETS = shared_data("vader_ground_truth")
CLASSES = ("negative", "neutral", "positive")


def sentiment_quality(frame: pl.DataFrame) -> tuple[float, float]:
    """VADER's Pearson r with the human mean, and its 3-class macro-F1 (as benchmarks/quality.py measures)."""
    scored = add_sentiment(frame, scorer="vader")
    human = scored["human"].to_numpy()
    predicted = np.array([CLASSES.index(label) for label in scored["sentiment"]])
    return pearson_r(scored["sentiment_score"].to_numpy(), human), macro_f1(human_classes(human), predicted)


@pytest.mark.parametrize(
    ("name", "min_r", "min_f1"), [("tweets", 0.85, 0.65), ("Amazon snippets", 0.54, 0.52)]
)
def test_vader__matches_the_papers_correlation_with_human_ratings(
    name: str, min_r: float, min_f1: float
) -> None:
    frame = read_rated_set(name, VADER_SETS)
    assert frame.height > 3000
    r, f1 = sentiment_quality(frame)
    assert r >= min_r and f1 >= min_f1
