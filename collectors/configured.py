"""The live sources that the settings configure, and running several of them for `pulse collect` and the
dashboard: one failing source does not stop the others, and every run is recorded."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from collectors.base import Collector, CollectResult, run_collector
from pulse.errors import PulseError
from pulse.settings import Settings
from store.engine import Engine


def configured_collectors(settings: Settings) -> dict[str, Collector]:
    """Every live source with its settings filled in, by name (App Store, Google Places, Reddit)."""
    from collectors.reddit import build_reddit_collector
    from collectors.reviews.live import build_review_collectors

    collectors: list[Collector] = list(build_review_collectors(settings))
    reddit = build_reddit_collector(settings)
    if reddit is not None:
        collectors.append(reddit)
    return {collector.name: collector for collector in collectors}


@dataclass
class CollectOutcome:
    name: str
    result: CollectResult | None
    error: PulseError | None
    seconds: float


def run_collectors(
    engine: Engine,
    collectors: Sequence[Collector],
    on_items: Callable[[str, int], None] | None = None,
) -> list[CollectOutcome]:
    """Run each collector in turn; a failure is recorded and reported, and the next one still runs.

    Errors that are not PulseErrors (a bug) are re-raised after being recorded by run_collector.
    """
    outcomes = []
    for collector in collectors:
        started = time.perf_counter()
        progress = (lambda count, name=collector.name: on_items(name, count)) if on_items else None
        try:
            result = run_collector(engine, collector, progress)
            outcomes.append(CollectOutcome(collector.name, result, None, time.perf_counter() - started))
        except PulseError as error:
            outcomes.append(CollectOutcome(collector.name, None, error, time.perf_counter() - started))
    return outcomes
