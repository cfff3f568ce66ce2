"""run_collector: counts, cursors, removals and failures, against both databases."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from analysis.pipeline import score_new_feedback
from collectors.base import CollectContext, SourceBatch, hash_author, prefetched, run_collector
from collectors.configured import configured_collectors, run_collectors
from pulse.errors import SourceError
from pulse.settings import build_settings
from store.authors import salted_hash
from store.engine import reading
from store.feedback import count_feedback, read_external_ids
from store.records import FeedbackFrame, FeedbackRecord, SourceSpec
from store.runs import read_last_cursor, read_runs
from store.schema import scores

FEED = SourceSpec("Test feed", "review", "test")


def review(number: int) -> FeedbackRecord:
    return FeedbackRecord(
        f"r{number}", "review", datetime(2026, 5, number, tzinfo=UTC), text=f"review {number}", stars=4
    )


@dataclass
class PagedFeed:
    """A source of two pages that remembers what it was asked; page 2 can fail."""

    pages: list[list[int]]
    fail_on_page: int | None = None
    removed: list[str] = field(default_factory=list)
    name: str = "test-feed"
    seen_context: list[CollectContext] = field(default_factory=list)

    def collect(self, context: CollectContext) -> Iterator[SourceBatch]:
        self.seen_context.append(context)
        start = int(context.cursor or 0)
        for index, page in enumerate(self.pages[start:], start=start):
            if index == self.fail_on_page:
                raise RuntimeError("the API answered 500")
            yield SourceBatch(
                FEED, FeedbackFrame.of([review(n) for n in page]), removed=self.removed, cursor=str(index + 1)
            )


def test_run_collector__saves_the_cursor_and_resumes_after_a_failure(engine: Engine) -> None:
    failing = PagedFeed([[1, 2], [3, 4]], fail_on_page=1)
    with pytest.raises(RuntimeError):
        run_collector(engine, failing)
    assert count_feedback(engine) == 2  # page 1 kept
    assert read_last_cursor(engine, "test-feed") == "1"
    failed = read_runs(engine).row(0, named=True)
    assert (failed["status"], failed["counts"]["new"], "500" in failed["message"]) == ("failed", 2, True)

    retry = PagedFeed([[1, 2], [3, 4]])
    result = run_collector(engine, retry)
    assert retry.seen_context[0].cursor == "1"
    assert (result.new, result.duplicate) == (2, 0)
    assert read_external_ids(engine, FEED) == ["r4", "r3", "r2", "r1"]


def test_run_collector__removes_what_the_source_deleted_with_its_scores(engine: Engine) -> None:
    run_collector(engine, PagedFeed([[1, 2, 3]]))
    assert score_new_feedback(engine) == 3
    result = run_collector(engine, PagedFeed([[3]], removed=["r1", "r9"], name="another-run"))
    assert result.removed == 1
    assert read_external_ids(engine, FEED) == ["r3", "r2"]
    with reading(engine) as connection:
        assert connection.execute(select(func.count()).select_from(scores)).scalar_one() == 2


def test_collect_context__lists_stored_ids_newest_first(engine: Engine) -> None:
    feed = PagedFeed([[2, 1]])
    run_collector(engine, feed)
    again = PagedFeed([[]])
    run_collector(engine, again)
    assert again.seen_context[0].stored_ids(FEED) == ["r2", "r1"]


@dataclass
class BrokenSource:
    name: str = "broken"

    def collect(self, context: CollectContext) -> Iterator[SourceBatch]:
        raise SourceError("The API answered 403.", hint="Check the key.")
        yield  # pragma: no cover


def test_run_collectors__a_failing_source_does_not_stop_the_others(engine: Engine) -> None:
    outcomes = run_collectors(engine, [BrokenSource(), PagedFeed([[1, 2]])])
    assert [(o.name, o.error is not None) for o in outcomes] == [("broken", True), ("test-feed", False)]
    assert outcomes[1].result is not None and outcomes[1].result.new == 2
    statuses = dict(read_runs(engine).select("name", "status").iter_rows())
    assert statuses == {"broken": "failed", "test-feed": "ok"}


def test_configured_collectors__only_sources_with_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PRAW_CLIENT_ID", "PRAW_CLIENT_SECRET", "praw_client_id", "praw_client_secret"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(Path(__file__).parent)  # no praw.ini here
    assert configured_collectors(build_settings()) == {}
    settings = build_settings(
        app_store_app_id="284882215", google_places_api_key="k", google_places_place_id="p1"
    )
    assert sorted(configured_collectors(settings)) == ["app-store:gb:284882215", "google-places:p1"]


def test_prefetched__yields_everything_in_order_and_raises_the_producers_error() -> None:
    assert list(prefetched(iter(range(50)), depth=2)) == list(range(50))

    def failing() -> Iterator[int]:
        yield 1
        raise ValueError("page 2 is malformed")

    items = prefetched(failing())
    assert next(items) == 1
    with pytest.raises(ValueError, match="page 2 is malformed"):
        next(items)


def test_prefetched__closing_early_stops_the_producer() -> None:
    produced: list[int] = []

    def endless() -> Iterator[int]:
        number = 0
        while True:
            produced.append(number)
            yield number
            number += 1

    items = prefetched(endless(), depth=2)
    assert next(items) == 0
    items.close()
    assert len(produced) <= 4  # the item handed over, two in the queue, one waiting to be put
    assert not [thread for thread in threading.enumerate() if thread.name == "prefetch"]


def test_prefetched__the_producer_hashes_authors_with_the_salt_it_is_given() -> None:
    hashes = list(prefetched(hash_author(name, "pepper") for name in ["Sam", "Kim"]))
    assert hashes == [salted_hash("Sam", "pepper"), salted_hash("Kim", "pepper")]
    assert hashes[0] != hash_author("Sam", "")  # no salt: a plain sha256
