"""Case notifications: one row per case and recipient (an email address, or the Slack or Teams webhook), queued
once, sent by a batch step (analysis/notify_pipeline.py) and kept with its attempts: a failed attempt is tried
again after 1, 2, 4, 8... minutes (or when a 429's Retry-After says) until the last attempt, after which the
row is marked failed, never dropped.

Two senders never send one notification twice: a sender claims a row before it sends (`claim_notification`, a
conditional UPDATE that only one transaction can win, as `writing` serialises writers on SQLite and PostgreSQL
re-checks the condition on the row it waited for), which moves its next attempt a lease into the future; the
attempt's outcome is then recorded (`record_attempt`). A sender that dies between the two leaves the row to be
tried again once the lease has passed (at least once, never silently lost)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import NamedTuple

import polars as pl
from sqlalchemy import Engine, and_, func, select

from store.engine import reading, upsert_insert, writing
from store.frames import read_frame
from store.schema import cases, feedback, notifications, sources, users
from store.state import utc_now

CHANNELS = ("email", "slack", "teams")
STATUSES = ("pending", "sent", "failed")
FIRST_RETRY = timedelta(minutes=1)  # then doubled after every failed attempt,
LONGEST_RETRY = timedelta(hours=6)  # up to this
CLAIM_LEASE = timedelta(
    minutes=10
)  # how long a claimed row is left to its sender (beyond any send's time-outs)
ERROR_LIMIT = 2000  # characters of an attempt's error kept
ROWS_PER_INSERT = 500  # rows of one INSERT, well within SQLite's limit on bound values


class Target(NamedTuple):
    """Whom a notification goes to: an email address (channel "email"), or the name of the setting that holds a
    webhook's URL (channels "slack" and "teams"; the URL itself is a secret and is never stored)."""

    channel: str
    target: str


def queue_notifications(
    engine: Engine, case_ids: Iterable[int], targets: Iterable[Target], now: datetime | None = None
) -> int:
    """Queue a notification of each case to each target; returns how many were new. A case and target queued
    before (sent, pending or failed) is left as it is, so queueing again adds nothing."""
    wanted = list(dict.fromkeys(Target(*target) for target in targets))
    for target in wanted:
        if target.channel not in CHANNELS:
            raise ValueError(f"channel must be one of {CHANNELS}, not {target.channel!r}")
    moment = now or utc_now()
    rows = [
        {
            "case_id": case_id,
            "channel": target.channel,
            "target": target.target,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": moment,
            "created_at": moment,
        }
        for case_id in dict.fromkeys(case_ids)
        for target in wanted
    ]
    if not rows:
        return 0
    queued = 0
    with writing(engine) as connection:
        insert = (
            upsert_insert(connection, notifications)
            .on_conflict_do_nothing(index_elements=["case_id", "channel", "target"])
            .returning(notifications.c.id)  # the rows added (rowcount is not told on every driver)
        )
        for start in range(0, len(rows), ROWS_PER_INSERT):
            queued += len(connection.execute(insert.values(rows[start : start + ROWS_PER_INSERT])).all())
    return queued


def read_assignee_emails(engine: Engine, case_ids: Iterable[int]) -> dict[int, str]:
    """The email address of each case's assignee ({case id: address}), for the cases whose assignee has an
    account with an address."""
    ids = list(case_ids)
    if not ids:
        return {}
    query = (
        select(cases.c.id, users.c.email)
        .join(users, users.c.username == cases.c.assignee)
        .where(cases.c.id.in_(ids), users.c.email.is_not(None), func.trim(users.c.email) != "")
    )
    with reading(engine) as connection:
        return {int(case_id): email.strip() for case_id, email in connection.execute(query).all()}


DUE_SCHEMA = {
    "notification_id": pl.Int64,
    "notification_channel": pl.String,  # email / slack / teams
    "target": pl.String,
    "attempts": pl.Int64,  # made so far
    "case_id": pl.Int64,
    "reason": pl.String,
    "status": pl.String,  # the case's
    "assignee": pl.String,
    "due_at": pl.Datetime("us", "UTC"),
    "kind": pl.String,
    "source": pl.String,  # the source's name
    "channel": pl.String,  # the feedback's channel (online, in-store...)
    "location": pl.String,
    "created_at": pl.Datetime("us", "UTC"),  # when the customer said it
    "text": pl.String,
    "nps": pl.Int64,
    "csat": pl.Int64,
    "stars": pl.Int64,
}


def read_due_notifications(engine: Engine, now: datetime, limit: int | None = None) -> pl.DataFrame:
    """The pending notifications whose next attempt is due at `now`, oldest first, with what a message says
    (DUE_SCHEMA): the case and its feedback's words and scores, never how to reach the customer (no author,
    link, raw payload or contact)."""
    query = (
        select(
            notifications.c.id.label("notification_id"),
            notifications.c.channel.label("notification_channel"),
            notifications.c.target,
            notifications.c.attempts,
            cases.c.id.label("case_id"),
            cases.c.reason,
            cases.c.status,
            cases.c.assignee,
            cases.c.due_at,
            feedback.c.kind,
            sources.c.name.label("source"),
            feedback.c.channel,
            feedback.c.location,
            feedback.c.created_at,
            feedback.c.text,
            feedback.c.nps,
            feedback.c.csat,
            feedback.c.stars,
        )
        .join(cases, cases.c.id == notifications.c.case_id)
        .join(feedback, feedback.c.id == cases.c.feedback_id)
        .join(sources, sources.c.id == feedback.c.source_id)
        .where(notifications.c.status == "pending", notifications.c.next_attempt_at <= now)
        .order_by(notifications.c.next_attempt_at, notifications.c.id)
        .limit(limit)
    )
    with reading(engine) as connection:
        return read_frame(connection, query, DUE_SCHEMA)


def claim_notification(
    engine: Engine, notification_id: int, now: datetime, lease: timedelta = CLAIM_LEASE
) -> bool:
    """Take a due notification for sending: True for the one sender that wins it, False when it is not due any
    more (another sender has it, or it was sent or gave up). Its next attempt moves `lease` past `now`, so a
    sender that dies before recording its attempt leaves it to be tried again then."""
    with writing(engine) as connection:
        claimed = connection.execute(
            notifications.update()
            .where(
                notifications.c.id == notification_id,
                notifications.c.status == "pending",
                notifications.c.next_attempt_at <= now,
            )
            .values(next_attempt_at=now + lease)
        )
        return claimed.rowcount == 1


def retry_delay(attempts: int) -> timedelta:
    """How long after its `attempts`-th failed attempt a notification is tried again: 1, 2, 4, 8... minutes,
    at most LONGEST_RETRY."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


class Attempt(NamedTuple):
    """A notification after an attempt was recorded: its status, the attempts made, and when the next is due
    (None once sent or failed)."""

    status: str
    attempts: int
    next_attempt_at: datetime | None


def record_attempt(
    engine: Engine,
    notification_id: int,
    ok: bool,
    error: str | None,
    now: datetime,
    max_attempts: int,
    retry_at: datetime | None = None,
) -> Attempt:
    """Record an attempt at sending a notification. Sent: status sent, sent_at `now`. Failed: the error kept,
    and the next attempt after `retry_delay` (or at `retry_at`, a server's Retry-After) until `max_attempts`
    attempts have been made; then status failed. A notification that is not pending any more (another sender
    finished it after a lease ran out) is left as it is."""
    with writing(engine) as connection:
        row = connection.execute(
            select(notifications.c.attempts, notifications.c.status, notifications.c.next_attempt_at).where(
                notifications.c.id == notification_id
            )
        ).first()
        if row is None:
            raise ValueError(f"no notification {notification_id}")
        if row.status != "pending":
            return Attempt(str(row.status), int(row.attempts), None)
        attempts = int(row.attempts) + 1
        next_attempt_at: datetime | None = None
        values: dict[str, object]
        if ok:
            status, values = "sent", {"sent_at": now, "last_error": None}
        else:
            values = {"last_error": (error or "failed for an unknown reason")[:ERROR_LIMIT]}
            if attempts >= max_attempts:
                status = "failed"
            else:
                status, next_attempt_at = "pending", retry_at or now + retry_delay(attempts)
        connection.execute(
            notifications.update()
            .where(notifications.c.id == notification_id, notifications.c.status == "pending")
            .values(status=status, attempts=attempts, next_attempt_at=next_attempt_at, **values)
        )
        return Attempt(status, attempts, next_attempt_at)


NOTIFICATIONS_SCHEMA = {
    "id": pl.Int64,
    "case_id": pl.Int64,
    "channel": pl.String,
    "target": pl.String,
    "status": pl.String,
    "attempts": pl.Int64,
    "next_attempt_at": pl.Datetime("us", "UTC"),
    "last_error": pl.String,
    "created_at": pl.Datetime("us", "UTC"),
    "sent_at": pl.Datetime("us", "UTC"),
}


def read_notifications(
    engine: Engine, case_id: int | None = None, statuses: Iterable[str] = ()
) -> pl.DataFrame:
    """Every notification (of one case; of the given statuses), newest first (NOTIFICATIONS_SCHEMA): for the
    Follow-up page and `pulse cases notify`."""
    query = select(*notifications.c).order_by(notifications.c.created_at.desc(), notifications.c.id.desc())
    if case_id is not None:
        query = query.where(notifications.c.case_id == case_id)
    wanted = list(statuses)
    if wanted:
        query = query.where(notifications.c.status.in_(wanted))
    with reading(engine) as connection:
        return read_frame(connection, query, NOTIFICATIONS_SCHEMA)


def count_notifications(engine: Engine) -> Mapping[str, int]:
    """How many notifications are in each status ({"pending": 2, "sent": 10, "failed": 1}; 0 for none)."""
    query = select(notifications.c.status, func.count()).group_by(notifications.c.status)
    with reading(engine) as connection:
        counted = {str(status): int(count) for status, count in connection.execute(query).all()}
    return {status: counted.get(status, 0) for status in STATUSES}


def retry_failed_notifications(engine: Engine, now: datetime, case_id: int | None = None) -> int:
    """Give the notifications that gave up (of one case) a fresh set of attempts, due at `now` (after a
    setting was fixed); returns how many. Their last error stays until the next attempt."""
    condition = and_(
        notifications.c.status == "failed",
        *([notifications.c.case_id == case_id] if case_id is not None else []),
    )
    with writing(engine) as connection:
        retried = connection.execute(
            notifications.update().where(condition).values(status="pending", attempts=0, next_attempt_at=now)
        )
        return int(retried.rowcount)
