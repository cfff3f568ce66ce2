"""Sentiment of customer text: NLTK's VADER (lexicon read from an installed package) and the improved scorer,
the default, which combines VADER's features with sentence embeddings (all-MiniLM-L6-v2) through a small
linear model trained on labelled customer feedback and the human-rated sets of the VADER paper (see
analysis/models/README.md and analysis/train_sentiment.py).

The improved scorer, for one text:
1. The text is cut into segments: sentences, and clauses joined by a contrast ("..., but ...", "however",
   "although", ";"). A text of one segment is its own segment.
2. The whole text and each segment get VADER's compound / pos / neg / neu and an embedding; a 3-class softmax
   over those gives calibrated P(negative), P(neutral), P(positive) (the text's are stored with its score),
   and the score is `(1 - vader_weight) * (P(positive) - P(negative)) + vader_weight * compound`, in -1..1.
   Segment scores are what themes and the impersonal detector read sentence by sentence.
3. A text of several segments scores `whole_weight * (its whole score) + (1 - whole_weight) * (the mean of
   its segments' scores weighted by their length in characters)` (v3: the whole text's score alone).
4. The label comes from the model's neutral band (`negative_below`, `positive_above`) on that score, except
   that a mixed text is labelled neutral, and its score is clipped into the band, so that averages and later
   checks read it as neither praise nor complaint ("Great bread, but the kiosk is a nightmare."): a text with
   a segment above the band and `mixed_margin` from 0, another below, and praise and complaint about as
   weighty (the smaller of the length-weighted positive and negative segment scores at least `mixed_balance`
   of the larger), so that one short complaint in a long, happy review does not make it mixed.
`vader_weight`, `whole_weight`, `mixed_balance` and the band are chosen by leave-one-source-out on the training
data (analysis/train_sentiment.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal, Protocol

import numpy as np
import polars as pl
from scipy.special import softmax

from analysis.embeddings import Embedder
from pulse.measures import SENTIMENT_PROBABILITY_COLUMNS

if TYPE_CHECKING:
    from nltk.sentiment.vader import SentimentIntensityAnalyzer

VADER_VERSION = "vader-3.3.2"
SENTIMENT_VERSION = "sentiment-minilm-v3"  # change with every new weights file or scoring rule
EMBEDDING_MODEL = "all-MiniLM-L6-v2"
WEIGHTS_FILE = f"sentiment-{EMBEDDING_MODEL}-v3.npz"
NEGATIVE_BELOW = -0.05
POSITIVE_ABOVE = 0.05
LABELS = ("negative", "neutral", "positive")

Scorer = Literal["improved", "vader"]

SEGMENT_BREAK = re.compile(
    r"(?<=[.!?])\s+(?=[A-Za-z0-9\"'(])"  # a sentence end
    r"|\s*;\s+"  # a semicolon
    r"|,?\s+\b(?:but|however|although)\b\s+",  # a contrast
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def build_vader() -> SentimentIntensityAnalyzer:
    """NLTK's VADER built from the lexicon that the vaderSentiment package ships (MIT); never downloads."""
    from nltk.sentiment.vader import SentimentIntensityAnalyzer, VaderConstants  # 5 s to import: when used

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


def vader_features(texts: Sequence[str]) -> np.ndarray:
    """VADER's compound, pos, neg and neu of each text: shape (n, 4), float64."""
    polarity = build_vader().polarity_scores
    rows = [polarity(text) for text in texts]
    return np.array([[row["compound"], row["pos"], row["neg"], row["neu"]] for row in rows]).reshape(-1, 4)


def sentiment_label_expr(score: pl.Expr) -> pl.Expr:
    """negative / neutral / positive from a -1..1 score, with VADER's own ±0.05 thresholds."""
    return (
        pl.when(score < NEGATIVE_BELOW)
        .then(pl.lit("negative"))
        .when(score > POSITIVE_ABOVE)
        .then(pl.lit("positive"))
        .otherwise(pl.lit("neutral"))
    )


class Band(Protocol):
    """The settings that turn scores into labels: the neutral band and the mixed rule (a SentimentModel, or
    a candidate while training)."""

    @property
    def negative_below(self) -> float: ...
    @property
    def positive_above(self) -> float: ...
    @property
    def mixed_margin(self) -> float: ...
    @property
    def mixed_balance(self) -> float: ...


@dataclass(frozen=True)
class SentimentModel:
    """The improved scorer's weights: a softmax over [embedding, VADER compound/pos/neg/neu] giving
    P(negative), P(neutral), P(positive), blended with VADER's compound, and the neutral band."""

    version: str
    embedding_model: str
    coef: np.ndarray  # (3, embedding dimension + 4), rows in LABELS order
    intercept: np.ndarray  # (3,)
    vader_weight: float  # share of VADER's compound in a segment's score
    whole_weight: float  # share of the whole text's score in the score of a text of several segments
    mixed_margin: float  # how far from 0 a segment's score must be to make its text mixed
    negative_below: float
    positive_above: float
    # how even a mixed text's praise and complaint must be: the smaller of the two (length-weighted) at least
    # this share of the larger; 0 (weights before v3) counts any clearly positive and negative pair
    mixed_balance: float = 0.0

    def probabilities(self, embeddings: np.ndarray, vader: np.ndarray) -> np.ndarray:
        """P(negative), P(neutral), P(positive) of texts given their embeddings (n, d) and vader_features
        (n, 4): shape (n, 3), rows summing to 1 (calibrated: the weights carry the fitted temperature)."""
        return softmax(np.hstack([embeddings, vader]) @ self.coef.T + self.intercept, axis=1)

    def segment_scores(self, embeddings: np.ndarray, vader: np.ndarray) -> np.ndarray:
        """Scores in -1..1 of segments given their embeddings (n, d) and vader_features (n, 4)."""
        return self.scores_of(self.probabilities(embeddings, vader), vader)

    def scores_of(self, probabilities: np.ndarray, vader: np.ndarray) -> np.ndarray:
        """Scores in -1..1 from the class probabilities and vader_features of the same texts."""
        model_score = probabilities[:, 2] - probabilities[:, 0]
        return (1 - self.vader_weight) * model_score + self.vader_weight * vader[:, 0]

    def save(self, path: str) -> None:
        """Write the weights as plain numpy arrays (no pickle)."""
        np.savez_compressed(
            path,
            version=np.array(self.version),
            embedding_model=np.array(self.embedding_model),
            coef=self.coef.astype(np.float32),
            intercept=self.intercept.astype(np.float32),
            vader_weight=np.array(self.vader_weight),
            whole_weight=np.array(self.whole_weight),
            mixed_margin=np.array(self.mixed_margin),
            negative_below=np.array(self.negative_below),
            positive_above=np.array(self.positive_above),
            mixed_balance=np.array(self.mixed_balance),
        )


def read_sentiment_model(source: str | Path | IO[bytes]) -> SentimentModel:
    """A SentimentModel from an .npz file (a path or an open binary file)."""
    with np.load(source, allow_pickle=False) as arrays:
        return SentimentModel(
            version=str(arrays["version"]),
            embedding_model=str(arrays["embedding_model"]),
            coef=arrays["coef"].astype(np.float64),
            intercept=arrays["intercept"].astype(np.float64),
            vader_weight=float(arrays["vader_weight"]),
            whole_weight=float(arrays["whole_weight"]),
            mixed_margin=float(arrays["mixed_margin"]),
            negative_below=float(arrays["negative_below"]),
            positive_above=float(arrays["positive_above"]),
            mixed_balance=float(arrays["mixed_balance"]) if "mixed_balance" in arrays else 0.0,
        )


@lru_cache(maxsize=1)
def load_sentiment_model() -> SentimentModel:
    """The shipped weights (analysis/models/WEIGHTS_FILE), read once per process."""
    with (files("analysis") / "models" / WEIGHTS_FILE).open("rb") as handle:
        return read_sentiment_model(handle)


def split_segments(text: str) -> list[str]:
    """Sentences and contrasted clauses of `text`; `[text]` as it is when it has only one."""
    segments = [part.strip() for part in SEGMENT_BREAK.split(text) if part and part.strip()]
    return segments if len(segments) > 1 else [text]


@dataclass(frozen=True)
class Segmented:
    """Segments of many texts, flattened: `owner[i]` is the text that segment i belongs to."""

    segments: list[str]
    owner: np.ndarray  # (n segments,) int
    length: np.ndarray  # (n segments,) characters, at least 1

    @classmethod
    def of(cls, texts: Sequence[str]) -> Segmented:
        parts = [split_segments(text) for text in texts]
        segments = [segment for text_parts in parts for segment in text_parts]
        owner = np.repeat(np.arange(len(texts)), [len(text_parts) for text_parts in parts])
        length = np.array([max(len(segment), 1) for segment in segments], dtype=np.float64)
        return cls(segments, owner.astype(np.int64), length)


@dataclass(frozen=True)
class TextScores:
    """Per text: its score (the whole text's score blended with the length-weighted mean of its segments'
    scores), the score of its highest and lowest segment, and how much praise and complaint it holds (the
    length-weighted sums of its segments' positive and negative scores)."""

    score: np.ndarray
    highest: np.ndarray
    lowest: np.ndarray
    praise: np.ndarray
    complaint: np.ndarray

    @classmethod
    def of(
        cls, whole_scores: np.ndarray, segment_scores: np.ndarray, segmented: Segmented, whole_weight: float
    ) -> TextScores:
        n_texts = len(whole_scores)
        owner, length = segmented.owner, segmented.length
        weighted = np.bincount(owner, segment_scores * length, minlength=n_texts)
        total_length = np.bincount(owner, length, minlength=n_texts)
        highest = np.full(n_texts, -np.inf)
        lowest = np.full(n_texts, np.inf)
        np.maximum.at(highest, owner, segment_scores)
        np.minimum.at(lowest, owner, segment_scores)
        segment_mean = weighted / np.maximum(total_length, 1.0)
        score = np.clip(whole_weight * whole_scores + (1 - whole_weight) * segment_mean, -1.0, 1.0)
        praise = np.bincount(owner, np.clip(segment_scores, 0.0, None) * length, minlength=n_texts)
        complaint = np.bincount(owner, np.clip(-segment_scores, 0.0, None) * length, minlength=n_texts)
        return cls(score, highest, lowest, praise, complaint)

    def mixed(self, band: Band) -> np.ndarray:
        """Whether each text has a segment clearly above the neutral band and another clearly below it, and
        praise and complaint about as weighty (the smaller at least `band.mixed_balance` of the larger)."""
        clearly_positive = self.highest > max(band.positive_above, band.mixed_margin)
        clearly_negative = self.lowest < min(band.negative_below, -band.mixed_margin)
        smaller = np.minimum(self.praise, self.complaint)
        even = smaller >= band.mixed_balance * np.maximum(self.praise, self.complaint)
        return clearly_positive & clearly_negative & even

    def classes(self, band: Band) -> np.ndarray:
        """0 negative, 1 neutral, 2 positive: the band on the score; mixed texts are neutral."""
        banded = np.where(
            self.score > band.positive_above, 2, np.where(self.score < band.negative_below, 0, 1)
        )
        return np.where(self.mixed(band), 1, banded)

    def banded_scores(self, band: Band) -> np.ndarray:
        """The scores, with those of mixed texts clipped into the neutral band (so they agree with the label)."""
        clipped = np.clip(self.score, band.negative_below, band.positive_above)
        return np.where(self.mixed(band), clipped, self.score)


@dataclass(frozen=True)
class SentimentResult:
    """The improved scorer's reading of many texts: a label and a score (-1..1) per text, and the calibrated
    probability of each class (n, 3) in LABELS order."""

    labels: list[str]
    scores: np.ndarray
    probabilities: np.ndarray


def read_sentiment(
    texts: Sequence[str | None],
    embedder: Embedder | None = None,
    model: SentimentModel | None = None,
) -> SentimentResult:
    """Labels, scores and class probabilities of `texts` by the improved scorer.

    `embedder` turns texts into unit-length all-MiniLM-L6-v2 vectors (default: analysis.embeddings.embed);
    missing and blank texts are neutral with a score of 0 and P(neutral) 1.
    """
    model = model or load_sentiment_model()
    clean = [text or "" for text in texts]
    if not clean:
        return SentimentResult([], np.zeros(0), np.zeros((0, 3)))
    segmented = Segmented.of(clean)
    unique = list(dict.fromkeys([*clean, *segmented.segments]))  # a one-segment text is its own segment
    position = {text: index for index, text in enumerate(unique)}
    vectors = np.asarray((embedder or _default_embedder())(unique), dtype=np.float64)
    vader = vader_features(unique)
    probabilities_of_unique = model.probabilities(vectors, vader)
    scores_of_unique = model.scores_of(probabilities_of_unique, vader)
    whole = [position[text] for text in clean]
    segment_scores = scores_of_unique[[position[segment] for segment in segmented.segments]]
    text_scores = TextScores.of(scores_of_unique[whole], segment_scores, segmented, model.whole_weight)
    blank = np.array([not text.strip() for text in clean])
    classes = np.where(blank, 1, text_scores.classes(model))
    probabilities = np.where(blank[:, None], [0.0, 1.0, 0.0], probabilities_of_unique[whole])
    return SentimentResult(
        [LABELS[index] for index in classes],
        np.where(blank, 0.0, text_scores.banded_scores(model)),
        probabilities,
    )


def score_sentiment(
    texts: Sequence[str | None],
    embedder: Embedder | None = None,
    model: SentimentModel | None = None,
) -> tuple[list[str], np.ndarray]:
    """Labels (negative / neutral / positive) and scores (-1..1) of `texts`: `read_sentiment` without the
    probabilities."""
    result = read_sentiment(texts, embedder, model)
    return result.labels, result.scores


def _default_embedder() -> Embedder:
    from analysis.embeddings import embed  # loads torch; only when the improved scorer runs

    return embed


def add_vader_sentiment(frame: pl.DataFrame, text_column: str = "text") -> pl.DataFrame:
    """Add `sentiment_score` (VADER's compound, -1..1) and `sentiment` (VADER's ±0.05): the fast path. VADER
    has no class probabilities: SENTIMENT_PROBABILITY_COLUMNS are null."""
    polarity = build_vader().polarity_scores
    scores = [polarity(text)["compound"] for text in frame[text_column].fill_null("").to_list()]
    return frame.with_columns(pl.Series("sentiment_score", scores, dtype=pl.Float64)).with_columns(
        sentiment_label_expr(pl.col("sentiment_score")).alias("sentiment"),
        *[pl.lit(None, dtype=pl.Float64).alias(name) for name in SENTIMENT_PROBABILITY_COLUMNS],
    )


def add_sentiment(
    frame: pl.DataFrame,
    text_column: str = "text",
    embedder: Embedder | None = None,
    scorer: Scorer = "improved",
) -> pl.DataFrame:
    """Add `sentiment_score` (-1..1), `sentiment` (negative / neutral / positive) and SENTIMENT_PROBABILITY_COLUMNS
    (each class's probability, 0..1).

    `scorer="improved"` (the default, version SENTIMENT_VERSION) embeds with `embedder` (default:
    analysis.embeddings.embed); `scorer="vader"` is VADER alone (version VADER_VERSION), with no embeddings.
    """
    if scorer == "vader":
        return add_vader_sentiment(frame, text_column)
    result = read_sentiment(frame[text_column].to_list(), embedder)
    return frame.with_columns(
        pl.Series("sentiment_score", result.scores, dtype=pl.Float64),
        pl.Series("sentiment", result.labels, dtype=pl.String),
        *[
            pl.Series(name, result.probabilities[:, index], dtype=pl.Float64)
            for index, name in enumerate(SENTIMENT_PROBABILITY_COLUMNS)
        ],
    )


def sentiment_version(scorer: Scorer = "improved") -> str:
    """The version stored with scores from `scorer`."""
    return SENTIMENT_VERSION if scorer == "improved" else VADER_VERSION
