"""The demo's orders (data/demo/orders.csv) tell the demo's story, clearly beyond their 95% intervals, as the
loyalty measures see them: online customers come back less after the support chatbot, customers visit more
often after the loyalty app, and detractors come back less than promoters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from analysis.loyalty import ORDERS_SCHEMA, read_feedback_returns, read_period_loyalty, read_returns_after

DEMO = Path(__file__).resolve().parents[3] / "data" / "demo"
CHATBOT, LOYALTY_APP = date(2026, 4, 13), date(2026, 9, 21)


def moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@pytest.fixture(scope="module")
def orders() -> pl.DataFrame:
    """orders.csv as the orders frame, the customer id standing in for its hash."""
    raw = pl.read_csv(DEMO / "orders.csv", schema_overrides={"customer_id": pl.String, "amount": pl.Float64})
    return raw.select(
        "order_id",
        pl.lit(1).alias("source_id"),
        pl.col("customer_id").alias("customer_hash"),
        pl.col("created_at").str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC").alias("ordered_at"),
        "amount",
        "channel",
        "location",
    ).cast(ORDERS_SCHEMA)


@pytest.fixture(scope="module")
def feedback() -> pl.DataFrame:
    """surveys.csv as a feedback frame; a comment is an impersonal complaint when it holds one of the comment
    bank's texts flagged so."""
    bank = pl.read_csv(DEMO / "comments.csv").filter(pl.col("impersonal") == 1)
    texts = bank["text"].str.to_lowercase().str.strip_chars_end(".!").to_list()
    surveys = pl.read_csv(DEMO / "surveys.csv", schema_overrides={"respondent": pl.String})
    return surveys.select(
        pl.col("respondent").alias("author_hash"),
        pl.col("submitted_at").str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC").alias("created_at"),
        pl.col("nps").cast(pl.Int8),
        pl.col("comment").fill_null("").str.to_lowercase().str.contains_any(texts).alias("impersonal"),
    )


def test_orders__a_bakery_s_year_small_enough_to_ship(orders: pl.DataFrame) -> None:
    days = orders["ordered_at"].dt.convert_time_zone("Europe/London").dt.date()
    assert days.min() == date(2025, 8, 4) and days.max() == date(2026, 11, 22)
    assert 30_000 <= orders.height <= 60_000 and (DEMO / "orders.csv").stat().st_size < 4_000_000
    assert orders["order_id"].is_unique().all()
    in_store = orders.filter((pl.col("channel") == "in-store") & (pl.col("amount") > 0))["amount"]
    online = orders.filter((pl.col("channel") == "online") & (pl.col("amount") > 0))["amount"]
    assert 4 <= (in_store.median() or 0) <= 10 and 12 <= (online.median() or 0) <= 30  # pounds
    assert orders.filter(pl.col("amount") < 0).height > 0  # some refunds
    assert orders["customer_hash"].null_count() > 0  # and orders with no customer
    saturdays = orders.filter(pl.col("ordered_at").dt.weekday() == 6).height
    mondays = orders.filter(pl.col("ordered_at").dt.weekday() == 1).height
    assert saturdays > 1.3 * mondays  # the weekly rhythm


def test_orders__every_survey_answer_follows_an_order_by_its_respondent(
    orders: pl.DataFrame, feedback: pl.DataFrame
) -> None:
    answers = feedback.select("author_hash", pl.col("created_at").alias("answered_at"))
    before = answers.join(orders, left_on="author_hash", right_on="customer_hash").filter(
        pl.col("ordered_at").is_between(pl.col("answered_at") - timedelta(hours=1), pl.col("answered_at"))
    )
    assert before.select("author_hash", "answered_at").n_unique() == answers.n_unique()


def return_rates(orders: pl.DataFrame, start: date, weeks: int, days: int) -> dict[str, dict[str, float]]:
    """Per side of `start` ("before", "after"): of the customers who ordered online in the `weeks` weeks on
    that side, the share who bought again within `days` days after their first such order."""
    online = orders.filter((pl.col("channel") == "online") & (pl.col("amount") >= 0))
    side = pl.when(pl.col("ordered_at") < moment(start)).then(pl.lit("before")).otherwise(pl.lit("after"))
    window = (moment(start) - timedelta(weeks=weeks), moment(start) + timedelta(weeks=weeks))
    moments = online.filter(pl.col("ordered_at").is_between(*window, closed="left")).select(
        "customer_hash", side.alias("group"), pl.col("ordered_at").alias("since")
    )
    returns = read_returns_after(orders, moments, days, ["before", "after"])
    return {row["group"]: row for row in returns.iter_rows(named=True)}


def test_online_customers_come_back_less_after_the_chatbot(orders: pl.DataFrame) -> None:
    rates = return_rates(orders, CHATBOT, weeks=10, days=60)
    before, after = rates["before"], rates["after"]
    assert after["return_rate_high"] < before["return_rate_low"]  # as generated: 81% back within 60 days, 66%
    assert before["return_rate"] - after["return_rate"] > 0.08
    assert min(before["customers"], after["customers"]) >= 500


def visits_per_customer(orders: pl.DataFrame, first: date, last: date) -> dict[str, float]:
    inside = orders.filter(pl.col("ordered_at").is_between(moment(first), moment(last), closed="left"))
    return read_period_loyalty(inside, by="all").row(0, named=True)


def test_customers_visit_more_often_after_the_loyalty_app(orders: pl.DataFrame) -> None:
    # 8 weeks before the app against 8 weeks from its second week, orders per active customer
    before = visits_per_customer(orders, LOYALTY_APP - timedelta(weeks=8), LOYALTY_APP)
    after = visits_per_customer(orders, LOYALTY_APP + timedelta(weeks=1), LOYALTY_APP + timedelta(weeks=9))
    assert after["orders_per_customer_low"] > before["orders_per_customer_high"]  # as generated: 2.09 to 2.61
    # more than the season alone gives: the same weeks a year before
    year = timedelta(weeks=52)
    last_year_before = visits_per_customer(
        orders, LOYALTY_APP - year - timedelta(weeks=8), LOYALTY_APP - year
    )
    last_year_after = visits_per_customer(
        orders, LOYALTY_APP - year + timedelta(weeks=1), LOYALTY_APP - year + timedelta(weeks=9)
    )
    rise = after["orders_per_customer"] / before["orders_per_customer"]
    seasonal = last_year_after["orders_per_customer"] / last_year_before["orders_per_customer"]
    assert rise - seasonal > 0.1  # as generated: +25% against +5%


def test_detractors_come_back_less_than_promoters(orders: pl.DataFrame, feedback: pl.DataFrame) -> None:
    returns = {row["group"]: row for row in read_feedback_returns(orders, feedback).iter_rows(named=True)}
    promoters, detractors = returns["promoter"], returns["detractor"]
    assert detractors["return_rate_high"] < promoters["return_rate_low"]  # as generated: 61% against 85%
    assert detractors["spend_high"] < promoters["spend_low"]
    assert min(promoters["customers"], detractors["customers"], returns["impersonal"]["customers"]) >= 100
    assert returns["impersonal"]["return_rate_high"] < promoters["return_rate_low"]
