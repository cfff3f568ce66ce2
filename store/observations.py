"""Staff observations: what a member of staff heard customers say or saw them do, added on the dashboard's
Observations page (or loaded with the demo). Each is a feedback row of kind "staff":

- in a source of kind staff: STAFF_SOURCE ("Staff observations", platform dashboard), the demo's in its own;
- `reported_by` holds the staff member's user name ("dashboard" under open access); the dashboard shows it to
  editors and admins only;
- the theme the staff member picked, if any, is kept in `raw` as {"theme": "<its name>"}: a name, not an id,
  since a refit makes new theme ids, and the name is what they chose. `segment` is left for customers'
  segments. The pipeline's own themes of the text are stored as every item's are (topic_assignments,
  theme_mentions);
- scored like every item with text (`pulse analyze`), and themed by the customers' themes without shaping them
  (analysis/theme_pipeline.py);
- never counted in customers' figures: daily_counts counts only CUSTOMER_KINDS (store/daily_counts.py), and
  read_feedback and read_themed_feedback read only those unless asked for more.

A write marks its day and bumps the data version, as every write of feedback does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import polars as pl
from sqlalchemy import Connection, Engine, select
from sqlalchemy.sql import FromClause

from pulse.errors import InputError
from store.daily_counts import mark_counts_stale
from store.engine import reading, upsert_insert, writing
from store.feedback import UpsertCounts
from store.frames import read_frame
from store.labels import CorrectedLabels
from store.records import SourceSpec
from store.schema import feedback, scores, sources
from store.sources import ensure_source
from store.state import bump_data_version, utc_now

STAFF_KIND = "staff"
STAFF_SOURCE = SourceSpec("Staff observations", STAFF_KIND, "dashboard")
MAX_OBSERVATION_CHARS = 2000  # about a paragraph: what happened today, not a report
MAX_NAME_CHARS = {"reported_by": 200, "channel": 100, "theme": 200}  # the columns' sizes

OBSERVATIONS_SCHEMA: dict[str, Any] = {
    "id": pl.Int64,
    "created_at": pl.Datetime("us", "UTC"),
    "text": pl.String,
    "channel": pl.String,
    "theme": pl.String,
    "reported_by": pl.String,
    "source": pl.String,
    "sentiment": pl.String,
    "sentiment_score": pl.Float64,
}


@dataclass(frozen=True)
class Observation:
    """One observation as it is stored; made by `observation`, which checks it."""

    text: str
    reported_by: str
    created_at: datetime
    channel: str | None = None
    theme: str | None = None
    external_id: str = field(default_factory=lambda: f"obs-{uuid4().hex}")  # unique per observation


def observation(
    text: str,
    reported_by: str,
    channel: str | None = None,
    theme: str | None = None,
    created_at: datetime | None = None,
    external_id: str | None = None,
) -> Observation:
    """An Observation of the values as typed (trimmed; a blank channel or theme is none), or an InputError
    that says what to change: no words, more than MAX_OBSERVATION_CHARS characters, no reporter, a name too
    long for its column."""
    words = (text or "").strip()
    if not words:
        raise InputError(
            "An observation needs a few words.",
            hint="Write what a customer said or did today, e.g. 'Two regulars asked for the phone number "
            "because the chatbot could not help.'",
        )
    if len(words) > MAX_OBSERVATION_CHARS:
        raise InputError(
            f"The observation has {len(words):,} characters; at most {MAX_OBSERVATION_CHARS:,} are kept.",
            hint="Shorten it to what customers said or did, or split it into two observations.",
        )
    names = {
        "reported_by": (reported_by or "").strip(),
        "channel": (channel or "").strip() or None,
        "theme": (theme or "").strip() or None,
    }
    if not names["reported_by"]:
        raise InputError(
            "An observation needs the name of who reported it.", hint="Sign in, or give a user name."
        )
    for name, value in names.items():
        if value is not None and len(value) > MAX_NAME_CHARS[name]:
            raise InputError(
                f"The {name.replace('_', ' ')} has {len(value)} characters; at most {MAX_NAME_CHARS[name]} "
                "are kept.",
                hint="Shorten it.",
            )
    moment = created_at or utc_now()
    if moment.tzinfo is None:
        raise ValueError("created_at must carry a time zone (Pulse stores UTC)")
    return Observation(
        text=words,
        reported_by=str(names["reported_by"]),
        created_at=moment.astimezone(UTC),
        channel=names["channel"],
        theme=names["theme"],
        **({"external_id": external_id} if external_id else {}),
    )


def add_observation(
    engine: Engine,
    text: str,
    reported_by: str,
    channel: str | None = None,
    theme: str | None = None,
    now: datetime | None = None,
) -> int:
    """Store what a member of staff observed (checked by `observation`: InputError when it cannot be kept),
    created `now` (default: this moment) in STAFF_SOURCE; returns the new feedback row's id."""
    item = observation(text, reported_by, channel, theme, created_at=now)
    with writing(engine) as connection:
        ids = _insert(connection, STAFF_SOURCE, [item])
        bump_data_version(connection)
    return ids[0]


def add_observations(
    engine: Engine, observations: Sequence[Observation], source: SourceSpec = STAFF_SOURCE
) -> UpsertCounts:
    """Store `observations` in `source` (a source of kind staff), skipping those already stored (unique on
    source and external id): loading the same ones again adds nothing. Returns how many were new and how
    many already there."""
    if source.kind != STAFF_KIND:
        raise ValueError(f"observations go into a source of kind {STAFF_KIND!r}, not {source.kind!r}")
    counts = UpsertCounts()
    if not observations:
        return counts
    with writing(engine) as connection:
        added = len(_insert(connection, source, observations))
        if added:
            bump_data_version(connection)
    counts.new, counts.duplicate = added, len(observations) - added
    return counts


def _insert(connection: Connection, source: SourceSpec, items: Sequence[Observation]) -> list[int]:
    """Insert the observations not stored yet; mark their days (as every feedback write does: the daily
    counts leave them out, but a recount of those days stays the writers' rule). Returns the new rows' ids."""
    source_id = ensure_source(connection, source.name, source.kind, source.platform)
    now = utc_now()
    rows = [
        {
            "source_id": source_id,
            "external_id": item.external_id,
            "kind": STAFF_KIND,
            "created_at": item.created_at,
            "text": item.text,
            "channel": item.channel,
            "raw": {"theme": item.theme} if item.theme else None,
            "reported_by": item.reported_by,
            "ingested_at": now,
        }
        for item in items
    ]
    insert = upsert_insert(connection, feedback).on_conflict_do_nothing().returning(feedback.c.id)
    ids = [int(row_id) for row_id in connection.execute(insert, rows).scalars()]
    if ids:
        moments = [item.created_at for item in items]
        mark_counts_stale(connection, min(moments), max(moments))
    return ids


def read_observations(
    engine: Engine, reported_by: str | None = None, since: datetime | None = None
) -> pl.DataFrame:
    """Staff observations, newest first (OBSERVATIONS_SCHEMA's columns): id, created_at, text, channel, theme
    (the one the staff member picked; null: none), reported_by, source, and the sentiment label (as the team
    left it, store.labels) and score once `pulse analyze` scored it (null before). Only those of
    `reported_by` when given, created from `since` when given."""
    labels = CorrectedLabels()
    joined: FromClause = labels.joined(
        feedback.join(sources, sources.c.id == feedback.c.source_id).outerjoin(
            scores, scores.c.feedback_id == feedback.c.id
        )
    )
    query = (
        select(
            feedback.c.id,
            feedback.c.created_at,
            feedback.c.text,
            feedback.c.channel,
            feedback.c.raw["theme"].as_string().label("theme"),
            feedback.c.reported_by,
            sources.c.name.label("source"),
            labels.sentiment().label("sentiment"),
            scores.c.sentiment_score,
        )
        .select_from(joined)
        .where(feedback.c.kind == STAFF_KIND)
        .order_by(feedback.c.created_at.desc(), feedback.c.id.desc())
    )
    if reported_by is not None:
        query = query.where(feedback.c.reported_by == reported_by)
    if since is not None:
        query = query.where(feedback.c.created_at >= since)
    with reading(engine) as connection:
        return read_frame(connection, query, schema=OBSERVATIONS_SCHEMA).select(list(OBSERVATIONS_SCHEMA))
