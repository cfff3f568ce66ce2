"""The orders frame that every loyalty measure reads, and the purchases in it.

The orders frame (store.orders.read_orders gives it): order_id, source_id, customer_hash (the salted hash that a
survey respondent with the same id or email gets as feedback.author_hash; null for an order without a
customer), ordered_at (UTC), amount (refunds negative; null when unknown), channel, location.

A purchase is an order of a known customer that is not a refund (an amount of 0 or more, or unknown: a visit
recorded without its value, a free reward coffee). Refunds lower the revenue of the period they fall in, and
never make a customer active. Orders without a customer count in no customer measure.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from pulse.errors import InputError

ORDERS_SCHEMA: dict[str, Any] = {
    "order_id": pl.String,
    "source_id": pl.Int64,
    "customer_hash": pl.String,
    "ordered_at": pl.Datetime("us", "UTC"),
    "amount": pl.Float64,
    "channel": pl.String,
    "location": pl.String,
}
NEEDED_COLUMNS = ("customer_hash", "ordered_at", "amount")


def check_orders(orders: pl.DataFrame) -> None:
    """An InputError when the frame lacks a column the measures need."""
    missing = [name for name in NEEDED_COLUMNS if name not in orders.columns]
    if missing:
        raise InputError(
            f"The orders have no {', '.join(missing)} column.",
            hint="Read them with store.orders.read_orders, or import orders with `pulse import FILE --kind order`.",
        )


def purchase_expr() -> pl.Expr:
    """Whether an order is a purchase: a known customer, and not a refund."""
    return pl.col("customer_hash").is_not_null() & (pl.col("amount").is_null() | (pl.col("amount") >= 0))


def local_day_expr(timezone: str, column: str = "ordered_at") -> pl.Expr:
    """The local calendar day of each order in the business's time zone (as analysis.metrics counts days)."""
    return pl.col(column).dt.convert_time_zone(timezone).dt.date().alias("day")


def read_purchases(orders: pl.DataFrame, timezone: str = "UTC") -> pl.DataFrame:
    """The purchases (purchase_expr), with their local `day`."""
    check_orders(orders)
    return orders.filter(purchase_expr()).with_columns(local_day_expr(timezone))


def read_customer_orders(orders: pl.DataFrame, timezone: str = "UTC") -> pl.DataFrame:
    """Every order of a known customer (refunds too), with its local `day` and `purchase` (purchase_expr)."""
    check_orders(orders)
    return orders.filter(pl.col("customer_hash").is_not_null()).with_columns(
        local_day_expr(timezone), purchase_expr().alias("purchase")
    )


def first_purchases(purchases: pl.DataFrame) -> pl.DataFrame:
    """Each customer's first purchase day (`first_day`) in the data."""
    return purchases.group_by("customer_hash").agg(pl.col("day").min().alias("first_day"))
