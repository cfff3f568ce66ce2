"""Embeddings kept in the store (store.embeddings) by text hash and model name, so that no text is embedded
twice: the pipeline's embedder (analysis.embeddings computes them)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from analysis.embeddings import DEFAULT_MODEL, Embedder, embed
from pulse.progress import Progress
from store.embeddings import read_embeddings, text_hash, write_embeddings
from store.engine import Engine


def embed_cached(
    engine: Engine, texts: Sequence[str], model_name: str = DEFAULT_MODEL, progress: Progress | None = None
) -> np.ndarray:
    """Embeddings of `texts` like `embed`, reading those already in the store and storing the new ones."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    hashes = [text_hash(text) for text in texts]
    known = read_embeddings(engine, model_name, set(hashes))
    missing = {digest: text for digest, text in zip(hashes, texts, strict=True) if digest not in known}
    if missing:
        computed = embed(list(missing.values()), model_name, progress)
        fresh = dict(zip(missing, computed, strict=True))
        write_embeddings(engine, model_name, fresh)
        known.update(fresh)
    elif progress:
        progress(len(texts), len(texts))
    return np.stack([known[digest] for digest in hashes])


def store_embedder(engine: Engine, model_name: str = DEFAULT_MODEL) -> Embedder:
    """An Embedder that keeps what it computes in the store (see embed_cached)."""
    return lambda texts: embed_cached(engine, texts, model_name)
