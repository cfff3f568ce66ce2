"""all-MiniLM-L6-v2 in ONNX Runtime: exported once into Pulse's cache folder, keyed by the model files' hash;
the same vectors as sentence-transformers; a failure falls back to sentence-transformers with a notice; scoring
with it imports no torch."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from analysis import embeddings
from analysis.embedding_onnx import OnnxEncoder, model_hash, onnx_encoder, onnx_file, onnx_folder
from analysis.embeddings import DEFAULT_MODEL, SentenceTransformerEncoder, load_encoder, model_location
from pulse.settings import PROJECT_ROOT

LOCATION = Path(model_location(DEFAULT_MODEL))


def real_texts() -> list[str]:
    """Three dozen texts of the demo (surveys, reviews, mentions), blank ones, and one longer than the model's
    256 tokens (which both truncate)."""
    demo = PROJECT_ROOT / "data" / "demo"
    reviews = pl.read_csv(demo / "reviews.csv")["text"].head(12).to_list()
    comments = pl.read_csv(demo / "surveys.csv")["comment"].drop_nulls().head(12).to_list()
    mentions = pl.read_csv(demo / "mentions.csv")["text"].head(12).to_list()
    longest = " ".join(reviews * 4)
    return [*reviews, *comments, *mentions, "", "  padded with spaces  ", longest]


@pytest.fixture(scope="module")
def prepared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder with all-MiniLM-L6-v2 exported to ONNX (once for this module: it loads torch)."""
    cache = tmp_path_factory.mktemp("pulse-cache")
    assert onnx_encoder(DEFAULT_MODEL, LOCATION, cache) is not None
    return cache


def test_onnx_file__is_in_the_cache_folder_named_by_the_model_files_hash(tmp_path: Path) -> None:
    model = tmp_path / "model"
    (model / "1_Pooling").mkdir(parents=True)
    (model / "config.json").write_text('{"hidden_size": 384}')
    (model / "1_Pooling" / "config.json").write_text("{}")
    cache = tmp_path / "cache"
    first = onnx_file(cache, "all-MiniLM-L6-v2", model)
    assert first == cache / "onnx" / "all-MiniLM-L6-v2" / f"{model_hash(model)[:32]}.onnx"
    assert onnx_file(cache, "all-MiniLM-L6-v2", model) == first  # the hash remembered
    (model / "config.json").write_text('{"hidden_size": 768}')
    os.utime(model / "config.json", ns=(1, 1))  # whatever the clock, the folder's stamp changes
    assert onnx_file(cache, "all-MiniLM-L6-v2", model) != first  # a changed model is exported again
    assert onnx_folder(cache, "org/some model") == cache / "onnx" / "org_some_model"


def test_load_encoder__keeps_the_onnx_file_in_pulses_cache_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PULSE_CACHE_DIR", str(tmp_path / "mine"))
    assert embeddings._cache_folder() == tmp_path / "mine"
    monkeypatch.delenv("PULSE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert embeddings._cache_folder() == tmp_path / "xdg" / "pulse"


def test_onnx_encoder__a_damaged_file_falls_back_with_a_notice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    damaged = onnx_file(tmp_path, DEFAULT_MODEL, LOCATION)
    damaged.write_bytes(b"not an onnx model")
    assert onnx_encoder(DEFAULT_MODEL, LOCATION, tmp_path) is None
    notice = capsys.readouterr().err.strip()
    assert notice.startswith(f"Note: {DEFAULT_MODEL} could not run in ONNX Runtime")
    assert notice.endswith("embedding with sentence-transformers instead (slower).")
    assert len(notice.splitlines()) == 1


def test_onnx_encoder__an_export_that_cannot_be_written_falls_back_with_a_notice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder should be")
    assert onnx_encoder(DEFAULT_MODEL, LOCATION, blocked) is None
    assert "embedding with sentence-transformers instead" in capsys.readouterr().err


@pytest.mark.slow
def test_load_encoder__falls_back_to_sentence_transformers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("not a folder")
    monkeypatch.setenv("PULSE_CACHE_DIR", str(blocked))
    load_encoder.cache_clear()
    try:
        encoder = load_encoder()
        assert isinstance(encoder, SentenceTransformerEncoder)
        assert embeddings.embed(["The kiosk is a nightmare."]).shape == (1, 384)
    finally:
        load_encoder.cache_clear()


@pytest.mark.slow
def test_onnx_encoder__gives_the_vectors_of_sentence_transformers(
    prepared_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    texts = real_texts()
    encoder = onnx_encoder(DEFAULT_MODEL, LOCATION, prepared_cache)
    assert isinstance(encoder, OnnxEncoder)
    assert capsys.readouterr().err == ""  # prepared already: no export, no notice
    assert encoder.lengths(["", " Hello world ", texts[-1]]) == [
        2,
        4,
        256,
    ]  # in tokens; the long one truncated
    reference = embeddings.load_model().encode(texts, batch_size=64, normalize_embeddings=True)
    vectors = np.vstack([encoder.encode(texts[:20]), encoder.encode(texts[20:])])
    assert vectors.dtype == np.float32 and vectors.shape == reference.shape
    cosines = (vectors * reference).sum(axis=1)
    assert cosines.min() >= 0.9999
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)


@pytest.mark.slow
def test_score_frame__with_onnx_imports_no_torch(prepared_cache: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(prepared_cache / "onnx", cache / "onnx")
    script = (
        "import sys, polars as pl\n"
        "from analysis.pipeline import score_frame\n"
        "scored = score_frame(pl.DataFrame({'text': ['Great bread, but the kiosk is a nightmare.']}))\n"
        "print(scored.height, 'torch' in sys.modules, 'sentence_transformers' in sys.modules)\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "PULSE_CACHE_DIR": str(cache), "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        check=True,
    )
    assert child.stdout.split() == ["1", "False", "False"], child.stderr
    assert child.stderr == ""  # no export and no notice: the file was prepared
