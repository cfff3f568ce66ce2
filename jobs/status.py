"""What the queue holds, for `pulse jobs status`: jobs by task and status, the failed ones with their last
error, and the workers alive (a heartbeat within PULSE_QUEUE_STALLED_SECONDS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import procrastinate


@dataclass(frozen=True)
class FailedJob:
    id: int
    task: str
    args: dict[str, Any]
    attempts: int
    failed_at: datetime | None
    error: str | None


@dataclass(frozen=True)
class QueueStatus:
    counts: dict[str, dict[str, int]]  # task -> status -> jobs
    failed: list[FailedJob]
    waiting_retry: int  # jobs to do that failed before and wait for their next attempt
    workers: int


def read_queue_status(app: procrastinate.App, stalled_seconds: int, failed_limit: int = 10) -> QueueStatus:
    """The queue's state now; the app must be open."""
    connector = app.connector.get_sync_connector()
    counts: dict[str, dict[str, int]] = {}
    for row in connector.execute_query_all(
        query="SELECT task_name, status::text AS status, count(*) AS jobs FROM procrastinate_jobs "
        "GROUP BY task_name, status ORDER BY task_name, status"
    ):
        counts.setdefault(row["task_name"], {})[row["status"]] = int(row["jobs"])
    failed = [
        FailedJob(
            int(row["id"]),
            row["task_name"],
            dict(row["args"]),
            int(row["attempts"]),  # procrastinate counts the failed last attempt too
            row["failed_at"],
            row["error"],
        )
        for row in connector.execute_query_all(
            query="SELECT job.id, job.task_name, job.args, job.attempts, error.failed_at, error.error "
            "FROM procrastinate_jobs job LEFT JOIN LATERAL (SELECT failed_at, error FROM pulse_job_errors e "
            "WHERE e.job_id = job.id ORDER BY e.id DESC LIMIT 1) error ON true "
            "WHERE job.status = 'failed' ORDER BY job.id DESC LIMIT %(limit)s",
            limit=failed_limit,
        )
    ]
    waiting = connector.execute_query_one(
        query="SELECT count(*) AS jobs FROM procrastinate_jobs WHERE status = 'todo' AND attempts > 0"
    )
    workers = connector.execute_query_one(
        query="SELECT count(*) AS workers FROM procrastinate_workers "
        "WHERE last_heartbeat >= now() - make_interval(secs => %(seconds)s)",
        seconds=stalled_seconds,
    )
    return QueueStatus(counts, failed, int(waiting["jobs"]), int(workers["workers"]))


def read_job_errors(app: procrastinate.App, job_id: int) -> list[tuple[int, datetime, str]]:
    """Every failed attempt of one job: (attempt, when, error), first first."""
    rows = app.connector.get_sync_connector().execute_query_all(
        query="SELECT attempt, failed_at, error FROM pulse_job_errors WHERE job_id = %(job_id)s ORDER BY id",
        job_id=job_id,
    )
    return [(int(row["attempt"]), row["failed_at"], row["error"]) for row in rows]
