"""Feedback meets behaviour: do promoters come back more than detractors, and what is a detractor worth?

For customers who both answered a survey and bought (feedback.author_hash is the same salted hash as the
orders' customer_hash), each answer starts a window of `days` days (90 by default): the customer returned
when they bought again in it (after the answer, up to `days` days later), and their spend is the net value
of their orders in it (0 when they did not come back). Answers whose window runs past the last order in the
data are left out: their returns are not all in yet. Each customer counts once in a group, with their first
answer of that kind (a promoter, passive or detractor by pulse.measures; a complaint of impersonal service
by the feedback's `impersonal` label), so that a group's customers are independent; one customer may be in
two groups (a promoter once, a detractor later). Return rates carry the Wilson interval, spends the
normal-approximation interval of a mean (analysis.metrics).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import polars as pl

from analysis.loyalty.orders import check_orders, purchase_expr
from analysis.metrics import mean_interval_exprs, wilson_interval_exprs
from pulse.measures import DETRACTOR, PROMOTER

RETURN_DAYS = 90
GROUPS = ("promoter", "passive", "detractor", "impersonal")
RETURNS_SCHEMA: dict[str, Any] = {
    "group": pl.String,
    "customers": pl.Int64,
    "returned": pl.Int64,
    "return_rate": pl.Float64,
    "return_rate_low": pl.Float64,
    "return_rate_high": pl.Float64,
    "spend_per_customer": pl.Float64,
    "spend_low": pl.Float64,
    "spend_high": pl.Float64,
}


def read_feedback_returns(
    orders: pl.DataFrame, feedback: pl.DataFrame, days: int = RETURN_DAYS
) -> pl.DataFrame:
    """One row per group (promoter, passive, detractor, impersonal; in that order, every one even when
    empty): customers, returned, return_rate (0..1) with return_rate_low and _high, and spend_per_customer
    (in the orders' currency, over `days` days) with spend_low and _high. `feedback` has author_hash,
    created_at (UTC), nps (0-10) and, optionally, impersonal (a bool)."""
    answers = read_answer_windows(orders, feedback, days)
    outcomes = answer_outcomes(orders, answers, days)
    per_group = outcomes.group_by("group").agg(
        pl.len().cast(pl.Int64).alias("customers"),
        pl.col("returned").sum().cast(pl.Int64).alias("returned"),
        pl.col("spend").mean().alias("spend_per_customer"),
        pl.col("spend").std().alias("spend_sd"),
    )
    groups = pl.DataFrame({"group": list(GROUPS)})
    joined = groups.join(per_group, on="group", how="left", maintain_order="left").with_columns(
        pl.col("customers", "returned").fill_null(0)
    )
    rate_low, rate_high = wilson_interval_exprs(pl.col("returned"), pl.col("customers"))
    spend_low, spend_high = mean_interval_exprs(
        pl.col("spend_per_customer"), pl.col("spend_sd"), pl.col("customers")
    )
    return joined.with_columns(
        pl.when(pl.col("customers") > 0).then(pl.col("returned") / pl.col("customers")).alias("return_rate"),
        rate_low.alias("return_rate_low"),
        rate_high.alias("return_rate_high"),
        spend_low.alias("spend_low"),
        spend_high.alias("spend_high"),
    ).select(list(RETURNS_SCHEMA))


def group_expr() -> pl.Expr:
    """An answer's NPS group: promoter, passive or detractor (null without an NPS answer)."""
    return (
        pl.when(PROMOTER.expr())
        .then(pl.lit("promoter"))
        .when(DETRACTOR.expr())
        .then(pl.lit("detractor"))
        .when(pl.col("nps").is_not_null())
        .then(pl.lit("passive"))
    )


def read_answer_windows(
    orders: pl.DataFrame, feedback: pl.DataFrame, days: int = RETURN_DAYS
) -> pl.DataFrame:
    """Each buyer's first answer per group whose window is complete: customer_hash, group, answered_at."""
    check_orders(orders)
    missing = [name for name in ("author_hash", "created_at", "nps") if name not in feedback.columns]
    if missing:
        raise ValueError(f"the feedback frame has no {missing} columns")
    buyers = orders.filter(purchase_expr()).select("customer_hash").unique()
    last_order = orders["ordered_at"].max()
    if last_order is None:
        return pl.DataFrame(
            schema={"customer_hash": pl.String, "group": pl.String, "answered_at": pl.Datetime("us", "UTC")}
        )
    impersonal = pl.col("impersonal").fill_null(False) if "impersonal" in feedback.columns else pl.lit(False)
    complete = pl.col("created_at") + timedelta(days=days) <= last_order
    answered = feedback.filter(pl.col("author_hash").is_not_null() & complete).join(
        buyers, left_on="author_hash", right_on="customer_hash", how="semi"
    )
    by_nps = answered.select(
        pl.col("author_hash").alias("customer_hash"), group_expr().alias("group"), "created_at"
    )
    by_impersonal = answered.filter(impersonal).select(
        pl.col("author_hash").alias("customer_hash"), pl.lit("impersonal").alias("group"), "created_at"
    )
    return (
        pl.concat([by_nps, by_impersonal])
        .drop_nulls("group")
        .group_by("customer_hash", "group")
        .agg(pl.col("created_at").min().alias("answered_at"))
    )


def answer_outcomes(orders: pl.DataFrame, answers: pl.DataFrame, days: int = RETURN_DAYS) -> pl.DataFrame:
    """Per answer window: whether the customer bought in it (`returned`) and their net spend in it."""
    customer_orders = orders.filter(pl.col("customer_hash").is_not_null()).select(
        "customer_hash", "ordered_at", "amount", purchase_expr().alias("purchase")
    )
    inside = (pl.col("ordered_at") > pl.col("answered_at")) & (
        pl.col("ordered_at") <= pl.col("answered_at") + timedelta(days=days)
    )
    in_window = (
        answers.join(customer_orders, on="customer_hash")
        .filter(inside)
        .group_by("customer_hash", "group")
        .agg(pl.col("purchase").any().alias("returned"), pl.col("amount").sum().alias("spend"))
    )
    return answers.join(in_window, on=["customer_hash", "group"], how="left").with_columns(
        pl.col("returned").fill_null(False), pl.col("spend").fill_null(0.0)
    )
