"""The prototype phrases' vectors that ship with Pulse (analysis/packaged_vectors.py)."""

from __future__ import annotations

import numpy as np
import pytest

from analysis import embeddings
from analysis.packaged_vectors import packaged_vectors, prototype_phrases


def test_packaged_vectors__cover_every_prototype_phrase_as_it_is_now() -> None:
    """A phrase changed without `python -m analysis.packaged_vectors` would be embedded at every first run."""
    shipped = packaged_vectors()
    assert set(shipped) == set(prototype_phrases())
    vectors = np.stack(list(shipped.values()))
    assert vectors.shape == (len(shipped), 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_embed__answers_shipped_phrases_without_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    phrases = prototype_phrases()[:3]
    monkeypatch.setattr(embeddings, "load_encoder", lambda *_: pytest.fail("the model was loaded"))
    vectors = embeddings.embed(phrases)
    np.testing.assert_array_equal(vectors, np.stack([packaged_vectors()[phrase] for phrase in phrases]))


@pytest.mark.slow
def test_embed__shipped_vectors_are_the_models_own() -> None:
    """Mixed with new texts, the shipped phrases keep their places, and their vectors are what the model
    computes for them (so a text and a phrase compare as if both were embedded now)."""
    phrases = prototype_phrases()[::20]
    texts = ["The chatbot never let me reach a person.", *phrases, "Lovely bread."]
    vectors = embeddings.embed(texts)
    computed = embeddings.load_encoder(embeddings.DEFAULT_MODEL).encode(texts)
    cosines = np.sum(vectors * computed, axis=1)
    assert cosines.min() >= 0.9999
