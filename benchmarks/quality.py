"""Quality of the scorers on outside data (../shared/data/): VADER on the human-rated sets of the VADER paper,
the impersonal-experience detector on impersonal_dev.csv.

Three classes from the human mean rating (-4..+4): positive above +0.5, negative below -0.5, else neutral
(the paper does not say how it split them; this is this project's rule). From a score: VADER's own ±0.05;
the improved scorer's band is chosen on its training sets. The improved scorer is measured leave-one-set-out
(analysis.train_sentiment); the impersonal detector on the held-out half of impersonal_dev.csv.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import polars as pl
from sklearn.metrics import f1_score

from analysis.impersonal_eval import evaluate_impersonal
from analysis.sentiment import add_sentiment
from analysis.train_sentiment import leave_one_set_out

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
VADER_SETS = {
    "tweets": "tweets_GroundTruth.txt",
    "movie snippets": "movieReviewSnippets_GroundTruth.txt",
    "Amazon snippets": "amazonReviewSnippets_GroundTruth.txt",
    "NYT snippets": "nytEditorialSnippets_GroundTruth.txt",
}
HUMAN_NEUTRAL = 0.5
Row = tuple[str, float, str]


def read_vader_set(name: str) -> pl.DataFrame:
    """One human-rated set: columns text, human (mean rating, -4..+4)."""
    path = SHARED_DATA / "vader_ground_truth" / VADER_SETS[name]
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [(row[2], float(row[1])) for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)]
    return pl.DataFrame(rows, schema={"text": pl.String, "human": pl.Float64}, orient="row")


def human_label_expr() -> pl.Expr:
    human = pl.col("human")
    return (
        pl.when(human > HUMAN_NEUTRAL)
        .then(pl.lit("positive"))
        .when(human < -HUMAN_NEUTRAL)
        .then(pl.lit("negative"))
        .otherwise(pl.lit("neutral"))
    )


def sentiment_quality(frame: pl.DataFrame) -> tuple[float, float]:
    """Pearson r of sentiment_score with the human mean, and 3-class macro-F1."""
    scored = add_sentiment(frame, scorer="vader").with_columns(human_label_expr().alias("human_label"))
    r = float(np.corrcoef(scored["sentiment_score"], scored["human"])[0, 1])
    f1 = float(f1_score(scored["human_label"], scored["sentiment"], average="macro"))
    return r, f1


def impersonal_quality(part: str = "held_out") -> tuple[float, float, float]:
    """Precision, recall and F1 of the impersonal flag on a part of ../shared/data/impersonal_dev.csv."""
    figures = evaluate_impersonal(SHARED_DATA / "impersonal_dev.csv", part)
    return figures["precision"], figures["recall"], figures["f1"]


def bench_quality() -> list[Row]:
    rows: list[Row] = []
    for result in leave_one_set_out():
        name = result["set"]
        rows += [
            (f"{name}: VADER Pearson r / macro-F1", result["vader_r"], f"/ {result['vader_f1']:.3f}"),
            (
                f"{name}: improved (left out) Pearson r / macro-F1",
                result["improved_r"],
                f"/ {result['improved_f1']:.3f}",
            ),
        ]
    for part in ("held_out", "all"):
        precision, recall, f1 = impersonal_quality(part)
        rows += [
            (
                f"impersonal detector on impersonal_dev.csv ({part}): precision / recall / F1",
                precision,
                f"/ {recall:.3f} / {f1:.3f}",
            )
        ]
    return rows
