"""Banking77 texts and their all-MiniLM-L6-v2 embeddings, cached in the temporary folder so that reruns of
the topic benchmark spend no model time (the cache is keyed by the file's content and the model's name)."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import numpy as np
import polars as pl

from analysis.embeddings import DEFAULT_MODEL, embed
from tests.shared_data import shared_data

CACHE = Path(tempfile.gettempdir()) / "pulse-bench-embeddings"


def read_banking77(split: str) -> pl.DataFrame:
    """Columns text, category of `split` (test: 3,080 rows; train: 10,003)."""
    return pl.read_csv(shared_data("banking77") / f"{split}.csv")


def cached_embeddings(texts: list[str], model_name: str = DEFAULT_MODEL) -> np.ndarray:
    """Embeddings of `texts`, computed once and kept in CACHE."""
    digest = hashlib.sha256("\n".join([model_name, *texts]).encode("utf-8")).hexdigest()[:16]
    path = CACHE / f"{digest}.npy"
    if path.exists():
        return np.load(path)
    vectors = embed(texts, model_name)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def banking77_embeddings(split: str) -> tuple[pl.DataFrame, np.ndarray]:
    frame = read_banking77(split)
    return frame, cached_embeddings(frame["text"].to_list())


if __name__ == "__main__":
    for name in ("test", "train"):
        frame, vectors = banking77_embeddings(name)
        print(name, vectors.shape)
