"""`pulse score`'s embedding cache without a store: numpy packs in the user's cache folder, keyed by model name
and text hash."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from analysis import embedding_disk_cache
from analysis.embedding_disk_cache import DiskEmbeddingCache, disk_embedder
from pulse.settings import cache_folder
from store.embeddings import text_hash


def fake_source(calls: list[list[str]]):  # type: ignore[no-untyped-def]
    def source(texts: Sequence[str]) -> np.ndarray:
        calls.append(list(texts))
        return np.array([[len(text), text.count("a"), 1.0] for text in texts], dtype=np.float32)

    return source


def test_cache_folder__is_the_setting_else_xdg_else_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert cache_folder(tmp_path / "mine") == tmp_path / "mine"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_folder() == tmp_path / "xdg" / "pulse"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_folder() == tmp_path / "home" / ".cache" / "pulse"


def test_disk_embedder__embeds_only_texts_it_has_not_cached_for_that_model(tmp_path: Path) -> None:
    calls: list[list[str]] = []
    first = disk_embedder(tmp_path, source=fake_source(calls))(["banana", "kiwi", "banana"])
    assert calls == [["banana", "kiwi"]]
    np.testing.assert_array_equal(first[:, 0], [6, 4, 6])
    again = disk_embedder(tmp_path, source=fake_source(calls))(["kiwi", "pear", "banana"])  # a new run
    assert calls == [["banana", "kiwi"], ["pear"]]
    np.testing.assert_array_equal(again, [[4, 0, 1], [4, 1, 1], [6, 3, 1]])
    disk_embedder(tmp_path, "another-model", source=fake_source(calls))(["kiwi"])
    assert calls[-1] == ["kiwi"]  # vectors of one model never answer for another
    assert disk_embedder(tmp_path, source=fake_source(calls))([]).size == 0


def test_disk_embedding_cache__merges_its_packs_past_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embedding_disk_cache, "MAX_PACKS", 3)
    cache = DiskEmbeddingCache(tmp_path)
    for number in range(4):
        cache.write({text_hash(str(number)): np.full(2, number, dtype=np.float32)})
    assert len(cache.packs()) == 1
    found = cache.read([text_hash(str(number)) for number in range(5)])
    assert {digest: float(vector[0]) for digest, vector in found.items()} == {
        text_hash(str(number)): float(number) for number in range(4)
    }
    assert sorted(path.suffix for path in cache.folder.iterdir()) == [".npy", ".npy"]


def test_disk_embedding_cache__skips_a_damaged_pack(tmp_path: Path) -> None:
    cache = DiskEmbeddingCache(tmp_path)
    cache.write({text_hash("a"): np.ones(2, dtype=np.float32)})
    (cache.folder / "broken.keys.npy").write_bytes(b"not numpy")
    assert list(cache.read([text_hash("a")])) == [text_hash("a")]
