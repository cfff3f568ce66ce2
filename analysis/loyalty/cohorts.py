"""Cohort retention: of each month's new customers, the share who buy again in each later month.

A customer's cohort is the local calendar month of their first purchase in the data; they are retained in a
later month when they buy in it (any purchase: analysis.loyalty.orders). Every cohort has a row for every
later month up to the data's last month (which may be partial), zeros included, so that the frame is ready
for a heatmap; the rate carries the Wilson interval (analysis.metrics.wilson_interval_exprs).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from analysis.loyalty.orders import first_purchases, read_purchases
from analysis.metrics import day_period_expr, wilson_interval_exprs

COHORT_SCHEMA: dict[str, Any] = {
    "cohort": pl.Date,
    "months_since": pl.Int64,
    "customers": pl.Int64,
    "retained": pl.Int64,
    "rate": pl.Float64,
    "rate_low": pl.Float64,
    "rate_high": pl.Float64,
}


def month_index_expr(column: str) -> pl.Expr:
    """Months since year 0 of a date column: a month's number that subtracts."""
    return pl.col(column).dt.year().cast(pl.Int64) * 12 + pl.col(column).dt.month().cast(pl.Int64)


def read_cohort_retention(orders: pl.DataFrame, timezone: str = "UTC") -> pl.DataFrame:
    """One row per cohort month and later month: cohort (the month's first day), months_since (1 is the month
    after the first purchase), customers (the cohort's size), retained (those who bought in that month),
    rate (0..1), rate_low and rate_high (95%)."""
    purchases = read_purchases(orders, timezone)
    if purchases.is_empty():
        return pl.DataFrame(schema=COHORT_SCHEMA)
    months = purchases.select(
        "customer_hash", day_period_expr("month", pl.col("day")).alias("month")
    ).unique()
    cohorts = first_purchases(purchases).select(
        "customer_hash", day_period_expr("month", pl.col("first_day")).alias("cohort")
    )
    since = (month_index_expr("month") - month_index_expr("cohort")).alias("months_since")
    retained = (
        months.join(cohorts, on="customer_hash")
        .with_columns(since)
        .filter(pl.col("months_since") > 0)
        .group_by("cohort", "months_since")
        .agg(pl.len().cast(pl.Int64).alias("retained"))
    )
    last_month = months["month"].max()
    sizes = cohorts.group_by("cohort").agg(pl.len().cast(pl.Int64).alias("customers"))
    grid = (
        sizes.with_columns(
            pl.int_ranges(1, pl.lit(last_month).pipe(_months_after, "cohort") + 1, dtype=pl.Int64).alias(
                "months_since"
            )
        )
        .explode("months_since")
        .drop_nulls("months_since")
    )
    low, high = wilson_interval_exprs(pl.col("retained"), pl.col("customers"))
    return (
        grid.join(retained, on=["cohort", "months_since"], how="left")
        .with_columns(pl.col("retained").fill_null(0))
        .with_columns(
            (pl.col("retained") / pl.col("customers")).alias("rate"),
            low.alias("rate_low"),
            high.alias("rate_high"),
        )
        .select(list(COHORT_SCHEMA))
        .sort("cohort", "months_since")
    )


def _months_after(last: pl.Expr, cohort: str) -> pl.Expr:
    """Months from each cohort to the data's last month."""
    return (last.dt.year().cast(pl.Int64) * 12 + last.dt.month().cast(pl.Int64)) - month_index_expr(cohort)
