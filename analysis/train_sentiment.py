"""Train the improved sentiment scorer and measure it leave-one-set-out.

    python -m analysis.train_sentiment            # evaluate, then write the shipped weights
    python -m analysis.train_sentiment --help

Data: the four human-rated sets of the VADER paper (Hutto & Gilbert, ICWSM 2014; from the cjhutto/vaderSentiment
repository, MIT), in ../shared/data/vader_ground_truth/ by default. A text's class comes from its mean human
rating (-4..4): positive above +0.5, negative below -0.5, else neutral (as in benchmarks/quality.py).

Model: a class-balanced multinomial logistic regression over [embedding, VADER compound/pos/neg/neu], each
set weighing the same; hyperparameters (C, the share of VADER's compound in the score, the neutral band) are
chosen by leave-one-set-out inside the training sets only, never on the set a figure is reported for.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from pathlib import Path
from typing import TypedDict

import numpy as np
import polars as pl
from sklearn.linear_model import LogisticRegression

from analysis.embeddings import Embedder
from analysis.sentiment import (
    EMBEDDING_MODEL,
    NEGATIVE_BELOW,
    POSITIVE_ABOVE,
    SENTIMENT_VERSION,
    WEIGHTS_FILE,
    Segmented,
    SentimentModel,
    TextScores,
    score_sentiment,
    vader_features,
)

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "vader_ground_truth"
WEIGHTS_PATH = Path(__file__).resolve().parent / "models" / WEIGHTS_FILE
CACHE_DIR = Path(tempfile.gettempdir()) / "pulse_sentiment_training"
RATED_SETS = {
    "tweets": "tweets_GroundTruth.txt",
    "movie snippets": "movieReviewSnippets_GroundTruth.txt",
    "Amazon snippets": "amazonReviewSnippets_GroundTruth.txt",
    "NYT snippets": "nytEditorialSnippets_GroundTruth.txt",
}
HUMAN_NEUTRAL = 0.5
C_GRID = (0.3, 1.0, 3.0)
VADER_WEIGHT_GRID = (0.0, 0.25, 0.5)
WHOLE_WEIGHT_GRID = (0.0, 0.5, 1.0)
# Not tuned: a text with one segment beyond each edge of the band is mixed. The rated sets reward a stricter
# margin (0.75 chosen leave-one-set-out: "Great bread, but the kiosk is a nightmare." then reads positive), but
# telling mixed reviews apart is a requirement of the product, not something these sets measure.
MIXED_MARGIN_GRID = (0.0,)
BAND_GRID = np.round(np.arange(-0.4, 0.401, 0.02), 2)


@dataclass(frozen=True)
class RatedSet:
    """One human-rated set with everything the model needs, for whole texts and for their segments."""

    name: str
    texts: list[str]
    human: np.ndarray  # mean rating, -4..4
    classes: np.ndarray  # 0 negative, 1 neutral, 2 positive
    features: np.ndarray  # [embedding, VADER features] of whole texts: what the model is trained on
    segmented: Segmented
    segment_features: np.ndarray  # the same for each segment: what the shipped scorer sees


@dataclass(frozen=True)
class Choice:
    """Hyperparameters chosen on training sets."""

    c: float
    vader_weight: float
    whole_weight: float
    mixed_margin: float
    negative_below: float
    positive_above: float


class Figures(TypedDict):
    vader_f1: float
    vader_r: float
    improved_f1: float
    improved_r: float


class SetResult(Figures):
    """One row of the leave-one-set-out table."""

    set: str
    chosen: Choice


def read_rated_set(name: str, data_dir: Path = DATA_DIR) -> pl.DataFrame:
    """One human-rated set: columns text, human (mean rating, -4..+4)."""
    with (data_dir / RATED_SETS[name]).open(encoding="utf-8-sig", newline="") as handle:
        rows = [(row[2], float(row[1])) for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)]
    return pl.DataFrame(rows, schema={"text": pl.String, "human": pl.Float64}, orient="row")


def human_classes(human: np.ndarray) -> np.ndarray:
    """0 negative (< -0.5), 1 neutral, 2 positive (> +0.5)."""
    return np.where(human > HUMAN_NEUTRAL, 2, np.where(human < -HUMAN_NEUTRAL, 0, 1))


def macro_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    """3-class macro-F1: scikit-learn's f1_score(labels=[0, 1, 2], average="macro", zero_division=0) (a class
    absent from both counts as 0), written out because the band search calls it some 350,000 times and
    scikit-learn's checks cost 4 ms a call (0.03 ms here); tests/unit/analysis/test_sentiment.py checks that they agree."""
    confusion = np.bincount(truth * 3 + predicted, minlength=9).reshape(3, 3)
    hits = np.diag(confusion)
    denominators = confusion.sum(axis=0) + confusion.sum(axis=1)
    return float(np.mean(np.where(denominators > 0, 2 * hits / np.maximum(denominators, 1), 0.0)))


def pearson_r(scores: np.ndarray, human: np.ndarray) -> float:
    return float(np.corrcoef(scores, human)[0, 1])


class EmbeddingCache:
    """Embeddings by text hash in one .npz per model, so that re-running the training embeds nothing twice."""

    def __init__(self, cache_dir: Path, embedder: Embedder | None = None) -> None:
        self.path = cache_dir / f"{EMBEDDING_MODEL}.npz"
        self.embedder = embedder
        self.vectors: dict[str, np.ndarray] = {}
        if self.path.exists():
            with np.load(self.path, allow_pickle=False) as stored:
                self.vectors = dict(zip(stored["hashes"].tolist(), stored["vectors"], strict=True))

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(text for text in texts if self.key(text) not in self.vectors))
        if missing:
            print(f"embedding {len(missing)} texts ...", file=sys.stderr, flush=True)
            computed = np.asarray(self._embedder()(missing), dtype=np.float32)
            self.vectors.update(zip(map(self.key, missing), computed, strict=True))
            self.save()
        return np.stack([self.vectors[self.key(text)] for text in texts])

    def _embedder(self) -> Embedder:
        if self.embedder is None:
            from analysis.embeddings import embed

            self.embedder = embed
        return self.embedder

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        hashes = np.array(list(self.vectors))
        np.savez(self.path, hashes=hashes, vectors=np.stack(list(self.vectors.values())))


def load_rated_set(name: str, embedder: Embedder, data_dir: Path = DATA_DIR) -> RatedSet:
    frame = read_rated_set(name, data_dir)
    texts = frame["text"].to_list()
    segmented = Segmented.of(texts)
    human = frame["human"].to_numpy()
    return RatedSet(
        name=name,
        texts=texts,
        human=human,
        classes=human_classes(human),
        features=np.hstack([embedder(texts), vader_features(texts)]),
        segmented=segmented,
        segment_features=np.hstack([embedder(segmented.segments), vader_features(segmented.segments)]),
    )


def training_weights(sets: Sequence[RatedSet]) -> np.ndarray:
    """Sample weights: each set weighs the same, and within that each class weighs the same."""
    per_set = np.concatenate([np.full(len(rated.texts), 1.0 / len(rated.texts)) for rated in sets])
    classes = np.concatenate([rated.classes for rated in sets])
    class_totals = np.bincount(classes, weights=per_set, minlength=3)
    weights = per_set / np.maximum(class_totals[classes], 1e-12)
    return weights * len(weights) / weights.sum()


class Trainer:
    """Fits the softmax on any group of sets, remembering each fit (nested evaluation reuses them)."""

    def __init__(self, sets: dict[str, RatedSet]) -> None:
        self.sets = sets
        self._fit = lru_cache(maxsize=None)(self._fit_uncached)

    def fit(self, names: Sequence[str], c: float) -> tuple[np.ndarray, np.ndarray]:
        return self._fit(tuple(sorted(names)), c)

    def _fit_uncached(self, names: tuple[str, ...], c: float) -> tuple[np.ndarray, np.ndarray]:
        chosen = [self.sets[name] for name in names]
        features = np.vstack([rated.features for rated in chosen])
        classes = np.concatenate([rated.classes for rated in chosen])
        regression = LogisticRegression(C=c, max_iter=1000)
        regression.fit(features, classes, sample_weight=training_weights(chosen))
        return regression.coef_.copy(), regression.intercept_.copy()

    def model(self, names: Sequence[str], choice: Choice) -> SentimentModel:
        coef, intercept = self.fit(names, choice.c)
        return SentimentModel(
            version=SENTIMENT_VERSION,
            embedding_model=EMBEDDING_MODEL,
            coef=coef,
            intercept=intercept,
            vader_weight=choice.vader_weight,
            whole_weight=choice.whole_weight,
            mixed_margin=choice.mixed_margin,
            negative_below=choice.negative_below,
            positive_above=choice.positive_above,
        )

    def text_scores(self, names: Sequence[str], choice: Choice, test: RatedSet) -> TextScores:
        """Scores of `test` by the shipped path (whole text and segments) with a model fitted on `names`."""
        probe = self.model(names, choice)
        whole = probe.segment_scores(test.features[:, :-4], test.features[:, -4:])
        segments = probe.segment_scores(test.segment_features[:, :-4], test.segment_features[:, -4:])
        return TextScores.of(whole, segments, test.segmented, choice.whole_weight)

    def choose(self, names: Sequence[str]) -> tuple[Choice, float]:
        """Hyperparameters with the best mean macro-F1 over `names`, each scored by a model fitted on the
        others (leave-one-set-out inside `names`), and that mean."""
        best: tuple[float, Choice] = (-1.0, Choice(1.0, 0.0, 1.0, 0.0, NEGATIVE_BELOW, POSITIVE_ABOVE))
        for c, vader_weight, whole_weight in product(C_GRID, VADER_WEIGHT_GRID, WHOLE_WEIGHT_GRID):
            probe = Choice(c, vader_weight, whole_weight, 0.0, NEGATIVE_BELOW, POSITIVE_ABOVE)
            scored = [
                (
                    self.text_scores([other for other in names if other != name], probe, self.sets[name]),
                    self.sets[name].classes,
                )
                for name in names
            ]
            for mixed_margin in MIXED_MARGIN_GRID:
                f1, (low, high) = best_band(scored, mixed_margin)
                if f1 > best[0]:
                    best = (f1, Choice(c, vader_weight, whole_weight, mixed_margin, low, high))
        return best[1], best[0]


def best_band(
    scored: Sequence[tuple[TextScores, np.ndarray]], mixed_margin: float
) -> tuple[float, tuple[float, float]]:
    """The neutral band (negative_below, positive_above) with the best mean macro-F1 over `scored`."""
    best = (-1.0, (NEGATIVE_BELOW, POSITIVE_ABOVE))
    for low in BAND_GRID:
        for high in BAND_GRID[low <= BAND_GRID]:
            f1 = float(
                np.mean(
                    [macro_f1(truth, scores.classes(low, high, mixed_margin)) for scores, truth in scored]
                )
            )
            if f1 > best[0]:
                best = (f1, (float(low), float(high)))
    return best


def evaluate(model: SentimentModel, test: RatedSet, embedder: Embedder) -> Figures:
    """VADER's and the improved scorer's macro-F1 and Pearson r on `test`, each through its shipped code."""
    labels, scores = score_sentiment(test.texts, embedder, model)
    predicted = np.array([("negative", "neutral", "positive").index(label) for label in labels])
    compound = vader_features(test.texts)[:, 0]
    vader_classes = np.where(compound > POSITIVE_ABOVE, 2, np.where(compound < NEGATIVE_BELOW, 0, 1))
    return {
        "vader_f1": macro_f1(test.classes, vader_classes),
        "vader_r": pearson_r(compound, test.human),
        "improved_f1": macro_f1(test.classes, predicted),
        "improved_r": pearson_r(scores, test.human),
    }


def load_rated_sets(embedder: Embedder, data_dir: Path = DATA_DIR) -> dict[str, RatedSet]:
    return {name: load_rated_set(name, embedder, data_dir) for name in RATED_SETS}


def leave_one_set_out(
    data_dir: Path = DATA_DIR, cache_dir: Path = CACHE_DIR, embedder: Embedder | None = None
) -> list[SetResult]:
    """Per set: VADER's and the improved scorer's macro-F1 and r, the improved scorer trained (and its
    hyperparameters chosen) without that set. Keys: set, vader_f1, vader_r, improved_f1, improved_r, chosen."""
    cached = EmbeddingCache(cache_dir, embedder)
    trainer = Trainer(load_rated_sets(cached, data_dir))
    return [evaluate_held_out(trainer, name, cached) for name in RATED_SETS]


def evaluate_held_out(trainer: Trainer, held_out: str, embedder: Embedder) -> SetResult:
    training = [name for name in RATED_SETS if name != held_out]
    choice, _ = trainer.choose(training)
    figures = evaluate(trainer.model(training, choice), trainer.sets[held_out], embedder)
    return SetResult(set=held_out, chosen=choice, **figures)


def format_table(rows: Sequence[SetResult]) -> str:
    lines = [
        "| set | VADER macro-F1 | VADER r | improved macro-F1 | improved r | chosen on training sets |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        choice = row["chosen"]
        chosen = (
            f"C {choice.c:g}, VADER weight {choice.vader_weight:g}, whole weight {choice.whole_weight:g}, "
            f"mixed margin {choice.mixed_margin:g}, "
            f"band ({choice.negative_below:+.2f}, {choice.positive_above:+.2f})"
        )
        lines.append(
            f"| {row['set']} | {row['vader_f1']:.3f} | {row['vader_r']:.3f} | "
            f"{row['improved_f1']:.3f} | {row['improved_r']:.3f} | {chosen} |"
        )
    means = [
        np.mean([row["vader_f1"] for row in rows]),
        np.mean([row["vader_r"] for row in rows]),
        np.mean([row["improved_f1"] for row in rows]),
        np.mean([row["improved_r"] for row in rows]),
    ]
    lines.append("| mean | " + " | ".join(f"{mean:.3f}" for mean in means) + " | |")
    return "\n".join(lines)


def train_shipped(trainer: Trainer) -> tuple[SentimentModel, float]:
    """The shipped model: hyperparameters chosen leave-one-set-out over all four sets, fitted on all four."""
    names = list(RATED_SETS)
    choice, inner_f1 = trainer.choose(names)
    return trainer.model(names, choice), inner_f1


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m analysis.train_sentiment",
        description="Train the improved sentiment scorer on the VADER paper's human-rated sets, print its "
        "leave-one-set-out table against VADER, and write the shipped weights.",
    )
    parser.add_argument(
        "--data-dir", type=Path, default=DATA_DIR, help="folder of the *_GroundTruth.txt sets"
    )
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH, help="where the weights (.npz) go")
    parser.add_argument("--cache-dir", type=Path, default=CACHE_DIR, help="where embeddings are cached")
    parser.add_argument("--skip-evaluation", action="store_true", help="only train and write the weights")
    parser.add_argument("--no-write", action="store_true", help="only print the leave-one-set-out table")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    cached = EmbeddingCache(args.cache_dir)
    trainer = Trainer(load_rated_sets(cached, args.data_dir))
    if not args.skip_evaluation:
        rows = [evaluate_held_out(trainer, name, cached) for name in RATED_SETS]
        print("Leave-one-set-out (trained and tuned without the set it is tested on):")
        print(format_table(rows))
    if not args.no_write:
        model, inner_f1 = train_shipped(trainer)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        model.save(str(args.out))
        print(
            f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB, {model.version}): "
            f"VADER weight {model.vader_weight:g}, whole weight {model.whole_weight:g}, "
            f"mixed margin {model.mixed_margin:g}, band ({model.negative_below:+.2f}, "
            f"{model.positive_above:+.2f}), mean leave-one-set-out macro-F1 while choosing {inner_f1:.3f}"
        )
    print(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
