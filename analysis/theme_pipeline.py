"""The themes step of the batch pipeline: fit the topic model on all feedback (first time, on demand, or
when too many new texts fit poorly), else give new feedback the theme of the nearest stored centroid.
Owner edits (names, merges, hidden themes) carry over a refit to the new topics that match the old ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from analysis.embedding_pipeline import embed_cached
from analysis.embeddings import DEFAULT_MODEL
from analysis.themes import (
    IMPERSONAL_SEED,
    OUTLIER,
    TOP_THEMES,
    ThemeReport,
    assign_topics,
    build_theme_report,
    carry_edits,
    fit_topics,
    needs_refit,
    topics_frame,
)
from pulse.progress import Progress
from store.engine import Engine
from store.rollouts import read_rollouts
from store.runs import recorded_run
from store.state import utc_now
from store.topics import (
    current_model_version,
    read_assigned_similarities,
    read_centroids,
    read_texts_to_theme,
    read_themed_feedback,
    read_topics,
    write_assignments,
    write_topic_model,
)


@dataclass(frozen=True)
class ThemeRun:
    """What a themes step did: "fit" or "assign", how many items it themed, how many topics there are."""

    action: str
    themed: int
    topics: int
    reason: str = ""


def fit_themes(engine: Engine, model_name: str = DEFAULT_MODEL, progress: Progress | None = None) -> ThemeRun:
    """Fit the topic model on every feedback item with text, store it as the current model, and theme
    every item by it. The run is recorded."""
    items = read_texts_to_theme(engine, only_new=False)
    with recorded_run(engine, "pipeline", "themes", versions={"embedding_model": model_name}) as run:
        texts = items["text"].to_list()
        vectors = embed_cached(engine, texts, model_name, progress)
        fit = fit_topics(texts, vectors, items["impersonal"].to_numpy())
        old_topics = read_topics(engine)
        stored = topics_frame(carry_edits(old_topics, read_centroids(old_topics), fit))
        assignments = pl.DataFrame(
            {
                "feedback_id": items["id"],
                "topic_number": pl.Series(fit.assignments, dtype=pl.Int64).replace(OUTLIER, None),
                "similarity": pl.Series(fit.similarities, dtype=pl.Float64),
            }
        )
        version = f"{fit.version}@{utc_now().strftime('%Y%m%dT%H%M%S.%f')}"
        write_topic_model(engine, version, model_name, stored, assignments)
        run.counts = {"themed": items.height, "topics": len(fit.topics)}
    return ThemeRun("fit", items.height, len(fit.topics))


def assign_new_themes(engine: Engine, model_name: str = DEFAULT_MODEL) -> ThemeRun:
    """Give feedback not themed yet the theme of the nearest centroid of the current model (no refit)."""
    topics = read_topics(engine)
    items = read_texts_to_theme(engine, only_new=True)
    if items.is_empty() or topics.is_empty():
        return ThemeRun("assign", 0, topics.height)
    vectors = embed_cached(engine, items["text"].to_list(), model_name)
    seeds = topics["seed"].to_list()
    impersonal_index = seeds.index(IMPERSONAL_SEED) if IMPERSONAL_SEED in seeds else None
    indexes, similarities = assign_topics(
        vectors, read_centroids(topics), items["impersonal"].to_numpy(), impersonal_index
    )
    ids = np.asarray(topics["id"].to_list(), dtype=np.int64)
    topic_ids = [None if index == OUTLIER else int(ids[index]) for index in indexes]
    frame = pl.DataFrame(
        {
            "feedback_id": items["id"],
            "topic_id": pl.Series(topic_ids, dtype=pl.Int64),
            "similarity": pl.Series(similarities, dtype=pl.Float64),
        }
    )
    return ThemeRun("assign", write_assignments(engine, frame), topics.height)


def update_themes(
    engine: Engine, refit: bool = False, model_name: str = DEFAULT_MODEL, progress: Progress | None = None
) -> ThemeRun:
    """The pipeline's themes step: fit when asked, when there is no model yet, or when the items themed
    since the last fit fit it poorly (`needs_refit`); otherwise theme only the new items."""
    reason = ""
    if refit:
        reason = "asked for"
    elif current_model_version(engine) is None:
        reason = "no model yet"
    else:
        assigned = assign_new_themes(engine, model_name)
        if not needs_refit(read_assigned_similarities(engine)):
            return assigned
        reason = "many new texts fit the model poorly"
    run = fit_themes(engine, model_name, progress)
    return ThemeRun(run.action, run.themed, run.topics, reason)


def store_theme_report(
    engine: Engine,
    timezone: str = "UTC",
    since: datetime | None = None,
    top: int = TOP_THEMES,
    until: datetime | None = None,
    weeks: int | None = None,
) -> ThemeReport:
    """build_theme_report over what the store holds (the current model's themes)."""
    themed, topics, rollouts = read_themed_feedback(engine), read_topics(engine), read_rollouts(engine)
    return build_theme_report(themed, topics, rollouts, timezone, since, top, until, weeks)
