"""Loyalty as vital signs of a rollout: the weekly series of the repeat-purchase rate and of new customers'
retention, in the shape the rollout impact machinery (analysis.impact.signals) fits and judges.

Weeks are counted from the rollout's start in the business's time zone (week 0 is its first week), as
analysis.impact counts them. Each signal is the mean of a per-customer value of 100 or 0, so that a week's
sum, sum of squares and count are a signals.Weekly:
- repeat_rate: per customer active in the week (in the rollout's channel, when it has one), 100 when their
  first purchase (in any channel) came before the week;
- new_retention: per customer whose first purchase falls in the week (in the rollout's channel, when it has
  one), 100 when they bought again on a later day within RETENTION_DAYS days; weeks whose new customers'
  windows are not all over by the data's last day are left out. A week just before the start counts its
  customers' returns in the weeks after it: the change is smeared over the start by up to four weeks.
loyalty_findings fits and judges both on a rollout's findings window (analysis.impact.findings), against the
untouched channels when there are any, with a Holm correction of their own (the two signals together).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import polars as pl

from analysis.impact.findings import Finding, Window, judge, judged_fit
from analysis.impact.signals import Signal, Weekly
from analysis.loyalty.orders import first_purchases, read_purchases

RETENTION_DAYS = 28
LOYALTY_SIGNALS = (
    Signal("repeat_rate", "returning customers", "%", +1, 5.0, 30),
    Signal("new_retention", "new customers back within four weeks", "%", +1, 10.0, 30),
)
LOYALTY_SIGNAL_NAMES = tuple(signal.name for signal in LOYALTY_SIGNALS)
WEEK_COLUMNS = [f"{name}_{part}" for name in LOYALTY_SIGNAL_NAMES for part in ("total", "squares", "count")]


def read_loyalty_weeks(
    orders: pl.DataFrame, started_on: date, timezone: str = "UTC", channels: Sequence[str] | None = None
) -> pl.DataFrame:
    """Per week since `started_on` (`week`): each signal's `_total`, `_squares` and `_count` of the per-customer
    values (see the module's docstring), over the purchases in `channels` when given (None: every channel)."""
    purchases = read_purchases(orders, timezone)
    first = first_purchases(purchases)
    scoped = purchases.filter(pl.col("channel").is_in(list(channels))) if channels is not None else purchases
    week = ((pl.col("day") - pl.lit(started_on)).dt.total_days()).floordiv(7).alias("week")
    week_start = pl.lit(started_on) + pl.duration(days=pl.col("week") * 7)
    active = (
        scoped.select("customer_hash", week)
        .unique()
        .join(first, on="customer_hash")
        .group_by("week")
        .agg(
            (pl.col("first_day") < week_start).sum().cast(pl.Int64).alias("returning"),
            pl.len().cast(pl.Int64).alias("repeat_rate_count"),
        )
    )
    retention = new_customer_returns(purchases, scoped, first, started_on)
    weeks = active.join(retention, on="week", how="full", coalesce=True).fill_null(0)
    return weeks.select(
        "week",
        (100.0 * pl.col("returning")).alias("repeat_rate_total"),
        (10_000.0 * pl.col("returning")).alias("repeat_rate_squares"),
        "repeat_rate_count",
        (100.0 * pl.col("retained")).alias("new_retention_total"),
        (10_000.0 * pl.col("retained")).alias("new_retention_squares"),
        "new_retention_count",
    ).sort("week")


def new_customer_returns(
    purchases: pl.DataFrame, scoped: pl.DataFrame, first: pl.DataFrame, started_on: date
) -> pl.DataFrame:
    """Per week: the new customers whose first purchase (in `scoped`'s channel) falls in it and whose window
    has ended (`new_retention_count`), and those of them who came back within RETENTION_DAYS (`retained`)."""
    last_day = purchases["day"].max()
    if last_day is None:
        return pl.DataFrame(schema={"week": pl.Int64, "retained": pl.Int64, "new_retention_count": pl.Int64})
    newcomers = scoped.join(first, on="customer_hash").filter(pl.col("day") == pl.col("first_day"))
    newcomers = newcomers.select("customer_hash", "first_day").unique()
    window_over = pl.col("first_day") + timedelta(days=RETENTION_DAYS) <= last_day
    came_back = (
        purchases.join(newcomers, on="customer_hash")
        .filter(
            (pl.col("day") > pl.col("first_day"))
            & (pl.col("day") <= pl.col("first_day") + timedelta(days=RETENTION_DAYS))
        )
        .select("customer_hash")
        .unique()
        .with_columns(pl.lit(True).alias("back"))
    )
    week = ((pl.col("first_day") - pl.lit(started_on)).dt.total_days()).floordiv(7).alias("week")
    return (
        newcomers.filter(window_over)
        .join(came_back, on="customer_hash", how="left")
        .group_by(week)
        .agg(
            pl.col("back").fill_null(False).sum().cast(pl.Int64).alias("retained"),
            pl.len().cast(pl.Int64).alias("new_retention_count"),
        )
    )


def loyalty_weekly(
    orders: pl.DataFrame, started_on: date, timezone: str = "UTC", channels: Sequence[str] | None = None
) -> dict[str, Weekly]:
    """Each loyalty signal's signals.Weekly (the weeks where it has customers), from read_loyalty_weeks."""
    weeks = read_loyalty_weeks(orders, started_on, timezone, channels)
    series = {}
    for name in LOYALTY_SIGNAL_NAMES:
        rows = weeks.filter(pl.col(f"{name}_count") > 0)
        series[name] = Weekly(
            rows["week"].to_numpy(),
            *(rows[f"{name}_{part}"].to_numpy().astype(float) for part in ("total", "squares", "count")),
        )
    return series


def loyalty_findings(
    orders: pl.DataFrame, started_on: date, channel: str | None, window: Window, timezone: str = "UTC"
) -> list[Finding]:
    """The loyalty signals' findings for a rollout on its findings window (analysis.impact.findings.
    rollout_window), against the window's untouched channels when the orders have them."""
    channels = set(orders["channel"].drop_nulls().to_list()) if "channel" in orders.columns else set()
    scoped = [channel] if channel is not None and channel in channels else None
    series = loyalty_weekly(orders, started_on, timezone, scoped)
    others = [name for name in window.comparison if name in channels]
    comparison = loyalty_weekly(orders, started_on, timezone, others) if scoped and others else None
    fits = {
        signal.name: judged_fit(signal, series[signal.name], window, comparison) for signal in LOYALTY_SIGNALS
    }
    return judge(fits, signals=LOYALTY_SIGNALS)
