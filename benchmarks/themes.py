"""Themes with the library (analysis.themes.theming): the settings of library matching chosen by
cross-validation, Banking77 against its intents beside default BERTopic, readability on the demo, and the
time to theme 10,000 short texts with cached embeddings.

    python -m benchmarks.run themes

- Settings: the demo's hand-written comment bank (data/demo/comments.csv, the project's own; 477 comments, 14
  themes that map onto the small-business library) in five folds: on four, the (MATCH_AT, KEYWORD_BONUS) with
  the best micro-F1 of the comments' theme sets against their one labelled theme; scored on the fifth.
- Banking77 test (Casanueva et al. 2020, CC BY 4.0; ../shared/data/banking77/): each text's main theme
  against the 77 intents (NMI, ARI), "Other" counted as one more cluster, with no library (everything is
  discovered) at 25 and at 80 themes listed, and with the small-business library (the share it wrongly
  claims); default BERTopic (UMAP + HDBSCAN) on the same embeddings in the same run.
- The demo: every survey comment, review and Reddit mention of data/demo, themed with the small-business
  library and the business's name; the names listed are printed.
- 10,000 texts: Banking77 train (10,003), every sentence's embedding cached, themed twice (the second run
  is timed, with the key phrases' embeddings cached too), against default BERTopic's fit.
"""

from __future__ import annotations

import csv
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from analysis.embeddings import embed
from analysis.themes.clustering import OUTLIER
from analysis.themes.library import EMPTY_LIBRARY, load_library
from analysis.themes.matching import LibraryIndex
from analysis.themes.theming import OTHER, Sentences, theme_texts
from tests.topic_data import banking77_embeddings

Row = tuple[str, float, str]
DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
BUSINESS = "Crumb & Kettle"
BANK_TO_LIBRARY = {
    "coffee": "coffee_drinks",
    "prices": "prices_value",
    "queues_waiting": "speed_queues",
    "menu_variety": "range_dietary",
    "kiosk": "kiosk_self_service",
    "automated_emails": "automated_messages",
    "loyalty_app": "app_loyalty",
}
MATCH_GRID = (0.30, 0.35, 0.40, 0.45, 0.50, 0.55)
BONUS_GRID = (0.0, 0.05, 0.10, 0.15, 0.20, 0.30)
FOLDS = 5
SEED = 7


class MemoEmbedder:
    """analysis.embeddings.embed with every text's vector kept in memory (the benchmarks' embedding cache)."""

    def __init__(self, known: dict[str, np.ndarray] | None = None) -> None:
        self.known = dict(known or {})

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        missing = [text for text in dict.fromkeys(texts) if text not in self.known]
        if missing:
            self.known.update(zip(missing, embed(missing), strict=True))
        return np.stack([self.known[text] for text in texts]) if texts else np.zeros((0, 384), np.float32)


def library_settings(embedder: MemoEmbedder) -> list[Row]:
    """Cross-validated MATCH_AT and KEYWORD_BONUS on the demo's comment bank (see the module's docstring)."""
    with (DEMO / "comments.csv").open(encoding="utf-8") as handle:
        bank = list(csv.DictReader(handle))
    texts = [row["text"] for row in bank]
    library = load_library("small_business")
    index = LibraryIndex.build(library, embedder)
    gold = np.array([index.keys.index(BANK_TO_LIBRARY.get(row["theme"], row["theme"])) for row in bank])
    sentences = Sentences.of(texts, embedder)
    similarity, hits = index.similarity_and_hits(sentences.texts, sentences.vectors)

    def predict(match_at: float, bonus: float) -> tuple[list[set[int]], np.ndarray]:
        scores = similarity + bonus * hits
        best, score = scores.argmax(axis=1), scores.max(axis=1)
        themes: list[set[int]] = [set() for _ in texts]
        main = np.full(len(texts), OUTLIER)
        main_score = np.full(len(texts), -np.inf)
        for position, owner in enumerate(sentences.owner.tolist()):
            if score[position] >= match_at:
                themes[owner].add(int(best[position]))
                if score[position] > main_score[owner]:
                    main[owner], main_score[owner] = best[position], score[position]
        return themes, main

    def f1(rows: np.ndarray, match_at: float, bonus: float) -> float:
        themes, _ = predict(match_at, bonus)
        found = sum(int(gold[row]) in themes[row] for row in rows)
        given = sum(len(themes[row]) for row in rows)
        precision, recall = found / max(given, 1), found / len(rows)
        return 0.0 if not found else 2 * precision * recall / (precision + recall)

    grid = [(match_at, bonus) for match_at in MATCH_GRID for bonus in BONUS_GRID]
    order = np.random.default_rng(SEED).permutation(len(texts))
    held_out, chosen = [], []
    for fold in range(FOLDS):
        test = order[fold::FOLDS]
        train = np.setdiff1d(order, test)
        best = max(grid, key=lambda setting: f1(train, *setting))
        chosen.append(best)
        held_out.append(f1(test, *best))
    from analysis.themes.matching import KEYWORD_BONUS, MATCH_AT

    everything = np.arange(len(texts))
    themes, main = predict(MATCH_AT, KEYWORD_BONUS)
    for fold, (match_at, bonus) in enumerate(chosen, start=1):
        print(f"fold {fold}: MATCH_AT {match_at}, KEYWORD_BONUS {bonus}", file=sys.stderr)
    return [
        (
            "demo bank, 5-fold CV: held-out micro-F1 of the chosen settings (mean)",
            float(np.mean(held_out)),
            "",
        ),
        (
            "demo bank, 5-fold CV: folds choosing the shipped MATCH_AT",
            sum(c[0] == MATCH_AT for c in chosen),
            "",
        ),
        (
            "demo bank, 5-fold CV: folds choosing the shipped KEYWORD_BONUS",
            sum(c[1] == KEYWORD_BONUS for c in chosen),
            "",
        ),
        ("demo bank, shipped settings: micro-F1", f1(everything, MATCH_AT, KEYWORD_BONUS), ""),
        ("demo bank, shipped settings: main theme = labelled theme", float(np.mean(main == gold)) * 100, "%"),
        (
            "demo bank, shipped settings: comments with a library theme",
            float(np.mean(main != OUTLIER)) * 100,
            "%",
        ),
        ("demo bank, shipped settings: themes per comment", float(np.mean([len(t) for t in themes])), ""),
    ]


def main_clusters(themed_columns: object) -> np.ndarray:
    """Each text's main theme number, OUTLIER for Other."""
    ids = themed_columns["theme_id"].to_list()  # type: ignore[index]
    return np.array([OUTLIER if value is None else value for value in ids])


def banking77_rows(embedder: MemoEmbedder) -> list[Row]:
    from bertopic import BERTopic

    frame, vectors = banking77_embeddings("test")
    texts, intents = frame["text"].to_list(), frame["category"].to_list()
    embedder.known.update(zip(texts, vectors, strict=True))
    rows: list[Row] = []
    for name, library, listed in (
        ("no library, 25 themes", EMPTY_LIBRARY, 25),
        ("no library, 80 themes", EMPTY_LIBRARY, 80),
        ("small-business library, 25 themes", load_library("small_business"), 25),
    ):
        theme_texts(texts, embedder, library, max_themes=listed)  # the key phrases' embeddings, cached
        started = time.perf_counter()
        themed = theme_texts(texts, embedder, library, max_themes=listed)
        seconds = time.perf_counter() - started
        clusters = main_clusters(themed.text_columns(listed))
        library_share = float(
            np.mean([themed.topics[n].heading is not None for n in clusters if n != OUTLIER])
        )
        rows += [
            (
                f"Banking77 test, Pulse ({name}): NMI against the 77 intents",
                normalized_mutual_info_score(intents, clusters),
                "",
            ),
            (f"Banking77 test, Pulse ({name}): ARI", adjusted_rand_score(intents, clusters), ""),
            (
                f"Banking77 test, Pulse ({name}): texts in Other",
                float(np.mean(clusters == OUTLIER)) * 100,
                "%",
            ),
            (f"Banking77 test, Pulse ({name}): texts given a library theme", library_share * 100, "%"),
            (
                f"Banking77 test, Pulse ({name}): themes listed",
                float(themed.theme_table(listed)["theme_id"].drop_nulls().len()),
                "",
            ),
            (f"Banking77 test, Pulse ({name}): time (embeddings cached)", seconds, "s"),
        ]
    started = time.perf_counter()
    topics, _ = BERTopic().fit_transform(texts, embeddings=vectors)
    seconds = time.perf_counter() - started
    topics = np.asarray(topics)
    rows += [
        ("Banking77 test, BERTopic default: NMI", normalized_mutual_info_score(intents, topics), ""),
        ("Banking77 test, BERTopic default: ARI", adjusted_rand_score(intents, topics), ""),
        ("Banking77 test, BERTopic default: outliers", float(np.mean(topics == -1)) * 100, "%"),
        ("Banking77 test, BERTopic default: topics", float(len(set(topics.tolist()) - {-1})), ""),
        ("Banking77 test, BERTopic default: fit time (embeddings cached)", seconds, "s"),
    ]
    return rows


def demo_texts() -> list[str]:
    texts = []
    for name, column in (("surveys.csv", "comment"), ("reviews.csv", "text"), ("mentions.csv", "text")):
        with (DEMO / name).open(encoding="utf-8") as handle:
            texts += [row[column] for row in csv.DictReader(handle) if row[column].strip()]
    return texts


UNREADABLE = re.compile(r"@\w|https?://|www\.|crumb|kettle|#\w", re.IGNORECASE)


def demo_rows(embedder: MemoEmbedder) -> list[Row]:
    texts = demo_texts()
    started = time.perf_counter()
    themed = theme_texts(texts, embedder, load_library("small_business"), business_name=BUSINESS)
    seconds = time.perf_counter() - started
    table = themed.theme_table()
    listed = table.filter(table["name"] != OTHER)
    print("demo themes, as listed:", file=sys.stderr)
    for row in table.iter_rows(named=True):
        print(
            f"  {row['name']}{' (new)' if row['new'] else ''}: {row['size']} ({row['share']:.1%})",
            file=sys.stderr,
        )
    with_library = float(
        np.mean([themed.topics[n].heading is not None for n in themed.main if n != OUTLIER] or [0])
    )
    covered = np.array([n != OUTLIER and themed.topics[n].heading is not None for n in themed.main])
    return [
        ("demo: comments themed", float(len(texts)), ""),
        ("demo: comments given a library theme", float(np.mean(covered)) * 100, "%"),
        ("demo: main themes from the library (of those themed)", with_library * 100, "%"),
        ("demo: themes listed", float(listed.height), ""),
        ("demo: new themes listed", float(listed["new"].sum()), ""),
        (
            "demo: comments in Other",
            float(table.filter(table["name"] == OTHER)["size"].sum()) / len(texts) * 100,
            "%",
        ),
        (
            "demo: names with a handle, link, hashtag or the business's name",
            float(sum(bool(UNREADABLE.search(n)) for n in listed["name"])),
            "",
        ),
        ("demo: time, first run (sentences embedded)", seconds, "s"),
    ]


def scale_rows(embedder: MemoEmbedder) -> list[Row]:
    from bertopic import BERTopic

    frame, vectors = banking77_embeddings("train")
    texts = frame["text"].to_list()
    embedder.known.update(zip(texts, vectors, strict=True))
    library = load_library("small_business")
    theme_texts(texts, embedder, library)  # every sentence and key phrase embedded once
    started = time.perf_counter()
    theme_texts(texts, embedder, library)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    BERTopic().fit_transform(texts, embeddings=vectors)
    default_seconds = time.perf_counter() - started
    return [
        ("10,003 texts (Banking77 train): Pulse's themes, embeddings cached", seconds, "s"),
        ("10,003 texts (Banking77 train): default BERTopic's fit, embeddings cached", default_seconds, "s"),
        ("10,003 texts: Pulse's time / default BERTopic's", seconds / default_seconds, "x"),
    ]


def bench_themes() -> list[Row]:
    embedder = MemoEmbedder()
    return [
        *library_settings(embedder),
        *banking77_rows(embedder),
        *demo_rows(embedder),
        *scale_rows(embedder),
    ]
