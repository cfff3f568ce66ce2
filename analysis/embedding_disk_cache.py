"""Embeddings kept on disk by `pulse score` when there is no store, so that scoring the same file twice costs no
model time. No database: plain numpy files in the user's cache folder (`cache_folder`), under
`embeddings/<model name>/`, in packs: `<id>.keys.npy` (the sha256 of each text, as hex) beside
`<id>.vectors.npy` (its float32 vector). A run adds one pack per batch that it embeds; once there are more than
MAX_PACKS, they are merged into one. The cache holds no text, only hashes and vectors, and deleting the folder
costs only model time."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from analysis.embeddings import DEFAULT_MODEL, Embedder, embed

MAX_PACKS = 64


def cache_folder(configured: Path | None = None) -> Path:
    """Pulse's cache folder: `configured` (the PULSE_CACHE_DIR setting) when given, else $XDG_CACHE_HOME/pulse,
    else ~/.cache/pulse."""
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "pulse"


def text_hash(text: str) -> str:
    """The sha256 of a text, as the store keys its embedding."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
        temporary = path.with_name(f".{path.name}.tmp")
        with temporary.open("wb") as handle:
            np.save(handle, array, allow_pickle=False)
        temporary.replace(path)


def embed_disk_cached(
    cache: DiskEmbeddingCache, texts: Sequence[str], source: Embedder | None = None
) -> np.ndarray:
    """Embeddings of `texts` like `embed`, reading those already in `cache` and adding the new ones to it."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    hashes = [text_hash(text) for text in texts]
    known = cache.read(hashes)
    missing = {digest: text for digest, text in zip(hashes, texts, strict=True) if digest not in known}
    if missing:
        computed = (source or (lambda pieces: embed(pieces, cache.model_name)))(list(missing.values()))
        fresh = dict(zip(missing, np.asarray(computed, dtype=np.float32), strict=True))
        cache.write(fresh)
        known.update(fresh)
    return np.stack([known[digest] for digest in hashes])


def disk_embedder(folder: Path, model_name: str = DEFAULT_MODEL, source: Embedder | None = None) -> Embedder:
    """An Embedder that keeps what it computes in `folder` (see embed_disk_cached); `source` computes the
    vectors not cached (default: analysis.embeddings.embed with `model_name`)."""
    cache = DiskEmbeddingCache(folder, model_name)
    return lambda texts: embed_disk_cached(cache, texts, source)
