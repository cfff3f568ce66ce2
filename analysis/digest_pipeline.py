"""The weekly digest from the store: the week's figures from the daily counts and its themes (analysis.digest
builds it from frames)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from analysis.digest import Digest, build_digest, chosen_week
from analysis.metrics import read_counts_metrics
from analysis.theme_pipeline import store_theme_report
from analysis.themes import BASELINE_PERIODS
from store.daily_counts import read_daily_counts, refresh_daily_counts
from store.engine import Engine


def read_digest(
    engine: Engine,
    timezone: str = "UTC",
    business: str = "",
    week: date | None = None,
    min_responses: int = 30,
) -> Digest:
    """The digest of `week` (any day of it; the latest week with feedback when None) from the store."""
    refresh_daily_counts(engine, timezone)  # a batch step: the counts recounted first when stale
    weekly = read_counts_metrics(read_daily_counts(engine, timezone), "week", min_responses)
    monday = chosen_week(weekly, week)
    start = datetime.combine(monday, time(0), tzinfo=ZoneInfo(timezone))
    themes = store_theme_report(
        engine, timezone, since=start - timedelta(weeks=BASELINE_PERIODS), until=start + timedelta(weeks=1)
    )
    return build_digest(weekly, themes.weekly, business, monday)
