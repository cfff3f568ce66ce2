"""Loyalty as vital signs of a rollout: the weekly series of the repeat-purchase rate and of new customers'
retention, in the shape the rollout impact machinery (analysis.impact.signals) fits and judges.

Weeks are counted from the rollout's start in the business's time zone (week 0 is its first week), as
analysis.impact counts them. Each signal is the mean of a per-customer value of 100 or 0, so that a week's
sum, sum of squares and count are a signals.Weekly:
- repeat_rate: per customer active in the week (in the rollout's channel, when it has one), 100 when they
  had bought (in any channel) in the HISTORY_DAYS days before the week;
- new_retention: per customer whose first purchase falls in the week (in the rollout's channel, when it has
  one), 100 when they bought again on a later day within RETENTION_DAYS days; weeks whose new customers'
  windows are not all over by the data's last day are left out. A week just before the start counts its
  customers' returns in the weeks after it: the change is smeared over the start by up to four weeks.
Both leave out the weeks that start less than HISTORY_DAYS after the data's first purchase. Why not "had
ever bought before", as analysis.loyalty.periods counts returning customers: orders data begin on some day,
and everyone is new then; that share then climbs for months as history builds up, and every rollout in those
months would look like it raised it (on the demo's orders the chatbot, which lowers returns, came out as a
clear +6 points that way). A fixed look-back is the same yardstick in every week.
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
HISTORY_DAYS = 91  # 13 weeks: a returning customer bought in them; weeks with less history are left out
LOYALTY_SIGNALS = (
    Signal("repeat_rate", "returning customers", "%", +1, 5.0, 30),
    Signal("new_retention", "new customers back within four weeks", "%", +1, 10.0, 30),
)
LOYALTY_SIGNAL_NAMES = tuple(signal.name for signal in LOYALTY_SIGNALS)
WEEK_COLUMNS = [f"{name}_{part}" for name in LOYALTY_SIGNAL_NAMES for part in ("total", "squares", "count")]


def read_loyalty_weeks(
    orders: pl.DataFrame,
    started_on: date,
    timezone: str = "UTC",
    channels: Sequence[str] | None = None,
    history_days: int = HISTORY_DAYS,
) -> pl.DataFrame:
    """Per week since `started_on` (`week`): each signal's `_total`, `_squares` and `_count` of the per-customer
    values (see the module's docstring), over the purchases in `channels` when given (None: every channel);
    weeks that start less than `history_days` after the first purchase are left out."""
    purchases = read_purchases(orders, timezone)
    schema = {"week": pl.Int64} | dict.fromkeys(WEEK_COLUMNS, pl.Float64)
    if purchases.is_empty():
        return pl.DataFrame(schema=schema | {f"{name}_count": pl.Int64 for name in LOYALTY_SIGNAL_NAMES})
    first_day = purchases["day"].min()
    assert isinstance(first_day, date)
    settled_from = first_day + timedelta(days=history_days)
    first = first_purchases(purchases)
    scoped = purchases.filter(pl.col("channel").is_in(list(channels))) if channels is not None else purchases
    week = ((pl.col("day") - pl.lit(started_on)).dt.total_days()).floordiv(7).alias("week")
    week_start = (pl.lit(started_on) + pl.duration(days=pl.col("week") * 7)).alias("week_start")
    active_weeks = (
        scoped.select("customer_hash", week)
        .unique()
        .with_columns(week_start)
        .filter(pl.col("week_start") >= settled_from)
        .sort("week_start")
    )
    days = purchases.select("customer_hash", pl.col("day").alias("last_before")).unique().sort("last_before")
    recent = pl.col("last_before") >= pl.col("week_start") - timedelta(days=history_days)
    active = (
        active_weeks.join_asof(
            days,
            left_on="week_start",
            right_on="last_before",
            by="customer_hash",
            strategy="backward",
            allow_exact_matches=False,
            check_sortedness=False,  # both sorted by the whole key, so within each customer too
        )
        .group_by("week")
        .agg(
            recent.fill_null(False).sum().cast(pl.Int64).alias("returning"),
            pl.len().cast(pl.Int64).alias("repeat_rate_count"),
        )
    )
    retention = new_customer_returns(purchases, scoped, first, started_on, settled_from)
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
    purchases: pl.DataFrame, scoped: pl.DataFrame, first: pl.DataFrame, started_on: date, settled_from: date
) -> pl.DataFrame:
    """Per week: the new customers whose first purchase (in `scoped`'s channel) falls in it, on or after
    `settled_from`, and whose window has ended (`new_retention_count`), and those of them who came back within
    RETENTION_DAYS (`retained`)."""
    last_day = purchases["day"].max()
    if last_day is None:
        return pl.DataFrame(schema={"week": pl.Int64, "retained": pl.Int64, "new_retention_count": pl.Int64})
    newcomers = scoped.join(first, on="customer_hash").filter(pl.col("day") == pl.col("first_day"))
    newcomers = newcomers.select("customer_hash", "first_day").unique()
    window_over = (pl.col("first_day") + timedelta(days=RETENTION_DAYS) <= last_day) & (
        pl.col("first_day") >= settled_from
    )
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
    orders: pl.DataFrame,
    started_on: date,
    timezone: str = "UTC",
    channels: Sequence[str] | None = None,
    history_days: int = HISTORY_DAYS,
) -> dict[str, Weekly]:
    """Each loyalty signal's signals.Weekly (the weeks where it has customers), from read_loyalty_weeks."""
    weeks = read_loyalty_weeks(orders, started_on, timezone, channels, history_days)
    series = {}
    for name in LOYALTY_SIGNAL_NAMES:
        rows = weeks.filter(pl.col(f"{name}_count") > 0)
        series[name] = Weekly(
            rows["week"].to_numpy(),
            *(rows[f"{name}_{part}"].to_numpy().astype(float) for part in ("total", "squares", "count")),
        )
    return series


def loyalty_findings(
    orders: pl.DataFrame,
    started_on: date,
    channel: str | None,
    window: Window,
    timezone: str = "UTC",
    history_days: int = HISTORY_DAYS,
) -> list[Finding]:
    """The loyalty signals' findings for a rollout on its findings window (analysis.impact.findings.
    rollout_window), against the window's untouched channels when the orders have them."""
    channels = set(orders["channel"].drop_nulls().to_list()) if "channel" in orders.columns else set()
    scoped = [channel] if channel is not None and channel in channels else None
    series = loyalty_weekly(orders, started_on, timezone, scoped, history_days)
    others = [name for name in window.comparison if name in channels]
    comparison = None
    if scoped and others:
        comparison = loyalty_weekly(orders, started_on, timezone, others, history_days)
    fits = {
        signal.name: judged_fit(signal, series[signal.name], window, comparison) for signal in LOYALTY_SIGNALS
    }
    return judge(fits, signals=LOYALTY_SIGNALS)
