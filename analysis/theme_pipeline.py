"""The themes step of the batch pipeline: fit the topic model on all feedback (first time, on demand, or
when too many new texts fit poorly), else give new feedback the theme of the nearest stored centroid.
Owner edits (names, merges, hidden themes) carry over a refit to the new topics that match the old ones."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import polars as pl

from analysis.embedding_pipeline import embed_cached, store_embedder
from analysis.embeddings import DEFAULT_MODEL, Embedder, PieceEmbeddings, embed
from analysis.filters import Filters, apply_filters, rollouts_in_dates
from analysis.impact_pipeline import refresh_rollout_impacts
from analysis.themes import (
    OUTLIER,
    TOP_THEMES,
    ThemeReport,
    Topic,
    TopicFit,
    build_theme_report,
    carry_edits,
    needs_refit,
    topics_frame,
)
from analysis.themes.library import DEFAULT_LIBRARY, ThemeLibrary, library_toml, load_library
from analysis.themes.model import TOPICS_VERSION
from analysis.themes.staff import STAFF_MENTIONS_SCHEMA, staff_theme_mentions, staff_theme_summary
from analysis.themes.theming import ThemedTexts, assign_texts, pieces_to_embed, theme_texts
from pulse.progress import Progress
from store.engine import Engine
from store.observations import STAFF_KIND, read_observations
from store.rollouts import read_rollouts
from store.runs import recorded_run
from store.schema import CUSTOMER_KINDS
from store.state import utc_now
from store.topics import (
    current_model_version,
    read_assigned_similarities,
    read_centroids,
    read_texts_to_theme,
    read_theme_mentions,
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


def model_base(library: ThemeLibrary) -> str:
    """The version of the themes Pulse would fit now with `library`: the code's and the library's (a digest of
    its themes), so that editing the library refits."""
    digest = hashlib.sha256(library_toml(library).encode("utf-8")).hexdigest()[:10]
    return f"{TOPICS_VERSION}+{digest}"


def fit_themes(
    engine: Engine,
    model_name: str = DEFAULT_MODEL,
    progress: Progress | None = None,
    library: ThemeLibrary | None = None,
    business_name: str | None = None,
) -> ThemeRun:
    """Fit the themes on every customer's feedback item with text (analysis.themes.theme_texts, with `library`:
    default the small-business preset), store them as the current model, and theme every item: staff
    observations are then assigned to the customers' themes (assign_new_themes), so that they are themed like
    the rest without shaping the themes. The run is recorded; names, merges and hidden themes carry over to
    the new themes that match the old ones."""
    library = library or load_library(DEFAULT_LIBRARY)
    items = read_texts_to_theme(engine, only_new=False, kinds=CUSTOMER_KINDS)
    with recorded_run(engine, "pipeline", "themes", versions={"embedding_model": model_name}) as run:
        texts = items["text"].to_list()
        pieces = pieces_to_embed(texts)
        embedder = PieceEmbeddings(store_embedder(engine, model_name))
        embedder.hold(pieces, embed_cached(engine, pieces, model_name, progress))  # read once, with progress
        themed = theme_texts(
            texts,
            embedder,
            library,
            items["impersonal"].to_numpy(),
            business_name,
            word_embedder=lambda words: embed(words, model_name),
            sentiment_embedder=_sentiment_embedder(engine, model_name),
        )
        old_topics = read_topics(engine)
        fit = TopicFit(themed.topics, themed.main, themed.similarity)
        stored = topics_frame(carry_edits(old_topics, read_centroids(old_topics), fit))
        ids = items["id"]
        assignments = pl.DataFrame(
            {
                "feedback_id": ids,
                "topic_number": pl.Series(themed.main, dtype=pl.Int64).replace(OUTLIER, None),
                "similarity": pl.Series(themed.similarity, dtype=pl.Float64),
            }
        )
        version = f"{model_base(library)}@{utc_now().strftime('%Y%m%dT%H%M%S.%f')}"
        write_topic_model(
            engine, version, model_name, stored, assignments, _mentions(themed, ids, "topic_number")
        )
        run.counts = {"themed": items.height, "topics": len(themed.topics)}
    others = assign_new_themes(engine, model_name, library)  # staff observations, and items added meanwhile
    return ThemeRun("fit", items.height + others.themed, len(themed.topics))


def _sentiment_embedder(engine: Engine, model_name: str) -> Embedder | None:
    """None when the themes use the sentiment model's embeddings (all-MiniLM-L6-v2), else that model's."""
    return None if model_name == DEFAULT_MODEL else store_embedder(engine, DEFAULT_MODEL)


def _mentions(
    themed: ThemedTexts, ids: pl.Series, topic_column: str, topic_ids: list[int] | None = None
) -> pl.DataFrame:
    """The mentions of `themed` keyed by feedback id, the topic as its number (or, given `topic_ids`, its id)."""
    topic = (
        pl.col("topic") if topic_ids is None else pl.col("topic").replace_strict(dict(enumerate(topic_ids)))
    )
    return themed.mentions.select(
        pl.col("text")
        .replace_strict(dict(enumerate(ids.to_list())), return_dtype=pl.Int64)
        .alias("feedback_id"),
        topic.cast(pl.Int64).alias(topic_column),
        pl.col("similarity").cast(pl.Float64),
        "sentiment_score",
    )


def assign_new_themes(
    engine: Engine, model_name: str = DEFAULT_MODEL, library: ThemeLibrary | None = None
) -> ThemeRun:
    """Theme feedback not themed yet by the current model (no refit): library themes by matching its
    sentences, the rest by the nearest new theme."""
    library = library or load_library(DEFAULT_LIBRARY)
    stored = read_topics(engine)
    items = read_texts_to_theme(engine, only_new=True)
    if items.is_empty() or stored.is_empty():
        return ThemeRun("assign", 0, stored.height)
    topics = [
        Topic(
            index, row["label"], row["keywords"], row["size"], centroid, row["seed"], heading=row["heading"]
        )
        for index, (row, centroid) in enumerate(
            zip(stored.iter_rows(named=True), read_centroids(stored), strict=True)
        )
    ]
    themed = assign_texts(
        items["text"].to_list(),
        store_embedder(engine, model_name),
        library,
        topics,
        items["impersonal"].to_numpy(),
        _sentiment_embedder(engine, model_name),
    )
    topic_ids = stored["id"].to_list()
    frame = pl.DataFrame(
        {
            "feedback_id": items["id"],
            "topic_id": pl.Series(
                [None if index == OUTLIER else topic_ids[index] for index in themed.main.tolist()],
                dtype=pl.Int64,
            ),
            "similarity": pl.Series(themed.similarity, dtype=pl.Float64),
        }
    )
    mentions = _mentions(themed, items["id"], "topic_id", topic_ids)
    return ThemeRun("assign", write_assignments(engine, frame, mentions), stored.height)


def update_themes(
    engine: Engine,
    refit: bool = False,
    model_name: str = DEFAULT_MODEL,
    progress: Progress | None = None,
    library: ThemeLibrary | None = None,
    business_name: str | None = None,
) -> ThemeRun:
    """The pipeline's themes step: fit when asked, when there is no model yet, when the library (or Pulse's
    way of theming) changed since the fit, or when the items themed since the last fit fit it poorly
    (`needs_refit`); otherwise theme only the new items. Then the rollouts are judged again, since their
    verdicts name the themes (analysis/impact_pipeline.py)."""
    library = library or load_library(DEFAULT_LIBRARY)
    current = current_model_version(engine)
    reason = ""
    if refit:
        reason = "asked for"
    elif current is None:
        reason = "no model yet"
    elif current.split("@")[0] != model_base(library):
        reason = "the theme library (or how Pulse themes) changed"
    else:
        assigned = assign_new_themes(engine, model_name, library)
        if not needs_refit(read_assigned_similarities(engine)):
            refresh_rollout_impacts(engine)
            return assigned
        reason = "many new texts fit the model poorly"
    run = fit_themes(engine, model_name, progress, library, business_name)
    refresh_rollout_impacts(engine)  # the verdicts name the themes their NPS change comes from
    return ThemeRun(run.action, run.themed, run.topics, reason)


def store_theme_report(
    engine: Engine,
    timezone: str = "UTC",
    since: datetime | None = None,
    top: int = TOP_THEMES,
    until: datetime | None = None,
    weeks: int | None = None,
    filters: Filters | None = None,
) -> ThemeReport:
    """build_theme_report over what the store holds (the current model's themes, every theme each item
    mentions), on the items that `filters` keep (the dashboard's sidebar: dates, source, channel, location)."""
    themed, topics, rollouts = read_themed_feedback(engine), read_topics(engine), read_rollouts(engine)
    if filters is not None:
        themed = apply_filters(themed, filters, timezone)
        rollouts = rollouts_in_dates(rollouts, filters)
    mentions = read_theme_mentions(engine)
    return build_theme_report(themed, topics, rollouts, timezone, since, top, until, weeks, mentions)


def store_staff_themes(
    engine: Engine,
    summary: pl.DataFrame,
    timezone: str = "UTC",
    first_day: date | None = None,
    filters: Filters | None = None,
) -> pl.DataFrame:
    """Staff hear it too (analysis.themes.staff.staff_theme_summary) for the customers' themes of `summary` (a
    ThemeReport's): the staff observations from `first_day` (the report's first day; None: all of them) that
    the filters' dates and channel keep (the source and location filters are customers': an observation has
    neither), counted by theme beside the customers, with a few quotes."""
    since = None if first_day is None else datetime.combine(first_day, time(0), tzinfo=ZoneInfo(timezone))
    observations = read_observations(engine, since=since)
    if filters is not None:
        kept = Filters(since=filters.since, until=filters.until, channel=filters.channel)
        observations = apply_filters(observations, kept, timezone)
    if observations.is_empty():
        return staff_theme_summary(summary, pl.DataFrame(schema=STAFF_MENTIONS_SCHEMA))
    themed = read_themed_feedback(engine, since=since, kinds=(STAFF_KIND,))
    mentions = staff_theme_mentions(themed, observations, read_topics(engine), read_theme_mentions(engine))
    return staff_theme_summary(summary, mentions)
