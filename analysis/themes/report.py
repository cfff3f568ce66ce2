"""The themes report for a staff meeting, as numbers: the top themes with size, trend, sentiment, impersonal
share and two or three redacted quotes each, the rising themes, and the themes that changed most after each
rollout. reports/handout.py writes it as CSV, Markdown or PDF; the Themes page shows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from analysis.quotes import representative_quotes
from analysis.themes.trends import (
    add_theme,
    falling_themes,
    item_count,
    rising_themes,
    rollout_changes,
    theme_periods,
)
from pulse.measures import DETRACTOR, PROMOTER

TREND_PERIODS = 4  # the trend compares the share of the last four weeks with the four before
TOP_THEMES = 8
QUOTES_PER_THEME = 3

SUMMARY_SCHEMA: dict[str, Any] = {
    "theme_id": pl.Int64,
    "theme": pl.String,
    "heading": pl.String,
    "new": pl.Boolean,
    "keywords": pl.List(pl.String),
    "volume": pl.Int64,
    "share": pl.Float64,
    "trend": pl.Float64,
    "mean_sentiment": pl.Float64,
    "impersonal_share": pl.Float64,
    "rising": pl.Boolean,
    "falling": pl.Boolean,
    "nps_with": pl.Float64,
    "nps_without": pl.Float64,
    "nps_answers": pl.Int64,
    "quotes": pl.List(pl.String),
}


@dataclass(frozen=True)
class ThemeReport:
    """`summary` has SUMMARY_SCHEMA's columns, biggest first: share and trend in 0..1 and points of share,
    mean_sentiment of the sentences that mention the theme, nps_with and nps_without the NPS of the comments
    that mention it and of those that don't (nps_answers: how many that mention it have an NPS), `new` for a
    theme found outside the library; `weekly` is theme_periods'; `rollouts` is rollout_changes'."""

    summary: pl.DataFrame
    weekly: pl.DataFrame
    rollouts: pl.DataFrame
    first_day: date | None
    last_day: date | None
    items: int


def build_theme_report(
    themed: pl.DataFrame,
    topics: pl.DataFrame,
    rollouts: pl.DataFrame,
    timezone: str = "UTC",
    since: datetime | None = None,
    top: int = TOP_THEMES,
    until: datetime | None = None,
    weeks: int | None = None,
    mentions: pl.DataFrame | None = None,
) -> ThemeReport:
    """The report over `themed` (store.topics.read_themed_feedback) with `topics` (read_topics), `rollouts`
    (read_rollouts) and every theme each item mentions (`mentions`: read_theme_mentions; without them, each
    item's main theme), from `since` (or over the last `weeks` whole weeks of the themed feedback) and before
    `until` when given."""
    frame = add_theme(themed, topics, mentions)
    last_moment = frame["created_at"].max() if frame.height else None
    assert last_moment is None or isinstance(last_moment, datetime)
    first_day = first_day_of_last_weeks(last_moment, weeks, timezone)
    if first_day is not None:
        since = datetime.combine(first_day, time(0), tzinfo=ZoneInfo(timezone))
    if since is not None:
        frame = frame.filter(pl.col("created_at") >= since.astimezone(UTC))
    if until is not None:
        frame = frame.filter(pl.col("created_at") < until.astimezone(UTC))
    weekly = theme_periods(frame, timezone)
    summary = _summary(frame, weekly, topics).head(top)
    shown = rollouts
    if since is not None and not rollouts.is_empty():
        shown = rollouts.filter(pl.col("started_on") >= since.date())
    days = frame["created_at"].dt.convert_time_zone(timezone).dt.date() if frame.height else None
    return ThemeReport(
        summary=summary,
        weekly=weekly,
        rollouts=rollout_changes(frame, shown),
        first_day=days.min() if days is not None else None,  # type: ignore[arg-type]
        last_day=days.max() if days is not None else None,  # type: ignore[arg-type]
        items=item_count(frame),
    )


def _summary(frame: pl.DataFrame, weekly: pl.DataFrame, topics: pl.DataFrame) -> pl.DataFrame:
    themed = frame.filter(pl.col("theme_id").is_not_null())
    if themed.is_empty():
        return pl.DataFrame(schema=SUMMARY_SCHEMA)
    items = item_count(frame)
    totals = themed.group_by("theme_id", "theme").agg(
        pl.len().alias("volume"),
        pl.col("sentiment_score").mean().alias("mean_sentiment"),
        pl.col("impersonal").cast(pl.Float64).mean().alias("impersonal_share"),
    )
    quotes = (
        representative_quotes(
            themed.select(pl.col("theme_id").alias("theme"), "text", "similarity"), QUOTES_PER_THEME
        )
        .group_by("theme")
        .agg(pl.col("quote").alias("quotes"))
        .rename({"theme": "theme_id"})
    )
    keywords = topics.select(
        pl.col("id").alias("theme_id"),
        "keywords",
        "heading",
        pl.col("heading").is_null().alias("new"),
    )
    rising_ids = rising_themes(weekly)["theme_id"].to_list()
    falling_ids = falling_themes(weekly)["theme_id"].to_list()
    return (
        totals.join(_trends(weekly), on="theme_id", how="left")
        .join(quotes, on="theme_id", how="left")
        .join(keywords, on="theme_id", how="left")
        .join(_nps_by_theme(frame), on="theme_id", how="left")
        .with_columns(
            (pl.col("volume") / items).alias("share"),
            pl.col("theme_id").is_in(rising_ids).alias("rising"),
            pl.col("theme_id").is_in(falling_ids).alias("falling"),
            pl.col("quotes").fill_null([]),
        )
        .sort("volume", "theme", descending=[True, False])
        .select(list(SUMMARY_SCHEMA))
        .cast(pl.Schema(SUMMARY_SCHEMA))
    )


def _nps_by_theme(frame: pl.DataFrame) -> pl.DataFrame:
    """Per theme: the NPS (-100..100) of the items that mention it and of those that don't, and how many that
    mention it have an NPS answer."""
    answered = frame.filter(pl.col("nps").is_not_null())
    if answered.is_empty():
        return pl.DataFrame(
            schema={
                "theme_id": pl.Int64,
                "nps_with": pl.Float64,
                "nps_without": pl.Float64,
                "nps_answers": pl.Int64,
            }
        )
    scores = answered.unique("feedback_id").select(
        "feedback_id", (PROMOTER.expr().cast(pl.Int64) - DETRACTOR.expr().cast(pl.Int64)).alias("points")
    )
    total, count = scores["points"].sum(), scores.height
    by_theme = (
        answered.filter(pl.col("theme_id").is_not_null())
        .join(scores, on="feedback_id")
        .group_by("theme_id")
        .agg(pl.col("points").sum().alias("with_points"), pl.len().alias("nps_answers"))
    )
    return by_theme.select(
        "theme_id",
        (100 * pl.col("with_points") / pl.col("nps_answers")).alias("nps_with"),
        pl.when(pl.col("nps_answers") < count)
        .then(100 * (total - pl.col("with_points")) / (count - pl.col("nps_answers")))
        .alias("nps_without"),
        pl.col("nps_answers").cast(pl.Int64),
    )


def _trends(weekly: pl.DataFrame) -> pl.DataFrame:
    """Per theme: its share of the last TREND_PERIODS weeks minus its share of the TREND_PERIODS before."""
    periods = weekly["period"].unique().sort()
    recent = periods.tail(TREND_PERIODS).to_list()
    earlier = periods.head(max(len(periods) - TREND_PERIODS, 0)).tail(TREND_PERIODS).to_list()
    totals = weekly.unique("period").select("period", "total")
    recent_total = totals.filter(pl.col("period").is_in(recent))["total"].sum()
    earlier_total = totals.filter(pl.col("period").is_in(earlier))["total"].sum()
    volumes = weekly.group_by("theme_id").agg(
        pl.col("volume").filter(pl.col("period").is_in(recent)).sum().alias("recent"),
        pl.col("volume").filter(pl.col("period").is_in(earlier)).sum().alias("earlier"),
    )
    if not earlier_total or not recent_total:
        return volumes.select("theme_id", pl.lit(None, dtype=pl.Float64).alias("trend"))
    return volumes.select(
        "theme_id", (pl.col("recent") / recent_total - pl.col("earlier") / earlier_total).alias("trend")
    )


def first_day_of_last_weeks(last_moment: datetime | None, weeks: int | None, timezone: str) -> date | None:
    """The Monday that starts the last `weeks` whole weeks up to the local day of `last_moment`; None (from
    the beginning) when `weeks` or `last_moment` is None."""
    if weeks is None or last_moment is None:
        return None
    start = last_moment.astimezone(ZoneInfo(timezone)).date() - timedelta(weeks=weeks - 1)
    return start - timedelta(days=start.weekday())
