"""Pipeline and collector runs: when, what they counted, and how they ended: "ok", "failed", or "interrupted"
(stopped by Ctrl-C, or its process killed).

A run keeps the id and host of its process. A process killed outright (SIGKILL, the machine restarting) cannot
record its end, so its run would stay "running" for ever: every new run marks the runs of this host that are
still "running" but whose process is gone as "interrupted", and `read_runs` shows them so at once. Runs of
another host (several machines on one PostgreSQL store) are left to that host's next run.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, select

from store.engine import inserted_id, reading, writing
from store.frames import read_frame
from store.schema import runs
from store.state import bump_data_version, utc_now

RUNNING, INTERRUPTED = "running", "interrupted"
INTERRUPTED_MESSAGE = "Interrupted: its process ended before the run did (killed, or the machine restarted)."
HOST = socket.gethostname()
# the columns that may all be NULL (runs still running, runs from before 0010), typed for those who read them
RUN_SCHEMA = {
    "finished_at": pl.Datetime("us", "UTC"),
    "message": pl.String,
    "pid": pl.Int64,
    "host": pl.String,
}


@dataclass
class RecordedRun:
    """A run being recorded: set `counts` as the work goes, and `message` to a warning a run that ends well
    still has (kept as its message); `save_cursor` remembers where it got to."""

    engine: Engine
    id: int
    counts: dict[str, Any] = field(default_factory=dict)
    message: str | None = None

    def save_cursor(self, cursor: str) -> None:
        save_cursor(self.engine, self.id, cursor)


@contextmanager
def recorded_run(
    engine: Engine, kind: str, name: str, versions: dict[str, str] | None = None
) -> Iterator[RecordedRun]:
    """Record a run of a collector or a pipeline step: started now, finished "ok" with its counts when the
    block ends, "failed" with the counts so far and the error's message when it raises (the error goes on), or
    "interrupted" when Ctrl-C or a signal stops it."""
    run = RecordedRun(engine, start_run(engine, kind, name, versions))
    try:
        yield run
    except Exception as error:
        finish_run(engine, run.id, "failed", run.counts, message=str(error))
        raise
    except BaseException as stop:  # KeyboardInterrupt, SystemExit
        finish_run(engine, run.id, INTERRUPTED, run.counts, message=f"Stopped ({type(stop).__name__}).")
        raise
    finish_run(engine, run.id, "ok", run.counts, message=run.message)


def start_run(engine: Engine, kind: str, name: str, versions: dict[str, str] | None = None) -> int:
    """Record a run as started by this process, first marking the runs whose process is gone (see above)."""
    with writing(engine) as connection:
        mark_interrupted_runs(connection)
        inserted = connection.execute(
            runs.insert().values(
                kind=kind,
                name=name,
                started_at=utc_now(),
                status=RUNNING,
                counts={},
                versions=versions or {},
                pid=os.getpid(),
                host=HOST,
            )
        )
    return inserted_id(inserted)


def mark_interrupted_runs(connection: Connection) -> int:
    """Mark as "interrupted" the runs still "running" whose process is gone from this host; returns how many."""
    running = connection.execute(
        select(runs.c.id, runs.c.pid, runs.c.host).where(runs.c.status == RUNNING, runs.c.host == HOST)
    ).all()
    gone = [run_id for run_id, pid, host in running if process_is_gone(pid, host)]
    if gone:
        connection.execute(
            runs.update().where(runs.c.id.in_(gone)).values(status=INTERRUPTED, message=INTERRUPTED_MESSAGE)
        )
    return len(gone)


def process_is_gone(pid: int | None, host: str | None) -> bool:
    """Whether the process `pid` of `host` is known to have ended: only this host's processes can be checked."""
    if (
        pid is None or host != HOST or os.name != "posix"
    ):  # on Windows, os.kill(pid, 0) would stop the process
        return False
    try:
        os.kill(pid, 0)  # signal 0: checks that the process exists, sends nothing
    except ProcessLookupError:
        return True
    except PermissionError:  # it exists, run by another user
        return False
    return False


def finish_run(
    engine: Engine, run_id: int, status: str, counts: dict[str, Any], message: str | None = None
) -> None:
    with writing(engine) as connection:
        connection.execute(
            runs.update()
            .where(runs.c.id == run_id)
            .values(status=status, counts=counts, message=message, finished_at=utc_now())
        )
        bump_data_version(connection)


def read_runs(engine: Engine, limit: int = 50) -> pl.DataFrame:
    """The newest runs, newest first; a run still "running" whose process is gone from this host is shown as
    "interrupted" (the next run stores it so)."""
    with reading(engine) as connection:
        frame = read_frame(
            connection, select(runs).order_by(runs.c.id.desc()).limit(limit), schema=RUN_SCHEMA
        )
    return frame if frame.is_empty() else _interrupted_shown(frame)


def _interrupted_shown(frame: pl.DataFrame) -> pl.DataFrame:
    gone = [
        row["status"] == RUNNING and process_is_gone(row["pid"], row["host"])
        for row in frame.select("status", "pid", "host").iter_rows(named=True)
    ]
    stopped = pl.Series(gone, dtype=pl.Boolean)
    return frame.with_columns(
        status=pl.when(stopped).then(pl.lit(INTERRUPTED)).otherwise(pl.col("status")),
        message=pl.when(stopped).then(pl.lit(INTERRUPTED_MESSAGE)).otherwise(pl.col("message")),
    )


def save_cursor(engine: Engine, run_id: int, cursor: str) -> None:
    """Remember where this collector run got to; the next run of the same collector resumes there."""
    with writing(engine) as connection:
        connection.execute(runs.update().where(runs.c.id == run_id).values(cursor=cursor))


def read_last_cursor(engine: Engine, name: str) -> str | None:
    """The newest cursor saved by a run of the collector `name` (finished or not), or None."""
    with reading(engine) as connection:
        return connection.execute(
            select(runs.c.cursor)
            .where(runs.c.kind == "collector", runs.c.name == name, runs.c.cursor.is_not(None))
            .order_by(runs.c.id.desc())
            .limit(1)
        ).scalar()
