"""The impersonal detector on the fresh labelled data of issue 19 (../shared/data/impersonal_dev2.csv):
precision, recall and F1 per source and pooled over the train-allowed sources, with 95% bootstrap intervals over
texts (analysis.impersonal_eval.bootstrap_intervals), scored as the product scores (improved sentiment, then
the detector), beside a keyword baseline on the same texts (flag a text that any of the detector's keyword
rules, strong or weak, matches); then the evaluation-only Trustpilot reviews, which nothing was designed on
(first read on 2026-12-05, once v3 was final: a change tuned after reading them makes them a spent test); and
the detector's speed with its pieces' embeddings cached and uncached, beside VADER."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import polars as pl

from benchmarks.quality import SHARED_DATA
from benchmarks.run import Row

SOURCES = ("cfpb", "fcc")  # CFPB complaint narratives (public domain), FCC complaints (MIT): training allowed
MEASURED_ONLY = ("tp",)  # Trustpilot reviews: no licence to train on, evaluation only


def bench_impersonal_sources() -> list[Row]:
    from analysis.impersonal import rule_cues
    from analysis.pipeline import score_frame

    labelled = pl.read_csv(SHARED_DATA / "impersonal_dev2.csv")
    scored = score_frame(labelled.select("id", "source", "text", "label"))
    truth = scored["label"].to_numpy() == 1
    keyword = np.array([any(strong) or any(weak) for strong, weak in map(rule_cues, scored["text"])])
    sources = scored["source"].to_numpy()
    rows: list[Row] = []
    for name, flags in (("detector", scored["impersonal"].to_numpy()), ("keyword baseline", keyword)):
        for source in (*SOURCES, "pooled", *MEASURED_ONLY):
            chosen = np.isin(sources, SOURCES) if source == "pooled" else sources == source
            rows += figure_rows(f"{name}, {source}", truth[chosen], flags[chosen])
    training = scored.filter(pl.col("source").is_in(SOURCES))
    return rows + speed_rows(training["text"].to_list(), training["sentiment_score"].to_list())


def figure_rows(label: str, truth: np.ndarray, flags: np.ndarray) -> list[Row]:
    """Precision, recall and F1 of `flags`, each with its 95% bootstrap interval in the unit column."""
    from analysis.impersonal_eval import bootstrap_intervals, flag_figures

    described = f"{label} ({len(truth)} texts, {int(truth.sum())} complaints)"
    return [
        (f"{described}: {measure}", value, f"(95% CI {low:.3f} to {high:.3f})")
        for measure, value, (low, high) in zip(
            ("precision", "recall", "F1"),
            flag_figures(truth, flags),
            bootstrap_intervals(truth, flags),
            strict=True,
        )
    ]


def speed_rows(texts: list[str], sentiment_scores: list[float]) -> list[Row]:
    """The detector alone (its sentiment scores given) on `texts`: every piece embedded, then every piece's
    vector already known (as when `pulse analyze` finds them in the store); VADER's compound on the same texts."""
    from analysis.embeddings import embed
    from analysis.impersonal import detect_impersonal
    from analysis.pipeline import embedded_pieces
    from analysis.sentiment import vader_features

    detect_impersonal(texts[:1], sentiment_scores[:1], embed)  # loads the model and the prototypes' vectors
    started = time.perf_counter()
    detect_impersonal(texts, sentiment_scores, embed)
    uncached = time.perf_counter() - started
    pieces = list(dict.fromkeys(piece for text in texts for piece in embedded_pieces(text)))
    known = dict(zip(pieces, embed(pieces), strict=True))

    def from_cache(chunk: Sequence[str]) -> np.ndarray:
        return np.array([known[text] if text in known else embed([text])[0] for text in chunk])

    detect_impersonal(texts[:1], sentiment_scores[:1], from_cache)  # its prototype index, as a store run has
    started = time.perf_counter()
    detect_impersonal(texts, sentiment_scores, from_cache)
    cached = time.perf_counter() - started
    started = time.perf_counter()
    vader_features(texts)
    vader = time.perf_counter() - started
    count = f"{len(texts)} CFPB and FCC complaints"
    return [
        (f"impersonal detector, {count}, every piece embedded: rate", len(texts) / uncached, "texts/s"),
        (f"impersonal detector, {count}, embeddings cached: rate", len(texts) / cached, "texts/s"),
        (
            f"VADER compound, pos, neg, neu of the same {len(texts)} texts: rate",
            len(texts) / vader,
            "texts/s",
        ),
    ]
