"""The batch step that tells people about new follow-up cases: `queue_case_notifications` right after cases are
made (whom to tell, from the settings), then `send_due_notifications` (now, and on every later run for the
retries). Both are called by the case pipeline and by `pulse cases notify`; the words and the delivery are
reports.notifications', the rows and their attempts store.notifications'."""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pulse.errors import PulseError
from pulse.settings import Settings
from reports.notifications import WebhookError, deliver, webhook_target
from store.engine import Engine
from store.notifications import (
    Target,
    claim_notification,
    queue_notifications,
    read_assignee_emails,
    read_due_notifications,
    record_attempt,
)
from store.state import utc_now


def notification_targets(settings: Settings) -> list[Target]:
    """Who hears of every new case: each PULSE_NOTIFY_EMAIL address, and the Slack and Teams webhooks that are
    set (named by their setting: the URLs are secrets)."""
    targets = [Target("email", address) for address in _unique_addresses(settings.notify_email)]
    for channel, url in (("slack", settings.notify_slack_url), ("teams", settings.notify_teams_url)):
        if url is not None and url.get_secret_value().strip():
            targets.append(Target(channel, webhook_target(channel)))
    return targets


def _unique_addresses(addresses: Iterable[str]) -> list[str]:
    """The addresses once each, whatever their case (the first spelling kept)."""
    seen: dict[str, str] = {}
    for address in addresses:
        seen.setdefault(address.strip().casefold(), address.strip())
    return list(seen.values())


def queue_case_notifications(
    engine: Engine, settings: Settings, case_ids: Iterable[int], now: datetime | None = None
) -> int:
    """Queue the notifications of new cases: to the settings' channels (notification_targets) and, with
    PULSE_NOTIFY_ASSIGNEE_EMAIL, to each case's assignee at their account's email address. Returns how many
    were new: calling it again (after an assignment, say) adds only those not queued before."""
    ids = list(dict.fromkeys(case_ids))
    shared = notification_targets(settings)
    queued = queue_notifications(engine, ids, shared, now)
    if settings.notify_assignee_email:
        already = {target.target.casefold() for target in shared if target.channel == "email"}
        by_address: dict[str, list[int]] = {}
        for case_id, address in read_assignee_emails(engine, ids).items():
            if address.casefold() not in already:
                by_address.setdefault(address, []).append(case_id)
        for address, address_cases in by_address.items():
            queued += queue_notifications(engine, address_cases, [Target("email", address)], now)
    return queued


@dataclass(frozen=True)
class Failure:
    """An attempt that failed: the notification, whom it was for, the error, and what happens next."""

    notification_id: int
    case_id: int
    channel: str
    target: str
    attempts: int  # made so far, this one included
    error: str
    gave_up: bool  # True: status failed, no more attempts; False: tried again at next_attempt_at
    next_attempt_at: datetime | None


@dataclass(frozen=True)
class SendCounts:
    """What one run did: `sent`, `retried` (failed, to be tried again), `failed` (failed for the last time), and
    the failed attempts themselves."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    failures: tuple[Failure, ...] = field(default=())


def send_due_notifications(
    engine: Engine,
    settings: Settings,
    now: datetime | None = None,
    tls_context: ssl.SSLContext | None = None,
    limit: int | None = None,
) -> SendCounts:
    """Send every notification that is due (new ones, and retries whose wait is over), each claimed first so
    that a sender running beside this one never sends it too, and record each attempt: a failure is tried again
    later (1, 2, 4, 8... minutes, or as a 429's Retry-After says) until PULSE_NOTIFY_MAX_ATTEMPTS, then marked
    failed. `now` fixes the clock (tests); `tls_context` is the SMTP connection's (tests)."""

    def clock() -> datetime:
        return now or utc_now()

    sent = retried = failed = 0
    failures: list[Failure] = []
    for row in read_due_notifications(engine, clock(), limit).iter_rows(named=True):
        notification_id = int(row["notification_id"])
        if not claim_notification(engine, notification_id, clock()):
            continue  # another sender has it, or has just finished it
        try:
            deliver(row, settings, tls_context)
        except PulseError as error:
            moment = clock()
            retry_at = None
            if isinstance(error, WebhookError) and error.retry_after is not None:
                retry_at = moment + timedelta(seconds=error.retry_after)
            attempt = record_attempt(
                engine, notification_id, False, str(error), moment, settings.notify_max_attempts, retry_at
            )
            failed += attempt.status == "failed"
            retried += attempt.status == "pending"
            failures.append(
                Failure(
                    notification_id=notification_id,
                    case_id=int(row["case_id"]),
                    channel=str(row["notification_channel"]),
                    target=str(row["target"]),
                    attempts=attempt.attempts,
                    error=str(error),
                    gave_up=attempt.status == "failed",
                    next_attempt_at=attempt.next_attempt_at,
                )
            )
        else:
            record_attempt(engine, notification_id, True, None, clock(), settings.notify_max_attempts)
            sent += 1
    return SendCounts(sent, retried, failed, tuple(failures))
