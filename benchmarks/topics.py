"""Themes: Pulse's topic pipeline against BERTopic's default (UMAP + HDBSCAN) on Banking77, on the same
cached all-MiniLM-L6-v2 embeddings, then the fit at 100,000 texts and the assignment of 500 new texts.

    python -m benchmarks.run topics

Banking77 (Casanueva et al. 2020, CC BY 4.0) is read from ../shared/data/banking77/. The 100,000- and
50,000-text corpora are synthetic: the 10,003 train embeddings repeated with Gaussian noise (sigma
NOISE_SIGMA per dimension, then unit length), their texts reused; the 500 new texts are the first 500 test
texts. Each fit is timed once, after BERTopic is imported.
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from analysis.themes import OUTLIER, assign_topics, fit_topics, normalized
from tests.topic_data import banking77_embeddings

Row = tuple[str, float, str]
NOISE_SIGMA = 0.01
SEED = 7


def synthetic_corpus(texts: list[str], vectors: np.ndarray, size: int) -> tuple[list[str], np.ndarray]:
    """`size` texts and embeddings made by repeating `vectors` with noise (see the module's docstring)."""
    rng = np.random.default_rng(SEED)
    picks = np.arange(size) % len(vectors)
    noisy = vectors[picks] + rng.normal(0, NOISE_SIGMA, (size, vectors.shape[1])).astype(np.float32)
    return [texts[index] for index in picks], normalized(noisy)


def quality_rows(name: str, topics: np.ndarray, intents: list[str], seconds: float) -> list[Row]:
    return [
        (f"{name}: NMI against the 77 intents", normalized_mutual_info_score(intents, topics), ""),
        (f"{name}: ARI against the 77 intents", adjusted_rand_score(intents, topics), ""),
        (f"{name}: outlier share", float(np.mean(topics == OUTLIER)) * 100, "%"),
        (f"{name}: topics found", float(len(set(topics.tolist()) - {OUTLIER})), ""),
        (f"{name}: fit time (cached embeddings)", seconds, "s"),
    ]


def bench_banking77() -> list[Row]:
    from bertopic import BERTopic

    frame, vectors = banking77_embeddings("test")
    texts, intents = frame["text"].to_list(), frame["category"].to_list()
    started = time.perf_counter()
    pulse = fit_topics(texts, vectors)
    pulse_seconds = time.perf_counter() - started
    started = time.perf_counter()
    default_topics, _ = BERTopic().fit_transform(texts, embeddings=vectors)
    default_seconds = time.perf_counter() - started
    return [
        *quality_rows("Banking77 test, Pulse", pulse.assignments, intents, pulse_seconds),
        *quality_rows(
            "Banking77 test, BERTopic default", np.asarray(default_topics), intents, default_seconds
        ),
        ("Banking77 test, Pulse fit time / default's", pulse_seconds / default_seconds, "x"),
    ]


def bench_scale() -> list[Row]:
    from analysis.embeddings import embed, load_model

    frame, vectors = banking77_embeddings("train")
    texts = frame["text"].to_list()
    big_texts, big_vectors = synthetic_corpus(texts, vectors, 100_000)
    started = time.perf_counter()
    big = fit_topics(big_texts, big_vectors)
    big_seconds = time.perf_counter() - started
    mid_texts, mid_vectors = synthetic_corpus(texts, vectors, 50_000)
    mid = fit_topics(mid_texts, mid_vectors)
    test, _ = banking77_embeddings("test")
    new_texts = test["text"].head(500).to_list()
    load_model()
    started = time.perf_counter()
    new_vectors = embed(new_texts)
    embed_seconds = time.perf_counter() - started
    started = time.perf_counter()
    assign_topics(new_vectors, mid.centroids())
    assign_seconds = time.perf_counter() - started
    return [
        ("100,000 synthetic texts: fit time (cached embeddings)", big_seconds, "s"),
        ("100,000 synthetic texts: topics found", float(len(big.topics)), ""),
        ("50,000-text model: assign 500 new texts (embeddings cached)", assign_seconds, "s"),
        ("50,000-text model: embed the 500 new texts first (model loaded)", embed_seconds, "s"),
        ("50,000-text model: assign 500 new texts, embedding included", embed_seconds + assign_seconds, "s"),
    ]


def bench_topics() -> list[Row]:
    return [*bench_banking77(), *bench_scale()]
