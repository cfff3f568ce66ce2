"""The impersonal detector on the fresh labelled data of issue 19 (../shared/data/impersonal_dev2.csv), the
train-allowed sources only: precision, recall and F1 per source and pooled, with 95% bootstrap intervals over
texts (BOOTSTRAP resamples, seeded), scored as the product scores (improved sentiment, then the detector),
beside a keyword baseline on the same texts (flag a text that any of the detector's keyword rules, strong or
weak, matches). The evaluation-only Trustpilot rows are not read: they are kept for the learned detector's
one measurement."""

from __future__ import annotations

import numpy as np
import polars as pl

from benchmarks.quality import SHARED_DATA
from benchmarks.run import Row

SOURCES = ("cfpb", "fcc")  # CFPB complaint narratives (public domain), FCC complaints (MIT): training allowed
BOOTSTRAP = 2_000


def bench_impersonal_sources() -> list[Row]:
    from analysis.impersonal import rule_cues
    from analysis.pipeline import score_frame

    labelled = pl.read_csv(SHARED_DATA / "impersonal_dev2.csv").filter(pl.col("source").is_in(SOURCES))
    scored = score_frame(labelled.select("id", "source", "text", "label"))
    truth = scored["label"].to_numpy() == 1
    keyword = np.array([any(strong) or any(weak) for strong, weak in map(rule_cues, scored["text"])])
    sources = scored["source"].to_numpy()
    rows: list[Row] = []
    for name, flags in (("detector", scored["impersonal"].to_numpy()), ("keyword baseline", keyword)):
        for source in (*SOURCES, "pooled"):
            chosen = np.ones(len(truth), bool) if source == "pooled" else sources == source
            rows += figure_rows(f"{name}, {source}", truth[chosen], flags[chosen])
    return rows


def figure_rows(label: str, truth: np.ndarray, flags: np.ndarray) -> list[Row]:
    """Precision, recall and F1 of `flags`, each with its 95% bootstrap interval in the unit column."""
    observed = precision_recall_f1(truth, flags)
    rng = np.random.default_rng(19)
    resampled = np.array(
        [
            precision_recall_f1(truth[picked], flags[picked])
            for picked in rng.integers(0, len(truth), (BOOTSTRAP, len(truth)))
        ]
    )
    low, high = np.percentile(resampled, [2.5, 97.5], axis=0)
    described = f"{label} ({len(truth)} texts, {int(truth.sum())} complaints)"
    return [
        (f"{described}: {measure}", float(observed[i]), f"(95% CI {low[i]:.3f} to {high[i]:.3f})")
        for i, measure in enumerate(("precision", "recall", "F1"))
    ]


def precision_recall_f1(truth: np.ndarray, flags: np.ndarray) -> tuple[float, float, float]:
    hits = int((truth & flags).sum())
    precision = hits / int(flags.sum()) if flags.any() else 0.0
    recall = hits / int(truth.sum()) if truth.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
