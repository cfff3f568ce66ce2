"""The impersonal detector on the fresh labelled data of issue 19 (../shared/data/impersonal_dev2.csv), the
train-allowed sources only: precision, recall and F1 per source and pooled, with 95% bootstrap intervals over
texts (analysis.impersonal_eval.bootstrap_intervals), scored as the product scores (improved sentiment, then
the detector), beside a keyword baseline on the same texts (flag a text that any of the detector's keyword
rules, strong or weak, matches). The evaluation-only Trustpilot rows are not read: they are kept for the
learned detector's one measurement."""

from __future__ import annotations

import numpy as np
import polars as pl

from benchmarks.quality import SHARED_DATA
from benchmarks.run import Row

SOURCES = ("cfpb", "fcc")  # CFPB complaint narratives (public domain), FCC complaints (MIT): training allowed


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
