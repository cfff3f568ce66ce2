"""Themes between fits: new texts get the theme of the nearest stored centroid (no refit), `needs_refit` says
when too many of them fit poorly, and the owner's edits (names, merges, hidden themes) carry over a refit to
the new topics that match the old ones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import polars as pl

from analysis.themes.clustering import OUTLIER, OUTLIER_SIMILARITY, nearest, normalized
from analysis.themes.model import Topic, TopicFit

POOR_FIT_SIMILARITY = 0.35  # a new text this far from every centroid fits the model poorly
REFIT_POOR_SHARE = 0.2  # refit when this share of new texts fits poorly...
REFIT_MIN_NEW = 50  # ... and at least this many new texts were assigned since the fit


def assign_topics(
    vectors: np.ndarray,
    centroids: np.ndarray,
    impersonal: Sequence[bool] | np.ndarray | None = None,
    impersonal_index: int | None = None,
    outlier_similarity: float = OUTLIER_SIMILARITY,
) -> tuple[np.ndarray, np.ndarray]:
    """The index (into `centroids`) of each new text's theme and its cosine similarity, without a refit.
    Texts flagged impersonal go to the theme at `impersonal_index` when there is one; a text less similar
    than `outlier_similarity` to every centroid gets OUTLIER."""
    vectors = normalized(np.asarray(vectors, dtype=np.float32))
    indexes, similarity = nearest(vectors, centroids)
    if impersonal is not None and impersonal_index is not None and len(vectors):
        flags = np.asarray(impersonal, dtype=bool)
        indexes = np.where(flags, impersonal_index, indexes)
        similarity = np.where(flags, vectors @ centroids[impersonal_index], similarity)
    return np.where(similarity < outlier_similarity, OUTLIER, indexes), similarity.astype(np.float32)


def needs_refit(
    new_similarities: np.ndarray,
    poor_fit_similarity: float = POOR_FIT_SIMILARITY,
    poor_share: float = REFIT_POOR_SHARE,
    minimum: int = REFIT_MIN_NEW,
) -> bool:
    """Whether the texts assigned since the last fit (their similarities) call for a full refit: at least
    `minimum` of them, and more than `poor_share` less similar than `poor_fit_similarity` to their theme."""
    if len(new_similarities) < minimum:
        return False
    return float(np.mean(new_similarities < poor_fit_similarity)) > poor_share


def match_topics(
    old_centroids: np.ndarray,
    new_centroids: np.ndarray,
    old_seeds: Sequence[str | None] = (),
    new_seeds: Sequence[str | None] = (),
    min_similarity: float = 0.8,
) -> dict[int, int]:
    """Pairs (new index -> old index) of topics that are the same theme: seeded themes by their seed, others
    one-to-one by centroid cosine (the best pairs first), when at least `min_similarity`."""
    pairs: dict[int, int] = {}
    for new_index, seed in enumerate(new_seeds):
        if seed is not None and seed in old_seeds:
            pairs[new_index] = list(old_seeds).index(seed)
    if not len(old_centroids) or not len(new_centroids):
        return pairs
    similarity = normalized(new_centroids) @ normalized(old_centroids).T
    used_old = set(pairs.values())
    for flat in np.argsort(-similarity, axis=None):
        new_index, old_index = (int(value) for value in np.unravel_index(flat, similarity.shape))
        if similarity[new_index, old_index] < min_similarity:
            break
        if new_index not in pairs and old_index not in used_old:
            if new_index < len(new_seeds) and new_seeds[new_index] is not None:
                continue
            pairs[new_index] = old_index
            used_old.add(old_index)
    return pairs


def carry_edits(old_topics: pl.DataFrame, old_centroids: np.ndarray, fit: TopicFit) -> list[Topic]:
    """The fitted topics to store, each with the owner's name, hidden flag and merge of the old topic it
    matches (by seed, else by centroid similarity); unmatched topics start unedited. `old_topics` is
    store.topics.read_topics's, `old_centroids` their centroids (store.topics.read_centroids)."""
    pairs: dict[int, int] = {}
    if not old_topics.is_empty() and fit.topics:
        new_seeds = [topic.seed for topic in fit.topics]
        pairs = match_topics(old_centroids, fit.centroids(), old_topics["seed"].to_list(), new_seeds)
    old_rows = old_topics.to_dicts()
    new_index_of_old_id = {old_rows[old]["id"]: new for new, old in pairs.items()}
    carried = []
    for index, topic in enumerate(fit.topics):
        old = old_rows[pairs[index]] if index in pairs else None
        merged_into = new_index_of_old_id.get(old["merged_into"]) if old and old["merged_into"] else None
        carried.append(
            replace(
                topic,
                custom_name=old["custom_name"] if old else None,
                hidden=bool(old["hidden"]) if old else False,
                merged_into_number=fit.topics[merged_into].number if merged_into is not None else None,
            )
        )
    return carried
