"""The topic pipeline on small synthetic embeddings: clustered random unit vectors with matching words."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import normalized_mutual_info_score

from analysis.quotes import representative_quotes
from analysis.themes import (
    IMPERSONAL_LABEL,
    IMPERSONAL_SEED,
    MAX_TOPICS,
    OUTLIER,
    AdaptiveKMeans,
    assign_topics,
    distinct_keywords,
    fit_topics,
    match_topics,
    merge_groups,
    needs_refit,
    normalized,
    topic_count,
    topic_label,
)
from tests.theme_data import VOCABULARY, clustered


def test_topic_count__grows_with_the_corpus_within_bounds() -> None:
    counts = [topic_count(size) for size in (2, 50, 500, 3_080, 100_000, 200_000)]
    assert counts == sorted(counts)
    assert 2 <= topic_count(50) <= 5
    assert topic_count(200_000) == MAX_TOPICS
    assert topic_count(0) == 0 and topic_count(1) == 1


def test_fit_topics__recovers_planted_clusters_with_their_words() -> None:
    texts, vectors, truth = clustered()
    fit = fit_topics(texts, vectors, clusters=4)
    assert normalized_mutual_info_score(truth, fit.assignments) > 0.95
    labels = " ".join(topic.label.lower() for topic in fit.topics)
    for words in VOCABULARY:
        assert any(word in labels for word in words)
    assert sum(topic.size for topic in fit.topics) == len(texts)


def test_fit_topics__fifty_texts_give_a_few_broad_themes() -> None:
    texts, vectors, _ = clustered(per_cluster=25, clusters=2)
    fit = fit_topics(texts, vectors)
    assert 1 <= len(fit.topics) <= 5
    assert float(np.mean(fit.assignments != OUTLIER)) > 0.9


def test_fit_topics__is_reproducible() -> None:
    texts, vectors, _ = clustered(seed=3)
    first, second = fit_topics(texts, vectors), fit_topics(texts, vectors)
    assert np.array_equal(first.assignments, second.assignments)
    assert [topic.label for topic in first.topics] == [topic.label for topic in second.topics]


@pytest.mark.parametrize("size", [0, 1, 3])
def test_fit_topics__tiny_corpora_do_not_crash(size: int) -> None:
    texts, vectors, _ = clustered(per_cluster=1, clusters=4)
    fit = fit_topics(texts[:size], vectors[:size])
    assert len(fit.assignments) == size
    assert len(fit.topics) == (0 if size == 0 else len(fit.topics)) and len(fit.topics) <= max(size, 1)


def test_fit_topics__identical_texts_and_vectors_make_one_theme() -> None:
    vectors = np.tile(normalized(np.ones((1, 16))), (40, 1))
    fit = fit_topics(["the the and"] * 40, vectors)
    assert len(fit.topics) == 1
    assert set(fit.assignments.tolist()) == {fit.topics[0].number}


def test_fit_topics__impersonal_flags_form_the_fixed_theme() -> None:
    texts, vectors, truth = clustered()
    flags = truth == 2  # the kiosk texts
    fit = fit_topics(texts, vectors, impersonal=flags)
    seeded = [topic for topic in fit.topics if topic.seed == IMPERSONAL_SEED]
    assert len(seeded) == 1
    assert seeded[0].label == IMPERSONAL_LABEL
    assert set(np.flatnonzero(fit.assignments == seeded[0].number)) == set(np.flatnonzero(flags))
    assert "kiosk" in " ".join(seeded[0].keywords) or "screen" in " ".join(seeded[0].keywords)


def test_adaptive_kmeans__a_far_text_is_an_outlier_and_duplicates_merge() -> None:
    _, vectors, _ = clustered(per_cluster=20, clusters=2, spread=0.05)
    lone = -normalized(vectors.mean(axis=0, keepdims=True))  # opposite every cluster
    clusterer = AdaptiveKMeans(clusters=6, merge_similarity=0.9).fit(np.vstack([vectors, lone]))
    assert clusterer.labels_[-1] == OUTLIER
    assert len(set(clusterer.labels_[:-1].tolist())) == 2  # six k-means clusters, merged into the two


def test_merge_groups__chains_join_and_distant_centroids_stay_apart() -> None:
    base = normalized(np.array([[1.0, 0, 0], [0.99, 0.1, 0], [0.97, 0.2, 0], [0, 0, 1.0]]))
    groups = merge_groups(base, threshold=0.99)
    assert groups[0] == groups[1] == groups[2] != groups[3]


def test_assign_topics__nearest_centroid_impersonal_override_and_outliers() -> None:
    centroids = np.eye(3, 8, dtype=np.float32)
    vectors = np.array([[0.9, 0.1, 0, 0, 0, 0, 0, 0], [0, 0.8, 0.2, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 1]])
    indexes, similarity = assign_topics(vectors, centroids)
    assert indexes.tolist() == [0, 1, OUTLIER]
    assert similarity[0] > similarity[2]
    flagged, _ = assign_topics(vectors[:2], centroids, impersonal=[False, True], impersonal_index=2)
    assert flagged.tolist() == [0, 2]


def test_needs_refit__only_when_many_new_texts_fit_poorly() -> None:
    assert not needs_refit(np.full(10, 0.1))  # too few to judge
    assert not needs_refit(np.r_[np.full(90, 0.8), np.full(10, 0.1)])
    assert needs_refit(np.r_[np.full(60, 0.8), np.full(40, 0.1)])


def test_match_topics__finds_moved_topics_and_keeps_seeds() -> None:
    rng = np.random.default_rng(1)
    old = normalized(rng.normal(size=(4, 16)))
    order = [2, 0, 3, 1]
    new = normalized(old[order] + rng.normal(scale=0.02, size=(4, 16)))
    new = np.vstack([new, normalized(rng.normal(size=(1, 16)))])  # a theme that did not exist before
    pairs = match_topics(old, new, [None, "impersonal", None, None], [None, None, None, "impersonal", None])
    assert pairs == {0: 2, 1: 0, 2: 3, 3: 1}


def test_representative_quotes__closest_distinct_and_redacted() -> None:
    frame = pl.DataFrame(
        {
            "theme": ["a", "a", "a", "a", "b"],
            "text": [
                "the bread was lovely today",
                "The bread was lovely today!",
                "write to me at jo@example.com please",
                "too short",
                "coffee was cold again today",
            ],
            "similarity": [0.9, 0.9, 0.8, 0.99, 0.5],
        }
    )
    quotes = representative_quotes(frame, per_topic=2)
    assert quotes.filter(pl.col("theme") == "a")["quote"].to_list() == [
        "the bread was lovely today",
        "write to me at [email] please",
    ]
    assert quotes.filter(pl.col("theme") == "b").height == 1
    long = representative_quotes(frame.with_columns(pl.col("text") + " and more" * 50), per_topic=1)
    assert all(len(quote) <= 220 and quote.endswith("…") for quote in long["quote"])


def test_labels__drop_repeated_keywords_and_read_as_a_name() -> None:
    assert distinct_keywords(["new card", "card", "pin", "virtual cards", "virtual card"]) == [
        "new card",
        "pin",
        "virtual cards",
    ]
    assert topic_label(["pin", "unblock", "blocked", "atm"]) == "Pin · unblock · blocked"
    assert topic_label([]) == ""
