"""Themes in the store: fitted topic models, their topics (with centroids and the owner's edits), and the
theme of each feedback item."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Connection, Engine, and_, select

from pulse.errors import InputError
from store.engine import inserted_id, reading, upsert_insert, writing
from store.frames import read_frame
from store.labels import CorrectedLabels
from store.schema import (
    CUSTOMER_KINDS,
    FEEDBACK_KINDS,
    feedback,
    scores,
    sources,
    theme_mentions,
    topic_assignments,
    topic_models,
    topics,
)
from store.state import bump_data_version, utc_now

CHUNK = 5_000  # assignment rows per INSERT


def centroid_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def centroid_array(blob: bytes | None) -> np.ndarray:
    return np.frombuffer(blob or b"", dtype="<f4")


def current_model_version(engine: Engine) -> str | None:
    """The version of the newest fitted model, or None before the first fit."""
    with reading(engine) as connection:
        return _current_version(connection)


def _current_version(connection: Connection) -> str | None:
    query = select(topic_models.c.version).order_by(topic_models.c.id.desc()).limit(1)
    return connection.execute(query).scalar()


def write_topic_model(
    engine: Engine,
    version: str,
    embedding_model: str,
    new_topics: pl.DataFrame,
    assignments: pl.DataFrame,
    mentions: pl.DataFrame | None = None,
) -> dict[int, int]:
    """Store a fitted model as the current one: its topics (`new_topics`, analysis.themes.topics_frame's
    columns: number, label, keywords, size, centroid, seed, custom_name, hidden, merged_into_number, which
    names another topic of the same model by its number, heading), the main theme of each feedback item
    fitted (`assignments`: feedback_id, topic_number (None: no theme), similarity) and every theme each item
    mentions (`mentions`: feedback_id, topic_number, similarity, sentiment_score). Returns number -> id."""
    now = utc_now()
    with writing(engine) as connection:
        connection.execute(
            topic_models.insert().values(
                version=version, embedding_model=embedding_model, documents=assignments.height, fitted_at=now
            )
        )
        rows = new_topics.to_dicts()
        ids = {row["number"]: _insert_topic(connection, version, row, now) for row in rows}
        for row in rows:
            if row["merged_into_number"] is not None and row["merged_into_number"] in ids:
                connection.execute(
                    topics.update()
                    .where(topics.c.id == ids[row["number"]])
                    .values(merged_into=ids[row["merged_into_number"]])
                )
        themed = assignments.with_columns(
            pl.col("topic_number").replace_strict(ids, default=None, return_dtype=pl.Int64).alias("topic_id")
        )
        _upsert_assignments(connection, themed, version, "fit")
        stale = select(topics.c.id).where(topics.c.model_version != version).scalar_subquery()
        connection.execute(theme_mentions.delete().where(theme_mentions.c.topic_id.in_(stale)))
        if mentions is not None:
            _insert_mentions(
                connection,
                mentions.with_columns(
                    pl.col("topic_number")
                    .replace_strict(ids, default=None, return_dtype=pl.Int64)
                    .alias("topic_id")
                ),
            )
        bump_data_version(connection)
    return ids


def _insert_topic(connection: Connection, version: str, topic: dict[str, Any], now: datetime) -> int:
    result = connection.execute(
        topics.insert().values(
            model_version=version,
            topic_number=topic["number"],
            label=topic["label"][:200],
            keywords=list(topic["keywords"]),
            custom_name=topic["custom_name"],
            hidden=bool(topic["hidden"]),
            created_at=now,
            centroid=centroid_bytes(np.asarray(topic["centroid"], dtype=np.float32)),
            size=topic["size"],
            seed=topic["seed"],
            heading=topic.get("heading"),
        )
    )
    return inserted_id(result)


def write_assignments(
    engine: Engine, assignments: pl.DataFrame, mentions: pl.DataFrame | None = None, method: str = "assign"
) -> int:
    """Store the themes of new feedback under the current model (`assignments`: feedback_id, topic_id
    (None: no theme), similarity; `mentions`: feedback_id, topic_id, similarity, sentiment_score, replacing
    the items' earlier mentions); returns rows written."""
    if assignments.is_empty():
        return 0
    with writing(engine) as connection:
        version = _current_version(connection) or ""
        _upsert_assignments(connection, assignments, version, method)
        if mentions is not None:
            _insert_mentions(connection, mentions, replace_for=assignments["feedback_id"].to_list())
        bump_data_version(connection)
    return assignments.height


def _insert_mentions(
    connection: Connection, frame: pl.DataFrame, replace_for: list[int] | None = None
) -> None:
    """Insert mention rows (feedback_id, topic_id, similarity, sentiment_score), first deleting those of the
    items in `replace_for`."""
    for start in range(0, len(replace_for or []), CHUNK):
        chunk = (replace_for or [])[start : start + CHUNK]
        connection.execute(theme_mentions.delete().where(theme_mentions.c.feedback_id.in_(chunk)))
    rows = (
        frame.filter(pl.col("topic_id").is_not_null())
        .select("feedback_id", "topic_id", "similarity", "sentiment_score")
        .to_dicts()
    )
    for start in range(0, len(rows), CHUNK):
        connection.execute(theme_mentions.insert(), rows[start : start + CHUNK])


def _upsert_assignments(connection: Connection, frame: pl.DataFrame, version: str, method: str) -> None:
    rows = [
        {
            "feedback_id": row["feedback_id"],
            "topic_id": row["topic_id"],
            "probability": None if row["similarity"] is None else float(row["similarity"]),
            "model_version": version,
            "method": method,
        }
        for row in frame.select("feedback_id", "topic_id", "similarity").iter_rows(named=True)
    ]
    insert = upsert_insert(connection, topic_assignments)
    upsert = insert.on_conflict_do_update(
        index_elements=[topic_assignments.c.feedback_id],
        set_={name: insert.excluded[name] for name in ("topic_id", "probability", "model_version", "method")},
    )
    for start in range(0, len(rows), CHUNK):
        connection.execute(upsert, rows[start : start + CHUNK])


def read_topics(engine: Engine, version: str | None = None) -> pl.DataFrame:
    """The topics of model `version` (default: the current one), by number: id, topic_number, label,
    keywords, custom_name, hidden, merged_into, size, seed, heading, centroid (bytes)."""
    with reading(engine) as connection:
        version = version or _current_version(connection)
        query = (
            select(
                topics.c.id,
                topics.c.topic_number,
                topics.c.label,
                topics.c.keywords,
                topics.c.custom_name,
                topics.c.hidden,
                topics.c.merged_into,
                topics.c.size,
                topics.c.seed,
                topics.c.heading,
                topics.c.centroid,
            )
            .where(topics.c.model_version == (version or ""))
            .order_by(topics.c.topic_number)
        )
        frame = read_frame(connection, query)
    return frame.with_columns(
        pl.col("keywords").cast(pl.List(pl.String)),
        pl.col("hidden").cast(pl.Boolean),
        pl.col("heading").cast(pl.String),
    )


def read_centroids(frame: pl.DataFrame) -> np.ndarray:
    """The centroids of `read_topics` rows as a matrix, one row per topic."""
    if frame.is_empty():
        return np.zeros((0, 0), dtype=np.float32)
    return np.stack([centroid_array(blob) for blob in frame["centroid"]])


def read_texts_to_theme(
    engine: Engine, only_new: bool = True, kinds: Sequence[str] = FEEDBACK_KINDS
) -> pl.DataFrame:
    """Feedback of the `kinds` (default: every kind, staff observations too) with text and its impersonal flag
    as corrected (store.labels; False when not scored): id, text, impersonal. With `only_new`, only items
    without a theme under the current model."""
    labels = CorrectedLabels()
    with reading(engine) as connection:
        version = _current_version(connection) or ""
        query = (
            select(feedback.c.id, feedback.c.text, labels.impersonal().label("impersonal"))
            .select_from(
                labels.joined(feedback.outerjoin(scores, scores.c.feedback_id == feedback.c.id)).outerjoin(
                    topic_assignments,
                    and_(
                        topic_assignments.c.feedback_id == feedback.c.id,
                        topic_assignments.c.model_version == version,
                    ),
                )
            )
            .where(feedback.c.text.is_not(None), feedback.c.text != "", feedback.c.kind.in_(list(kinds)))
            .order_by(feedback.c.id)
        )
        if only_new:
            query = query.where(topic_assignments.c.feedback_id.is_(None))
        frame = read_frame(
            connection, query, schema={"id": pl.Int64, "text": pl.String, "impersonal": pl.Boolean}
        )
    return frame.with_columns(pl.col("impersonal").fill_null(False))


def read_assigned_similarities(engine: Engine) -> np.ndarray:
    """Similarities of the customers' items themed by assignment (not by the fit) under the current model (staff
    observations are always assigned, never fitted: how well they fit does not ask for a refit)."""
    with reading(engine) as connection:
        version = _current_version(connection) or ""
        query = (
            select(topic_assignments.c.probability)
            .join(feedback, feedback.c.id == topic_assignments.c.feedback_id)
            .where(
                topic_assignments.c.model_version == version,
                topic_assignments.c.method == "assign",
                feedback.c.kind.in_(CUSTOMER_KINDS),
            )
        )
        values = [value for value in connection.execute(query).scalars() if value is not None]
    return np.asarray(values, dtype=np.float32)


def read_themed_feedback(
    engine: Engine, since: datetime | None = None, kinds: Sequence[str] = CUSTOMER_KINDS
) -> pl.DataFrame:
    """Feedback of the `kinds` (default: customers', never staff observations) themed under the current model,
    with its scores: feedback_id, created_at, channel, source, location, nps, text, topic_id (its main theme;
    null: none), similarity, sentiment_score, impersonal (as corrected: store.labels)."""
    labels = CorrectedLabels()
    with reading(engine) as connection:
        version = _current_version(connection) or ""
        query = (
            select(
                feedback.c.id.label("feedback_id"),
                feedback.c.created_at,
                feedback.c.channel,
                sources.c.name.label("source"),
                feedback.c.location,
                feedback.c.nps,
                feedback.c.text,
                topic_assignments.c.topic_id,
                topic_assignments.c.probability.label("similarity"),
                scores.c.sentiment_score,
                labels.impersonal().label("impersonal"),
            )
            .select_from(
                labels.joined(
                    topic_assignments.join(feedback, feedback.c.id == topic_assignments.c.feedback_id)
                    .join(sources, sources.c.id == feedback.c.source_id)
                    .outerjoin(scores, scores.c.feedback_id == feedback.c.id)
                )
            )
            .where(topic_assignments.c.model_version == version, feedback.c.kind.in_(list(kinds)))
            .order_by(feedback.c.created_at)
        )
        if since is not None:
            query = query.where(feedback.c.created_at >= since)
        return read_frame(
            connection,
            query,
            schema={
                "feedback_id": pl.Int64,
                "created_at": pl.Datetime("us", "UTC"),
                "topic_id": pl.Int64,
                "similarity": pl.Float64,
                "sentiment_score": pl.Float64,
                "impersonal": pl.Boolean,
                "text": pl.String,
                "channel": pl.String,
                "source": pl.String,
                "location": pl.String,
                "nps": pl.Int64,
            },
        )


def read_theme_mentions(engine: Engine) -> pl.DataFrame:
    """Every theme that feedback mentions under the current model: feedback_id, topic_id, similarity,
    sentiment_score (the mean sentiment of the sentences that mention it)."""
    with reading(engine) as connection:
        version = _current_version(connection) or ""
        query = (
            select(
                theme_mentions.c.feedback_id,
                theme_mentions.c.topic_id,
                theme_mentions.c.similarity,
                theme_mentions.c.sentiment_score,
            )
            .join(topics, topics.c.id == theme_mentions.c.topic_id)
            .where(topics.c.model_version == version)
            .order_by(theme_mentions.c.feedback_id, theme_mentions.c.topic_id)
        )
        return read_frame(
            connection,
            query,
            schema={
                "feedback_id": pl.Int64,
                "topic_id": pl.Int64,
                "similarity": pl.Float64,
                "sentiment_score": pl.Float64,
            },
        )


# --- the owner's edits -------------------------------------------------------------------------------


def rename_topic(engine: Engine, topic_id: int, name: str | None) -> str | None:
    """Give a theme the owner's name (None or blank: back to its generated label); returns the name stored
    (trimmed, at most 200 characters; None for the generated label)."""
    stored = (name or "").strip()[:200] or None
    _update_topic(engine, topic_id, custom_name=stored)
    return stored


def hide_topic(engine: Engine, topic_id: int, hidden: bool = True) -> None:
    _update_topic(engine, topic_id, hidden=hidden)


def merge_topic(engine: Engine, topic_id: int, into_id: int | None) -> None:
    """Count theme `topic_id` as part of `into_id` (None: undo the merge)."""
    if into_id == topic_id:
        raise InputError("A theme cannot be merged into itself.", hint="Pick another theme to merge into.")
    with writing(engine) as connection:
        if (
            into_id is not None
            and connection.execute(select(topics.c.id).where(topics.c.id == into_id)).first() is None
        ):
            raise InputError(
                f"There is no theme {into_id} to merge theme {topic_id} into.",
                hint="Run `pulse themes list` to see the themes and their ids.",
            )
        _set_topic(connection, topic_id, merged_into=into_id)


def _update_topic(engine: Engine, topic_id: int, **values: Any) -> None:
    with writing(engine) as connection:
        _set_topic(connection, topic_id, **values)


def _set_topic(connection: Connection, topic_id: int, **values: Any) -> None:
    result = connection.execute(topics.update().where(topics.c.id == topic_id).values(**values))
    if not result.rowcount:
        raise InputError(f"There is no theme {topic_id}.", hint="Run `pulse themes list` to see them.")
    bump_data_version(connection)
