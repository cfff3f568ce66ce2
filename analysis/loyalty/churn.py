"""Churn: which customers have lapsed (no purchase for longer than a threshold), with what they were worth.

The threshold the data suggest (suggest_lapse_days) is the 90th percentile of the gaps between a customer's
consecutive purchase days, over all the gaps of all customers who came back: nine returns in ten came
within it, so a customer silent for longer is more likely gone than between visits. A high quantile, not the
mean or median, because gaps are skewed (a regular's days, an occasional customer's months) and a threshold
near the typical gap would call most occasional customers lapsed between two visits; the 90th, not the
99th, because the longest gaps are themselves often customers who had lapsed and came back once. Pooling
the gaps weighs regulars more (they have more gaps), which keeps the threshold on the short side for a
business whose regulars are its core; an owner who sees it differently passes their own (`lapse_days`).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import polars as pl

from analysis.loyalty.orders import read_customer_orders, read_purchases

LAPSE_QUANTILE = 0.9
CUSTOMER_STATUS_SCHEMA: dict[str, Any] = {
    "customer_hash": pl.String,
    "first_purchase_at": pl.Datetime("us", "UTC"),
    "last_purchase_at": pl.Datetime("us", "UTC"),
    "purchases": pl.Int64,
    "revenue": pl.Float64,
    "days_since_last": pl.Int64,
    "lapsed": pl.Boolean,
}


def read_purchase_gaps(orders: pl.DataFrame, timezone: str = "UTC") -> pl.Series:
    """The days between each customer's consecutive purchase days (several purchases on a day are one)."""
    days = read_purchases(orders, timezone).select("customer_hash", "day").unique()
    gaps = days.sort("customer_hash", "day").select(
        pl.col("day").diff().over("customer_hash").dt.total_days().alias("gap_days")
    )
    return gaps["gap_days"].drop_nulls().cast(pl.Int64)


def suggest_lapse_days(
    orders: pl.DataFrame, timezone: str = "UTC", quantile: float = LAPSE_QUANTILE
) -> int | None:
    """The lapse threshold the data suggest, in whole days: the `quantile` of the purchase gaps, rounded up
    (see the module's docstring); None when no customer has bought on two days."""
    gaps = read_purchase_gaps(orders, timezone)
    if gaps.is_empty():
        return None
    value = gaps.quantile(quantile, interpolation="linear")
    return math.ceil(value) if value is not None else None


def read_customer_status(
    orders: pl.DataFrame,
    lapse_days: int | None = None,
    as_of: datetime | None = None,
    timezone: str = "UTC",
) -> pl.DataFrame:
    """Every customer with a purchase up to `as_of` (default: the last order in the data): first and last
    purchase, purchases, revenue (net of refunds, null when no amount is known), whole days since the last
    purchase, and `lapsed` (more than `lapse_days` of them; default: suggest_lapse_days, on the orders up to
    `as_of`). Most valuable first."""
    customer_orders = read_customer_orders(orders, timezone)
    if as_of is not None:
        customer_orders = customer_orders.filter(pl.col("ordered_at") <= as_of)
    if customer_orders.is_empty():
        return pl.DataFrame(schema=CUSTOMER_STATUS_SCHEMA)
    moment = as_of if as_of is not None else customer_orders["ordered_at"].max()
    threshold = lapse_days if lapse_days is not None else suggest_lapse_days(customer_orders, timezone)
    bought = pl.col("ordered_at").filter(pl.col("purchase"))
    status = (
        customer_orders.group_by("customer_hash")
        .agg(
            bought.min().alias("first_purchase_at"),
            bought.max().alias("last_purchase_at"),
            pl.col("purchase").sum().cast(pl.Int64).alias("purchases"),
            pl.when(pl.col("amount").count() > 0).then(pl.col("amount").sum()).alias("revenue"),
        )
        .filter(pl.col("purchases") > 0)
        .with_columns(
            (pl.lit(moment, dtype=pl.Datetime("us", "UTC")) - pl.col("last_purchase_at"))
            .dt.total_days()
            .cast(pl.Int64)
            .alias("days_since_last")
        )
    )
    lapsed = pl.col("days_since_last") > threshold if threshold is not None else pl.lit(False)
    return (
        status.with_columns(lapsed.alias("lapsed"))
        .select(list(CUSTOMER_STATUS_SCHEMA))
        .sort(["revenue", "customer_hash"], descending=[True, False], nulls_last=True)
    )


def read_lapsed_customers(
    orders: pl.DataFrame,
    lapse_days: int | None = None,
    as_of: datetime | None = None,
    timezone: str = "UTC",
) -> pl.DataFrame:
    """The lapsed customers of read_customer_status, most valuable first: the value at risk."""
    return read_customer_status(orders, lapse_days, as_of, timezone).filter(pl.col("lapsed")).drop("lapsed")
