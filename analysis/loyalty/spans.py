"""The repeat-purchase rate of a span of weeks, as one period: the Loyalty page's "are customers coming back as
often as before?" and the Pulse page's returning-customer card (the same spans as the feedback they compare).

A customer is active in the span with a purchase in it, and returning when their first purchase in the data came
before the span (as analysis.loyalty.periods counts a period's returning customers): each customer counts once
in a span, however often they bought in it, so that a span's rate is a share of customers, which
analysis.alerts.change_is_clear compares between two spans ("repeat" in its SHARES) as it compares CSAT. (A
regular is active in both spans: the test takes the spans as independent, which errs on the side of grey,
not of calling a change clear.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import polars as pl

from analysis.loyalty.orders import read_purchases
from analysis.metrics import wilson_interval_exprs


def span_loyalty(
    orders: pl.DataFrame, first: date, last: date, timezone: str = "UTC"
) -> dict[str, Any] | None:
    """The customers active in the weeks starting on the Mondays `first` to `last` (their local days): first
    and last (the Mondays), active_customers, new_customers, returning_customers, repeat_rate (0..1) with
    repeat_rate_low and _high (95% Wilson); None when nobody bought in them."""
    return _span_of(read_purchases(orders, timezone), first, last)


def _span_of(purchases: pl.DataFrame, first: date, last: date) -> dict[str, Any] | None:
    """span_loyalty, on the purchases (read_purchases) already read."""
    figures = span_counts(purchases, first, last + timedelta(days=6))
    if figures.is_empty():
        return None
    return {"first": first, "last": last, **figures.row(0, named=True)}


def read_span_loyalty(
    orders: pl.DataFrame, first: date, last: date, timezone: str = "UTC", group_by: Sequence[str] = ()
) -> pl.DataFrame:
    """The customers active in the local days `first` to `last`, per group of `group_by` (such as location:
    a customer is then returning to a location when their first purchase there came before `first`): the group
    columns, active_customers, new_customers, returning_customers, repeat_rate (0..1) with repeat_rate_low and
    _high (95% Wilson); no row for a group where nobody bought in those days."""
    return span_counts(read_purchases(orders, timezone), first, last, group_by)


def span_counts(
    purchases: pl.DataFrame, first: date, last: date, group_by: Sequence[str] = ()
) -> pl.DataFrame:
    """read_span_loyalty on the purchases (read_purchases) already read: the one definition of a span's
    repeat-purchase rate."""
    keys = ["customer_hash", *group_by]
    first_days = purchases.group_by(keys).agg(pl.col("day").min().alias("first_day"))
    active = (
        purchases.filter(pl.col("day").is_between(first, last))
        .select(keys)
        .unique()
        .join(first_days, on=keys)
    )
    if active.is_empty():
        return pl.DataFrame(
            schema={
                **{name: purchases.schema[name] for name in group_by},
                "active_customers": pl.Int64,
                "new_customers": pl.Int64,
                "returning_customers": pl.Int64,
                "repeat_rate": pl.Float64,
                "repeat_rate_low": pl.Float64,
                "repeat_rate_high": pl.Float64,
            }
        )
    returning = (pl.col("first_day") < first).sum().cast(pl.Int64).alias("returning")
    size = pl.len().cast(pl.Int64).alias("active_customers")
    counts = active.group_by(group_by).agg(size, returning) if group_by else active.select(size, returning)
    low, high = wilson_interval_exprs(pl.col("returning"), pl.col("active_customers"))
    return counts.select(
        *group_by,
        "active_customers",
        (pl.col("active_customers") - pl.col("returning")).alias("new_customers"),
        pl.col("returning").alias("returning_customers"),
        (pl.col("returning") / pl.col("active_customers")).alias("repeat_rate"),
        low.alias("repeat_rate_low"),
        high.alias("repeat_rate_high"),
    ).sort(group_by or "active_customers")


def recent_loyalty(
    orders: pl.DataFrame, count: int = 4, timezone: str = "UTC", up_to: date | None = None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The `count` weeks up to the one holding `up_to` (default: the last purchase's day; that week may be
    partial) and the `count` weeks before them, each as span_loyalty gives it (None where nobody bought)."""
    purchases = read_purchases(orders, timezone)
    if purchases.is_empty():
        return None, None
    last_day = up_to if up_to is not None else purchases["day"].max()
    assert isinstance(last_day, date)
    week = last_day - timedelta(days=last_day.weekday())
    first = week - timedelta(weeks=count - 1)
    before_last = first - timedelta(weeks=1)
    now = _span_of(purchases, first, week)
    before = _span_of(purchases, before_last - timedelta(weeks=count - 1), before_last)
    return now, before
