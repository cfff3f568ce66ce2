"""Measure the impersonal-experience detector on a labelled file such as ../shared/data/impersonal_dev.csv.

The file is split once, by a fixed rule, into a tuning half and a held-out half, stratified by label: within
each label, rows are ordered by sha256(SPLIT_SEED + ":" + id) and the first half (rounded down) is the tuning
half. The detector's rules, prototypes and thresholds were designed looking at the tuning half only; the
held-out half is what `evaluate_impersonal` reports. The file's texts are for evaluation only: nothing of them
is stored in the project.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import polars as pl

from analysis.embeddings import Embedder
from analysis.pipeline import SCORER_VERSION, score_frame

SPLIT_SEED = "pulse-impersonal-split-1"
PARTS = ("held_out", "tuning", "all")


def read_labelled(path: str | Path) -> pl.DataFrame:
    """The labelled file (id, text, label) with a boolean `tuning` column from the fixed split."""
    frame = pl.read_csv(path, encoding="utf8-lossy").with_columns(pl.col("text").fill_null(""))
    keys = [hashlib.sha256(f"{SPLIT_SEED}:{row_id}".encode()).hexdigest() for row_id in frame["id"]]
    rank_in_label = pl.col("split_key").rank("ordinal").over("label")
    return (
        frame.with_columns(pl.Series("split_key", keys))
        .with_columns((rank_in_label <= pl.len().over("label") // 2).alias("tuning"))
        .drop("split_key")
    )


def precision_recall_f1(labels: pl.Series, flags: pl.Series) -> dict[str, float]:
    """Precision, recall and F1 of boolean `flags` against 0/1 `labels` (scikit-learn's; 0 where undefined),
    with the counts."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    truth, predicted = labels.cast(pl.Int8).to_numpy(), flags.cast(pl.Int8).to_numpy()
    precision, recall, f1, _ = precision_recall_fscore_support(
        truth, predicted, labels=[1], average="binary", zero_division=0
    )
    (_, false_positives), (false_negatives, true_positives) = confusion_matrix(
        truth, predicted, labels=[0, 1]
    )
    return {
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "rows": labels.len(),
        "positives": int(truth.sum()),
        "true_positives": int(true_positives),
        "false_positives": int(false_positives),
        "false_negatives": int(false_negatives),
    }


def evaluate_impersonal(
    path: str | Path, part: str = "held_out", embedder: Embedder | None = None
) -> dict[str, object]:
    """Precision, recall and F1 of the detector on one part of the labelled file ("held_out" by default,
    "tuning" or "all"), scored as the product scores (improved sentiment, then the detector), and how the
    split was made."""
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}, not {part!r}")
    labelled = read_labelled(path)
    if part != "all":
        labelled = labelled.filter(pl.col("tuning") == (part == "tuning"))
    scored = score_frame(labelled, embedder=embedder)
    return {
        **precision_recall_f1(scored["label"], scored["impersonal"]),
        "part": part,
        "split": f"stratified half by sha256('{SPLIT_SEED}:' + id); tuning half used for design",
        "version": SCORER_VERSION,
    }


def flag_figures(truth: np.ndarray, flags: np.ndarray) -> tuple[float, float, float]:
    """Precision, recall and F1 of boolean `flags` against boolean `truth` (0 where undefined), in numpy: fast
    enough to be bootstrapped."""
    hits = int((truth & flags).sum())
    precision = hits / int(flags.sum()) if flags.any() else 0.0
    recall = hits / int(truth.sum()) if truth.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def bootstrap_intervals(
    truth: np.ndarray, flags: np.ndarray, resamples: int = 2_000, seed: int = 19
) -> np.ndarray:
    """The 95% percentile intervals of precision, recall and F1 over `resamples` resamples of the texts (with
    replacement, seeded): one row per measure, (low, high)."""
    picks = np.random.default_rng(seed).integers(0, len(truth), (resamples, len(truth)))
    figures = np.array([flag_figures(truth[picked], flags[picked]) for picked in picks])
    return np.percentile(figures, [2.5, 97.5], axis=0).T
