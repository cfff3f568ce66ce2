"""Sentiment and impersonal-experience scores per feedback item, with the model version that made them."""

from __future__ import annotations

import polars as pl
from sqlalchemy import Engine, or_, select

from store.daily_counts import mark_feedback_stale
from store.engine import reading, upsert_insert, writing
from store.frames import read_frame
from store.schema import SENTIMENT_PROBABILITY_COLUMNS, feedback, scores
from store.state import bump_data_version, utc_now

SCORE_COLUMNS = (
    "sentiment",
    "sentiment_score",
    *SENTIMENT_PROBABILITY_COLUMNS,  # each class's probability, 0..1; null where the scorer has none (VADER)
    "impersonal",
    "impersonal_score",
    "impersonal_cues",
)


def read_unscored(
    engine: Engine, model_version: str, after_id: int | None = None, limit: int | None = None
) -> pl.DataFrame:
    """Feedback with text that has no score yet, or one made by another model version: columns id, text, in
    order of id. A page of them: the first `limit` whose id is above `after_id` (the last id of the page
    before), so that a large backlog is read a page at a time."""
    query = (
        select(feedback.c.id, feedback.c.text)
        .select_from(feedback.outerjoin(scores, scores.c.feedback_id == feedback.c.id))
        .where(feedback.c.text.is_not(None), feedback.c.text != "")
        .where(or_(scores.c.feedback_id.is_(None), scores.c.model_version != model_version))
        .order_by(feedback.c.id)
    )
    if after_id is not None:
        query = query.where(feedback.c.id > after_id)
    if limit is not None:
        query = query.limit(limit)
    with reading(engine) as connection:
        return read_frame(connection, query, schema={"id": pl.Int64, "text": pl.String})


def write_scores(engine: Engine, scored: pl.DataFrame, model_version: str) -> int:
    """Insert or replace the scores of `scored` (columns id plus SCORE_COLUMNS); returns rows written. Without
    SENTIMENT_PROBABILITY_COLUMNS (a scorer that has no class probabilities) they are stored null."""
    if scored.is_empty():
        return 0
    scored = scored.with_columns(
        pl.lit(None, dtype=pl.Float64).alias(name)
        for name in SENTIMENT_PROBABILITY_COLUMNS
        if name not in scored.columns
    )
    now = utc_now()
    rows = [
        {
            "feedback_id": row["id"],
            **{name: row[name] for name in SCORE_COLUMNS},
            "model_version": model_version,
            "scored_at": now,
        }
        for row in scored.select("id", *SCORE_COLUMNS).iter_rows(named=True)
    ]
    with writing(engine) as connection:
        insert = upsert_insert(connection, scores)
        upsert = insert.on_conflict_do_update(
            index_elements=[scores.c.feedback_id],
            set_={name: insert.excluded[name] for name in (*SCORE_COLUMNS, "model_version", "scored_at")},
        )
        connection.execute(upsert, rows)
        mark_feedback_stale(connection, feedback.c.id.in_(scored["id"].to_list()))
        bump_data_version(connection)
    return len(rows)
