"""Every feedback item, searched and filtered, with its scores and the team's corrections of its labels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Engine, and_, func, select
from sqlalchemy.sql import Select

from pulse.errors import InputError
from store.daily_counts import mark_feedback_stale, refresh_daily_counts
from store.engine import reading, writing
from store.frames import read_frame
from store.labels import CorrectedLabels
from store.schema import CUSTOMER_KINDS, SENTIMENT_PROBABILITY_COLUMNS, corrections, feedback, scores, sources
from store.state import bump_data_version, utc_now

SENTIMENTS = ("negative", "neutral", "positive")
CORRECTABLE = {"sentiment": SENTIMENTS, "impersonal": ("true", "false")}


@dataclass(frozen=True)
class FeedbackQuery:
    """What the explorer shows: words to find in the text, filters, and which page of the results."""

    search: str = ""
    kinds: tuple[str, ...] = CUSTOMER_KINDS  # (): every kind, staff observations too
    sentiment: str | None = None
    impersonal_only: bool = False
    since: datetime | None = None
    until: datetime | None = None
    source: str | None = None  # a source's name
    channel: str | None = None
    location: str | None = None
    # impersonal scores in [low, high) that no person has labelled yet (analysis.impersonal_threshold.unsure_band)
    unsure_impersonal: tuple[float, float] | None = None
    limit: int = 200
    offset: int = 0


def _filtered(query: Select[Any], wanted: FeedbackQuery, labels: CorrectedLabels) -> Select[Any]:
    """`query` narrowed to what `wanted` asks; the sentiment and impersonal filters read the labels as the team
    left them (a person's correction in place of the scorer's label), as every figure does."""
    for word in wanted.search.split():
        query = query.where(feedback.c.text.icontains(word, autoescape=True))
    if wanted.kinds:
        query = query.where(feedback.c.kind.in_(wanted.kinds))
    if wanted.sentiment:
        query = query.where(labels.sentiment() == wanted.sentiment)
    if wanted.impersonal_only:
        query = query.where(labels.impersonal().is_(True))
    if wanted.unsure_impersonal is not None:
        low, high = wanted.unsure_impersonal
        query = query.where(
            scores.c.impersonal_score >= low,
            scores.c.impersonal_score < high,
            labels.impersonal_fix.c.feedback_id.is_(None),  # nobody has labelled it
        )
    if wanted.since is not None:
        query = query.where(feedback.c.created_at >= wanted.since)
    if wanted.until is not None:
        query = query.where(feedback.c.created_at < wanted.until)
    for column, value in (
        (sources.c.name, wanted.source),
        (feedback.c.channel, wanted.channel),
        (feedback.c.location, wanted.location),
    ):
        if value is not None:
            query = query.where(column == value)
    return query


def search_feedback(engine: Engine, wanted: FeedbackQuery) -> tuple[pl.DataFrame, int]:
    """One page of matching feedback, newest first, and how many match in all. Columns: id, created_at,
    source, kind, channel, text, nps, csat, stars, sentiment, sentiment_score, sentiment_p_negative,
    sentiment_p_neutral, sentiment_p_positive, impersonal, impersonal_score, impersonal_cues,
    corrected_sentiment, corrected_impersonal."""
    labels = CorrectedLabels()
    filterable = feedback.join(sources, sources.c.id == feedback.c.source_id).outerjoin(
        scores, scores.c.feedback_id == feedback.c.id
    )
    joined = labels.joined(filterable)  # one correction per item and field: no row is repeated
    columns = [
        feedback.c.id,
        feedback.c.created_at,
        sources.c.name.label("source"),
        feedback.c.kind,
        feedback.c.channel,
        feedback.c.text,
        feedback.c.nps,
        feedback.c.csat,
        feedback.c.stars,
        scores.c.sentiment,
        scores.c.sentiment_score,
        *[scores.c[name] for name in SENTIMENT_PROBABILITY_COLUMNS],
        scores.c.impersonal,
        scores.c.impersonal_score,
        scores.c.impersonal_cues,
        labels.sentiment_fix.c.value.label("corrected_sentiment"),
        labels.impersonal_fix.c.value.label("corrected_impersonal"),
    ]
    page = _filtered(select(*columns).select_from(joined), wanted, labels)
    page = page.order_by(feedback.c.created_at.desc(), feedback.c.id.desc()).limit(wanted.limit)
    # only the label filters read the corrections: without them the count needs no join
    by_label = bool(wanted.sentiment) or wanted.impersonal_only or wanted.unsure_impersonal is not None
    counting = _filtered(select(func.count()).select_from(joined if by_label else filterable), wanted, labels)
    with reading(engine) as connection:
        rows = read_frame(connection, page.offset(wanted.offset))
        total = int(connection.execute(counting).scalar_one())
    return rows, total


def correct_label(engine: Engine, feedback_id: int, field: str, value: str, by: str) -> None:
    """Keep a person's correction of a feedback item's sentiment or impersonal label (the latest one wins), and
    recount the item's day, in which the corrected label replaces the scorer's (store.daily_counts). The
    Explorer then judges the rollouts again (the pipeline's step), as after a change to the timeline."""
    if value not in CORRECTABLE.get(field, ()):
        raise InputError(
            f"{value!r} is not a {field} label.", hint=f"Use one of: {', '.join(CORRECTABLE.get(field, ()))}."
        )
    with writing(engine) as connection:
        key = and_(corrections.c.feedback_id == feedback_id, corrections.c.field == field)
        connection.execute(corrections.delete().where(key))
        connection.execute(
            corrections.insert().values(
                feedback_id=feedback_id, field=field, value=value, corrected_by=by, corrected_at=utc_now()
            )
        )
        mark_feedback_stale(connection, feedback.c.id == feedback_id)
        bump_data_version(connection)
    refresh_daily_counts(engine)


def read_corrections(engine: Engine) -> pl.DataFrame:
    """Every correction: feedback_id, field, value, corrected_by, corrected_at (for the scorer's next training
    run and for audits)."""
    with reading(engine) as connection:
        return read_frame(connection, select(corrections).order_by(corrections.c.corrected_at))


def read_corrected_items(engine: Engine, field: str) -> pl.DataFrame:
    """Every item whose `field` label a person set, with what a training file needs: feedback_id, source (its
    name), text, stars, value (the person's label), corrected_by, corrected_at; oldest first."""
    query = (
        select(
            corrections.c.feedback_id,
            sources.c.name.label("source"),
            feedback.c.text,
            feedback.c.stars,
            corrections.c.value,
            corrections.c.corrected_by,
            corrections.c.corrected_at,
        )
        .select_from(
            corrections.join(feedback, feedback.c.id == corrections.c.feedback_id).join(
                sources, sources.c.id == feedback.c.source_id
            )
        )
        .where(corrections.c.field == field)
        .order_by(corrections.c.corrected_at, corrections.c.feedback_id)
    )
    with reading(engine) as connection:
        return read_frame(connection, query)
