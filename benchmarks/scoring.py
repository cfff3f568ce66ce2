"""Scoring speed: the VADER path, the improved path with and without stored embeddings, and the embedder
run four ways (PyTorch float32 and int8, ONNX Runtime float32 and int8) with what each costs in quality."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import polars as pl
from sklearn.metrics import f1_score

from analysis.embeddings import Embedder
from benchmarks.quality import SHARED_DATA, human_label_expr, read_vader_set
from benchmarks.run import Row, fresh_store

TEXTS = 2_000  # customer-length texts: tweets and Amazon snippets, half each


def bench_scoring() -> list[Row]:
    from analysis.embedding_pipeline import store_embedder
    from analysis.pipeline import score_frame
    from analysis.sentiment import add_sentiment

    frame = sample_texts()
    started = time.perf_counter()
    add_sentiment(pl.concat([frame] * 5), scorer="vader")
    vader_rate = 5 * frame.height / (time.perf_counter() - started)
    rows: list[Row] = [("VADER path (sentiment only)", vader_rate, "texts/s")]
    with fresh_store() as (_url, engine):
        embedder = store_embedder(engine)
        score_frame(frame.head(10), embedder=embedder)  # loads the model outside the timing
        for label in (
            "new texts: embeddings computed and stored",
            "same texts again: embeddings from the store",
        ):
            started = time.perf_counter()
            score_frame(frame, embedder=embedder)
            rows.append(
                (
                    f"improved path, sentiment and impersonal, {label}",
                    frame.height / (time.perf_counter() - started),
                    "texts/s",
                )
            )
    return rows + bench_embedders(frame)


def sample_texts() -> pl.DataFrame:
    """Columns text and human_label (this project's rule on the human mean rating)."""
    parts = [read_vader_set(name).head(TEXTS // 2) for name in ("tweets", "Amazon snippets")]
    return pl.concat(parts).select("text", human_label_expr().alias("human_label"))


def bench_embedders(sample: pl.DataFrame) -> list[Row]:
    """Each way of running all-MiniLM-L6-v2: texts/s, cosine to float32 PyTorch, and the sentiment macro-F1
    and impersonal F1 that the scorers reach with its vectors."""
    texts = sample["text"].to_list()
    found = embedders()
    reference = found["PyTorch float32"](texts)
    rows: list[Row] = []
    for name, embedder in found.items():
        embedder(texts[:64])  # warm up
        started = time.perf_counter()
        vectors = embedder(texts)
        rate = len(texts) / (time.perf_counter() - started)
        cosine = (vectors * reference).sum(axis=1)
        rows += [
            (f"embedder {name}: speed", rate, "texts/s"),
            (
                f"embedder {name}: cosine to float32 PyTorch, mean (min)",
                float(cosine.mean()),
                f"({cosine.min():.3f})",
            ),
            *quality_with(name, embedder, sample),
        ]
    return rows


def quality_with(name: str, embedder: Embedder, sample: pl.DataFrame) -> list[Row]:
    """Sentiment macro-F1 on `sample` (texts the shipped weights were trained on, so only a comparison between
    embedders) and impersonal F1 on the held-out half of impersonal_dev.csv, with `embedder`'s vectors."""
    from analysis.impersonal_eval import evaluate_impersonal
    from analysis.sentiment import score_sentiment

    labels, _scores = score_sentiment(sample["text"].to_list(), embedder)
    sentiment_f1 = f1_score(sample["human_label"].to_list(), labels, average="macro")
    held_out = evaluate_impersonal(SHARED_DATA / "impersonal_dev.csv", embedder=embedder)
    return [
        (f"embedder {name}: sentiment macro-F1 on the timed sample", float(sentiment_f1), ""),
        (f"embedder {name}: impersonal F1 on the held-out half", float(held_out["f1"]), ""),
    ]


def embedders() -> dict[str, Embedder]:
    import torch

    from analysis.embeddings import embed, load_model

    model = load_model()
    found: dict[str, Embedder] = {  # Pulse's own embed() is ONNX Runtime float32 since issue 18
        "PyTorch float32": lambda texts: model.encode(list(texts), batch_size=64, normalize_embeddings=True),
        "Pulse's embedder (ONNX Runtime float32)": embed,
    }
    quantized = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    found["PyTorch dynamic int8"] = lambda texts: quantized.encode(
        list(texts), batch_size=64, normalize_embeddings=True
    )
    return {**found, **onnx_embedders()}


def onnx_embedders() -> dict[str, Embedder]:
    """ONNX Runtime dynamic int8 (per tensor): Pulse's own export (analysis/embedding_onnx.py) quantised, run by
    Pulse's encoder, so that only the weights differ from Pulse's embedder."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from analysis.embedding_onnx import OnnxEncoder, export_onnx
    from analysis.embeddings import DEFAULT_MODEL, encode_in_order, model_location

    location = Path(model_location(DEFAULT_MODEL))
    with tempfile.TemporaryDirectory() as name:  # ONNX Runtime reads the file when the session starts
        float_path, int8_path = Path(name) / "minilm.onnx", Path(name) / "minilm-int8.onnx"
        export_onnx(location, float_path)
        quantize_dynamic(float_path, int8_path, weight_type=QuantType.QInt8)
        int8 = OnnxEncoder(int8_path, location)
    return {"ONNX Runtime dynamic int8": lambda texts: encode_in_order(int8, texts)}
