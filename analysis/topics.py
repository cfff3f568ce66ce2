"""Themes: a BERTopic pipeline on stored sentence embeddings, fast on two cores and stable across weeks.

The stages are BERTopic's, with cheaper parts injected where its defaults are slow or unstable here:

- embedder: none inside BERTopic; the caller passes stored all-MiniLM-L6-v2 vectors (`analysis.embeddings`);
- reducer: none (`BaseDimensionalityReduction`): k-means works well on the 384 unit-length dimensions, and
  UMAP is the slowest stage of BERTopic's default and is not reproducible across machines;
- clusterer: `AdaptiveKMeans`, k-means whose number of clusters grows with the corpus (a few broad themes for
  50 texts, up to MAX_TOPICS for 200,000), seeded, with near-duplicate clusters merged by centroid cosine and
  texts far from every centroid left as outliers. Texts that the impersonal detector flagged form one fixed,
  seeded theme ("Impersonal experience") that is tracked every week whatever else the model finds;
- representation: c-TF-IDF over words and two-word phrases, stop words from scikit-learn's shipped list
  (no downloads), giving keywords and a short label.

The saved model is the topics' centroids (and labels) in the store: new texts get the theme of the nearest
centroid (`assign_topics`) without a refit. `needs_refit` says when too many new texts fit poorly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from analysis.personal_data import redact

TOPICS_VERSION = "themes-kmeans-v1"
IMPERSONAL_SEED = "impersonal"
IMPERSONAL_LABEL = "Impersonal experience"
OUTLIER = -1
SEED_LABEL = 0  # the label of seeded texts in the `y` that BERTopic hands to the clusterer
UNSEEDED = -1

TOPICS_PER_SQRT_DOC = 1.4  # about 78 themes for 3,080 texts, 440 for 100,000 before the cap
MIN_TOPIC_SIZE = 10  # caps the number of themes at texts / MIN_TOPIC_SIZE (50 texts: 5 themes)
MIN_TOPICS = 2
MAX_TOPICS = 150
MIN_CLUSTER_SIZE = 3  # smaller k-means clusters are dissolved into their neighbours
MERGE_SIMILARITY = 0.92  # clusters whose centroids are this close (cosine) are one theme
OUTLIER_SIMILARITY = 0.2  # a text less similar than this to every centroid stays unthemed
POOR_FIT_SIMILARITY = 0.35  # a new text this far from every centroid fits the model poorly
REFIT_POOR_SHARE = 0.2  # refit when this share of new texts fits poorly...
REFIT_MIN_NEW = 50  # ... and at least this many new texts were assigned since the fit
FULL_KMEANS_UP_TO = 20_000  # texts; above, mini-batch k-means
SEED = 42
KEYWORDS = 8
LABEL_WORDS = 3
QUOTE_CHARS = 220
EXTRA_STOP_WORDS = frozenset(  # contractions written without an apostrophe, and chat filler
    {
        "im",
        "ive",
        "id",
        "ill",
        "youre",
        "youd",
        "youve",
        "dont",
        "doesnt",
        "didnt",
        "cant",
        "couldnt",
        "wont",
        "wouldnt",
        "isnt",
        "wasnt",
        "arent",
        "werent",
        "thats",
        "theres",
        "lol",
        "ok",
        "okay",
        "really",
        "just",
        "bit",
        "got",
        "get",
    }
)


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
    directly or through a chain, form one group, named by its first member."""
    similarity = centroids @ centroids.T
    parent = list(range(len(centroids)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for left, right in zip(*np.nonzero(np.triu(similarity >= threshold, k=1)), strict=True):
        low, high = sorted((root(int(left)), root(int(right))))
        parent[high] = low
    return np.array([root(index) for index in range(len(centroids))])


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


# --- fitting -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    """One theme of a fitted model: `number` is its place by size (0 the largest), `seed` names a fixed
    theme (IMPERSONAL_SEED) or is None."""

    number: int
    label: str
    keywords: list[str]
    size: int
    centroid: np.ndarray
    seed: str | None = None


@dataclass(frozen=True)
class TopicFit:
    """A fitted model: its topics, and for each input text its topic number (OUTLIER: none) and the cosine
    similarity to that topic's centroid."""

    topics: list[Topic]
    assignments: np.ndarray
    similarities: np.ndarray
    version: str = TOPICS_VERSION
    details: dict[str, Any] = field(default_factory=dict)

    def centroids(self) -> np.ndarray:
        return np.stack([topic.centroid for topic in self.topics]) if self.topics else np.zeros((0, 0))


def build_vectorizer(documents: int) -> Any:
    """Words and two-word phrases without English stop words (scikit-learn's shipped list); in a corpus of
    more than a few hundred texts a term must occur twice."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    return CountVectorizer(
        stop_words=sorted(ENGLISH_STOP_WORDS | EXTRA_STOP_WORDS),
        ngram_range=(1, 2),
        min_df=2 if documents > 300 else 1,
        token_pattern=r"(?u)\b[^\W\d_][\w'’-]+\b",
    )


def build_topic_model(documents: int, seed: int = SEED, clusters: int | None = None) -> Any:
    """BERTopic with Pulse's stages (no reducer, AdaptiveKMeans, c-TF-IDF without frequent words)."""
    from bertopic import BERTopic
    from bertopic.dimensionality import BaseDimensionalityReduction
    from bertopic.vectorizers import ClassTfidfTransformer

    class PulseBERTopic(BERTopic):
        def _save_representative_docs(self, documents: Any) -> None:
            """Skipped: Pulse picks quotes by centroid similarity (`representative_quotes`), and BERTopic's
            own pick costs seconds per thousand texts."""
            self.representative_docs_: dict[int, list[str]] = {}

    return PulseBERTopic(
        embedding_model=None,
        umap_model=BaseDimensionalityReduction(),
        hdbscan_model=AdaptiveKMeans(seed=seed, clusters=clusters),
        vectorizer_model=build_vectorizer(documents),
        ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
        top_n_words=KEYWORDS,
        calculate_probabilities=False,
    )


def fit_topics(
    texts: Sequence[str],
    vectors: np.ndarray,
    impersonal: Sequence[bool] | np.ndarray | None = None,
    seed: int = SEED,
    clusters: int | None = None,
) -> TopicFit:
    """Fit themes on `texts` with their embeddings `vectors` (one row each). Texts flagged in `impersonal`
    form the fixed impersonal theme. Any corpus size works: no text gives no theme, a handful one theme."""
    texts = list(texts)
    vectors = np.asarray(vectors, dtype=np.float32)
    vectors = normalized(vectors.reshape(len(texts), vectors.shape[-1] if vectors.ndim == 2 else 0))
    flags = np.zeros(len(texts), dtype=bool) if impersonal is None else np.asarray(impersonal, dtype=bool)
    if len(texts) < 2 or not any(text.strip() for text in texts):
        return _trivial_fit(texts, vectors, flags)
    model = build_topic_model(len(texts), seed, clusters)
    seeds = np.where(flags, SEED_LABEL, UNSEEDED)
    try:
        model.fit(texts, embeddings=vectors, y=seeds)
    except ValueError:  # e.g. every text is made of stop words: one theme, labelled from the texts
        return _trivial_fit(texts, vectors, flags)
    numbers = np.asarray(model.topics_, dtype=np.int64)
    impersonal_number = int(numbers[flags][0]) if flags.any() else None
    topics = [
        _topic(model, number, vectors, numbers, impersonal_number)
        for number in sorted(set(numbers.tolist()) - {OUTLIER})
    ]
    centroids = np.stack([topic.centroid for topic in topics])
    similarities = np.where(
        numbers == OUTLIER,
        nearest(vectors, centroids)[1],
        np.einsum("ij,ij->i", vectors, centroids[np.clip(numbers, 0, None)]),
    )
    return TopicFit(topics, numbers, similarities.astype(np.float32), details={"documents": len(texts)})


def _topic(
    model: Any, number: int, vectors: np.ndarray, numbers: np.ndarray, impersonal_number: int | None
) -> Topic:
    words = [word for word, score in (model.get_topic(number) or []) if word and score > 0]
    keywords = distinct_keywords(words)
    seeded = number == impersonal_number
    return Topic(
        number=number,
        label=IMPERSONAL_LABEL if seeded else topic_label(keywords),
        keywords=keywords,
        size=int((numbers == number).sum()),
        centroid=centroids_of(vectors, numbers, [number])[0],
        seed=IMPERSONAL_SEED if seeded else None,
    )


def _trivial_fit(texts: list[str], vectors: np.ndarray, flags: np.ndarray) -> TopicFit:
    """One theme of everything (or nothing for no text), for corpora too small or bare to cluster."""
    if not texts:
        return TopicFit([], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
    numbers = np.zeros(len(texts), dtype=np.int64)
    keywords = distinct_keywords(_frequent_words(texts))
    centroid = centroids_of(vectors, numbers, [0])[0]
    seeded = bool(flags.all())
    topic = Topic(
        number=0,
        label=IMPERSONAL_LABEL if seeded else topic_label(keywords) or "All feedback",
        keywords=keywords,
        size=len(texts),
        centroid=centroid,
        seed=IMPERSONAL_SEED if seeded else None,
    )
    return TopicFit([topic], numbers, (vectors @ centroid).astype(np.float32))


def _frequent_words(texts: list[str]) -> list[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    words = pl.Series(texts).str.to_lowercase().str.extract_all(r"[^\W\d_][\w'’-]+").explode().drop_nulls()
    stop_words = sorted(ENGLISH_STOP_WORDS | EXTRA_STOP_WORDS)
    counts = words.filter(~words.is_in(stop_words)).value_counts(sort=True)
    return counts.to_series(0).head(KEYWORDS).to_list()


def _stems(phrase: str) -> set[str]:
    """The words of `phrase` without a plural s ("cards" -> "card"), for comparing keywords."""
    return {
        word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word
        for word in phrase.split()
    }


def distinct_keywords(words: Sequence[str]) -> list[str]:
    """`words` without those that repeat an earlier one ("card" after "new card", "virtual card" after
    "virtual cards") or a word ("payment payment")."""
    kept: list[str] = []
    for word in words:
        stems = _stems(word)
        if len(stems) < len(word.split()):
            continue
        if not any(stems <= _stems(earlier) or _stems(earlier) <= stems for earlier in kept):
            kept.append(word)
    return kept


def topic_label(keywords: Sequence[str]) -> str:
    """A short name from the first keywords: "Card arrive · new card"."""
    chosen = [word for word in keywords[:LABEL_WORDS] if word]
    if not chosen:
        return ""
    label = " · ".join(chosen)
    return label[:1].upper() + label[1:]


# --- assigning new texts, and when to refit ----------------------------------------------------------


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


# --- owner edits across refits -----------------------------------------------------------------------


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


# --- quotes ------------------------------------------------------------------------------------------


def shorten(text: str, max_chars: int = QUOTE_CHARS) -> str:
    """`text` cut at a word boundary to at most `max_chars` characters, with an ellipsis when cut."""
    if len(text) <= max_chars:
        return text
    return text[: max_chars - 1].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"


def representative_quotes(frame: pl.DataFrame, per_topic: int = 3, min_words: int = 4) -> pl.DataFrame:
    """The `per_topic` texts of each theme closest to its centroid, distinct (ignoring case and
    punctuation), redacted and shortened. `frame` has columns theme, text and similarity; returns theme,
    quote, similarity."""
    return (
        frame.filter(pl.col("text").str.count_matches(r"\S+") >= min_words)
        .with_columns(
            pl.col("text").str.to_lowercase().str.replace_all(r"[^\w]+", " ").str.strip_chars().alias("key")
        )
        .sort("theme", "similarity", descending=[False, True])
        .unique(["theme", "key"], keep="first", maintain_order=True)
        .group_by("theme", maintain_order=True)
        .head(per_topic)
        .with_columns(
            pl.col("text")
            .map_elements(lambda text: shorten(redact(text)), return_dtype=pl.String)
            .alias("quote")
        )
        .select("theme", "quote", "similarity")
    )
