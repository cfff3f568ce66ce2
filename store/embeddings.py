"""Sentence embeddings by text hash and model name: float32 vectors, stored once, read back by hash."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

import numpy as np
from sqlalchemy import Engine, select

from store.engine import reading, upsert_insert, writing
from store.schema import embeddings
from store.state import utc_now

CHUNK = 500  # hashes per query, under every database's limit of bound parameters


def text_hash(text: str) -> str:
    """The sha256 of a text, the key of its embedding."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_embeddings(engine: Engine, model_name: str, hashes: Iterable[str]) -> dict[str, np.ndarray]:
    """The stored vectors of `hashes` made by `model_name` (those missing are simply absent)."""
    wanted = list(hashes)
    found: dict[str, np.ndarray] = {}
    with reading(engine) as connection:
        for start in range(0, len(wanted), CHUNK):
            query = select(embeddings.c.text_hash, embeddings.c.vector).where(
                embeddings.c.model_name == model_name,
                embeddings.c.text_hash.in_(wanted[start : start + CHUNK]),
            )
            for digest, vector in connection.execute(query):
                found[digest] = np.frombuffer(vector, dtype="<f4")
    return found


def write_embeddings(engine: Engine, model_name: str, vectors: Mapping[str, np.ndarray]) -> int:
    """Store `vectors` (text hash to vector) for `model_name`; a hash already stored is left as it is."""
    now = utc_now()
    rows = [
        {
            "text_hash": digest,
            "model_name": model_name,
            "dimensions": len(vector),
            "vector": np.asarray(vector, dtype="<f4").tobytes(),
            "created_at": now,
        }
        for digest, vector in vectors.items()
    ]
    if rows:
        with writing(engine) as connection:
            connection.execute(upsert_insert(connection, embeddings).on_conflict_do_nothing(), rows)
    return len(rows)
