"""Feedback sources: a survey file, a review platform, a subreddit search..."""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, func, select

from store.engine import inserted_id, reading
from store.frames import read_frame
from store.schema import FEEDBACK_KINDS, feedback, rejected_rows, sources
from store.state import utc_now


def ensure_source(
    connection: Connection, name: str, kind: str, platform: str, config: dict[str, Any] | None = None
) -> int:
    """The id of the source called `name`, created when missing."""
    if kind not in FEEDBACK_KINDS:
        raise ValueError(f"source kind must be one of {FEEDBACK_KINDS}, not {kind!r}")
    found = connection.execute(select(sources.c.id).where(sources.c.name == name)).scalar()
    if found is not None:
        return int(found)
    inserted = connection.execute(
        sources.insert().values(
            name=name, kind=kind, platform=platform, config=config or {}, created_at=utc_now()
        )
    )
    return inserted_id(inserted)


def read_sources(engine: Engine) -> pl.DataFrame:
    """Each source with its feedback count, rejected-row count and when it last brought a new item."""
    feedback_counts = (
        select(
            feedback.c.source_id,
            func.count().label("feedback"),
            func.max(feedback.c.ingested_at).label("last_new_item"),
        )
        .group_by(feedback.c.source_id)
        .subquery()
    )
    rejected_counts = (
        select(rejected_rows.c.source_id, func.count().label("rejected"))
        .group_by(rejected_rows.c.source_id)
        .subquery()
    )
    query = (
        select(
            sources.c.name,
            sources.c.kind,
            sources.c.platform,
            func.coalesce(feedback_counts.c.feedback, 0).label("feedback"),
            func.coalesce(rejected_counts.c.rejected, 0).label("rejected"),
            feedback_counts.c.last_new_item,
        )
        .outerjoin(feedback_counts, feedback_counts.c.source_id == sources.c.id)
        .outerjoin(rejected_counts, rejected_counts.c.source_id == sources.c.id)
        .order_by(sources.c.name)
    )
    with reading(engine) as connection:
        return read_frame(connection, query, schema={"last_new_item": pl.Datetime("us", "UTC")})
