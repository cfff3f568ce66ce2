"""The job queue: a procrastinate App on PostgreSQL (PULSE_QUEUE_URL, else the store's database when that is
PostgreSQL), with Pulse's tasks and schedules registered (jobs/tasks.py), its schema applied once by
`pulse jobs init`, and the worker's options (heartbeats, stalled-worker timeout) from the settings."""

from __future__ import annotations

import importlib
import logging
import socket
from collections.abc import Sequence
from typing import Any

import procrastinate

from pulse.errors import ConfigError, PulseError, StoreError
from pulse.settings import Settings
from store.conninfo import is_postgres_url, postgres_conninfo

logger = logging.getLogger("pulse.jobs")

COLLECT_QUEUE = "collect"  # network-bound: the live sources
PIPELINE_QUEUE = "pipeline"  # CPU-bound: scoring, themes, the digest
HOUSEKEEPING_QUEUE = "housekeeping"  # the schedules' planners, stalled-job recovery, clean-up
QUEUES = (COLLECT_QUEUE, PIPELINE_QUEUE, HOUSEKEEPING_QUEUE)

# Our own record of each failed attempt's error (procrastinate keeps a job's status and events, not why it
# failed): in the queue's database, beside procrastinate's tables, gone with its job.
ERRORS_TABLE = """
CREATE TABLE IF NOT EXISTS pulse_job_errors (
    id bigserial PRIMARY KEY,
    job_id bigint NOT NULL REFERENCES procrastinate_jobs(id) ON DELETE CASCADE,
    attempt integer NOT NULL,
    failed_at timestamp with time zone NOT NULL DEFAULT now(),
    error text NOT NULL
);
CREATE INDEX IF NOT EXISTS pulse_job_errors_job_id ON pulse_job_errors (job_id);
"""


def queue_conninfo(settings: Settings) -> str:
    """The queue's database as a libpq connection string: PULSE_QUEUE_URL, else the store's PostgreSQL."""
    if settings.queue_url:
        return postgres_conninfo(settings.queue_url, "PULSE_QUEUE_URL")
    if is_postgres_url(settings.database_url):
        return postgres_conninfo(settings.database_url, "PULSE_DATABASE_URL")
    raise ConfigError(
        "The job queue needs PostgreSQL, and the store is a SQLite file (PULSE_DATABASE_URL).",
        hint="Set PULSE_QUEUE_URL to a PostgreSQL database (postgresql://user:password@host:5432/dbname) and run "
        "`pulse jobs init`; or keep a SQLite store's schedules in cron or systemd timers (README: \"Running "
        'collectors on a schedule").',
    )


def heartbeat_seconds(settings: Settings) -> float:
    return settings.queue_stalled_seconds / 6


def build_app(settings: Settings, tasks_from: Sequence[str] = ()) -> procrastinate.App:
    """The queue with Pulse's tasks and schedules; `tasks_from` names modules whose `register(app, settings)`
    adds tasks of their own (the tests' tasks)."""
    from jobs.tasks import register_tasks

    heartbeat = heartbeat_seconds(settings)
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=queue_conninfo(settings), min_size=1, max_size=4),
        worker_defaults={
            "update_heartbeat_interval": heartbeat,
            "stalled_worker_timeout": float(settings.queue_stalled_seconds),
            "fetch_job_polling_interval": min(5.0, heartbeat),
            "abort_job_polling_interval": 5.0,
        },
    )
    register_tasks(app, settings)
    for name in tasks_from:
        try:
            module = importlib.import_module(name)
        except ImportError as error:
            raise ConfigError(
                f"Cannot import the tasks module {name!r}: {error}.",
                hint="Name a module on the Python path.",
            ) from error
        module.register(app, settings)
    return app


def queue_is_ready(app: procrastinate.App) -> bool:
    """Whether the queue's tables are there (`pulse jobs init` ran); the app must be open."""
    row = app.connector.get_sync_connector().execute_query_one(
        query="SELECT to_regclass('procrastinate_jobs') IS NOT NULL AND "
        "to_regclass('pulse_job_errors') IS NOT NULL AS ready"
    )
    return bool(row["ready"])


def init_queue(app: procrastinate.App) -> bool:
    """Add the queue's tables (procrastinate's schema, and pulse_job_errors) when missing; True when added.
    Running it again changes nothing."""
    connector = app.connector.get_sync_connector()
    present = connector.execute_query_one(
        query="SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS present"
    )
    if not present["present"]:
        app.schema_manager.apply_schema()
    connector.execute_query(query=ERRORS_TABLE)
    return not present["present"]


def check_queue(app: procrastinate.App, where: str) -> None:
    """A StoreError with a hint when the queue's database cannot be reached or has no queue tables yet."""
    try:
        ready = queue_is_ready(app)
    except PulseError:
        raise
    except Exception as error:  # psycopg's errors, as the pool reports them
        raise StoreError(
            f"Cannot reach the job queue's database ({where}): {str(error).splitlines()[0]}",
            hint="Check PULSE_QUEUE_URL (or PULSE_DATABASE_URL) and that PostgreSQL is running.",
        ) from error
    if not ready:
        raise StoreError(
            f"The job queue's database ({where}) has no queue tables yet.",
            hint="Run `pulse jobs init` once (it adds them, and changes nothing when they are there).",
        )


def worker_name() -> str:
    import os

    return f"{socket.gethostname()}-{os.getpid()}"


def run_worker(app: procrastinate.App, concurrency: int = 1, queues: Sequence[str] | None = None) -> None:
    """Take jobs until stopped (SIGINT or SIGTERM: the running jobs finish first), deferring the schedules'
    jobs as they fall due (every worker runs the scheduler; the database defers each one once)."""
    from jobs.tasks import record_failures

    options: dict[str, Any] = {
        "concurrency": concurrency,
        "name": worker_name(),
        "worker_middleware": [record_failures],
    }
    if queues:
        options["queues"] = list(queues)
    app.run_worker(**options)
