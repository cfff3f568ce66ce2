"""Themes, the model: a BERTopic pipeline on stored sentence embeddings, fast on two cores and stable across
weeks.

The stages are BERTopic's, with cheaper parts injected where its defaults are slow or unstable here:

- embedder: none inside BERTopic; the caller passes stored all-MiniLM-L6-v2 vectors (`analysis.embeddings`);
- reducer: none (`BaseDimensionalityReduction`): k-means works well on the 384 unit-length dimensions, and
  UMAP is the slowest stage of BERTopic's default and is not reproducible across machines;
- clusterer: `AdaptiveKMeans` (analysis.themes.clustering), k-means whose number of clusters grows with the
  corpus (a few broad themes for 50 texts, up to MAX_TOPICS for 200,000), seeded, with near-duplicate
  clusters merged by centroid cosine and texts far from every centroid left as outliers. Texts that the impersonal detector flagged form one fixed,
  seeded theme ("Impersonal experience") that is tracked every week whatever else the model finds;
- representation: c-TF-IDF over words and two-word phrases, stop words from scikit-learn's shipped list
  (no downloads), giving keywords and a short label.

The saved model is the topics' centroids (and labels) in the store: new texts get the theme of the nearest
centroid without a refit, and owner edits carry over a refit (analysis.themes.assign).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from analysis.themes.clustering import (
    OUTLIER,
    SEED,
    SEED_LABEL,
    UNSEEDED,
    AdaptiveKMeans,
    centroids_of,
    nearest,
    normalized,
)
from analysis.themes.naming import build_representation, phrase_name

Embedder = Callable[[Sequence[str]], np.ndarray]

TOPICS_VERSION = "themes-library-v1"
IMPERSONAL_SEED = "impersonal"
IMPERSONAL_LABEL = "Impersonal experience"
KEYWORDS = 8
LABEL_WORDS = 3
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
        "i've",
        "i'm",
        "i'd",
        "i'll",
        "it's",
        "don't",
        "didn't",
        "doesn't",
        "can't",
        "won't",
        "isn't",
        "wasn't",
        "that's",
        "there's",
        "you're",
        "we're",
        "they're",
        "couldn't",
        "wouldn't",
        "haven't",
        "let's",
    }
)


# --- fitting -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    """One theme of a model: `number` is its place by size in the fit (0 the largest), `seed` names a fixed
    theme (IMPERSONAL_SEED) or is None. The owner's edits start empty and carry over a refit
    (analysis.themes.assign.carry_edits): a name, hidden, or merged into another topic of the same model
    (`merged_into_number`, by number)."""

    number: int
    label: str
    keywords: list[str]
    size: int
    centroid: np.ndarray
    seed: str | None = None
    custom_name: str | None = None
    hidden: bool = False
    merged_into_number: int | None = None
    heading: str | None = None  # the library heading it is listed under (None: a discovered theme)


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


def build_topic_model(
    documents: int, seed: int = SEED, clusters: int | None = None, embedder: Embedder | None = None
) -> Any:
    """BERTopic with Pulse's stages (no reducer, AdaptiveKMeans, c-TF-IDF without frequent words); with an
    `embedder`, keywords are key phrases from KeyBERTInspired and MaximalMarginalRelevance
    (analysis.themes.naming)."""
    from bertopic import BERTopic
    from bertopic.dimensionality import BaseDimensionalityReduction
    from bertopic.vectorizers import ClassTfidfTransformer

    class PulseBERTopic(BERTopic):
        def _save_representative_docs(self, documents: Any) -> None:
            """Skipped: Pulse picks quotes by centroid similarity (analysis.quotes.representative_quotes), and
            BERTopic's own pick costs seconds per thousand texts."""
            self.representative_docs_: dict[int, list[str]] = {}

    backend, representation = build_representation(embedder) if embedder is not None else (None, None)
    return PulseBERTopic(
        embedding_model=backend,
        representation_model=representation,
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
    embedder: Embedder | None = None,
) -> TopicFit:
    """Fit themes on `texts` with their embeddings `vectors` (one row each). Texts flagged in `impersonal`
    form the fixed impersonal theme. Any corpus size works: no text gives no theme, a handful one theme.
    With an `embedder` (texts -> unit vectors), themes are named by key phrases (analysis.themes.naming)."""
    texts = list(texts)
    vectors = np.asarray(vectors, dtype=np.float32)
    vectors = normalized(vectors.reshape(len(texts), vectors.shape[-1] if vectors.ndim == 2 else 0))
    flags = np.zeros(len(texts), dtype=bool) if impersonal is None else np.asarray(impersonal, dtype=bool)
    if len(texts) < 2 or not any(text.strip() for text in texts):
        return _trivial_fit(texts, vectors, flags)
    model = build_topic_model(len(texts), seed, clusters, embedder)
    seeds = np.where(flags, SEED_LABEL, UNSEEDED)
    try:
        model.fit(texts, embeddings=vectors, y=seeds)
    except ValueError:  # e.g. every text is made of stop words: one theme, labelled from the texts
        return _trivial_fit(texts, vectors, flags)
    numbers = np.asarray(model.topics_, dtype=np.int64)
    impersonal_number = int(numbers[flags][0]) if flags.any() else None
    namer = phrase_name if embedder is not None else topic_label
    topics = [
        _topic(model, number, vectors, numbers, impersonal_number, namer)
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
    model: Any,
    number: int,
    vectors: np.ndarray,
    numbers: np.ndarray,
    impersonal_number: int | None,
    namer: Callable[[Sequence[str]], str] | None = None,
) -> Topic:
    words = [word for word, score in (model.get_topic(number) or []) if word and score > 0]
    keywords = distinct_keywords(words)
    seeded = number == impersonal_number
    return Topic(
        number=number,
        label=IMPERSONAL_LABEL if seeded else (namer or topic_label)(keywords),
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


def topics_frame(topics: Sequence[Topic]) -> pl.DataFrame:
    """`topics` as the frame that store.topics.write_topic_model stores: one row per topic, its fields as
    columns (centroid: a list of floats)."""
    return pl.DataFrame(
        {
            "number": [topic.number for topic in topics],
            "label": [topic.label for topic in topics],
            "keywords": [list(topic.keywords) for topic in topics],
            "size": [topic.size for topic in topics],
            "centroid": [np.asarray(topic.centroid, dtype=np.float32).tolist() for topic in topics],
            "seed": [topic.seed for topic in topics],
            "custom_name": [topic.custom_name for topic in topics],
            "hidden": [topic.hidden for topic in topics],
            "merged_into_number": [topic.merged_into_number for topic in topics],
            "heading": [topic.heading for topic in topics],
        },
        schema=TOPICS_FRAME_SCHEMA,
    )


TOPICS_FRAME_SCHEMA: dict[str, Any] = {
    "number": pl.Int64,
    "label": pl.String,
    "keywords": pl.List(pl.String),
    "size": pl.Int64,
    "centroid": pl.List(pl.Float32),
    "seed": pl.String,
    "custom_name": pl.String,
    "hidden": pl.Boolean,
    "merged_into_number": pl.Int64,
    "heading": pl.String,
}
