"""Rollout impact, the windows: per-response values of every measure, their totals per local day and per week
counted from a rollout's start, the before and after windows, and the NPS answers as groups of equal answers.
Numbers only; see analysis/impact/__init__.py for the method."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from pulse.measures import CES, CSAT, DETRACTOR, EASY, NEGATIVE_SENTIMENT, NPS, PROMOTER, SATISFIED

# Each measure as the per-response value whose mean it is (null where the response did not answer it)
MEASURES: dict[str, pl.Expr] = {
    "nps": pl.when(PROMOTER.expr()).then(100.0).when(DETRACTOR.expr()).then(-100.0).otherwise(0.0),
    "csat": SATISFIED.expr().cast(pl.Float64) * 100,  # percentage points
    "sentiment": pl.col("sentiment_score").cast(pl.Float64),  # -1..1
    "impersonal": pl.col("impersonal").cast(pl.Float64) * 100,  # per 100 scored items
    "ces": EASY.expr().cast(pl.Float64) * 100,  # percentage points of "easy" (5-7)
    "negative": (pl.col("sentiment") == NEGATIVE_SENTIMENT).cast(pl.Float64) * 100,  # per 100 scored items
}
SOURCE_COLUMNS = {
    "nps": NPS.column,
    "csat": CSAT.column,
    "sentiment": "sentiment_score",
    "impersonal": "impersonal",
    "ces": CES.column,
    "negative": "sentiment",
}
SOURCE_TYPES = {"sentiment": pl.Float64, "impersonal": pl.Boolean, "negative": pl.String}


@dataclass(frozen=True)
class ImpactSettings:
    weeks: int = 8  # length of the before and of the after window
    burn_in_weeks: int = 0  # weeks after the start left out, while customers get used to the change
    resamples: int = 2000
    seed: int = 0
    min_answers: int = 30  # NPS answers per window below which the data are too thin
    its_weeks_before: int = 26  # history that the interrupted time series may use
    its_min_weeks_before: int = 12  # weeks with answers before the start for the ITS to be the main estimate
    its_min_weeks_after: int = 4

    def __post_init__(self) -> None:
        if self.weeks < 2 or self.burn_in_weeks < 0 or self.resamples < 100:
            raise ValueError("windows need at least 2 weeks, burn-in 0 or more, and at least 100 resamples")


# --- frames ------------------------------------------------------------------------------------------


def add_response_values(frame: pl.DataFrame, timezone: str) -> pl.DataFrame:
    """Per-response values of every measure (null where not answered) and the local date."""
    for name, column in SOURCE_COLUMNS.items():
        if column not in frame.columns:
            dtype = SOURCE_TYPES.get(name, pl.Int8)
            frame = frame.with_columns(pl.lit(None, dtype=dtype).alias(column))
    values = [
        pl.when(pl.col(SOURCE_COLUMNS[name]).is_not_null()).then(value).alias(f"{name}_value")
        for name, value in MEASURES.items()
    ]
    local_date = pl.col("created_at").dt.convert_time_zone(timezone).dt.date().alias("local_date")
    return frame.with_columns(*values, local_date)


def day_totals(feedback: pl.DataFrame, timezone: str) -> pl.DataFrame:
    """Per local day (`local_date`) and channel: the sum (`<measure>_total`), sum of squares
    (`<measure>_squares`) and count (`<measure>_count`) of every measure's per-response values, the NPS
    promoters and detractors, and the feedback items (`responses`). Everything below works on these
    (nps_answer_groups on the promoters and detractors)."""
    frame = add_response_values(feedback, timezone)
    if "channel" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias("channel"))
    return frame.group_by("local_date", "channel").agg(
        *[pl.col(f"{name}_value").sum().alias(f"{name}_total") for name in MEASURES],
        *[(pl.col(f"{name}_value") ** 2).sum().alias(f"{name}_squares") for name in MEASURES],
        *[pl.col(f"{name}_value").count().alias(f"{name}_count") for name in MEASURES],
        PROMOTER.expr().sum().cast(pl.Int64).alias("promoters"),
        DETRACTOR.expr().sum().cast(pl.Int64).alias("detractors"),
        pl.len().cast(pl.Int64).alias("responses"),
    )


def day_totals_from_counts(counts: pl.DataFrame) -> pl.DataFrame:
    """day_totals from counts per local day (`day` and pulse.measures.SUM_COLUMNS, as store.daily_counts
    keeps them), with the promoters and detractors: NPS, CSAT and complaint values are 100, 0 or -100, so their
    counts give their sums; the
    sentiment scores' sums are kept as they are. Impersonal flags come with a score, so their count is the
    scored items'."""
    summed = counts.group_by(pl.col("day").alias("local_date"), "channel").agg(
        pl.col("promoters", "detractors", "nps_n", "satisfied", "csat_n", "ces_easy", "ces_n", "n").sum(),
        pl.col("negative").sum(),
        pl.col("sentiment_sum", "sentiment_squares", "sentiment_n", "impersonal_count", "scored_n").sum(),
    )
    values = {  # measure: (sum, sum of squares, count)
        "nps": (
            100 * (pl.col("promoters") - pl.col("detractors")),
            10_000 * (pl.col("promoters") + pl.col("detractors")),
            pl.col("nps_n"),
        ),
        "csat": (100 * pl.col("satisfied"), 10_000 * pl.col("satisfied"), pl.col("csat_n")),
        "sentiment": (pl.col("sentiment_sum"), pl.col("sentiment_squares"), pl.col("sentiment_n")),
        "impersonal": (
            100 * pl.col("impersonal_count"),
            10_000 * pl.col("impersonal_count"),
            pl.col("scored_n"),
        ),
        "ces": (100 * pl.col("ces_easy"), 10_000 * pl.col("ces_easy"), pl.col("ces_n")),
        "negative": (100 * pl.col("negative"), 10_000 * pl.col("negative"), pl.col("scored_n")),
    }
    return summed.select(
        "local_date",
        "channel",
        *[total.cast(pl.Float64).alias(f"{name}_total") for name, (total, _, _) in values.items()],
        *[squares.cast(pl.Float64).alias(f"{name}_squares") for name, (_, squares, _) in values.items()],
        *[count.cast(pl.UInt32).alias(f"{name}_count") for name, (_, _, count) in values.items()],
        pl.col("promoters", "detractors").cast(pl.Int64),
        pl.col("n").cast(pl.Int64).alias("responses"),
    )


def add_week_index(frame: pl.DataFrame, start: date) -> pl.DataFrame:
    """`week`: whole weeks since the rollout's start (0 is its first week, -1 the week before)."""
    days = (pl.col("local_date") - pl.lit(start)).dt.total_days()
    return frame.with_columns(days.floordiv(7).alias("week"), (days / 7).alias("weeks_since"))


TOTAL_COLUMNS = [f"{name}_{part}" for part in ("total", "squares", "count") for name in MEASURES] + [
    "responses"
]


def weekly_totals(days: pl.DataFrame) -> pl.DataFrame:
    """Per week with feedback: the sum, sum of squares and count of every measure's values (day totals summed).
    The bootstrap works on these, never on single rows."""
    return days.group_by("week").agg(pl.col(TOTAL_COLUMNS).sum()).sort("week")


def nps_answer_groups(days: pl.DataFrame) -> pl.DataFrame:
    """The NPS answers of day totals (with week), as groups of equal answers: `nps_value` (100, 0 or -100) and
    how many `answers` gave it, with the day's local_date, week and weeks_since; at most three rows a day.
    What the time series and the answers' spread are fitted on, each group weighted by its answers (as the
    answers themselves would be, one row each)."""
    counts = days.select(
        "local_date",
        "week",
        "weeks_since",
        pl.col("promoters").alias("100"),
        pl.col("detractors").alias("-100"),
        (pl.col("nps_count").cast(pl.Int64) - pl.col("promoters") - pl.col("detractors")).alias("0"),
    )
    groups = counts.unpivot(["100", "0", "-100"], index=["local_date", "week", "weeks_since"])
    return groups.filter(pl.col("value") > 0).select(
        "local_date",
        "week",
        "weeks_since",
        pl.col("variable").cast(pl.Float64).alias("nps_value"),
        pl.col("value").cast(pl.Int64).alias("answers"),
    )


@dataclass(frozen=True)
class WindowTotals:
    """One measure in one window: per week with answers, the sum, sum of squares and count of its values."""

    sums: Any
    squares: Any
    counts: Any
    weeks: Any  # the week numbers

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    @property
    def mean(self) -> float | None:
        return float(self.sums.sum() / self.n) if self.n else None

    @property
    def answer_variance(self) -> float:
        """The variance of the mean if answers were independent (no week-to-week swings): s^2 / n."""
        if self.n < 2:
            return 0.0
        mean = self.sums.sum() / self.n
        spread = max(float(self.squares.sum() / self.n - mean**2), 0.0) * self.n / (self.n - 1)
        return spread / self.n


def window_totals(weekly: pl.DataFrame, measure: str, first_week: int, last_week: int) -> WindowTotals:
    """A measure's weekly totals in the weeks [first_week, last_week) that have answers."""
    rows = weekly.filter(
        pl.col("week").is_between(first_week, last_week, closed="left") & (pl.col(f"{measure}_count") > 0)
    )
    sums, squares, counts = (
        rows[f"{measure}_{part}"].to_numpy().astype(float) for part in ("total", "squares", "count")
    )
    return WindowTotals(sums, squares, counts, rows["week"].to_numpy())


def split_by_channel(frame: pl.DataFrame, channel: str | None) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """The rows of the rollout's channel and those of the other channels, when the data has that channel
    and at least one other; otherwise all rows and None."""
    if channel is None or "channel" not in frame.columns:
        return frame, None
    channels = set(frame["channel"].drop_nulls().unique().to_list())
    if channel not in channels or len(channels) < 2:
        return frame, None
    return frame.filter(pl.col("channel") == channel), frame.filter(pl.col("channel") != channel)
