"""Themes, the clustering stage: seeded k-means on unit-length sentence embeddings whose number of clusters
grows with the corpus (a few broad themes for 50 texts, up to MAX_TOPICS for 200,000), near-duplicate clusters
merged by centroid cosine, and texts far from every centroid left as outliers. `AdaptiveKMeans` is the
clusterer that analysis.themes.model hands to BERTopic; texts that the impersonal detector flagged are kept
out of k-means and form one seeded cluster."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

OUTLIER = -1
SEED_LABEL = 0  # the label of seeded texts in the `y` that BERTopic hands to the clusterer
UNSEEDED = -1
SEED = 42

TOPICS_PER_SQRT_DOC = 1.4  # about 78 themes for 3,080 texts, 440 for 100,000 before the cap
MIN_TOPIC_SIZE = 10  # caps the number of themes at texts / MIN_TOPIC_SIZE (50 texts: 5 themes)
MIN_TOPICS = 2
MAX_TOPICS = 150
MIN_CLUSTER_SIZE = 3  # smaller k-means clusters are dissolved into their neighbours
MERGE_SIMILARITY = 0.92  # clusters whose centroids are this close (cosine) are one theme
OUTLIER_SIMILARITY = 0.2  # a text less similar than this to every centroid stays unthemed
FULL_KMEANS_UP_TO = 20_000  # texts; above, mini-batch k-means


def topic_count(documents: int) -> int:
    """How many clusters k-means looks for in `documents` texts: grows with the square root of the corpus,
    at most one per MIN_TOPIC_SIZE texts, between MIN_TOPICS and MAX_TOPICS (never more than the texts)."""
    if documents <= 1:
        return max(documents, 0)
    wanted = round(TOPICS_PER_SQRT_DOC * math.sqrt(documents))
    return max(min(wanted, documents // MIN_TOPIC_SIZE, MAX_TOPICS), min(MIN_TOPICS, documents))


def normalized(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)


def centroids_of(vectors: np.ndarray, labels: np.ndarray, numbers: Sequence[int] | np.ndarray) -> np.ndarray:
    """Unit-length mean vector of the rows of each label in `numbers`, in that order."""
    return normalized(np.stack([vectors[labels == number].mean(axis=0) for number in numbers]))


def merge_groups(centroids: np.ndarray, threshold: float = MERGE_SIMILARITY) -> np.ndarray:
    """For each centroid, the index of the group it joins: centroids at least `threshold` similar (cosine),
    directly or through a chain, form one group (scipy's connected components), named by its first member."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    if not len(centroids):
        return np.zeros(0, dtype=np.int64)
    _, components = connected_components(csr_matrix(centroids @ centroids.T >= threshold), directed=False)
    _, first_member = np.unique(components, return_index=True)
    return first_member[components].astype(np.int64)


class AdaptiveKMeans:
    """A BERTopic clusterer: seeded k-means whose k follows the corpus size (`topic_count`), near-duplicate
    clusters merged, texts far from every centroid left as outliers (-1). Texts whose `y` is SEED_LABEL are
    kept out of k-means and form one cluster of their own (the fixed impersonal theme)."""

    def __init__(
        self,
        seed: int = SEED,
        merge_similarity: float = MERGE_SIMILARITY,
        outlier_similarity: float = OUTLIER_SIMILARITY,
        clusters: int | None = None,
    ) -> None:
        self.seed = seed
        self.merge_similarity = merge_similarity
        self.outlier_similarity = outlier_similarity
        self.clusters = clusters
        self.labels_: np.ndarray = np.zeros(0, dtype=np.int64)
        self.cluster_centers_: np.ndarray = np.zeros((0, 0), dtype=np.float32)

    def fit(self, vectors: np.ndarray, y: np.ndarray | None = None) -> AdaptiveKMeans:
        vectors = normalized(np.asarray(vectors, dtype=np.float32))
        seeded = np.zeros(len(vectors), dtype=bool) if y is None else np.asarray(y) == SEED_LABEL
        free = np.flatnonzero(~seeded)
        labels = np.full(len(vectors), OUTLIER, dtype=np.int64)
        first_free_label = 1 if seeded.any() else 0
        labels[seeded] = SEED_LABEL
        if len(free):
            labels[free] = self._cluster(vectors[free]) + first_free_label
        self.labels_ = labels
        numbers = sorted(set(labels.tolist()) - {OUTLIER})
        self.cluster_centers_ = centroids_of(vectors, labels, numbers) if numbers else self.cluster_centers_
        return self

    def _cluster(self, vectors: np.ndarray) -> np.ndarray:
        """Cluster numbers 0.. for `vectors` (unit rows), OUTLIER for those far from every centroid."""
        k = self.clusters or topic_count(len(vectors))
        if k <= 1 or len(np.unique(vectors, axis=0)) < k:
            return np.zeros(len(vectors), dtype=np.int64)
        as_float64 = vectors.astype(np.float64)  # scikit-learn's float32 distances are slower here
        labels = build_kmeans(as_float64, k, self.seed).fit_predict(as_float64)
        numbers = np.unique(labels)
        groups = merge_groups(centroids_of(vectors, labels, numbers), self.merge_similarity)
        _, merged = np.unique(groups[np.searchsorted(numbers, labels)], return_inverse=True)  # renumber 0..
        return self._reassign_small(vectors, merged)

    def _reassign_small(self, vectors: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Dissolve clusters of fewer than MIN_CLUSTER_SIZE texts: each of their texts joins the nearest
        remaining cluster when it is at least `outlier_similarity` close to its centroid, else is an
        outlier (as are texts of kept clusters that far from their own centroid)."""
        sizes = np.bincount(labels)
        kept = np.flatnonzero(sizes >= min(MIN_CLUSTER_SIZE, sizes.max()))
        centroids = centroids_of(vectors, labels, kept)
        best, similarity = nearest(vectors, centroids)
        own = np.searchsorted(kept, labels)
        in_kept = np.isin(labels, kept)
        chosen = np.where(in_kept, own, best)
        chosen_similarity = np.where(
            in_kept, np.einsum("ij,ij->i", vectors, centroids[np.clip(own, 0, len(kept) - 1)]), similarity
        )
        return np.where(chosen_similarity < self.outlier_similarity, OUTLIER, chosen).astype(np.int64)

    def predict(self, vectors: np.ndarray) -> np.ndarray:
        numbers, best = nearest(normalized(np.asarray(vectors, dtype=np.float32)), self.cluster_centers_)
        return np.where(best < self.outlier_similarity, OUTLIER, numbers)


def build_kmeans(vectors: np.ndarray, clusters: int, seed: int) -> Any:
    """Seeded k-means for `vectors`: full k-means (one k-means++ start) up to FULL_KMEANS_UP_TO texts;
    above, mini-batch k-means started from k-means++ centres picked on a sample of that size."""
    from sklearn.cluster import KMeans, MiniBatchKMeans, kmeans_plusplus

    if len(vectors) <= FULL_KMEANS_UP_TO:
        return KMeans(n_clusters=clusters, n_init=1, random_state=seed)
    sample = np.random.default_rng(seed).choice(len(vectors), FULL_KMEANS_UP_TO, replace=False)
    centres, _ = kmeans_plusplus(vectors[sample], clusters, random_state=seed)
    return MiniBatchKMeans(
        n_clusters=clusters, init=centres, n_init=1, batch_size=4096, random_state=seed, max_no_improvement=20
    )


def nearest(vectors: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each unit row of `vectors`: the index of the most similar centroid, and that cosine."""
    if not len(centroids) or not len(vectors):
        return np.full(len(vectors), OUTLIER, dtype=np.int64), np.zeros(len(vectors), dtype=np.float32)
    similarity = vectors @ centroids.T
    best = similarity.argmax(axis=1)
    return best.astype(np.int64), similarity[np.arange(len(vectors)), best]
