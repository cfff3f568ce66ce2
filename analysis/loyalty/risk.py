"""Value at risk: the customers likely to have lapsed, with what they were worth and what they may still be.

A customer is at risk when they are past the lapse threshold (analysis.loyalty.churn.read_customer_status's
`lapsed`) or when the lifetime-value model gives them a low chance of still being a customer
(`probability_alive` below ALIVE_BELOW, analysis.clv). Their past value is their revenue to date (net of
refunds); their expected value, the model's expected spend in the next 12 months (null without the model's
values). The model's values are per customer for the whole store, so a customer counts here only when the
orders in view (the page's filters) have them.
"""

from __future__ import annotations

from typing import Any

import polars as pl

ALIVE_BELOW = 0.5  # a customer the model thinks more likely gone than not
RISK_SCHEMA: dict[str, Any] = {
    "customer_hash": pl.String,
    "last_purchase_at": pl.Datetime("us", "UTC"),
    "days_since_last": pl.Int64,
    "purchases": pl.Int64,
    "revenue": pl.Float64,
    "probability_alive": pl.Float64,
    "expected_value": pl.Float64,
    "lapsed": pl.Boolean,
}


def read_value_at_risk(
    status: pl.DataFrame, values: pl.DataFrame | None = None, alive_below: float = ALIVE_BELOW
) -> pl.DataFrame:
    """The customers of `status` (read_customer_status) who are lapsed or, by `values` (customer_hash,
    probability_alive, expected_value; None when the model has not run), below `alive_below`: RISK_SCHEMA's
    columns, most past revenue first."""
    if values is None or values.is_empty():
        joined = status.with_columns(
            pl.lit(None, pl.Float64).alias("probability_alive"),
            pl.lit(None, pl.Float64).alias("expected_value"),
        )
    else:
        modelled = values.select("customer_hash", "probability_alive", "expected_value")
        joined = status.join(modelled, on="customer_hash", how="left")
    at_risk = pl.col("lapsed") | (pl.col("probability_alive") < alive_below).fill_null(False)
    return (
        joined.filter(at_risk)
        .select(list(RISK_SCHEMA))
        .cast(pl.Schema(RISK_SCHEMA))
        .sort(["revenue", "customer_hash"], descending=[True, False], nulls_last=True)
    )


def risk_totals(at_risk: pl.DataFrame) -> dict[str, Any]:
    """customers, revenue (their past value) and expected_value (null when no customer has one) of
    read_value_at_risk's frame."""
    return at_risk.select(
        pl.len().cast(pl.Int64).alias("customers"),
        pl.col("revenue").sum().alias("revenue"),
        pl.when(pl.col("expected_value").count() > 0)
        .then(pl.col("expected_value").sum())
        .alias("expected_value"),
    ).row(0, named=True)
