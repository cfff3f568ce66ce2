"""`pulse worker` and `pulse jobs init | defer | status`: the job queue (jobs/), on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import click

from cli.context import Context, with_context
from cli.options import Day
from cli.printing import json_default
from pulse.errors import InputError


@contextmanager
def _open_queue(context: Context, tasks_from: tuple[str, ...] = (), check: bool = True) -> Iterator[Any]:
    from jobs.app import build_app, check_queue, queue_conninfo

    app = build_app(context.settings, tasks_from)
    with app.open():
        if check:
            check_queue(app, _where(queue_conninfo(context.settings)))
        yield app


def _where(conninfo: str) -> str:
    """The queue's database for messages, without its password."""
    from urllib.parse import urlsplit

    parts = urlsplit(conninfo)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"postgresql://{parts.username + '@' if parts.username else ''}{host}{port}{parts.path}"


def _workspace(context: Context, workspace: str | None) -> str:
    """--workspace, else `pulse --workspace` or PULSE_WORKSPACE; checked to exist."""
    from store.workspaces import check_slug, workspace_engine

    name = check_slug(workspace) if workspace else context.workspace
    workspace_engine(
        context.settings.database_url, name
    ).dispose()  # an InputError, with a hint, when missing
    return name


@click.command()
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Jobs this worker runs at once (in threads). Scoring and themes use every core already: for more "
    "throughput run more workers, on this machine or others.",
)
@click.option(
    "--queues",
    default=None,
    metavar="Q1,Q2",
    help="Take jobs from these queues only: collect (the live sources), pipeline (scoring, themes, the "
    "digest), housekeeping (the schedules and recovery). Default: all three.",
)
@click.option(
    "--tasks-from",
    "tasks_from",
    multiple=True,
    metavar="MODULE",
    help="Also run the tasks that MODULE's register(app, settings) adds (the tests' own tasks).",
)
@with_context
def worker(context: Context, concurrency: int, queues: str | None, tasks_from: tuple[str, ...]) -> None:
    """Take jobs from the queue (collections, scoring, themes, the weekly digest) and run them until stopped
    (Ctrl-C or SIGTERM: the running jobs finish first). Start one or more on each machine; they share the work.

    Needs: PULSE_DATABASE_URL (the store) and the queue's PostgreSQL, PULSE_QUEUE_URL (default: the store's
    database when it is PostgreSQL), on which `pulse jobs init` ran once; the live sources' and SMTP settings
    as `pulse collect` and `pulse digest --send` need them. Every worker also runs the schedules (collections
    every 4 hours, the digest on Mondays at 07:00 in PULSE_TIMEZONE): the database defers each job once, however
    many workers run. A worker killed mid-job (SIGKILL, a lost machine) stops sending heartbeats; after
    PULSE_QUEUE_STALLED_SECONDS another worker runs its job again. Logs go to stderr.
    """
    import logging

    from jobs.app import QUEUES, run_worker

    chosen = [name.strip() for name in queues.split(",") if name.strip()] if queues else None
    unknown = [name for name in chosen or [] if name not in QUEUES]
    if unknown:
        raise InputError(f"No queue is called {', '.join(unknown)}.", hint=f"Queues: {', '.join(QUEUES)}.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _ = context.engine  # the store must be there, at the current schema: fail now, with a hint
    from jobs.app import build_app, check_queue, queue_conninfo

    app = build_app(context.settings, tasks_from)
    with app.open():
        check_queue(app, _where(queue_conninfo(context.settings)))
    click.echo(
        f"Pulse worker: {concurrency} at once, queues {', '.join(chosen or QUEUES)}; stop with Ctrl-C.",
        err=True,
    )
    run_worker(app, concurrency, chosen)


@click.group()
def jobs() -> None:
    """The job queue that `pulse worker` takes jobs from: set it up, add jobs, see what it holds."""


@jobs.command("init")
@with_context
def jobs_init(context: Context) -> None:
    """Add the queue's tables to its PostgreSQL database (PULSE_QUEUE_URL, else the store's); running it again
    changes nothing."""
    from jobs.app import init_queue, queue_conninfo

    with _open_queue(context, check=False) as app:
        added = init_queue(app)
    where = _where(queue_conninfo(context.settings))
    click.echo(
        f"Added the job queue's tables to {where}." if added else f"The job queue at {where} is ready."
    )


@jobs.command("defer")
@click.argument("kind", type=click.Choice(["collect", "analyze", "themes", "digest"]))
@click.option(
    "--workspace",
    default=None,
    help="The workspace (default: `pulse --workspace`, else PULSE_WORKSPACE, else `default`).",
)
@click.option(
    "--source", default=None, help="collect: only this live source (default: every configured one)."
)
@click.option("--week", type=Day(), metavar="YYYY-MM-DD", help="digest: any day of the week to send.")
@with_context
def jobs_defer(
    context: Context, kind: str, workspace: str | None, source: str | None, week: datetime | None
) -> None:
    """Add a job to the queue now: collect (one per live source), analyze, themes or digest (sent by email),
    for one workspace. A job like it that is waiting already is not added twice."""
    from jobs.steps import live_source_names
    from jobs.tasks import TASKS_BY_KIND, defer_job

    if source and kind != "collect":
        raise InputError("--source is for collect.", hint="Leave it out, or defer collect.")
    if week and kind != "digest":
        raise InputError("--week is for the digest.", hint="Leave it out, or defer digest.")
    workspace = _workspace(context, workspace)
    task = TASKS_BY_KIND[kind]
    if kind == "collect":
        names = live_source_names(context.settings)
        if source:
            names = [name for name in names if name.lower().startswith(source.lower())]
        if not names:
            raise InputError(
                f"No configured live source is called {source!r}."
                if source
                else "No live source is configured.",
                hint="`pulse collect --help` and the README's Sources section say how to configure one.",
            )
        targets: list[dict[str, str | None]] = [{"source": name} for name in names]
    else:
        targets = [{"week": week.date().isoformat()}] if week else [{}]
    with _open_queue(context) as app:
        for arguments in targets:
            job_id = defer_job(app, task, workspace, **arguments)
            what = f"{kind} {arguments.get('source') or ''}".strip()
            if job_id is None:
                click.echo(f"{what} for {workspace}: one is waiting already, not added again.")
            else:
                click.echo(f"{what} for {workspace}: job {job_id}.")


@jobs.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_context
def jobs_status(context: Context, as_json: bool) -> None:
    """Jobs by task and status (todo, doing, succeeded, failed...), the workers alive, and the latest failed
    jobs with their error."""
    from jobs.status import read_queue_status

    with _open_queue(context) as app:
        status = read_queue_status(app, context.settings.queue_stalled_seconds)
    if as_json:
        payload = {
            "counts": status.counts,
            "workers": status.workers,
            "waiting_retry": status.waiting_retry,
            "failed": [vars(job) for job in status.failed],
        }
        click.echo(json.dumps(payload, default=json_default, indent=2))
        return
    click.echo(f"Workers alive: {status.workers}")
    if not status.counts:
        click.echo("The queue holds no jobs yet.")
    for task, counts in status.counts.items():
        click.echo(f"{task}: " + ", ".join(f"{count} {state}" for state, count in counts.items()))
    if status.waiting_retry:
        click.echo(f"{status.waiting_retry} jobs failed and wait for their next attempt.")
    for job in status.failed:
        ordered = sorted(job.args.items(), key=lambda item: (item[0] != "workspace", item[0]))
        arguments = ", ".join(f"{key}={value}" for key, value in ordered)
        click.echo(f"Failed: job {job.id} {job.task}({arguments}) after {job.attempts} attempts: {job.error}")
