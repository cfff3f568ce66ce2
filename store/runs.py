"""Pipeline and collector runs: when, what they counted, and how they ended."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy import Engine, select

from store.engine import inserted_id, reading, writing
from store.frames import read_frame
from store.schema import runs
from store.state import bump_data_version, utc_now


@dataclass
class RecordedRun:
    """A run being recorded: set `counts` as the work goes; `save_cursor` remembers where it got to."""

    engine: Engine
    id: int
    counts: dict[str, Any] = field(default_factory=dict)

    def save_cursor(self, cursor: str) -> None:
        save_cursor(self.engine, self.id, cursor)


@contextmanager
def recorded_run(
    engine: Engine, kind: str, name: str, versions: dict[str, str] | None = None
) -> Iterator[RecordedRun]:
    """Record a run of a collector or a pipeline step: started now, finished "ok" with its counts when the
    block ends, or "failed" with the counts so far and the error's message when it raises (the error goes on)."""
    run = RecordedRun(engine, start_run(engine, kind, name, versions))
    try:
        yield run
    except Exception as error:
        finish_run(engine, run.id, "failed", run.counts, message=str(error))
        raise
    finish_run(engine, run.id, "ok", run.counts)


def start_run(engine: Engine, kind: str, name: str, versions: dict[str, str] | None = None) -> int:
    with writing(engine) as connection:
        inserted = connection.execute(
            runs.insert().values(
                kind=kind,
                name=name,
                started_at=utc_now(),
                status="running",
                counts={},
                versions=versions or {},
            )
        )
    return inserted_id(inserted)


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
    with reading(engine) as connection:
        return read_frame(connection, select(runs).order_by(runs.c.id.desc()).limit(limit))


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
