"""Embeddings from the packaged all-MiniLM-L6-v2, kept in the store so that no text is embedded twice."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import Engine, func, select

from analysis.embedding_pipeline import embed_cached
from analysis.embeddings import embed
from store.engine import reading
from store.schema import embeddings


def stored_count(engine: Engine) -> int:
    with reading(engine) as connection:
        return int(connection.execute(select(func.count()).select_from(embeddings)).scalar_one())


@pytest.mark.slow
def test_embed_cached__embeds_each_distinct_text_once_and_reads_it_back(sqlite_engine: Engine) -> None:
    texts = ["The chatbot never understood me.", "Lovely sourdough.", "The chatbot never understood me."]
    first = embed_cached(sqlite_engine, texts)
    assert first.shape == (3, 384) and stored_count(sqlite_engine) == 2
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(first[0], first[2])
    np.testing.assert_allclose(first, embed(texts), atol=1e-6)
    again = embed_cached(sqlite_engine, [*texts, "Kiosk only now."])
    assert stored_count(sqlite_engine) == 3
    np.testing.assert_array_equal(again[:3], first)
    assert embed_cached(sqlite_engine, []).size == 0
