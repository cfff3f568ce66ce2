"""Themes of texts, sentence by sentence: the one code path behind the pipeline's themes step, `pulse themes
file`, the Themes page and the handout.

1. Each text is split into sentences and contrasted clauses (analysis.sentiment.split_segments), each embedded
   and scored for sentiment by the sentiment model.
2. Each sentence gets the library theme it matches (analysis.themes.matching), so "great bread, but the queue
   was endless" carries Bread and pastry (positive) and Speed and queues (negative).
3. What the library does not cover is clustered (analysis.themes.model's BERTopic with AdaptiveKMeans, at most
   enough new themes to keep the list near `max_themes`), and each new theme is named by key phrases
   (analysis.themes.naming). Leftover sentences of fewer than MIN_WORDS words get no new theme.
4. Texts that the impersonal detector flagged also carry the library's detector theme ("Impersonal
   experience").

Every library theme is kept as a topic (size 0 when nothing matched it), so that new texts themed later
(`assign_texts`) can match any of them; lists show the `max_themes` biggest and count the rest as OTHER.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from analysis.sentiment import Segmented, load_sentiment_model, vader_features
from analysis.themes.clustering import OUTLIER, OUTLIER_SIMILARITY, SEED, nearest, normalized, topic_count
from analysis.themes.library import ThemeLibrary
from analysis.themes.matching import LibraryIndex
from analysis.themes.model import IMPERSONAL_SEED, Topic, TopicFit, fit_topics
from analysis.themes.naming import clean_for_keywords

Embedder = Callable[[Sequence[str]], np.ndarray]

MAX_THEMES = 25  # themes listed; the rest count as OTHER
MIN_NEW_THEMES = 3  # new themes looked for even when the library's themes fill the list
MIN_WORDS = 3  # a leftover sentence beside a matched one needs this many words to join a new theme
MIN_TO_DISCOVER = 10  # fewer uncovered documents than this are left as OTHER
NEW_THEME_COHERENCE = 0.45  # a new theme whose texts are less similar to its centre (mean cosine) is noise
LIBRARY_SEED = "library:"
OTHER = "Other"
NEW_THEMES_HEADING = "New themes"
MENTION_SCHEMA = {
    "text": pl.Int64,
    "topic": pl.Int64,
    "similarity": pl.Float32,
    "sentiment_score": pl.Float64,
    "sentence": pl.String,
}


@dataclass(frozen=True)
class Sentences:
    """The sentences of many texts, flattened: `owner[i]` is the index of the text sentence i comes from."""

    texts: list[str]
    owner: np.ndarray
    vectors: np.ndarray
    sentiment: np.ndarray

    @classmethod
    def of(
        cls, texts: Sequence[str | None], embedder: Embedder, sentiment_embedder: Embedder | None = None
    ) -> Sentences:
        """The sentences of `texts`, embedded by `embedder` and scored for sentiment on those vectors, or on
        `sentiment_embedder`'s (all-MiniLM-L6-v2) when the themes use another model."""
        segmented = Segmented.of([text or "" for text in texts])
        keep = [index for index, segment in enumerate(segmented.segments) if segment.strip()]
        sentences = [segmented.segments[index] for index in keep]
        if not sentences:
            return cls([], np.zeros(0, dtype=np.int64), np.zeros((0, 0), np.float32), np.zeros(0))
        unique = list(dict.fromkeys(sentences))
        unique_vectors = normalized(np.asarray(embedder(unique), dtype=np.float32))
        position = {sentence: index for index, sentence in enumerate(unique)}
        vectors = unique_vectors[[position[sentence] for sentence in sentences]]
        model = load_sentiment_model()
        own = vectors if sentiment_embedder is None else np.asarray(sentiment_embedder(sentences))
        sentiment = model.segment_scores(own.astype(np.float64), vader_features(sentences))
        return cls(sentences, segmented.owner[keep], vectors, sentiment)


def pieces_to_embed(texts: Sequence[str | None]) -> list[str]:
    """Every distinct text that theming `texts` embeds with its embedder: their sentences, and the texts
    themselves (a text none of whose sentences matches the library is clustered whole)."""
    segments = Segmented.of([text or "" for text in texts]).segments
    return [piece for piece in dict.fromkeys([*segments, *(text or "" for text in texts)]) if piece.strip()]


@dataclass(frozen=True)
class ThemedTexts:
    """Themes of many texts: the topics (library themes first, in the library's order, then the detector's
    theme, then new ones; a topic's `number` is its index), each text's main theme (`main`: a topic number or
    OUTLIER) with its similarity, and `mentions` (MENTION_SCHEMA): one row per text and theme it mentions,
    with the best similarity, the mean sentiment of the sentences that mention it, and its best sentence."""

    topics: list[Topic]
    main: np.ndarray
    similarity: np.ndarray
    mentions: pl.DataFrame
    texts: int

    def shown(self, max_themes: int = MAX_THEMES) -> list[int]:
        """The numbers of the `max_themes` themes mentioned by most texts (at least one), biggest first."""
        sized = sorted((topic for topic in self.topics if topic.size), key=lambda topic: -topic.size)
        return [topic.number for topic in sized[:max_themes]]

    def theme_table(self, max_themes: int = MAX_THEMES) -> pl.DataFrame:
        """The themes listed (name, heading, new, size: texts mentioning it, share of all texts, mean_sentiment
        of the sentences mentioning it), biggest first, then OTHER: the texts with no listed theme."""
        shown = self.shown(max_themes)
        by_topic = self.mentions.group_by("topic").agg(
            pl.col("sentiment_score").mean().alias("mean_sentiment")
        )
        rows = [
            {
                "theme_id": number,
                "name": self.topics[number].label,
                "heading": self.topics[number].heading or NEW_THEMES_HEADING,
                "new": self.topics[number].heading is None,
                "size": self.topics[number].size,
            }
            for number in shown
        ]
        listed = self.mentions.filter(pl.col("topic").is_in(shown))["text"].n_unique()
        if self.texts - listed:
            rows.append(
                {"theme_id": None, "name": OTHER, "heading": "", "new": False, "size": self.texts - listed}
            )
        table = pl.DataFrame(
            rows,
            schema={
                "theme_id": pl.Int64,
                "name": pl.String,
                "heading": pl.String,
                "new": pl.Boolean,
                "size": pl.Int64,
            },
        )
        return (
            table.join(by_topic, left_on="theme_id", right_on="topic", how="left")
            .with_columns((pl.col("size") / max(self.texts, 1)).alias("share"))
            .select("theme_id", "name", "heading", "new", "size", "share", "mean_sentiment")
        )

    def text_columns(self, max_themes: int = MAX_THEMES) -> pl.DataFrame:
        """Per text, in order: theme (its main theme's name, OTHER when it has none listed), theme_id (null for
        OTHER) and themes (all its listed themes' names, `;`-separated, main first)."""
        shown = set(self.shown(max_themes))
        names = [topic.label for topic in self.topics]
        listed = self.mentions.filter(pl.col("topic").is_in(list(shown)))
        per_text: list[list[int]] = [[] for _ in range(self.texts)]
        for row in listed.sort("similarity", descending=True).iter_rows(named=True):
            per_text[row["text"]].append(row["topic"])
        main: list[int | None] = []  # the main theme, or when it is not listed the best listed one
        themes = []
        for index, number in enumerate(self.main.tolist()):
            ordered = list(dict.fromkeys(([number] if number in shown else []) + per_text[index]))
            main.append(ordered[0] if ordered else None)
            themes.append(";".join(names[theme] for theme in ordered))
        return pl.DataFrame(
            {
                "theme": [names[number] if number is not None else OTHER for number in main],
                "theme_id": pl.Series(main, dtype=pl.Int64),
                "themes": themes,
            }
        )


def theme_texts(
    texts: Sequence[str | None],
    embedder: Embedder,
    library: ThemeLibrary,
    impersonal: Sequence[bool] | np.ndarray | None = None,
    business_name: str | None = None,
    max_themes: int = MAX_THEMES,
    seed: int = SEED,
    word_embedder: Embedder | None = None,
    sentiment_embedder: Embedder | None = None,
) -> ThemedTexts:
    """Fit themes on `texts`: library themes by matching, new themes by clustering what is left (see the
    module's docstring). `embedder` turns texts into unit vectors (cached by the caller's store or folder);
    `word_embedder` (default: `embedder`) embeds the candidate key phrases that name new themes, which the
    pipeline does not keep in the store; `sentiment_embedder` see Sentences.of."""
    sentences = Sentences.of(texts, embedder, sentiment_embedder)
    if not sentences.texts:  # nothing to theme: no themes
        return _themed([], pl.DataFrame(schema=MENTION_SCHEMA), sentences, len(texts), None)
    index = LibraryIndex.build(library, embedder)
    matched, score = index.match(sentences.texts, sentences.vectors)
    topics = _library_topics(library, index, sentences, matched)
    rows = [_sentence_rows(sentences, matched, score)]
    rest = Rest.of(sentences, matched == OUTLIER, texts)
    if len(rest.text) >= MIN_TO_DISCOVER:
        used = len(set(matched.tolist()) - {OUTLIER}) + any(topic.seed == IMPERSONAL_SEED for topic in topics)
        vectors = rest.vectors(sentences, embedder)
        found = fit_topics(
            clean_for_keywords(rest.documents, business_name),
            vectors,
            seed=seed,
            clusters=min(topic_count(len(rest.text)), max(max_themes - used, MIN_NEW_THEMES)),
            embedder=word_embedder or embedder,
        )
        coherent = [
            t for t in found.topics if _coherence(found, t.number, rest.documents) >= NEW_THEME_COHERENCE
        ]
        number = {topic.number: len(topics) + offset for offset, topic in enumerate(coherent)}
        topics += [replace(topic, number=number[topic.number], size=0) for topic in coherent]
        numbers = np.array(
            [number.get(value, OUTLIER) for value in found.assignments.tolist()], dtype=np.int64
        )
        rows.append(rest.rows(numbers, found.similarities))
    return _themed(topics, pl.concat(rows), sentences, len(texts), impersonal)


def assign_texts(
    texts: Sequence[str | None],
    embedder: Embedder,
    library: ThemeLibrary,
    topics: Sequence[Topic],
    impersonal: Sequence[bool] | np.ndarray | None = None,
    sentiment_embedder: Embedder | None = None,
) -> ThemedTexts:
    """Theme new `texts` by a stored fit's `topics` without refitting: library themes by matching (a library
    theme the fit does not have is left out), the rest of each text by the nearest new theme's centroid when
    at least OUTLIER_SIMILARITY similar."""
    topics = list(topics)
    sentences = Sentences.of(texts, embedder, sentiment_embedder)
    index = LibraryIndex.build(library, embedder)
    matched, score = index.match(sentences.texts, sentences.vectors)
    number_of_seed = {topic.seed: topic.number for topic in topics if topic.seed}
    numbers = [
        number_of_seed.get(f"{LIBRARY_SEED}{index.keys[i]}", OUTLIER) if i != OUTLIER else OUTLIER
        for i in matched
    ]
    sentence_topic = np.array(numbers, dtype=np.int64)
    rows = [_sentence_rows(sentences, sentence_topic, score)]
    new_themes = [topic for topic in topics if topic.seed is None]
    rest = Rest.of(sentences, sentence_topic == OUTLIER, texts)
    if new_themes and len(rest.text):
        centroids = normalized(np.stack([topic.centroid for topic in new_themes]))
        best, similarity = nearest(rest.vectors(sentences, embedder), centroids)
        chosen = np.where(
            similarity >= OUTLIER_SIMILARITY, np.array([t.number for t in new_themes])[best], OUTLIER
        )
        rows.append(rest.rows(chosen, similarity))
    return _themed(topics, pl.concat(rows), sentences, len(texts), impersonal, sized=False)


@dataclass(frozen=True)
class Rest:
    """What the library does not cover, as documents to cluster: a text none of whose sentences matched is one
    document (its embedding is usually cached already); the unmatched sentences of a text that matched
    elsewhere are each one (averaging them would blur unrelated remarks into one vague theme), when it has at
    least MIN_WORDS words ("Thanks!" beside a matched sentence is no theme; a whole comment of two words is
    still a comment). `text` is each document's text, `vector_of` its sentence's position in Sentences (-1 for
    a whole text), `sentiment` its sentiment, `sentence` its quote."""

    text: list[int]
    documents: list[str]
    sentiment: list[float]
    sentence: list[str]
    vector_of: list[int]

    @classmethod
    def of(cls, sentences: Sentences, uncovered: np.ndarray, texts: Sequence[str | None]) -> Rest:
        parts: dict[int, list[int]] = {}
        for position in np.flatnonzero(uncovered).tolist():
            parts.setdefault(int(sentences.owner[position]), []).append(position)
        counts = np.bincount(sentences.owner, minlength=len(texts)) if len(sentences.texts) else np.zeros(0)
        found: list[tuple[int, str, float, str, int]] = []  # text, document, sentiment, sentence, vector_of
        for text, positions in parts.items():
            if len(positions) == counts[text]:
                longest = max(positions, key=lambda position: len(sentences.texts[position]))
                mood = float(np.mean(sentences.sentiment[positions]))
                found.append((text, str(texts[text]), mood, sentences.texts[longest], -1))
            else:
                found += [
                    (text, quote, float(sentences.sentiment[position]), quote, position)
                    for position in positions
                    if len((quote := sentences.texts[position]).split()) >= MIN_WORDS
                ]
        columns = list(zip(*found, strict=True)) if found else [(), (), (), (), ()]
        return cls(*(list(column) for column in columns))

    def vectors(self, sentences: Sentences, embedder: Embedder) -> np.ndarray:
        """Unit vectors of the documents: whole texts embedded (cached), sentences' from Sentences."""
        whole = [index for index, position in enumerate(self.vector_of) if position < 0]
        vectors = np.zeros((len(self.documents), sentences.vectors.shape[1]), dtype=np.float32)
        if whole:
            vectors[whole] = np.asarray(
                embedder([self.documents[index] for index in whole]), dtype=np.float32
            )
        parts = [index for index, position in enumerate(self.vector_of) if position >= 0]
        vectors[parts] = sentences.vectors[[self.vector_of[index] for index in parts]]
        return normalized(vectors)

    def rows(self, numbers: np.ndarray, similarity: np.ndarray) -> pl.DataFrame:
        """Mention rows for the documents given a topic (OUTLIER: none)."""
        return _mention_rows(self.text, numbers, similarity, self.sentiment, self.sentence)


def _coherence(fit: TopicFit, number: int, documents: Sequence[str]) -> float:
    """The mean similarity of a found topic's distinct texts to its centroid (a sentence repeated word for word
    by many customers counts once: repeats make any cluster look tight)."""
    members = np.flatnonzero(fit.assignments == number)
    first = {documents[index].casefold(): index for index in members[::-1]}
    return float(fit.similarities[list(first.values())].mean())


def _sentence_rows(sentences: Sentences, sentence_topic: np.ndarray, similarity: np.ndarray) -> pl.DataFrame:
    """Mention rows for the sentences given a topic (OUTLIER: none)."""
    return _mention_rows(sentences.owner, sentence_topic, similarity, sentences.sentiment, sentences.texts)


def _mention_rows(
    text: Sequence[int] | np.ndarray,
    topic: np.ndarray,
    similarity: np.ndarray,
    sentiment: Sequence[float] | np.ndarray,
    sentence: Sequence[str],
) -> pl.DataFrame:
    """MENTION_SCHEMA rows, one per text, topic, similarity, sentiment and sentence given, less those whose
    topic is OUTLIER."""
    kept = np.asarray(topic) != OUTLIER
    return pl.DataFrame(
        {
            "text": np.asarray(text, dtype=np.int64)[kept],
            "topic": np.asarray(topic, dtype=np.int64)[kept],
            "similarity": np.asarray(similarity, dtype=np.float32)[kept],
            "sentiment_score": np.asarray(sentiment, dtype=np.float64)[kept],
            "sentence": [value for value, keep in zip(sentence, kept, strict=True) if keep],
        },
        schema=MENTION_SCHEMA,
    )


def _library_topics(
    library: ThemeLibrary, index: LibraryIndex, sentences: Sentences, library_theme: np.ndarray
) -> list[Topic]:
    """A topic for every library theme (the detector's theme after the matched ones), centred on the
    sentences that matched it (on its phrases when none did)."""
    topics = []
    for position, theme in enumerate(library.matched):  # index.keys's order
        matched = sentences.vectors[library_theme == position]
        own = matched if len(matched) else index.phrase_vectors[index.phrase_owner == position]
        topics.append(
            Topic(
                number=position,
                label=theme.name,
                keywords=list(theme.keywords[:8]),
                size=0,
                centroid=normalized(own.mean(axis=0, keepdims=True))[0],
                seed=f"{LIBRARY_SEED}{theme.key}",
                heading=theme.heading,
            )
        )
    detector = next((theme for theme in library.themes if theme.detector), None)
    if detector is not None:
        dimensions = sentences.vectors.shape[1] if sentences.vectors.size else index.phrase_vectors.shape[1]
        topics.append(
            Topic(
                len(topics),
                detector.name,
                [],
                0,
                np.zeros(dimensions, np.float32),
                IMPERSONAL_SEED,
                heading=detector.heading,
            )
        )
    return topics


def _themed(
    topics: list[Topic],
    rows: pl.DataFrame,
    sentences: Sentences,
    n_texts: int,
    impersonal: Sequence[bool] | np.ndarray | None,
    sized: bool = True,
) -> ThemedTexts:
    """The mentions (one row per text and topic), main themes and (when `sized`) topic sizes from the mention
    `rows` of sentences and rests, with the detector's theme added for flagged texts."""
    detector = next((topic.number for topic in topics if topic.seed == IMPERSONAL_SEED), None)
    flags = np.zeros(n_texts, dtype=bool) if impersonal is None else np.asarray(impersonal, dtype=bool)
    if detector is not None and flags.any():
        rows = pl.concat([rows, _detector_rows(sentences, np.flatnonzero(flags), detector)])
    mentions = (
        rows.sort("similarity", descending=True)
        .group_by("text", "topic", maintain_order=True)
        .agg(
            pl.col("similarity").first(),
            pl.col("sentiment_score").mean(),
            pl.col("sentence").first(),
        )
        .sort("text", "topic")
    )
    main, main_similarity = _main_themes(mentions, topics, n_texts)
    if sized:
        sizes = dict(mentions.group_by("topic").len().iter_rows())
        topics = [replace(topic, size=sizes.get(topic.number, 0)) for topic in topics]
        if detector is not None and flags.any():
            flagged_vectors = sentences.vectors[np.isin(sentences.owner, np.flatnonzero(flags))]
            flagged_vectors = (
                flagged_vectors if len(flagged_vectors) else np.zeros((1, sentences.vectors.shape[1]))
            )
            centroid = normalized(flagged_vectors.mean(axis=0, keepdims=True))[0]
            topics[detector] = replace(topics[detector], centroid=centroid)
    return ThemedTexts(topics, main, main_similarity, mentions, n_texts)


def _detector_rows(sentences: Sentences, flagged: np.ndarray, number: int) -> pl.DataFrame:
    """A mention of the detector's theme for each flagged text, with its most negative sentence."""
    rows = []
    for text in flagged.tolist():
        own = np.flatnonzero(sentences.owner == text)
        if not len(own):
            continue
        worst = own[np.argmin(sentences.sentiment[own])]
        rows.append(
            {
                "text": text,
                "topic": number,
                "similarity": 1.0,
                "sentiment_score": float(sentences.sentiment[worst]),
                "sentence": sentences.texts[worst],
            }
        )
    return pl.DataFrame(rows, schema=MENTION_SCHEMA)


def _main_themes(mentions: pl.DataFrame, topics: list[Topic], n_texts: int) -> tuple[np.ndarray, np.ndarray]:
    """Each text's main theme: its best-matching library theme, else its best new theme, else the detector's
    theme; OUTLIER for texts with none."""
    rank = {
        topic.number: 2 if (topic.seed or "").startswith(LIBRARY_SEED) else 1 if topic.seed is None else 0
        for topic in topics
    }
    main = np.full(n_texts, OUTLIER, dtype=np.int64)
    similarity = np.zeros(n_texts, dtype=np.float32)
    if mentions.is_empty():
        return main, similarity
    best = (
        mentions.with_columns(pl.col("topic").replace_strict(rank, return_dtype=pl.Int64).alias("rank"))
        .sort("rank", "similarity", descending=True)
        .group_by("text", maintain_order=True)
        .first()
    )
    main[best["text"].to_numpy()] = best["topic"].to_numpy()
    similarity[best["text"].to_numpy()] = best["similarity"].to_numpy()
    return main, similarity
