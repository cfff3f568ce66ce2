"""Sentiment of customer text: NLTK's VADER, with its lexicon read from an installed package."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

import polars as pl
from nltk.sentiment.vader import SentimentIntensityAnalyzer, VaderConstants

VADER_VERSION = "vader-3.3.2"
NEGATIVE_BELOW = -0.05
POSITIVE_ABOVE = 0.05


@lru_cache(maxsize=1)
def build_vader() -> SentimentIntensityAnalyzer:
    """NLTK's VADER built from the lexicon that the vaderSentiment package ships (MIT); never downloads."""
    analyzer = SentimentIntensityAnalyzer.__new__(SentimentIntensityAnalyzer)
    analyzer.lexicon_file = (
        (files("vaderSentiment") / "vader_lexicon.txt").read_text(encoding="utf-8").strip()
    )
    analyzer.lexicon = analyzer.make_lex_dict()
    analyzer.constants = VaderConstants()
    return analyzer


def vader_score(text: str) -> float:
    """VADER's compound score of `text`, in -1..1."""
    return float(build_vader().polarity_scores(text)["compound"])


def sentiment_label_expr(score: pl.Expr) -> pl.Expr:
    """negative / neutral / positive from a -1..1 score, with VADER's own ±0.05 thresholds."""
    return (
        pl.when(score < NEGATIVE_BELOW)
        .then(pl.lit("negative"))
        .when(score > POSITIVE_ABOVE)
        .then(pl.lit("positive"))
        .otherwise(pl.lit("neutral"))
    )


def add_sentiment(frame: pl.DataFrame, text_column: str = "text") -> pl.DataFrame:
    """Add `sentiment_score` (-1..1) and `sentiment` (negative / neutral / positive)."""
    return frame.with_columns(
        pl.col(text_column)
        .fill_null("")
        .map_elements(vader_score, return_dtype=pl.Float64)
        .alias("sentiment_score")
    ).with_columns(sentiment_label_expr(pl.col("sentiment_score")).alias("sentiment"))
