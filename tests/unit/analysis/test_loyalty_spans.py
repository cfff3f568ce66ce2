"""The Loyalty page's measures (spans, value at risk, the filters on orders) on the hand-checked orders of
test_loyalty.py (copied here: tests import no other tests)."""

from __future__ import annotations

from datetime import date

import polars as pl

from analysis.alerts import change_is_clear
from analysis.filters import Filters
from analysis.loyalty import (
    orders_in_view,
    periods_in_view,
    read_customer_status,
    read_period_loyalty,
    read_value_at_risk,
    recent_loyalty,
    risk_totals,
    span_loyalty,
)
from tests.loyalty_data import orders_frame


def test_span_loyalty__each_customer_once_returning_when_they_bought_before_the_span() -> None:
    february = span_loyalty(orders_frame(), date(2026, 2, 2), date(2026, 2, 9))  # 2 to 15 Feb: a and b
    assert february is not None
    assert (february["active_customers"], february["returning_customers"], february["repeat_rate"]) == (
        2,
        2,
        1.0,
    )
    assert february["repeat_rate_low"] < 1.0 and february["repeat_rate_high"] == 1.0
    january = span_loyalty(
        orders_frame(), date(2026, 1, 5), date(2026, 1, 12)
    )  # a (four times), b, c: all new
    assert january is not None
    assert (january["active_customers"], january["new_customers"], january["repeat_rate"]) == (3, 3, 0.0)
    assert span_loyalty(orders_frame(), date(2026, 6, 1), date(2026, 6, 8)) is None


def test_recent_loyalty__the_weeks_up_to_the_last_purchase_against_those_before() -> None:
    now, before = recent_loyalty(orders_frame(), count=2)
    assert now is not None and before is not None
    assert (now["first"], now["last"]) == (date(2026, 2, 23), date(2026, 3, 2))
    assert (now["active_customers"], now["returning_customers"]) == (1, 0)  # d, new
    assert (before["first"], before["last"]) == (date(2026, 2, 9), date(2026, 2, 16))
    assert (before["active_customers"], before["returning_customers"]) == (1, 1)  # b (its refund is no visit)
    assert not change_is_clear("repeat", now, before)  # one customer each: noise
    assert change_is_clear(
        "repeat",
        {"returning_customers": 300, "active_customers": 1000},
        {"returning_customers": 500, "active_customers": 1000},
    )
    assert recent_loyalty(orders_frame([])) == (None, None)


def test_read_value_at_risk__lapsed_or_likely_gone_by_the_model_most_valuable_first() -> None:
    status = read_customer_status(orders_frame(), lapse_days=20)  # as of 2 Mar: a 27 days, b 20, c 47, d 0
    assert read_value_at_risk(status)["customer_hash"].to_list() == ["a", "c"]
    values = pl.DataFrame(
        {
            "customer_hash": ["a", "b", "c", "d"],
            "probability_alive": [0.8, 0.9, 0.1, 0.3],
            "expected_value": [40.0, 20.0, 1.0, 5.0],
        }
    )
    at_risk = read_value_at_risk(status, values)
    assert at_risk["customer_hash"].to_list() == ["a", "c", "d"]  # d: not lapsed, but likely gone
    assert at_risk["lapsed"].to_list() == [True, True, False]
    assert risk_totals(at_risk) == {"customers": 3, "revenue": 55.0, "expected_value": 46.0}
    assert risk_totals(read_value_at_risk(status)) == {
        "customers": 2,
        "revenue": 55.0,
        "expected_value": None,
    }


def test_orders_in_view__keeps_the_history_before_the_first_day_and_cuts_after_the_last() -> None:
    filters = Filters(since=date(2026, 2, 1), until=date(2026, 2, 10), channel="online", source="a survey")
    kept = orders_in_view(orders_frame(), filters, "Europe/London")
    assert kept["ordered_at"].dt.day().to_list() == [6, 10]  # b's January order kept; the 11 Feb refund cut
    weekly = read_period_loyalty(orders_frame(), "week")
    shown = periods_in_view(weekly, Filters(since=date(2026, 2, 4)), "week")
    assert shown["period"].min() == date(2026, 2, 2)  # the week holding the first day
    assert periods_in_view(weekly, Filters(), "week").height == weekly.height
