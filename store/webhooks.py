"""The webhook receiver's deliveries (`pulse hooks serve`, hooks/): every request it answered, refused ones too,
with its status, outcome, the sha256 of its body (never the body) and the feedback it stored.

Recording a delivery does not bump the data version: the dashboard shows feedback, and the feedback a delivery
stores bumps it where it is written (store.feedback.upsert_feedback), so that a flood of refused requests never
empties the dashboard's caches."""

from __future__ import annotations

from datetime import datetime

import polars as pl
from sqlalchemy import Engine, select

from store.engine import inserted_id, reading, writing
from store.frames import read_frame
from store.schema import webhook_deliveries
from store.state import utc_now

VENDORS = ("typeform", "tally", "google_forms")
SEEN_OUTCOMES = ("stored", "already_stored")  # a delivery whose response is in the store: its event is seen
MAX_EVENT_ID = 300  # the column's length
DELIVERY_SCHEMA = {
    "id": pl.Int64,
    "received_at": pl.Datetime("us", "UTC"),
    "vendor": pl.String,
    "event_id": pl.String,
    "status_code": pl.Int64,
    "outcome": pl.String,
    "message": pl.String,
    "body_sha256": pl.String,
    "feedback_id": pl.Int64,
}


def record_delivery(
    engine: Engine,
    vendor: str,
    status_code: int,
    outcome: str,
    body_sha256: str,
    event_id: str | None = None,
    message: str | None = None,
    feedback_id: int | None = None,
    received_at: datetime | None = None,
) -> int:
    """Record one request the receiver answered; returns its id. An event id longer than the column is cut."""
    if vendor not in VENDORS:
        raise ValueError(f"vendor must be one of {VENDORS}, not {vendor!r}")
    values = {
        "vendor": vendor,
        "received_at": received_at or utc_now(),
        "event_id": event_id[:MAX_EVENT_ID] if event_id else None,
        "status_code": status_code,
        "outcome": outcome,
        "message": message,
        "body_sha256": body_sha256,
        "feedback_id": feedback_id,
    }
    with writing(engine) as connection:
        return inserted_id(connection.execute(webhook_deliveries.insert().values(**values)))


def event_seen(engine: Engine, vendor: str, event_id: str) -> bool:
    """Whether a delivery of `vendor` with this event id was received and its response stored (or found stored
    already): the same event again is a replay."""
    query = (
        select(webhook_deliveries.c.id)
        .where(
            webhook_deliveries.c.vendor == vendor,
            webhook_deliveries.c.event_id == event_id[:MAX_EVENT_ID],
            webhook_deliveries.c.outcome.in_(SEEN_OUTCOMES),
        )
        .limit(1)
    )
    with reading(engine) as connection:
        return connection.execute(query).first() is not None


def read_deliveries(engine: Engine, limit: int = 50) -> pl.DataFrame:
    """The newest `limit` deliveries, newest first (DELIVERY_SCHEMA's columns)."""
    query = (
        select(*(webhook_deliveries.c[name] for name in DELIVERY_SCHEMA))
        .order_by(webhook_deliveries.c.id.desc())
        .limit(limit)
    )
    with reading(engine) as connection:
        return read_frame(connection, query, schema=DELIVERY_SCHEMA)
