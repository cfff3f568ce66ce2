"""Per week or month: active, new and returning customers, the repeat-purchase rate, visit frequency and
revenue per customer, each rate and mean with its 95% interval.

Periods are local calendar weeks (starting Monday) or months in the business's time zone, as every other
Pulse measure (analysis.metrics.day_period_expr). A customer is active in a period with a purchase in it
(analysis.loyalty.orders says what a purchase is); new when their first purchase in the data falls in it,
returning otherwise. The repeat-purchase rate is the share of active customers who had bought before the
period, with the Wilson
interval (analysis.metrics.wilson_interval_exprs, statsmodels' proportion_confint(method="wilson") in
polars). Visit frequency (orders per active customer) and revenue per active customer (net of refunds in the
period; customers whose orders carry no amount left out) are means over the period's active customers, with
the normal-approximation interval of a mean.

The data's first periods count nearly everyone as new, since nobody has a history yet: the rate climbs from 0
for months for no reason of the customers'. It is left out (null, with its interval) of the periods that start
less than WARM_UP_DAYS after the data's first purchase; their counts stay.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import cast

import polars as pl

from analysis.loyalty.orders import first_purchases, read_customer_orders
from analysis.metrics import day_period_expr, mean_interval_exprs, wilson_interval_exprs

WARM_UP_DAYS = 91  # 13 weeks, analysis.loyalty.rollouts' HISTORY_DAYS: a regular has bought by then


def read_period_loyalty(
    orders: pl.DataFrame,
    by: str = "week",
    timezone: str = "UTC",
    group_by: Sequence[str] = (),
    warm_up_days: int = WARM_UP_DAYS,
) -> pl.DataFrame:
    """One row per period (and group, e.g. channel: active in that channel) with customers: the group
    columns, period, active_customers, new_customers, returning_customers, repeat_rate (0..1) with
    repeat_rate_low and _high, orders, orders_per_customer with _low and _high, revenue, and
    revenue_per_customer with _low and _high. `by` is week, month (or day, all)."""
    customer_periods = read_customer_periods(orders, by, timezone, group_by)
    keys = [*group_by, "period"]
    counts = (
        customer_periods.group_by(keys)
        .agg(
            pl.len().cast(pl.Int64).alias("active_customers"),
            pl.col("new").sum().cast(pl.Int64).alias("new_customers"),
            pl.col("purchases").sum().cast(pl.Int64).alias("orders"),
            pl.col("purchases").mean().alias("orders_per_customer"),
            pl.col("purchases").std().alias("orders_sd"),
            pl.when(pl.col("revenue").count() > 0).then(pl.col("revenue").sum()).alias("revenue"),
            pl.col("revenue").mean().alias("revenue_per_customer"),
            pl.col("revenue").std().alias("revenue_sd"),
            pl.col("revenue").count().cast(pl.Int64).alias("priced_customers"),
        )
        .sort(keys, nulls_last=True)
    )
    settled = pl.col("period") >= warm_up_end(orders, timezone, warm_up_days)
    rates = ("repeat_rate", "repeat_rate_low", "repeat_rate_high")
    counted = add_loyalty_intervals(counts).with_columns(pl.when(settled).then(pl.col(rates)))
    return counted.select(
        *keys,
        "active_customers",
        "new_customers",
        "returning_customers",
        "repeat_rate",
        "repeat_rate_low",
        "repeat_rate_high",
        "orders",
        "orders_per_customer",
        "orders_per_customer_low",
        "orders_per_customer_high",
        "revenue",
        "revenue_per_customer",
        "revenue_per_customer_low",
        "revenue_per_customer_high",
    )


def warm_up_end(orders: pl.DataFrame, timezone: str = "UTC", days: int = WARM_UP_DAYS) -> date | None:
    """The first day on which a period's repeat-purchase rate means something: `days` after the data's first
    purchase (None without purchases)."""
    first = read_customer_orders(orders, timezone).filter(pl.col("purchase"))["day"].min()
    return None if first is None else cast(date, first) + timedelta(days=days)


def read_customer_periods(
    orders: pl.DataFrame, by: str = "week", timezone: str = "UTC", group_by: Sequence[str] = ()
) -> pl.DataFrame:
    """One row per active customer, period (and group): purchases, revenue (null when no order of theirs in
    it has an amount), and whether their first purchase in the data falls in the period (`new`)."""
    customer_orders = read_customer_orders(orders, timezone)
    purchases = customer_orders.filter(pl.col("purchase"))
    first = first_purchases(purchases).select(
        "customer_hash", day_period_expr(by, pl.col("first_day")).alias("first_period")
    )
    keys = ["customer_hash", *group_by, "period"]
    return (
        customer_orders.with_columns(day_period_expr(by, pl.col("day")))
        .group_by(keys)
        .agg(
            pl.col("purchase").sum().cast(pl.Int64).alias("purchases"),
            pl.when(pl.col("amount").count() > 0).then(pl.col("amount").sum()).alias("revenue"),
        )
        .filter(pl.col("purchases") > 0)
        .join(first, on="customer_hash", how="left")
        .with_columns(pl.col("first_period").eq_missing(pl.col("period")).alias("new"))
        .drop("first_period")
    )


def add_loyalty_intervals(counts: pl.DataFrame) -> pl.DataFrame:
    """The returning customers, the repeat-purchase rate and the means' 95% intervals, from the counts."""
    returning = pl.col("active_customers") - pl.col("new_customers")
    repeat_low, repeat_high = wilson_interval_exprs(returning, pl.col("active_customers"))
    orders_low, orders_high = mean_interval_exprs(
        pl.col("orders_per_customer"), pl.col("orders_sd"), pl.col("active_customers")
    )
    revenue_low, revenue_high = mean_interval_exprs(
        pl.col("revenue_per_customer"), pl.col("revenue_sd"), pl.col("priced_customers")
    )
    return counts.with_columns(
        returning.alias("returning_customers"),
        (returning / pl.col("active_customers")).alias("repeat_rate"),
        repeat_low.alias("repeat_rate_low"),
        repeat_high.alias("repeat_rate_high"),
        orders_low.alias("orders_per_customer_low"),
        orders_high.alias("orders_per_customer_high"),
        revenue_low.alias("revenue_per_customer_low"),
        revenue_high.alias("revenue_per_customer_high"),
    )
