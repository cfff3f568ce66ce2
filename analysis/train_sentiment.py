"""Train the improved sentiment scorer on labelled customer feedback and measure it leave-one-source-out.

    python -m analysis.train_sentiment            # evaluate, then write the shipped weights
    python -m analysis.train_sentiment --help

Data (analysis/sentiment_data.py): the two train-allowed files of ../shared/data/sentiment_train/ (the UCI
sentences, as three sources yelp / amazon / imdb, and the women's clothing reviews, stars 1-2 negative,
3 neutral, 4-5 positive) and, unless --without-vader-sets, the four human-rated sets of the VADER paper
(Hutto & Gilbert, ICWSM 2014; cjhutto/vaderSentiment, MIT) in ../shared/data/vader_ground_truth/, whose
classes come from the mean human rating (-4..4): positive above +0.5, negative below -0.5, else neutral.

Model: a class-balanced multinomial logistic regression over [embedding, VADER compound/pos/neg/neu], each
set weighing the same, its logits divided by a temperature (calibration); hyperparameters (C, the
temperature, the share of VADER's compound in the score, the mixed rule's balance, the neutral band) are chosen
by leave-one-source-out over the training sets only, never on the source a figure is reported for.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import product
from pathlib import Path
from typing import TypedDict

import numpy as np
import polars as pl
from scipy.special import softmax
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
    read_sentiment_model,
    score_sentiment,
    vader_features,
)
from analysis.sentiment_data import (
    EVALUATION_FILES,
    SENTIMENT_TRAIN_DIR,
    TRAIN_FILES,
    LabelledSource,
    read_sources,
)
from pulse.files import written_atomically

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
# Texts of each VADER set that a model is fitted on (each set weighs the same whatever its size): a cap that
# keeps the 37 fits of a full run within reach of 2 shared cores.
RATED_FIT_ROWS = 2000
C_GRID = (1.0,)  # one C: a grid of three took too long on 2 shared cores (see analysis/models/README.md)
TEMPERATURE_GRID = (0.5, 0.7, 1.0, 1.4, 2.0, 2.8, 4.0)
VADER_WEIGHT_GRID = (0.0, 0.25, 0.5)
# No mixed rule: a margin no score reaches.
NO_MIXING = 2.0
# Grids of (whole weight, mixed margin, mixed balance) per segment rule. "segments": v2's rule (whole text
# blended with its segments; a text with one segment beyond each edge of the band is mixed, hence neutral).
# "whole": the whole text's score alone, no mixed rule. "whole-mixed": the whole text's score, and the mixed
# rule for segments at least 0.25 from 0. "whole-balanced" (v3): as "whole-mixed", and the text's praise and
# complaint about as weighty (the smaller at least the chosen share of the larger, by segment length).
SCORING_GRIDS: dict[str, tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]] = {
    "segments": ((0.0, 0.5, 1.0), (0.0,), (0.0,)),
    "whole": ((1.0,), (NO_MIXING,), (0.0,)),
    "whole-mixed": ((1.0,), (0.25,), (0.0,)),
    "whole-balanced": ((1.0,), (0.25,), (0.3, 0.5, 0.7)),
}
BAND_GRID = np.round(np.arange(-0.4, 0.401, 0.02), 2)
MIXED_REVIEW = "Great bread, but the kiosk is a nightmare."


@dataclass(frozen=True)
class RatedSet:
    """One labelled set with everything the model needs, for whole texts and for their segments."""

    name: str
    texts: list[str]
    human: np.ndarray  # what Pearson r is measured against: mean rating (-4..4), stars, or the class
    classes: np.ndarray  # 0 negative, 1 neutral, 2 positive
    features: np.ndarray  # [embedding, VADER features] of whole texts: what the model is trained on
    segmented: Segmented
    segment_features: np.ndarray  # the same for each segment: what the shipped scorer sees
    trainable: (
        np.ndarray
    )  # which texts a model may be fitted on (3-star reviews are left out with --drop-3-stars)


@dataclass(frozen=True)
class Choice:
    """Hyperparameters chosen on training sets."""

    c: float
    vader_weight: float
    whole_weight: float
    mixed_margin: float
    negative_below: float
    positive_above: float
    temperature: float = 1.0
    mixed_balance: float = 0.0


class Figures(TypedDict):
    vader_f1: float
    vader_r: float
    improved_f1: float
    improved_r: float


class SetResult(Figures):
    """One row of a leave-one-out table."""

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


def balanced_log_loss(probabilities: np.ndarray, truth: np.ndarray) -> float:
    """Mean over the classes present of the mean -log P(true class): what the temperature is chosen on."""
    picked = -np.log(np.maximum(probabilities[np.arange(len(truth)), truth], 1e-12))
    return float(np.mean([picked[truth == label].mean() for label in np.unique(truth)]))


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
        missing = sorted(dict.fromkeys(text for text in texts if self.key(text) not in self.vectors), key=len)
        if missing:
            print(f"embedding {len(missing)} texts ...", file=sys.stderr, flush=True)
            computed = np.asarray(self._embedder()(missing), dtype=np.float32)
            self.vectors.update(zip(map(self.key, missing), computed, strict=True))
            self.save()
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([self.vectors[self.key(text)] for text in texts])

    def _embedder(self) -> Embedder:
        if self.embedder is None:
            from analysis.embeddings import embed

            self.embedder = embed
        return self.embedder

    def save(self) -> None:
        """Write the cache whole, through a temporary file, so that a reader never sees half of it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with written_atomically(self.path) as temporary, temporary.open("wb") as handle:
            np.savez(
                handle, hashes=np.array(list(self.vectors)), vectors=np.stack(list(self.vectors.values()))
            )


def build_set(
    name: str,
    texts: list[str],
    target: np.ndarray,
    classes: np.ndarray,
    embedder: Embedder,
    trainable: np.ndarray | None = None,
) -> RatedSet:
    segmented = Segmented.of(texts)
    return RatedSet(
        name=name,
        texts=texts,
        human=target,
        classes=classes,
        features=np.hstack([embedder(texts), vader_features(texts)]),
        segmented=segmented,
        segment_features=np.hstack([embedder(segmented.segments), vader_features(segmented.segments)]),
        trainable=np.ones(len(texts), dtype=bool) if trainable is None else trainable,
    )


def load_rated_set(name: str, embedder: Embedder, data_dir: Path = DATA_DIR) -> RatedSet:
    """A VADER set: all of it is scored; at most RATED_FIT_ROWS of its texts (every k-th) are fitted on."""
    frame = read_rated_set(name, data_dir)
    human = frame["human"].to_numpy()
    trainable = np.zeros(len(human), dtype=bool)
    trainable[:: max(1, -(-len(human) // RATED_FIT_ROWS))] = True
    return build_set(name, frame["text"].to_list(), human, human_classes(human), embedder, trainable)


def load_rated_sets(embedder: Embedder, data_dir: Path = DATA_DIR) -> dict[str, RatedSet]:
    return {name: load_rated_set(name, embedder, data_dir) for name in RATED_SETS}


def customer_set(source: LabelledSource, embedder: Embedder, drop_three_stars: bool = False) -> RatedSet:
    trainable = ~(source.stars == 3) if drop_three_stars else None
    return build_set(source.name, source.texts, source.target, source.classes, embedder, trainable)


def load_customer_sets(
    embedder: Embedder,
    file_names: tuple[str, ...] = TRAIN_FILES,
    data_dir: Path = SENTIMENT_TRAIN_DIR,
    drop_three_stars: bool = False,
) -> dict[str, RatedSet]:
    return {
        name: customer_set(source, embedder, drop_three_stars)
        for name, source in read_sources(file_names, data_dir).items()
    }


def training_weights(sets: Sequence[RatedSet]) -> np.ndarray:
    """Sample weights of the trainable texts: each set weighs the same, and within that each class the same."""
    per_set = np.concatenate([np.full(rated.trainable.sum(), 1.0 / rated.trainable.sum()) for rated in sets])
    classes = np.concatenate([rated.classes[rated.trainable] for rated in sets])
    class_totals = np.bincount(classes, weights=per_set, minlength=3)
    weights = per_set / np.maximum(class_totals[classes], 1e-12)
    return weights * len(weights) / weights.sum()


ABSENT_CLASS_LOGIT = -30.0


def three_class_weights(regression: LogisticRegression) -> tuple[np.ndarray, np.ndarray]:
    """coef (3, d) and intercept (3,) in LABELS order from a fitted regression; a class absent from the
    training data (neutral, when only the binary UCI sentences are fitted on) gets a logit it never wins."""
    coef = np.zeros((3, regression.coef_.shape[1]))
    intercept = np.full(3, ABSENT_CLASS_LOGIT)
    present = regression.classes_.astype(np.int64)
    if len(present) == 2:  # scikit-learn keeps one row, for the second class against the first
        coef[present] = np.vstack([-regression.coef_[0] / 2, regression.coef_[0] / 2])
        intercept[present] = [-regression.intercept_[0] / 2, regression.intercept_[0] / 2]
    else:
        coef[present], intercept[present] = regression.coef_, regression.intercept_
    return coef, intercept


class Trainer:
    """Fits the softmax on any group of sets, remembering each fit (nested evaluation reuses them).

    `scoring` picks the segment rule's grid (SCORING_GRIDS); hyperparameters are chosen by leave-one-out over
    the sets named in `tune_on` (the others in training are always fitted on, never scored)."""

    def __init__(
        self, sets: dict[str, RatedSet], scoring: str = "whole-balanced", rated_weight: float = 1.0
    ) -> None:
        self.sets = sets
        self.rated_weight = rated_weight  # weight of each VADER set in the mean that tuning maximises
        self.whole_weights, self.mixed_margins, self.mixed_balances = SCORING_GRIDS[scoring]
        self._fit = lru_cache(maxsize=None)(self._fit_uncached)

    def fit(self, names: Sequence[str], c: float) -> tuple[np.ndarray, np.ndarray]:
        return self._fit(tuple(sorted(names)), c)

    def _fit_uncached(self, names: tuple[str, ...], c: float) -> tuple[np.ndarray, np.ndarray]:
        chosen = [self.sets[name] for name in names]
        features = np.vstack([rated.features[rated.trainable] for rated in chosen])
        classes = np.concatenate([rated.classes[rated.trainable] for rated in chosen])
        regression = LogisticRegression(C=c, tol=1e-3, max_iter=500)
        regression.fit(features, classes, sample_weight=training_weights(chosen))
        return three_class_weights(regression)

    def model(self, names: Sequence[str], choice: Choice) -> SentimentModel:
        """The fitted softmax with the temperature folded into its weights (logits / temperature)."""
        coef, intercept = self.fit(names, choice.c)
        return SentimentModel(
            version=SENTIMENT_VERSION,
            embedding_model=EMBEDDING_MODEL,
            coef=coef / choice.temperature,
            intercept=intercept / choice.temperature,
            vader_weight=choice.vader_weight,
            whole_weight=choice.whole_weight,
            mixed_margin=choice.mixed_margin,
            negative_below=choice.negative_below,
            positive_above=choice.positive_above,
            mixed_balance=choice.mixed_balance,
        )

    def text_scores(self, names: Sequence[str], choice: Choice, test: RatedSet) -> TextScores:
        """Scores of `test` by the shipped path (whole text and segments) with a model fitted on `names`."""
        probe = self.model(names, choice)
        whole = probe.segment_scores(test.features[:, :-4], test.features[:, -4:])
        segments = probe.segment_scores(test.segment_features[:, :-4], test.segment_features[:, -4:])
        return TextScores.of(whole, segments, test.segmented, choice.whole_weight)

    def temperature(self, names: Sequence[str], tune_on: Sequence[str], c: float) -> float:
        """The temperature with the lowest mean class-balanced log-loss over `tune_on`, each set scored by a
        model fitted on the others of `names`."""
        held_out = []
        for name in tune_on:
            coef, intercept = self.fit([other for other in names if other != name], c)
            held_out.append((self.sets[name].features @ coef.T + intercept, self.sets[name].classes))
        losses = [
            np.mean([balanced_log_loss(softmax(logits / t, axis=1), truth) for logits, truth in held_out])
            for t in TEMPERATURE_GRID
        ]
        return TEMPERATURE_GRID[int(np.argmin(losses))]

    def choose(self, names: Sequence[str], tune_on: Sequence[str] | None = None) -> tuple[Choice, float]:
        """Hyperparameters with the best mean macro-F1 over `tune_on` (default: all of `names`), each set
        scored by a model fitted on the others of `names`, and that mean."""
        tune_on = list(names if tune_on is None else tune_on)
        best: tuple[float, Choice] = (-1.0, Choice(1.0, 0.0, 1.0, 0.0, NEGATIVE_BELOW, POSITIVE_ABOVE))
        for c in C_GRID:
            temperature = self.temperature(names, tune_on, c)
            for vader_weight, whole_weight in product(VADER_WEIGHT_GRID, self.whole_weights):
                probe = Choice(
                    c, vader_weight, whole_weight, 0.0, NEGATIVE_BELOW, POSITIVE_ABOVE, temperature
                )
                scored = [
                    (
                        self.text_scores([other for other in names if other != name], probe, self.sets[name]),
                        self.sets[name].classes,
                    )
                    for name in tune_on
                ]
                weights = [self.rated_weight if name in RATED_SETS else 1.0 for name in tune_on]
                for mixed_margin, mixed_balance in product(self.mixed_margins, self.mixed_balances):
                    rule = replace(probe, mixed_margin=mixed_margin, mixed_balance=mixed_balance)
                    f1, banded = best_band(scored, rule, weights)
                    if f1 > best[0]:
                        best = (f1, banded)
        return best[1], best[0]


def best_band(
    scored: Sequence[tuple[TextScores, np.ndarray]],
    rule: Choice,
    weights: Sequence[float] | None = None,
) -> tuple[float, Choice]:
    """`rule` with the neutral band (negative_below, positive_above) that gives the best mean macro-F1 over
    `scored` (weighted by `weights`, one per scored set, when given), and that mean."""
    best = (-1.0, rule)
    for low in BAND_GRID:
        for high in BAND_GRID[low <= BAND_GRID]:
            banded = replace(rule, negative_below=float(low), positive_above=float(high))
            f1 = float(
                np.average(
                    [macro_f1(truth, scores.classes(banded)) for scores, truth in scored], weights=weights
                )
            )
            if f1 > best[0]:
                best = (f1, banded)
    return best


def evaluate(model: SentimentModel, test: RatedSet, embedder: Embedder) -> Figures:
    """VADER's and the improved scorer's macro-F1 and Pearson r on `test`, each through its shipped code."""
    labels, scores = score_sentiment(test.texts, embedder, model)
    predicted = np.array([("negative", "neutral", "positive").index(label) for label in labels])
    compound = test.features[:, -4]
    vader_classes = np.where(compound > POSITIVE_ABOVE, 2, np.where(compound < NEGATIVE_BELOW, 0, 1))
    return {
        "vader_f1": macro_f1(test.classes, vader_classes),
        "vader_r": pearson_r(compound, test.human),
        "improved_f1": macro_f1(test.classes, predicted),
        "improved_r": pearson_r(scores, test.human),
    }


def evaluate_held_out(
    trainer: Trainer, held_out: str, embedder: Embedder, tune_on: Sequence[str] | None = None
) -> SetResult:
    """`held_out` scored by a model fitted on every other set, its hyperparameters chosen by leave-one-out
    over `tune_on` less `held_out` (default: all other sets)."""
    training = [name for name in trainer.sets if name != held_out]
    tuning = [name for name in (tune_on or training) if name != held_out]
    choice, _ = trainer.choose(training, tuning)
    figures = evaluate(trainer.model(training, choice), trainer.sets[held_out], embedder)
    return SetResult(set=held_out, chosen=choice, **figures)


def leave_one_set_out(
    data_dir: Path = DATA_DIR, cache_dir: Path = CACHE_DIR, embedder: Embedder | None = None
) -> list[SetResult]:
    """Per VADER set: VADER's and the improved scorer's macro-F1 and r, the improved scorer trained on the
    customer sources and the other VADER sets, and tuned leave-one-out on those (benchmarks/quality.py): the
    procedure that made the default weights (sentiment-minilm-v3); see analysis/models/README.md."""
    cached = EmbeddingCache(cache_dir, embedder)
    customer = load_customer_sets(cached)
    trainer = Trainer({**customer, **load_rated_sets(cached, data_dir)})
    return [evaluate_held_out(trainer, name, cached) for name in RATED_SETS]


def describe(choice: Choice) -> str:
    mixed = (
        "no mixed rule"
        if choice.mixed_margin >= NO_MIXING
        else f"mixed margin {choice.mixed_margin:g}, balance {choice.mixed_balance:g}"
    )
    return (
        f"C {choice.c:g}, temperature {choice.temperature:g}, VADER weight {choice.vader_weight:g}, "
        f"whole weight {choice.whole_weight:g}, {mixed}, "
        f"band ({choice.negative_below:+.2f}, {choice.positive_above:+.2f})"
    )


def format_table(rows: Sequence[SetResult], first: str = "set", with_choice: bool = True) -> str:
    chosen_header = " chosen on training sets |" if with_choice else ""
    lines = [
        f"| {first} | VADER macro-F1 | VADER r | improved macro-F1 | improved r |{chosen_header}",
        "|---|---|---|---|---|" + ("---|" if with_choice else ""),
    ]
    for row in rows:
        chosen = f" {describe(row['chosen'])} |" if with_choice else ""
        lines.append(
            f"| {row['set']} | {row['vader_f1']:.3f} | {row['vader_r']:.3f} | "
            f"{row['improved_f1']:.3f} | {row['improved_r']:.3f} |{chosen}"
        )
    means = [
        np.mean([row[key] for row in rows]) for key in ("vader_f1", "vader_r", "improved_f1", "improved_r")
    ]
    lines.append(
        "| mean | " + " | ".join(f"{mean:.3f}" for mean in means) + " |" + (" |" if with_choice else "")
    )
    return "\n".join(lines)


def mixed_review_label(model: SentimentModel, embedder: Embedder) -> str:
    labels, scores = score_sentiment([MIXED_REVIEW], embedder, model)
    return f"{labels[0]} ({scores[0]:+.3f})"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m analysis.train_sentiment",
        description="Train the improved sentiment scorer on labelled customer feedback (and the VADER paper's "
        "rated sets), print its leave-one-source-out tables against VADER, and write the shipped weights.",
    )
    parser.add_argument(
        "--data-dir", type=Path, default=DATA_DIR, help="folder of the *_GroundTruth.txt sets"
    )
    parser.add_argument(
        "--customer-dir", type=Path, default=SENTIMENT_TRAIN_DIR, help="folder of the sentiment_train files"
    )
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH, help="where the weights (.npz) go")
    parser.add_argument("--cache-dir", type=Path, default=CACHE_DIR, help="where embeddings are cached")
    parser.add_argument("--without-vader-sets", action="store_true", help="train on customer sources only")
    parser.add_argument("--drop-3-stars", action="store_true", help="fit without 3-star reviews")
    parser.add_argument(
        "--vader-sets-tuning-weight",
        type=float,
        default=1.0,
        help="weight of each VADER set (a customer source weighs 1) in the mean macro-F1 that tuning maximises",
    )
    parser.add_argument(
        "--scoring", choices=sorted(SCORING_GRIDS), default="whole-balanced", help="segment rule"
    )
    parser.add_argument("--skip-evaluation", action="store_true", help="only train and write the weights")
    parser.add_argument(
        "--vader-sets-table", action="store_true", help="also measure the VADER sets leave-one-set-out"
    )
    parser.add_argument(
        "--evaluation-files",
        action="store_true",
        help="also score the evaluation-only files (zomato, tripadvisor) with the shipped model: read them once",
    )
    parser.add_argument("--no-write", action="store_true", help="do not write the weights")
    parser.add_argument(
        "--score-files-with",
        type=Path,
        metavar="WEIGHTS",
        help="train nothing: score the evaluation-only files with these weights (.npz)",
    )
    return parser.parse_args(argv)


def report_evaluation_files(model: SentimentModel, args: argparse.Namespace, cached: Embedder) -> None:
    held_back = load_customer_sets(cached, EVALUATION_FILES, args.customer_dir)
    rows = [
        SetResult(set=name, chosen=UNTUNED, **evaluate(model, rated, cached))
        for name, rated in held_back.items()
    ]
    print(f"Evaluation-only files, scored by {model.version} (never fitted or tuned on):")
    print(format_table(rows, "file", with_choice=False))


UNTUNED = Choice(0.0, 0.0, 0.0, 0.0, 0.0, 0.0)  # a placeholder: the evaluation-only table shows no choice


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    cached = EmbeddingCache(args.cache_dir)
    if args.score_files_with:
        report_evaluation_files(read_sentiment_model(args.score_files_with), args, cached)
        return
    customer = load_customer_sets(cached, data_dir=args.customer_dir, drop_three_stars=args.drop_3_stars)
    rated = {} if args.without_vader_sets else load_rated_sets(cached, args.data_dir)
    trainer = Trainer({**customer, **rated}, args.scoring, args.vader_sets_tuning_weight)
    print(
        f"training sets: {', '.join(f'{name} ({len(s.texts)})' for name, s in trainer.sets.items())}; "
        f"scoring {args.scoring}; 3 stars {'left out of fitting' if args.drop_3_stars else 'neutral'}",
        flush=True,
    )
    if not args.skip_evaluation:
        rows = [evaluate_held_out(trainer, name, cached) for name in customer]
        print("Leave-one-source-out over the customer sources (trained and tuned without the source tested):")
        print(format_table(rows, "source"), flush=True)
        if args.vader_sets_table and rated:
            rows = [evaluate_held_out(trainer, name, cached) for name in rated]
            print("VADER sets, leave-one-set-out (trained and tuned without the set tested):")
            print(format_table(rows), flush=True)
    choice, inner_f1 = trainer.choose(list(trainer.sets))
    model = trainer.model(list(trainer.sets), choice)
    print(
        f"shipped model: {describe(choice)}; mean leave-one-source-out macro-F1 while choosing {inner_f1:.3f}; "
        f"{MIXED_REVIEW!r} -> {mixed_review_label(model, cached)}",
        flush=True,
    )
    if args.evaluation_files:
        report_evaluation_files(model, args, cached)
    if not args.no_write:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        model.save(str(args.out))
        print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB, {model.version})")
    print(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
