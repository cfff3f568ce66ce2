"""NPS, CSAT and the share of negative and impersonal feedback per period, with 95% intervals.

What a promoter, a detractor, a satisfied or an easy answer is, and the counts per day that every measure is
derived from, are pulse.measures' (count_exprs derives the polars from them, as store.daily_counts the SQL).
NPS is promoters (9-10) minus detractors (0-6), in points from -100 to 100; skipped NPS answers are not in the
denominator. Its interval is the adjusted Wald (Rocks 2016): add 3 to n and 3/4 to promoters and detractors
before the multinomial variance, which holds up at the small weekly counts of a small business. CSAT is the
share of 4-5 on the 1-5 scale, and shares use Wilson intervals. CES, when a survey has it (`ces`, 1-7), is
reported as its mean and as the share of 5-7 ("easy": 7 is the easiest). Mean stars and mean sentiment score carry a normal-approximation
interval (mean ± 1.96 sd / sqrt(n)); impersonal complaints are counted per 100 scored feedback items.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import polars as pl

from pulse.errors import InputError
from pulse.formatting import format_week
from pulse.measures import COUNT_COLUMNS, DAILY_COUNTS, MEANS, MOMENT_COLUMNS, count_expr

Z95 = 1.959963984540054  # scipy.stats.norm.ppf(0.975): the one 95% normal quantile of the analysis
PERIODS = {"day": "1d", "week": "1w", "month": "1mo"}
PERIOD_CHOICES = (*PERIODS, "all")  # "all": one row over the whole span, with a null period


def period_expr(by: str, timezone: str, column: str = "created_at") -> pl.Expr:
    """The local calendar day, week (starting Monday) or month of each timestamp, as a date; null for "all"."""
    return day_period_expr(by, pl.col(column).dt.convert_time_zone(timezone).dt.date())


def day_period_expr(by: str, day: pl.Expr) -> pl.Expr:
    """The day, week (starting Monday) or month of a local date, as a date; null for "all"."""
    if by == "all":
        return pl.lit(None, dtype=pl.Date).alias("period")
    if by not in PERIODS:
        raise ValueError(f"period must be one of {list(PERIOD_CHOICES)}, not {by!r}")
    return day.dt.truncate(PERIODS[by]).alias("period")


def nps_interval_exprs(promoters: pl.Expr, detractors: pl.Expr, n: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Low and high ends of the 95% adjusted-Wald interval of NPS, in points; null when n is 0. (No library
    has it: statsmodels' intervals are for one proportion or a difference of two independent ones, and
    promoters and detractors are two shares of the same answers.)"""
    adjusted_n = n + 3
    p = (promoters + 0.75) / adjusted_n
    d = (detractors + 0.75) / adjusted_n
    margin = Z95 * ((p + d - (p - d) ** 2).clip(lower_bound=0) / adjusted_n).sqrt()
    answered = n > 0
    low = pl.when(answered).then((100 * (p - d - margin)).clip(lower_bound=-100))
    high = pl.when(answered).then((100 * (p - d + margin)).clip(upper_bound=100))
    return low, high


def wilson_interval_exprs(successes: pl.Expr, n: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Low and high ends of the 95% Wilson score interval of a proportion, in 0..1; null when n is 0.

    statsmodels' proportion_confint(method="wilson") gives the same numbers (tests/unit/analysis/test_metrics.py checks
    it), but these are polars expressions on the Pulse page's path, where importing statsmodels (and scipy)
    would add half a second or more to the page's first load; the formula is its, in polars."""
    p = successes / n
    denominator = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denominator
    margin = Z95 * (p * (1 - p) / n + Z95**2 / (4 * n * n)).sqrt() / denominator
    answered = n > 0
    return (
        pl.when(answered).then((centre - margin).clip(lower_bound=0)),
        pl.when(answered).then((centre + margin).clip(upper_bound=1)),
    )


def mean_interval_exprs(mean: pl.Expr, sd: pl.Expr, n: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Low and high ends of the 95% normal-approximation interval of a mean; null below 2 values."""
    margin = Z95 * sd / n.sqrt()
    enough = n >= 2
    return pl.when(enough).then(mean - margin), pl.when(enough).then(mean + margin)


def share_expr(part: str, whole: str) -> pl.Expr:
    return pl.when(pl.col(whole) > 0).then(pl.col(part) / pl.col(whole))


def read_period_metrics(
    frame: pl.DataFrame,
    by: str = "week",
    timezone: str = "UTC",
    min_responses: int = 30,
    group_by: Sequence[str] = (),
) -> pl.DataFrame:
    """One row per period (and group): volume, NPS and CSAT with 95% intervals, CES, mean stars and sentiment,
    negative and impersonal shares.

    `frame` has created_at (UTC) and any of nps (0-10), csat (1-5), ces (1-7), stars (1-5), sentiment,
    sentiment_score (-1..1), impersonal, and the `group_by` columns (source, kind, location, channel, segment). `by` is day, week,
    month or all. Columns out: the group columns, period, n, nps_n, nps, nps_low, nps_high, csat_n, csat,
    csat_low, csat_high, ces_n, ces_mean, ces_share (5-7), stars_n, stars_mean, sentiment_n, sentiment_mean,
    scored_n, negative_share, impersonal_share, impersonal_per_100 (each with _low and _high), and thin
    (fewer than `min_responses` NPS answers: shown, but not to be read as solid).

    The rows are counted per local day first (read_day_counts), then go the way of the store's daily counts.
    """
    return read_counts_metrics(read_day_counts(frame, timezone, group_by), by, min_responses, group_by)


def read_day_counts(frame: pl.DataFrame, timezone: str = "UTC", group_by: Sequence[str] = ()) -> pl.DataFrame:
    """Feedback rows counted per local day (`day`) and group: SUM_COLUMNS, as store.daily_counts keeps them."""
    missing = [name for name in group_by if name not in frame.columns]
    if missing:
        raise ValueError(f"cannot group by {missing}: the frame has no such columns")
    day = period_expr("day", timezone).alias("day")
    counts = _with_optional_columns(frame).group_by([*group_by, day]).agg(count_exprs())
    return counts.with_columns(pl.col(COUNT_COLUMNS).cast(pl.Int64))  # sums of booleans are unsigned


def count_exprs() -> list[pl.Expr]:
    """The counts and sums (SUM_COLUMNS) of a group of feedback rows, from which every measure follows: the
    columns of the daily counts, as pulse.measures defines them."""
    return [count_expr(column) for column in DAILY_COUNTS]


def read_counts_metrics(
    daily: pl.DataFrame, by: str = "week", min_responses: int = 30, group_by: Sequence[str] = ()
) -> pl.DataFrame:
    """read_period_metrics from counts per local day: `daily` has `day` (a local date), SUM_COLUMNS and the
    `group_by` columns, as store.daily_counts or read_day_counts give them. Periods are sums of days."""
    keys = [*group_by, "period"]
    counts = (
        daily.with_columns(day_period_expr(by, pl.col("day")))
        .group_by(keys)
        .agg(pl.col(COUNT_COLUMNS).sum(), pl.col(MOMENT_COLUMNS).sum().cast(pl.Float64))
        .sort(keys, nulls_last=True)
    )
    return add_intervals(add_means(counts), min_responses)


def add_means(counts: pl.DataFrame) -> pl.DataFrame:
    """Each mean of MEANS and its sample sd (null below 2 values), from the counts, sums and sums of squares."""
    columns = []
    for name in MEANS:
        n = pl.col(f"{name}_n").cast(pl.Float64)
        total, squares = pl.col(f"{name}_sum").cast(pl.Float64), pl.col(f"{name}_squares").cast(pl.Float64)
        variance = ((squares - total * total / n) / (n - 1)).clip(lower_bound=0)
        columns += [
            pl.when(n > 0).then(total / n).alias(f"{name}_mean"),
            pl.when(n > 1).then(variance.sqrt()).alias(f"{name}_sd"),
        ]
    return counts.with_columns(columns)


def add_intervals(counts: pl.DataFrame, min_responses: int = 30) -> pl.DataFrame:
    """From per-period counts (COUNT_COLUMNS) and means with their sd (add_means) to the measures and their
    intervals (null where a period has no answers)."""
    nps_low, nps_high = nps_interval_exprs(pl.col("promoters"), pl.col("detractors"), pl.col("nps_n"))
    csat_low, csat_high = wilson_interval_exprs(pl.col("satisfied"), pl.col("csat_n"))
    negative_low, negative_high = wilson_interval_exprs(pl.col("negative"), pl.col("scored_n"))
    impersonal_low, impersonal_high = wilson_interval_exprs(pl.col("impersonal_count"), pl.col("scored_n"))
    ces_low, ces_high = wilson_interval_exprs(pl.col("ces_easy"), pl.col("ces_n"))
    means = []
    for name in ("ces", "stars", "sentiment"):
        low, high = mean_interval_exprs(pl.col(f"{name}_mean"), pl.col(f"{name}_sd"), pl.col(f"{name}_n"))
        means += [low.alias(f"{name}_mean_low"), high.alias(f"{name}_mean_high")]
    return counts.with_columns(
        (100 * (pl.col("promoters") - pl.col("detractors")) / pl.col("nps_n").replace(0, None)).alias("nps"),
        nps_low.alias("nps_low"),
        nps_high.alias("nps_high"),
        share_expr("satisfied", "csat_n").alias("csat"),
        csat_low.alias("csat_low"),
        csat_high.alias("csat_high"),
        share_expr("negative", "scored_n").alias("negative_share"),
        negative_low.alias("negative_low"),
        negative_high.alias("negative_high"),
        share_expr("impersonal_count", "scored_n").alias("impersonal_share"),
        impersonal_low.alias("impersonal_low"),
        impersonal_high.alias("impersonal_high"),
        (100 * share_expr("impersonal_count", "scored_n")).alias("impersonal_per_100"),
        (100 * impersonal_low).alias("impersonal_per_100_low"),
        (100 * impersonal_high).alias("impersonal_per_100_high"),
        share_expr("ces_easy", "ces_n").alias("ces_share"),
        ces_low.alias("ces_share_low"),
        ces_high.alias("ces_share_high"),
        *means,
        (pl.col("nps_n") < min_responses).alias("thin"),
    )


def _with_optional_columns(frame: pl.DataFrame) -> pl.DataFrame:
    defaults = {
        "nps": pl.Int8,
        "csat": pl.Int8,
        "ces": pl.Int8,
        "stars": pl.Int8,
        "sentiment": pl.String,
        "sentiment_score": pl.Float64,
        "impersonal": pl.Boolean,
        "corrected": pl.Boolean,
    }
    return frame.with_columns(
        [
            pl.lit(None, dtype=dtype).alias(name)
            for name, dtype in defaults.items()
            if name not in frame.columns
        ]
    )


def period_and_previous(
    metrics: pl.DataFrame, period: object
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The metrics row of `period` and of the period just before it (None when there is none)."""
    ordered = metrics.sort("period")
    index = ordered["period"].to_list().index(period)
    current = ordered.row(index, named=True)
    previous = ordered.row(index - 1, named=True) if index > 0 else None
    return current, previous


def chosen_week(weekly: pl.DataFrame, week: date | None) -> date:
    """The Monday of `week` when it has feedback, else an InputError; the latest week when None."""
    if weekly.is_empty():
        raise InputError(
            "There is no feedback in the store yet, so there is no week to sum up.",
            hint="Load some with `pulse import` or `pulse demo`.",
        )
    weeks = weekly["period"].sort()
    if week is None:
        return weeks[-1]
    monday = week - timedelta(days=week.weekday())
    if monday not in weeks.to_list():
        raise InputError(
            f"There is no feedback in the week of {format_week(monday)}.",
            hint=f"Weeks with feedback run from {format_week(weeks[0])} to {format_week(weeks[-1])}.",
        )
    return monday
