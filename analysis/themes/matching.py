"""Themes, matching sentences to the library: each sentence (or contrasted clause) of a comment gets the
library theme it is most similar to, when it is similar enough.

A sentence's score for a theme is its highest cosine similarity to the theme's phrases (its name with the
description, and each example), plus KEYWORD_BONUS when one of the theme's keywords occurs in it. This is
BERTopic's zero-shot idea (`zeroshot_topic_list`: texts similar enough to a named topic's embedding get that
topic) applied per sentence and against several phrases per theme, which BERTopic does not do: its
zero-shot step themes whole documents against one embedding per topic name.

MATCH_AT and KEYWORD_BONUS were chosen by five-fold cross-validation on the demo's labelled comment bank
(benchmarks/themes.py, `library_settings`): see the README's themes table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from analysis.themes.clustering import OUTLIER, normalized
from analysis.themes.library import ThemeLibrary

MATCH_AT = 0.55  # a sentence scoring at least this for its best theme gets that theme
KEYWORD_BONUS = 0.30  # added to a theme's score when one of its keywords is in the sentence

Embedder = Callable[[Sequence[str]], np.ndarray]


def keyword_pattern(keywords: Sequence[str]) -> re.Pattern[str] | None:
    """One pattern that finds any of `keywords` as whole words (a word also matches its plural); a keyword
    that is a symbol ("£") matches wherever it is."""
    if not keywords:
        return None
    unique = sorted(set(keywords), key=len, reverse=True)
    words = [re.escape(word) for word in unique if re.search(r"\w", word)]
    symbols = [re.escape(word) for word in unique if not re.search(r"\w", word)]
    parts = [r"(?<!\w)(?:" + "|".join(words) + r")(?:s|es)?(?!\w)"] if words else []
    return re.compile("|".join(parts + symbols), re.IGNORECASE)


@dataclass(frozen=True)
class LibraryIndex:
    """The matched themes of a library, ready to score sentences: the unit vectors of all their phrases,
    which theme each phrase belongs to, and each theme's keyword pattern."""

    keys: list[str]
    phrase_vectors: np.ndarray  # (phrases, dimensions)
    phrase_owner: np.ndarray  # (phrases,) index into keys
    patterns: list[re.Pattern[str] | None]

    @classmethod
    def build(cls, library: ThemeLibrary, embedder: Embedder) -> LibraryIndex:
        themes = library.matched
        phrases = [phrase for theme in themes for phrase in theme.phrases]
        owner = np.repeat(np.arange(len(themes)), [len(theme.phrases) for theme in themes])
        vectors = normalized(np.asarray(embedder(phrases), dtype=np.float32)) if phrases else np.zeros((0, 0))
        return cls(
            keys=[theme.key for theme in themes],
            phrase_vectors=vectors,
            phrase_owner=owner.astype(np.int64),
            patterns=[keyword_pattern(theme.keywords) for theme in themes],
        )

    def similarity_and_hits(
        self, sentences: Sequence[str], vectors: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(sentences, themes) twice: each sentence's highest cosine to each theme's phrases, and whether one
        of the theme's keywords is in it (1.0 or 0.0)."""
        shape = (len(sentences), len(self.keys))
        if not self.keys or not len(sentences):
            return np.zeros(shape, dtype=np.float32), np.zeros(shape, dtype=np.float32)
        similarity = normalized(np.asarray(vectors, dtype=np.float32)) @ self.phrase_vectors.T
        best = np.full(shape, -1.0, dtype=np.float32)
        np.maximum.at(best.T, self.phrase_owner, similarity.T)
        hits = [
            [bool(pattern and pattern.search(sentence)) for pattern in self.patterns]
            for sentence in sentences
        ]
        return best, np.array(hits, dtype=np.float32).reshape(shape)

    def match(
        self,
        sentences: Sequence[str],
        vectors: np.ndarray,
        match_at: float = MATCH_AT,
        keyword_bonus: float = KEYWORD_BONUS,
    ) -> tuple[np.ndarray, np.ndarray]:
        """For each sentence, the index (into `keys`) of its theme, OUTLIER when no theme scores `match_at`,
        and its best score (see the module's docstring)."""
        similarity, hits = self.similarity_and_hits(sentences, vectors)
        scores = similarity + keyword_bonus * hits
        if not scores.shape[1]:
            return np.full(len(sentences), OUTLIER, dtype=np.int64), np.zeros(
                len(sentences), dtype=np.float32
            )
        best, score = scores.argmax(axis=1), scores.max(axis=1)
        return np.where(score >= match_at, best, OUTLIER).astype(np.int64), score.astype(np.float32)
