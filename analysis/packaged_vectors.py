"""Vectors that ship with Pulse: all-MiniLM-L6-v2's embeddings of the impersonal detector's prototype phrases
(analysis/impersonal_prototypes.py), computed once by the model and kept in analysis/models/, so that a first
run in a fresh folder does not embed them again (about a quarter of a second of a short file's cold
`pulse score`). `analysis.embeddings.embed` answers those phrases from here; any other text goes to the model.

    python -m analysis.packaged_vectors     # after changing a phrase: embeds them all and writes the file
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import numpy as np

from analysis.impersonal_prototypes import prototype_phrases

VECTORS_FILE = "prototype-vectors-all-MiniLM-L6-v2.npz"
VECTORS_PATH = Path(__file__).resolve().parent / "models" / VECTORS_FILE


@lru_cache(maxsize=1)
def packaged_vectors() -> dict[str, np.ndarray]:
    """The shipped vectors by their text (empty if the file is missing: the model then embeds the phrases)."""
    source = files("analysis") / "models" / VECTORS_FILE
    if not source.is_file():
        return {}
    with source.open("rb") as handle, np.load(handle, allow_pickle=False) as arrays:
        return dict(zip(arrays["texts"].tolist(), arrays["vectors"], strict=True))


def write_packaged_vectors(path: Path = VECTORS_PATH) -> int:
    """Embed the prototype phrases with the model itself (never from this file) and write them; returns how
    many were written."""
    from analysis.embeddings import DEFAULT_MODEL, load_encoder

    phrases = prototype_phrases()
    vectors = np.asarray(load_encoder(DEFAULT_MODEL).encode(phrases), dtype=np.float32)
    np.savez_compressed(path, texts=np.array(phrases), vectors=vectors)
    packaged_vectors.cache_clear()
    return len(phrases)


if __name__ == "__main__":
    print(f"wrote {write_packaged_vectors()} vectors to {VECTORS_PATH}")
