"""Pulse's jobs and schedules on the queue. Every job names its workspace; each runs the step that the
command line runs (jobs/steps.py) on that workspace's store.

- Never twice at once: a job holds a procrastinate `lock`: "collect:WORKSPACE:SOURCE" for a collection, and
  "store:WORKSPACE" for scoring, themes and the digest, so that a workspace's pipeline steps run one at a time in
  the order they were deferred (procrastinate runs the jobs of one lock in order). A `queueing_lock`
  ("TASK:WORKSPACE[:SOURCE]") keeps one waiting job of each kind: a schedule that fires while one waits adds none.
- Retries: a failed job is tried again after PULSE_QUEUE_RETRY_SECONDS, its square, its cube...
  (procrastinate's RetryStrategy, exponential_wait), PULSE_QUEUE_MAX_ATTEMPTS attempts in all; a setting or
  input error (which waiting does not mend) is not retried. Each failed attempt is logged with its error and
  recorded in pulse_job_errors for `pulse jobs status`.
- A killed worker: workers send heartbeats; `recover_stalled`, a periodic job, hands the running jobs of a
  worker silent for PULSE_QUEUE_STALLED_SECONDS back to the queue (procrastinate's documented recipe).
- Schedules, in the queue's scheduler (every worker runs it; the database defers each tick's job once):
  collections every 4 hours (at :15, UTC), one job per live source and workspace; scoring after a collection
  that added feedback, themes after scoring that scored something; on Mondays at 07:00 in PULSE_TIMEZONE, for
  each workspace, scoring, themes and the digest of the week that has just ended, in that order.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import procrastinate
from procrastinate import JobContext, RetryStrategy
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.retry import RetryDecision

from jobs.app import COLLECT_QUEUE, HOUSEKEEPING_QUEUE, PIPELINE_QUEUE, logger
from pulse.errors import ConfigError, InputError, PulseError
from pulse.progress import Progress
from pulse.settings import Settings
from store.workspaces import list_workspaces, workspace_engine

if TYPE_CHECKING:
    from procrastinate.jobs import Job

    from analysis.ray_pipeline import Scoring
    from store.engine import Engine

COLLECT = "pulse.collect"
ANALYZE = "pulse.analyze"
THEMES = "pulse.themes"
DIGEST = "pulse.digest"
PIPELINE_TASKS = (ANALYZE, THEMES, DIGEST)
TASKS_BY_KIND = {"collect": COLLECT, "analyze": ANALYZE, "themes": THEMES, "digest": DIGEST}
COLLECT_CRON = "15 */4 * * *"  # every 4 hours, at 00:15, 04:15... UTC
DIGEST_PLAN_CRON = "0 * * * *"  # hourly: the planner defers the digest at DIGEST_HOUR on Mondays, local time
DIGEST_WEEKDAY, DIGEST_HOUR = 0, 7  # Monday, 07:00 in PULSE_TIMEZONE
CLEAN_CRON = "30 3 * * *"
KEEP_FINISHED_HOURS = 7 * 24  # finished jobs kept for `pulse jobs status`; failed ones until removed by hand
KEEP_HOUSEKEEPING_HOURS = 1
PROGRESS_EVERY_S = 10.0


def job_locks(task: str, workspace: str, source: str | None = None) -> tuple[str, str]:
    """The (lock, queueing_lock) of a job: see the module's docstring."""
    kind = task.removeprefix("pulse.")
    key = f"{workspace}:{source}" if source else workspace
    if task in PIPELINE_TASKS:
        return f"store:{workspace}", f"{kind}:{key}"
    return f"{kind}:{key}", f"{kind}:{key}"


def defer_job(
    app: procrastinate.App, task: str, workspace: str, source: str | None = None, **arguments: Any
) -> int | None:
    """Put one job on the queue with its locks; returns its id, or None when one like it is waiting already."""
    lock, queueing_lock = job_locks(task, workspace, source)
    kwargs: dict[str, Any] = {"workspace": workspace, **arguments}
    if source is not None:
        kwargs["source"] = source
    try:
        job_id = app.configure_task(task, lock=lock, queueing_lock=queueing_lock).defer(**kwargs)
    except AlreadyEnqueued:
        logger.info("%s for %s is waiting already: not deferred again", task, queueing_lock)
        return None
    logger.info("Deferred %s %s as job %s", task, kwargs, job_id)
    return job_id


class PulseRetry(RetryStrategy):
    """procrastinate's RetryStrategy, with `max_attempts` counting every attempt (procrastinate counts the
    retries after the first), and no retry for errors that waiting does not mend (a missing setting, bad
    input): those fail at once, with their message and hint."""

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if isinstance(exception, (ConfigError, InputError)):
            return None
        if self.max_attempts is not None and job.attempts + 1 >= self.max_attempts:
            return None
        return super().get_retry_decision(exception=exception, job=job)


def retry_strategy(settings: Settings) -> PulseRetry:
    return PulseRetry(max_attempts=settings.queue_max_attempts, exponential_wait=settings.queue_retry_seconds)


def describe_error(error: BaseException) -> str:
    if isinstance(error, PulseError):
        return f"{error.message} Hint: {error.hint}" if error.hint else error.message
    return f"{type(error).__name__}: {error}"


async def record_failures(call_next: Callable[[], Awaitable[Any]], context: JobContext, worker: Any) -> Any:
    """Worker middleware: a job's failed attempt is logged with its error and kept in pulse_job_errors."""
    try:
        return await call_next()
    except Exception as error:
        job = context.job
        message = describe_error(error)
        logger.error("Job %s (%s, attempt %s) failed: %s", job.id, job.call_string, job.attempts + 1, message)
        await context.app.connector.execute_query_async(
            query="INSERT INTO pulse_job_errors (job_id, attempt, error) VALUES (%(job_id)s, %(attempt)s, %(error)s)",
            job_id=job.id,
            attempt=job.attempts + 1,
            error=message[:4000],
        )
        raise


_engines: dict[tuple[str, str], Engine] = {}
_engines_lock = threading.Lock()


def store_engine(settings: Settings, workspace: str) -> Engine:
    """The workspace's engine, built once per worker process."""
    key = (settings.database_url, workspace)
    with _engines_lock:
        if key not in _engines:
            _engines[key] = workspace_engine(settings.database_url, workspace)
        return _engines[key]


def log_progress(label: str, unit: str) -> Progress:
    """A Progress that logs "label: done / total unit (rate/s)" at most every PROGRESS_EVERY_S, and at the end."""
    started = time.monotonic()
    last = [0.0]

    def update(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_EVERY_S and done < total:
            return
        last[0] = now
        rate = done / (now - started) if now > started else 0.0
        logger.info("%s: %s / %s %s (%.1f %s/s)", label, f"{done:,}", f"{total:,}", unit, rate, unit)

    return update


class _LogListener:
    """analyze_store's progress, as log lines."""

    def __init__(self, workspace: str) -> None:
        self.workspace = workspace

    def scoring(self, total: int) -> Any:
        from contextlib import nullcontext

        logger.info("[%s] Scoring %s feedback items", self.workspace, f"{total:,}")
        return nullcontext(log_progress(f"[{self.workspace}] Scoring feedback", "texts"))

    def scored(self, scoring: Scoring | None) -> None:
        count = scoring.scored if scoring is not None else 0
        where = f" on Ray at {scoring.address}" if scoring is not None and scoring.address else ""
        logger.info("[%s] Scored %s feedback items%s", self.workspace, count, where)

    def fitting(self, orders: int) -> None:
        logger.info("[%s] Fitting customer lifetime value on %s orders", self.workspace, f"{orders:,}")


def register_tasks(app: procrastinate.App, settings: Settings) -> None:
    """Pulse's tasks and schedules on `app`, configured from `settings`."""
    retry = retry_strategy(settings)

    @app.task(name=COLLECT, queue=COLLECT_QUEUE, retry=retry, pass_context=True)
    def collect(context: JobContext, workspace: str, source: str) -> dict[str, int]:
        """Collect one live source into one workspace; scoring follows when it added feedback."""
        from jobs.steps import collect_sources

        items = [0]

        def on_items(name: str, count: int) -> None:
            items[0] += count

        (outcome,) = collect_sources(store_engine(settings, workspace), settings, [source], on_items)
        if outcome.error is not None:
            raise outcome.error
        assert outcome.result is not None
        counts = outcome.result.as_dict()
        logger.info("[%s] %s: %s (%.1f s)", workspace, source, counts, outcome.seconds)
        if outcome.result.new:
            defer_job(context.app, ANALYZE, workspace)
        return counts

    @app.task(name=ANALYZE, queue=PIPELINE_QUEUE, retry=retry, pass_context=True)
    def analyze(context: JobContext, workspace: str) -> dict[str, int]:
        """`pulse analyze` on one workspace; themes follow when it scored something."""
        from jobs.steps import analyze_store

        run = analyze_store(store_engine(settings, workspace), settings, _LogListener(workspace))
        logger.info(
            "[%s] Analyzed: %s scored, %s cases opened, %s open, %s overdue",
            workspace,
            run.scored,
            run.follow_up.made.count,
            run.tally.open,
            run.tally.overdue,
        )
        if run.scored:
            defer_job(context.app, THEMES, workspace)
        return {"scored": run.scored, "cases_opened": run.follow_up.made.count}

    @app.task(name=THEMES, queue=PIPELINE_QUEUE, retry=retry)
    def themes(workspace: str) -> dict[str, Any]:
        """`pulse themes update` on one workspace."""
        from jobs.steps import update_store_themes

        progress = log_progress(f"[{workspace}] Embedding for a refit", "texts")
        run = update_store_themes(store_engine(settings, workspace), settings, progress)
        logger.info("[%s] Themes: %s (%s themed, %s themes)", workspace, run.action, run.themed, run.topics)
        return {"action": run.action, "themed": run.themed, "topics": run.topics}

    @app.task(name=DIGEST, queue=PIPELINE_QUEUE, retry=retry)
    def digest(workspace: str, week: str | None = None) -> dict[str, Any]:
        """`pulse digest --send --week WEEK` on one workspace."""
        from jobs.steps import send_weekly_digest

        day = date.fromisoformat(week) if week else None
        sent = send_weekly_digest(store_engine(settings, workspace), settings, day)
        logger.info(
            "[%s] Sent %r to %s via %s", workspace, sent.subject, ", ".join(sent.recipients), sent.via
        )
        return {"subject": sent.subject, "recipients": len(sent.recipients)}

    @app.periodic(cron=COLLECT_CRON, periodic_id="collect")
    @app.task(name="pulse.plan_collections", queue=HOUSEKEEPING_QUEUE, pass_context=True)
    def plan_collections_job(context: JobContext, timestamp: int) -> int:
        return len(plan_collections(context.app, settings))

    @app.periodic(cron=DIGEST_PLAN_CRON, periodic_id="digest")
    @app.task(name="pulse.plan_digests", queue=HOUSEKEEPING_QUEUE, pass_context=True)
    def plan_digests_job(context: JobContext, timestamp: int) -> int:
        return len(plan_digests(context.app, settings, timestamp))

    @app.periodic(cron=recovery_cron(settings.queue_stalled_seconds), periodic_id="recover")
    @app.task(
        name="pulse.recover_stalled",
        queue=HOUSEKEEPING_QUEUE,
        queueing_lock="recover_stalled",
        pass_context=True,
    )
    async def recover_stalled(context: JobContext, timestamp: int) -> int:
        """The running jobs of workers without a heartbeat for PULSE_QUEUE_STALLED_SECONDS, back to the queue."""
        manager = context.app.job_manager
        stalled = list(await manager.get_stalled_jobs(seconds_since_heartbeat=settings.queue_stalled_seconds))
        for job in stalled:
            logger.warning(
                "Job %s (%s) was running on a worker that stopped: running it again", job.id, job.call_string
            )
            await manager.retry_job(job)
        return len(stalled)

    @app.periodic(cron=CLEAN_CRON, periodic_id="clean")
    @app.task(name="pulse.clean_up", queue=HOUSEKEEPING_QUEUE, queueing_lock="clean_up", pass_context=True)
    async def clean_up(context: JobContext, timestamp: int) -> None:
        """Finished jobs older than a week, and the housekeeping jobs' older than an hour, are deleted."""
        manager = context.app.job_manager
        await manager.delete_old_jobs(nb_hours=KEEP_FINISHED_HOURS)
        await manager.delete_old_jobs(nb_hours=KEEP_HOUSEKEEPING_HOURS, queue=HOUSEKEEPING_QUEUE)


def recovery_cron(stalled_seconds: int) -> str:
    """How often the stalled-job check runs: every half of PULSE_QUEUE_STALLED_SECONDS, rounded down to a
    divisor of a minute (60 s: every 30 s; at most every minute)."""
    step = max(d for d in range(1, 61) if 60 % d == 0 and d <= max(1, stalled_seconds // 2))
    return "* * * * *" if step == 60 else f"* * * * * */{step}"


def plan_collections(app: procrastinate.App, settings: Settings) -> list[int]:
    """The 4-hourly schedule: one collect job per configured live source of each workspace (none added for a
    source whose previous job is still waiting)."""
    from jobs.steps import live_source_names

    sources = live_source_names(settings)
    if not sources:
        logger.info("No live source is configured: nothing to collect")
    deferred = []
    for workspace in list_workspaces(settings.database_url):
        for source in sources:
            job_id = defer_job(app, COLLECT, workspace, source)
            if job_id is not None:
                deferred.append(job_id)
    return deferred


def plan_digests(app: procrastinate.App, settings: Settings, timestamp: float) -> list[int]:
    """The weekly schedule, checked hourly: at 07:00 on Monday in PULSE_TIMEZONE, for each workspace, scoring,
    themes and the digest of the week that has just ended (yesterday's), in that order (one lock). Nothing when
    no PULSE_DIGEST_RECIPIENTS are set."""
    local = datetime.fromtimestamp(timestamp, ZoneInfo(settings.timezone))
    if local.weekday() != DIGEST_WEEKDAY or local.hour != DIGEST_HOUR:
        return []
    if not settings.digest_recipients:
        logger.info("PULSE_DIGEST_RECIPIENTS is not set: no weekly digest is sent")
        return []
    week = (local.date() - timedelta(days=1)).isoformat()
    deferred = []
    for workspace in list_workspaces(settings.database_url):
        for task, arguments in ((ANALYZE, {}), (THEMES, {}), (DIGEST, {"week": week})):
            job_id = defer_job(app, task, workspace, **arguments)
            if job_id is not None:
                deferred.append(job_id)
    return deferred
