"""Themes, naming the new ones: a discovered theme is named by the short key phrases a person would say, from
BERTopic's own representations (KeyBERTInspired, then MaximalMarginalRelevance for variety), computed on the
texts with what never names a theme removed first: @handles, links, hashtags, e-mail addresses, numbers and
the business's own name."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

NAME_PHRASES = 2
NOISE = re.compile(
    r"https?://\S+|www\.\S+"  # links
    r"|\S+@\S+\.\S+"  # e-mail addresses
    r"|[@#]\w+"  # handles and hashtags
    r"|\b\d[\d.,:/%£$€-]*\w*",  # numbers, times, prices, 10pm
    re.IGNORECASE,
)


def name_pattern(business_name: str | None) -> re.Pattern[str] | None:
    """The business's name and each of its words of four letters or more ("Crumb & Kettle": "crumb",
    "kettle"), as whole words."""
    words = [word for word in re.findall(r"[^\W\d_]+", business_name or "") if len(word) >= 4]
    if not words:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(word) for word in words) + r")(?:'s|s)?\b", re.IGNORECASE)


def clean_for_keywords(texts: Sequence[str], business_name: str | None = None) -> list[str]:
    """`texts` without handles, links, hashtags, e-mail addresses, numbers and the business's name."""
    own_name = name_pattern(business_name)
    cleaned = []
    for text in texts:
        text = NOISE.sub(" ", text)
        if own_name is not None:
            text = own_name.sub(" ", text)
        cleaned.append(re.sub(r"\s+", " ", text).strip())
    return cleaned


def build_representation(embedder: Callable[[Sequence[str]], np.ndarray]) -> tuple[Any, Any]:
    """(embedding backend, representation models) for BERTopic: `embedder` (unit vectors of texts, cached by
    the caller) behind BERTopic's BaseEmbedder, and KeyBERTInspired followed by MaximalMarginalRelevance."""
    from bertopic.backend import BaseEmbedder
    from bertopic.representation import KeyBERTInspired, MaximalMarginalRelevance

    class CallableEmbedder(BaseEmbedder):
        def embed(self, documents: list[str], verbose: bool = False) -> np.ndarray:
            return np.asarray(embedder(list(documents)), dtype=np.float32)

    representation = [
        KeyBERTInspired(top_n_words=10, nr_repr_docs=5, nr_samples=200, nr_candidate_words=30),
        MaximalMarginalRelevance(diversity=0.5, top_n_words=6),
    ]
    return CallableEmbedder(), representation


def phrase_name(phrases: Sequence[str]) -> str:
    """A readable name from a discovered theme's key phrases: the first, and the next that repeats none of
    its words ("Card delivery · tracking")."""
    chosen: list[str] = []
    for phrase in phrases:
        words = set(phrase.lower().split())
        if phrase and not any(words & set(earlier.lower().split()) for earlier in chosen):
            chosen.append(phrase)
        if len(chosen) == NAME_PHRASES:
            break
    name = " · ".join(chosen)
    return name[:1].upper() + name[1:]
