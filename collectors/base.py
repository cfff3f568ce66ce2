"""The collector contract: a source becomes feedback (a FeedbackFrame per batch, the one shape the store takes:
store/records.py) and kept rejects in the store. The store's author salt is handed to collectors in their
CollectContext, and passed on explicitly to whatever hashes an author (`hash_author`)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from pulse.identity import is_placeholder_identity
from store.authors import read_author_salt, salted_hash
from store.contacts import stored_contact_hashes, write_encrypted_contacts
from store.daily_counts import refresh_daily_counts
from store.engine import Engine, bulk_writes
from store.feedback import prepare_feedback, read_external_ids, remove_feedback, upsert_feedback
from store.records import FeedbackFrame, Rejected, SourceSpec
from store.runs import RecordedRun, read_last_cursor, recorded_run

Progress = Callable[[int], None]
T = TypeVar("T")


def hash_author(author: str | None, salt: str) -> str | None:
    """The hash of an author's name, email or id, salted with `salt` (the store's: CollectContext.author_salt;
    "" for a plain sha256), so that Pulse never stores who wrote; None when empty or a placeholder that names
    no one ("anonymous", "n/a", "-": pulse.identity), so that anonymous answers are not all one person."""
    text = author.strip() if author else ""
    if is_placeholder_identity(text):
        return None
    return salted_hash(text, salt)


@dataclass
class SourceBatch:
    """What a collector read from one source (often one page of an API): the records, the rows it could not
    use, the external ids that were deleted at the source, and where the next run should resume."""

    source: SourceSpec
    records: FeedbackFrame = field(
        default_factory=FeedbackFrame.empty
    )  # FeedbackFrame.of(records) or by columns
    rejects: list[Rejected] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    cursor: str | None = None  # saved only after this batch's records are stored, so a crash never skips any
    # respondents' contact details, already encrypted (Fernet tokens by author hash: store/contacts.py); stored
    # after the batch's records, each hash once (a contact already stored is kept)
    contacts: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class CollectContext:
    """What a collector may know of the store: its last saved cursor, the ids already stored, how to make
    records ready for its fastest insert, the salt that its authors are hashed with (`hash_author`), and which
    authors already have contact details stored (so that it encrypts only the others)."""

    cursor: str | None
    stored_ids: Callable[[SourceSpec], list[str]]  # external ids of a source, newest first
    prepare: Callable[[FeedbackFrame], FeedbackFrame] = lambda records: records  # done in a producer thread
    author_salt: str = ""  # the store's; "" outside a store (plain sha256)
    stored_contacts: Callable[[Sequence[str]], set[str]] = lambda author_hashes: set()  # those with a contact


@dataclass
class CollectResult:
    """Counts of one collector run, per the whole run."""

    new: int = 0
    duplicate: int = 0
    rejected: int = 0
    removed: int = 0
    contacts: int = 0  # respondents' contact details stored (encrypted), for those that had none

    def as_dict(self) -> dict[str, int]:
        return {
            "new": self.new,
            "duplicate": self.duplicate,
            "rejected": self.rejected,
            "removed": self.removed,
            **({"contacts": self.contacts} if self.contacts else {}),
        }


class Collector(Protocol):
    """Anything with a name that yields SourceBatches."""

    name: str

    def collect(self, context: CollectContext) -> Iterator[SourceBatch]: ...


def run_collector(engine: Engine, collector: Collector, progress: Progress | None = None) -> CollectResult:
    """Collect into the store, recording the run; rerunning adds nothing already stored."""
    context = CollectContext(
        cursor=read_last_cursor(engine, collector.name),
        stored_ids=lambda source: read_external_ids(engine, source),
        prepare=lambda records: prepare_feedback(engine, records),
        author_salt=read_author_salt(engine),
        stored_contacts=lambda author_hashes: stored_contact_hashes(engine, author_hashes),
    )
    result = CollectResult()
    with recorded_run(engine, "collector", collector.name) as run:
        try:
            with bulk_writes(engine):
                _store_batches(engine, collector.collect(context), run, result, progress)
        finally:
            run.counts = result.as_dict()  # what was stored, also when the run failed
    refresh_daily_counts(engine)  # days left marked (a failed run or refresh) are counted by the next writer
    from analysis.impact_pipeline import refresh_rollout_impacts  # the pipeline's step: not at start-up

    refresh_rollout_impacts(engine)  # the rollouts' verdicts, judged again on the new feedback
    return result


def _store_batches(
    engine: Engine,
    batches: Iterable[SourceBatch],
    run: RecordedRun,
    result: CollectResult,
    progress: Progress | None,
) -> None:
    for batch in batches:
        counts = upsert_feedback(engine, batch.source, batch.records, batch.rejects, run_id=run.id)
        result.new += counts.new
        result.duplicate += counts.duplicate
        result.rejected += counts.rejected
        if batch.removed:
            result.removed += remove_feedback(engine, batch.source, batch.removed)
        if batch.contacts:
            result.contacts += write_encrypted_contacts(engine, batch.contacts)
        if batch.cursor is not None:
            run.save_cursor(batch.cursor)
        if progress:
            progress(counts.new + counts.duplicate + counts.rejected)


def prefetched(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """The items of `items`, produced in a background thread up to `depth` ahead, so that making the next
    batch overlaps with storing this one (polars and SQLite release the GIL while they work). One ahead is as
    fast as two and keeps one batch fewer in memory (benchmarks/import_memory.py). An exception
    in the producer is raised here; closing this generator stops the producer."""
    ready: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if not _put(ready, ("item", item), stop):
                    return
            _put(ready, ("end", None), stop)
        except BaseException as error:  # handed to the consumer, raised there
            _put(ready, ("error", error), stop)

    thread = threading.Thread(target=produce, name="prefetch", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = ready.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        thread.join()


def _put(ready: queue.Queue[tuple[str, Any]], message: tuple[str, Any], stop: threading.Event) -> bool:
    """Put `message` unless the consumer has stopped; True when it was put."""
    while not stop.is_set():
        try:
            ready.put(message, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False
