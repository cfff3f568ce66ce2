"""The collector contract: a source becomes feedback records (and kept rejects) in the store."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Engine

from store.feedback import FeedbackRecord, Rejected, SourceSpec, upsert_feedback
from store.runs import finish_run, start_run

Progress = Callable[[int], None]


@dataclass
class SourceBatch:
    """What a collector read from one source: the records, and the rows it could not use."""

    source: SourceSpec
    records: Iterable[FeedbackRecord]
    rejects: list[Rejected] = field(default_factory=list)


@dataclass
class CollectResult:
    """Counts of one collector run, per the whole run."""

    new: int = 0
    duplicate: int = 0
    rejected: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"new": self.new, "duplicate": self.duplicate, "rejected": self.rejected}


class Collector(Protocol):
    """Anything with a name that yields SourceBatches."""

    name: str

    def collect(self) -> Iterator[SourceBatch]: ...


def run_collector(engine: Engine, collector: Collector, progress: Progress | None = None) -> CollectResult:
    """Collect into the store, recording the run; rerunning adds nothing already stored."""
    run_id = start_run(engine, "collector", collector.name)
    result = CollectResult()
    try:
        for batch in collector.collect():
            counts = upsert_feedback(engine, batch.source, batch.records, batch.rejects, run_id=run_id)
            result.new += counts.new
            result.duplicate += counts.duplicate
            result.rejected += counts.rejected
            if progress:
                progress(counts.new + counts.duplicate + counts.rejected)
    except Exception as error:
        finish_run(engine, run_id, "failed", result.as_dict(), message=str(error))
        raise
    finish_run(engine, run_id, "ok", result.as_dict())
    return result
