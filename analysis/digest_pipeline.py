"""The weekly digest's figures from the store: the weeks' metrics from the daily counts, the themes of the weeks
around the chosen one, and the follow-up cases (the week's, and whether following up helped). Numbers only:
reports.digest.build_digest puts them into words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from analysis.case_outcomes import CaseOutcomes, FollowUpWeek, follow_up_week
from analysis.case_outcomes_pipeline import read_case_outcomes
from analysis.metrics import chosen_week, read_counts_metrics
from analysis.theme_pipeline import store_theme_report
from analysis.themes import BASELINE_PERIODS
from store.cases import read_cases
from store.daily_counts import read_daily_counts, refresh_daily_counts
from store.engine import Engine
from store.impacts import read_rollout_impact_records
from store.state import utc_now


@dataclass(frozen=True)
class DigestFigures:
    """What a digest is built from: `weekly` metrics (read_counts_metrics by week), the weekly `themes`
    (analysis.themes.theme_periods) of the BASELINE_PERIODS weeks before `week` and of `week`, its Monday."""

    weekly: pl.DataFrame
    themes: pl.DataFrame
    week: date
    impacts: list[dict[str, Any]]  # the rollouts' stored impact records (store.impacts)
    by_channel: pl.DataFrame  # `weekly` for each channel (a `channel` column)
    follow_up_week: FollowUpWeek | None = None  # the week's follow-up cases; None when there are no cases
    case_outcomes: CaseOutcomes | None = None  # whether following up helped, as of the week's end


def read_digest_figures(
    engine: Engine,
    timezone: str = "UTC",
    week: date | None = None,
    min_responses: int = 30,
    now: datetime | None = None,
) -> DigestFigures:
    """The figures of `week` (any day of it; the latest week with feedback when None) from the store. The
    follow-up cases are told as they stood at the week's end (or `now`, the present when None, when sooner)."""
    refresh_daily_counts(engine, timezone)  # a batch step: the counts recounted first when stale
    counts = read_daily_counts(engine, timezone)
    weekly = read_counts_metrics(counts, "week", min_responses)
    by_channel = read_counts_metrics(counts, "week", min_responses, ("channel",))
    monday = chosen_week(weekly, week)
    start = datetime.combine(monday, time(0), tzinfo=ZoneInfo(timezone))
    themes = store_theme_report(
        engine, timezone, since=start - timedelta(weeks=BASELINE_PERIODS), until=start + timedelta(weeks=1)
    )
    week_case, outcomes = read_follow_up(engine, timezone, start, start + timedelta(weeks=1), now)
    return DigestFigures(
        weekly, themes.weekly, monday, read_rollout_impact_records(engine), by_channel, week_case, outcomes
    )


def read_follow_up(
    engine: Engine, timezone: str, start: datetime, end: datetime, now: datetime | None = None
) -> tuple[FollowUpWeek | None, CaseOutcomes | None]:
    """The week [start, end)'s follow-up and the outcome measure, at the week's end or `now` when sooner;
    (None, None) when the store has no cases."""
    cases = read_cases(engine)
    if cases.is_empty():
        return None, None
    at = min(now or utc_now(), end).astimezone(UTC)
    return follow_up_week(cases, start, end, at), read_case_outcomes(engine, timezone, at, cases)
