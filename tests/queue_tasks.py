"""Test-only jobs for the queue's tests (`pulse worker --tasks-from tests.queue_tasks`): they hold a lock for a
while and write when they start and end, or fail, with Pulse's own locks and retry strategy."""

from __future__ import annotations

import os
import time
from pathlib import Path

import procrastinate
from procrastinate import JobContext

from jobs.app import PIPELINE_QUEUE
from jobs.tasks import retry_strategy
from pulse.errors import ConfigError
from pulse.settings import Settings

HOLD = "test.hold"
FAIL = "test.fail"


def register(app: procrastinate.App, settings: Settings) -> None:
    retry = retry_strategy(settings)

    @app.task(name=HOLD, queue=PIPELINE_QUEUE, retry=retry, pass_context=True)
    def hold(
        context: JobContext, workspace: str, source: str, log: str, seconds: float, later: float = 0.0
    ) -> None:
        """Write "start", sleep `seconds` (`later` on a second attempt), write "end": one line each, with the
        job, the attempt, this process and the time."""
        job = context.job
        pause = seconds if job.attempts == 0 else later
        write(log, "start", source, job.id, job.attempts)
        time.sleep(pause)
        write(log, "end", source, job.id, job.attempts)

    @app.task(name=FAIL, queue=PIPELINE_QUEUE, retry=retry)
    def fail(workspace: str, source: str, setting: bool = False) -> None:
        if setting:
            raise ConfigError("PULSE_SMTP_HOST is not set.", hint="Set it to your provider's SMTP server.")
        raise RuntimeError("the source is down")


def write(log: str, event: str, source: str, job_id: int | None, attempt: int) -> None:
    with Path(log).open("a", encoding="utf-8") as file:
        file.write(f"{event} {source} {job_id} {attempt} {os.getpid()} {time.time():.3f}\n")


def read_log(log: Path) -> list[tuple[str, str, int, int, int, float]]:
    if not log.exists():
        return []
    rows = []
    for line in log.read_text(encoding="utf-8").splitlines():
        event, source, job_id, attempt, pid, moment = line.split()
        rows.append((event, source, int(job_id), int(attempt), int(pid), float(moment)))
    return rows
