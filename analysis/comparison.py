"""The Pulse page's comparisons: the vital signs over a span of weeks against a span before it that means
something. A small business's week-on-week swings are mostly noise, so the page compares the last 4 weeks with
the 4 before them, or the weeks since the latest rollout with as many weeks before it, as well as one week with
the last. A span's figures are its weeks' counts summed and worked out again (analysis.metrics), never an
average of weekly figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

import polars as pl

from analysis.metrics import add_intervals, add_means
from pulse.measures import COUNT_COLUMNS, MOMENT_COLUMNS

RECENT_WEEKS = 4


@dataclass(frozen=True)
class Span:
    """Weeks from the one starting `first` to the one starting `last` (Mondays), and their figures."""

    first: date
    last: date
    figures: dict[str, Any]

    @property
    def weeks(self) -> int:
        return (self.last - self.first).days // 7 + 1


@dataclass(frozen=True)
class Comparison:
    """What the page shows (`now`) against what it is compared with (`before`; None when there is nothing
    before). `kind`: "weeks", "rollout" or "week"."""

    kind: str
    now: Span
    before: Span | None


def span_figures(
    weekly: pl.DataFrame, first: date, last: date, min_responses: int = 30
) -> dict[str, Any] | None:
    """The weeks of `weekly` (read_counts_metrics rows by week) from `first` to `last` as one period: counts and
    sums added, measures and intervals worked out again; None when those weeks have no feedback."""
    weeks = weekly.filter(pl.col("period").is_between(first, last))
    if weeks.is_empty():
        return None
    summed = weeks.select(pl.col(COUNT_COLUMNS).sum(), pl.col(MOMENT_COLUMNS).sum().cast(pl.Float64))
    return add_intervals(add_means(summed), min_responses).row(0, named=True)


def _span(weekly: pl.DataFrame, first: date, last: date, min_responses: int) -> Span | None:
    """The weeks from `first` to `last`, starting at the first of them with feedback."""
    figures = span_figures(weekly, first, last, min_responses)
    if figures is None:
        return None
    return Span(max(first, cast(date, weekly["period"].min())), last, figures)


def recent_weeks(
    weekly: pl.DataFrame, week: date, count: int = RECENT_WEEKS, min_responses: int = 30
) -> Comparison:
    """The `count` weeks up to the one starting `week` against the `count` weeks before them (count 1: the week
    against the week before)."""
    first = week - timedelta(weeks=count - 1)
    now = _span(weekly, first, week, min_responses)
    if now is None:
        raise ValueError(f"no feedback in the weeks from {first} to {week}")
    before = _span(weekly, first - timedelta(weeks=count), first - timedelta(weeks=1), min_responses)
    return Comparison("week" if count == 1 else "weeks", now, before)


def since_rollout(
    weekly: pl.DataFrame, week: date, started_on: date, min_responses: int = 30
) -> Comparison | None:
    """The whole weeks from a rollout's start to the one starting `week`, against as many whole weeks before
    the start; the week it started in is in neither. None when no whole week since the start has feedback."""
    first = started_on + timedelta(days=-started_on.weekday() % 7)  # the first Monday on or after the start
    if first > week:
        return None
    weeks = (week - first).days // 7 + 1
    before_last = started_on - timedelta(days=started_on.weekday() + 7)  # the last whole week before it
    now = _span(weekly, first, week, min_responses)
    if now is None:
        return None
    before = _span(weekly, before_last - timedelta(weeks=weeks - 1), before_last, min_responses)
    return Comparison("rollout", now, before)


def latest_rollout(rollouts: pl.DataFrame, channel: str | None, week: date) -> dict[str, Any] | None:
    """The rollout that started last before the end of the week starting `week`, among those that touched
    `channel`'s customers (on that channel or on every one; any rollout when `channel` is None)."""
    touching = rollouts.filter(pl.col("started_on") <= week + timedelta(days=6))
    if channel is not None:
        touching = touching.filter(
            pl.col("channel").is_null() | pl.col("channel").is_in(["", "all", channel])
        )
    if touching.is_empty():
        return None
    return touching.sort("started_on").row(-1, named=True)
