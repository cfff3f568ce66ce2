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

from collections.abc import Sequence
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
    empty), as read_returns_after gives them. `feedback` has author_hash, created_at (UTC), nps (0-10) and,
    optionally, impersonal (a bool)."""
    return read_returns_after(orders, read_answer_moments(orders, feedback), days, GROUPS)


def read_returns_after(
    orders: pl.DataFrame,
    moments: pl.DataFrame,
    days: int = RETURN_DAYS,
    groups: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Of the customers in each group of `moments` (customer_hash, group, since: an answer, a first online
    order...), the share who bought within `days` days after their first moment in the group whose window is
    complete, and what they spent in it: group, customers, returned, return_rate (0..1) with
    return_rate_low and _high, spend_per_customer with spend_low and _high. One row per group of `groups`
    (in that order, every one even when empty), or per group of the moments, sorted."""
    check_orders(orders)
    last_order = orders["ordered_at"].max()
    complete = (
        pl.col("since") + timedelta(days=days) <= last_order if last_order is not None else pl.lit(False)
    )
    firsts = moments.filter(complete).group_by("customer_hash", "group").agg(pl.col("since").min())
    outcomes = answer_outcomes(orders, firsts, days)
    per_group = outcomes.group_by("group").agg(
        pl.len().cast(pl.Int64).alias("customers"),
        pl.col("returned").sum().cast(pl.Int64).alias("returned"),
        pl.col("spend").mean().alias("spend_per_customer"),
        pl.col("spend").std().alias("spend_sd"),
    )
    names = list(groups) if groups is not None else sorted(moments["group"].drop_nulls().unique().to_list())
    joined = (
        pl.DataFrame({"group": names}, schema={"group": pl.String})
        .join(per_group, on="group", how="left", maintain_order="left")
        .with_columns(pl.col("customers", "returned").fill_null(0))
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


def read_answer_moments(orders: pl.DataFrame, feedback: pl.DataFrame) -> pl.DataFrame:
    """The answers of customers who bought, as moments: customer_hash, group (the NPS group; "impersonal" for a
    complaint of impersonal service, a second moment beside its NPS group), since (when they answered)."""
    check_orders(orders)
    missing = [name for name in ("author_hash", "created_at", "nps") if name not in feedback.columns]
    if missing:
        raise ValueError(f"the feedback frame has no {missing} columns")
    buyers = orders.filter(purchase_expr()).select("customer_hash").unique()
    impersonal = pl.col("impersonal").fill_null(False) if "impersonal" in feedback.columns else pl.lit(False)
    answered = feedback.filter(pl.col("author_hash").is_not_null()).join(
        buyers, left_on="author_hash", right_on="customer_hash", how="semi"
    )
    customer, since = pl.col("author_hash").alias("customer_hash"), pl.col("created_at").alias("since")
    by_nps = answered.select(customer, group_expr().alias("group"), since)
    by_impersonal = answered.filter(impersonal).select(customer, pl.lit("impersonal").alias("group"), since)
    return pl.concat([by_nps, by_impersonal]).drop_nulls("group")


def answer_outcomes(orders: pl.DataFrame, moments: pl.DataFrame, days: int = RETURN_DAYS) -> pl.DataFrame:
    """Per moment (customer_hash, group, since): whether the customer bought in the `days` days after it
    (`returned`) and their net spend in them."""
    customer_orders = orders.filter(pl.col("customer_hash").is_not_null()).select(
        "customer_hash", "ordered_at", "amount", purchase_expr().alias("purchase")
    )
    inside = (pl.col("ordered_at") > pl.col("since")) & (
        pl.col("ordered_at") <= pl.col("since") + timedelta(days=days)
    )
    in_window = (
        moments.join(customer_orders, on="customer_hash")
        .filter(inside)
        .group_by("customer_hash", "group")
        .agg(pl.col("purchase").any().alias("returned"), pl.col("amount").sum().alias("spend"))
    )
    return moments.join(in_window, on=["customer_hash", "group"], how="left").with_columns(
        pl.col("returned").fill_null(False), pl.col("spend").fill_null(0.0)
    )
