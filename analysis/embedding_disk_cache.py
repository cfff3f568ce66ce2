"""Embeddings kept on disk by `pulse score` when there is no store, so that scoring the same file twice costs no
model time. No database: plain numpy files in the user's cache folder (`pulse.settings.cache_folder`), under
`embeddings/<model name>/`, in packs: `<id>.keys.npy` (the sha256 of each text, as hex) beside
`<id>.vectors.npy` (its float32 vector). A run adds one pack per batch that it embeds; once there are more than
MAX_PACKS, they are merged into one. The cache holds no text, only hashes and vectors, and deleting the folder
costs only model time."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from analysis.embedding_pipeline import embed_by_hash
from analysis.embeddings import DEFAULT_MODEL, Embedder, embed
from pulse.files import written_atomically

MAX_PACKS = 64


class DiskEmbeddingCache:
    """The packs of one model's vectors in `folder` (created when first written)."""

    def __init__(self, folder: Path, model_name: str = DEFAULT_MODEL) -> None:
        self.model_name = model_name
        self.folder = folder / "embeddings" / re.sub(r"[^\w.-]", "_", model_name)

    def packs(self) -> list[Path]:
        return sorted(self.folder.glob("*.keys.npy")) if self.folder.is_dir() else []

    def read(self, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """The cached vectors of `hashes` (those missing are simply absent)."""
        wanted = set(hashes)
        found: dict[str, np.ndarray] = {}
        for keys_path in self.packs():
            with contextlib.suppress(OSError, ValueError):  # a pack merged away meanwhile, or damaged
                keys = np.load(keys_path, allow_pickle=False).tolist()
                rows = [row for row, digest in enumerate(keys) if digest in wanted and digest not in found]
                if rows:
                    vectors = np.load(_vectors_path(keys_path), mmap_mode="r", allow_pickle=False)
                    picked = np.array(vectors[rows], dtype=np.float32)
                    found.update(zip([keys[row] for row in rows], picked, strict=True))
        return found

    def write(self, vectors: Mapping[str, np.ndarray]) -> None:
        """Add `vectors` (text hash to vector) as a new pack; merge the packs when there are too many."""
        if not vectors:
            return
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)  # vectors of customer text: the user's
        keys = np.array(list(vectors), dtype="U64")
        _write_pack(self.folder, keys, np.stack([np.asarray(v, dtype=np.float32) for v in vectors.values()]))
        packs = self.packs()
        if len(packs) > MAX_PACKS:
            self.merge(packs)

    def merge(self, packs: Sequence[Path]) -> None:
        """One pack of everything in `packs`, then `packs` deleted."""
        merged: dict[str, np.ndarray] = {}
        for keys_path in packs:
            with contextlib.suppress(OSError, ValueError):
                keys = np.load(keys_path, allow_pickle=False).tolist()
                merged.update(zip(keys, np.load(_vectors_path(keys_path), allow_pickle=False), strict=True))
        _write_pack(self.folder, np.array(list(merged), dtype="U64"), np.stack(list(merged.values())))
        for keys_path in packs:
            keys_path.unlink(missing_ok=True)
            _vectors_path(keys_path).unlink(missing_ok=True)


def _vectors_path(keys_path: Path) -> Path:
    return keys_path.with_name(keys_path.name.removesuffix(".keys.npy") + ".vectors.npy")


def _write_pack(folder: Path, keys: np.ndarray, vectors: np.ndarray) -> None:
    """The vectors, then the keys (a pack is read only once its keys are there), each written under a
    temporary name and renamed, so that a reader never sees half a file."""
    keys_path = folder / f"{uuid.uuid4().hex}.keys.npy"
    for path, array in ((_vectors_path(keys_path), vectors), (keys_path, keys)):
        with written_atomically(path) as temporary, temporary.open("wb") as handle:
            np.save(handle, array, allow_pickle=False)


def disk_embedder(folder: Path, model_name: str = DEFAULT_MODEL, source: Embedder | None = None) -> Embedder:
    """An Embedder that keeps what it computes in `folder` (as the store does: analysis.embedding_pipeline's
    embed_by_hash); `source` computes the vectors not cached (default: analysis.embeddings.embed)."""
    cache = DiskEmbeddingCache(folder, model_name)
    compute = source or (lambda pieces: embed(pieces, model_name))
    return lambda texts: embed_by_hash(texts, cache.read, cache.write, compute)
