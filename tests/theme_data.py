"""Synthetic themed feedback for tests: clustered random unit vectors with matching words, and a store
seeded with them (feedback, scores, and embeddings under a test model name, so no model is loaded)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sqlalchemy import Engine

from analysis.themes import normalized
from analysis.themes.library import LibraryTheme, ThemeLibrary, library_toml
from store.embeddings import text_hash, write_embeddings
from store.feedback import read_feedback, upsert_feedback
from store.records import FeedbackFrame, FeedbackRecord, SourceSpec
from store.scores import write_scores

TEST_MODEL = "test-embedder"
VOCABULARY = [
    ("sourdough", "loaf", "crust"),
    ("espresso", "latte", "barista"),
    ("kiosk", "screen", "touchscreen"),
    ("delivery", "driver", "parcel"),
]
FILLERS = ("was great today", "could be better", "as usual", "this morning", "again")
SOURCE = SourceSpec("Survey export", "survey", "csv")
START = datetime(2026, 3, 2, 9, tzinfo=UTC)  # a Monday


def clustered(
    per_cluster: int = 30, clusters: int = 4, spread: float = 0.15, seed: int = 0, offset: int = 0
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Texts, unit vectors and true cluster numbers: each cluster's texts use its own words and its vectors
    lie around its own random direction (the same directions for the same `seed`)."""
    rng = np.random.default_rng(seed)
    centres = normalized(rng.normal(size=(clusters, 32)))
    noise = np.random.default_rng(seed + 1 + offset)
    truth = np.repeat(np.arange(clusters), per_cluster)
    vectors = normalized(centres[truth] + noise.normal(scale=spread, size=(len(truth), 32)))
    texts = []
    for index, cluster in enumerate(truth):
        first, second, third = VOCABULARY[cluster % len(VOCABULARY)]
        words = (first, second) if index % 2 else (second, third)
        number = index + offset
        texts.append(f"The {words[0]} and the {words[1]} {FILLERS[number % len(FILLERS)]} number {number}")
    return texts, vectors, truth


def seed_themed_store(engine: Engine, per_cluster: int = 30, offset: int = 0, weeks: int = 6) -> np.ndarray:
    """Add clustered feedback (spread over `weeks` weeks), its scores (the kiosk cluster flagged
    impersonal) and its embeddings under TEST_MODEL; returns the true cluster of each new item."""
    texts, vectors, truth = clustered(per_cluster, spread=0.05, offset=offset)
    records = [
        FeedbackRecord(
            external_id=f"T{offset + index}",
            kind="survey",
            created_at=START + timedelta(hours=(offset + index) * 24 * 7 * weeks // max(len(texts), 1)),
            text=text,
            nps=9,
            channel="online",
        )
        for index, text in enumerate(texts)
    ]
    upsert_feedback(engine, SOURCE, FeedbackFrame.of(records))
    write_embeddings(engine, TEST_MODEL, {text_hash(t): v for t, v in zip(texts, vectors, strict=True)})
    stored = read_feedback(engine, ("id", "text")).filter(pl.col("text").is_in(texts))
    flags = dict(zip(texts, truth == 2, strict=True))
    scored = stored.with_columns(
        pl.lit("neutral").alias("sentiment"),
        pl.lit(0.0).alias("sentiment_score"),
        pl.col("text").replace_strict(flags, return_dtype=pl.Boolean).alias("impersonal"),
        pl.lit(0.0).alias("impersonal_score"),
        pl.lit([], dtype=pl.List(pl.String)).alias("impersonal_cues"),
    ).with_columns(pl.col("impersonal").cast(pl.Float64).alias("impersonal_score"))
    write_scores(engine, scored, "test")
    return truth


class HashEncoder:
    """A stand-in for a sentence-embedding model in tests: each word hashed into `dimensions` buckets (signed),
    summed, unit length. Texts that share words are similar; nothing is loaded."""

    batch_size = 64

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension

    def lengths(self, texts: list[str]) -> list[int]:
        return [len(text.split()) for text in texts]

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                digest = int(hashlib.sha256(word.strip(".,!?'\"").encode()).hexdigest(), 16)
                vectors[row, digest % self.dimension] += 1.0 if (digest >> 64) % 2 else -1.0
        return normalized(vectors)


def use_hash_encoders(monkeypatch: pytest.MonkeyPatch) -> None:
    """Embed with HashEncoder: TEST_MODEL's 32 dimensions (the seeded vectors'), all-MiniLM-L6-v2's 384 (the
    sentiment model's input), so that theming in tests loads no model."""
    import analysis.embeddings

    dimensions = {TEST_MODEL: 32, analysis.embeddings.DEFAULT_MODEL: 384}
    monkeypatch.setattr(
        analysis.embeddings, "load_encoder", lambda name=TEST_MODEL: HashEncoder(dimensions[name])
    )


# The library of the tests on synthetic vectors: only the impersonal detector's theme, so that every other
# theme is discovered (the small-business library is tested on real embeddings).
TEST_LIBRARY = ThemeLibrary(
    name="Test",
    themes=(
        LibraryTheme(
            key="impersonal",
            heading="Automation and contact",
            name="Impersonal experience",
            detector="impersonal",
        ),
    ),
)


def write_test_library(folder: Path) -> Path:
    path = folder / "test-library.toml"
    path.write_text(library_toml(TEST_LIBRARY), encoding="utf-8")
    return path


def topics_frame() -> pl.DataFrame:
    """Four themes as the store lists them: one renamed, one merged into it, one hidden."""
    return pl.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "label": ["Bread · loaf", "Coffee · latte", "Kiosk · screen", "Parking"],
            "custom_name": [None, "Coffee", None, None],
            "hidden": [False, False, False, True],
            "merged_into": [None, None, 2, None],
            "seed": [None, None, None, None],
        },
        schema_overrides={"merged_into": pl.Int64, "custom_name": pl.String, "seed": pl.String},
    )
