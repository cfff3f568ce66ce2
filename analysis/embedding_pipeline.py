"""Embeddings kept in the store (store.embeddings) by text hash and model name, so that no text is embedded
twice: the pipeline's embedder (analysis.embeddings computes them)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from analysis.embeddings import DEFAULT_MODEL, Embedder, embed
from pulse.progress import Progress
from store.embeddings import read_embeddings, text_hash, write_embeddings
from store.engine import Engine


def embed_by_hash(
    texts: Sequence[str],
    read: Callable[[set[str]], dict[str, np.ndarray]],
    write: Callable[[dict[str, np.ndarray]], object],
    compute: Embedder,
) -> np.ndarray:
    """Embeddings of `texts` from a cache keyed by text hash: those `read` finds, and the others computed by
    `compute` (once per distinct text) and handed to `write`. The store and `pulse score`'s cache folder
    (analysis/embedding_disk_cache.py) are the two caches."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    hashes = [text_hash(text) for text in texts]
    known = read(set(hashes))
    missing = {digest: text for digest, text in zip(hashes, texts, strict=True) if digest not in known}
    if missing:
        fresh = dict(zip(missing, np.asarray(compute(list(missing.values())), dtype=np.float32), strict=True))
        write(fresh)
        known.update(fresh)
    return np.stack([known[digest] for digest in hashes])


def embed_cached(
    engine: Engine, texts: Sequence[str], model_name: str = DEFAULT_MODEL, progress: Progress | None = None
) -> np.ndarray:
    """Embeddings of `texts` like `embed`, reading those already in the store and storing the new ones."""
    vectors = embed_by_hash(
        texts,
        lambda hashes: read_embeddings(engine, model_name, hashes),
        lambda fresh: write_embeddings(engine, model_name, fresh),
        lambda pieces: embed(pieces, model_name, progress),
    )
    if progress:
        progress(len(texts), len(texts))
    return vectors


def store_embedder(engine: Engine, model_name: str = DEFAULT_MODEL) -> Embedder:
    """An Embedder that keeps what it computes in the store (see embed_cached)."""
    return lambda texts: embed_cached(engine, texts, model_name)
