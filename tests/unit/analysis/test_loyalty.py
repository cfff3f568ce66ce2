"""The loyalty measures on a tiny orders frame whose numbers are checked by hand (see each test)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from statsmodels.stats.proportion import proportion_confint

from analysis.impact.findings import rollout_window
from analysis.loyalty import (
    loyalty_findings,
    read_cohort_retention,
    read_customer_status,
    read_feedback_returns,
    read_lapsed_customers,
    read_loyalty_weeks,
    read_period_loyalty,
    read_purchase_gaps,
    read_returns_after,
    suggest_lapse_days,
)
from pulse.errors import InputError
from tests.loyalty_data import at, orders_frame


def test_read_period_loyalty__weekly_counts_rates_and_revenue() -> None:
    weekly = read_period_loyalty(orders_frame(), by="week", warm_up_days=0)
    expected = pl.DataFrame(
        {
            "period": [
                date(2026, 1, 5),
                date(2026, 1, 12),
                date(2026, 2, 2),
                date(2026, 2, 9),
                date(2026, 3, 2),
            ],
            "active_customers": [2, 2, 1, 1, 1],
            "new_customers": [2, 1, 0, 0, 1],  # c is new in the second week, d in March
            "returning_customers": [0, 1, 1, 1, 0],
            "repeat_rate": [0.0, 0.5, 1.0, 1.0, 0.0],
            "orders": [3, 2, 1, 1, 1],  # the refund is no visit
            "orders_per_customer": [1.5, 1.0, 1.0, 1.0, 1.0],
            "revenue": [19.0, 32.0, 8.0, 0.0, None],  # b's refund cancels the purchase; d's amount unknown
            "revenue_per_customer": [9.5, 16.0, 8.0, 0.0, None],
        },
        schema_overrides={
            name: pl.Int64 for name in ("active_customers", "new_customers", "returning_customers", "orders")
        },
    )
    assert_frame_equal(weekly.select(expected.columns), expected)


def test_read_period_loyalty__no_rate_in_the_datas_first_weeks_while_nobody_has_a_history() -> None:
    weekly = read_period_loyalty(orders_frame(), by="week")  # 13 weeks of warm-up: all 8 weeks of the data
    assert weekly["repeat_rate"].null_count() == weekly.height
    assert weekly["repeat_rate_low"].null_count() == weekly["repeat_rate_high"].null_count() == weekly.height
    assert weekly["active_customers"].to_list() == [2, 2, 1, 1, 1]  # the counts stay
    settled = read_period_loyalty(orders_frame(), by="week", warm_up_days=28)  # from 2 Feb (5 Jan + 28 days)
    assert settled["repeat_rate"].to_list() == [None, None, 1.0, 1.0, 0.0]


def test_read_period_loyalty__monthly_and_the_repeat_rate_interval_is_wilsons() -> None:
    monthly = read_period_loyalty(orders_frame(), by="month", warm_up_days=0)
    assert monthly["period"].to_list() == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    assert monthly["active_customers"].to_list() == [3, 2, 1]
    assert monthly["returning_customers"].to_list() == [0, 2, 0]
    assert monthly["revenue_per_customer"].to_list() == pytest.approx([17.0, 4.0, None])
    weekly = read_period_loyalty(orders_frame(), by="week", warm_up_days=0).row(1, named=True)
    low, high = proportion_confint(1, 2, method="wilson")
    assert (weekly["repeat_rate_low"], weekly["repeat_rate_high"]) == pytest.approx((low, high))
    assert weekly["orders_per_customer_low"] == weekly["orders_per_customer_high"] == 1.0  # no spread


def test_read_period_loyalty__weeks_are_the_business_s_local_weeks() -> None:
    late_sunday = orders_frame([("e", datetime(2026, 6, 7, 23, 30, tzinfo=UTC), 5.0, "in-store")])
    assert read_period_loyalty(late_sunday)["period"].to_list() == [date(2026, 6, 1)]
    london = read_period_loyalty(late_sunday, timezone="Europe/London")  # 00:30 on Monday 8 June there
    assert london["period"].to_list() == [date(2026, 6, 8)]


def test_read_period_loyalty__by_channel_counts_new_customers_by_their_first_purchase_anywhere() -> None:
    rows = [("a", at(1, 5), 5.0, "in-store"), ("a", at(1, 6), 9.0, "online")]
    by_channel = read_period_loyalty(orders_frame(rows), group_by=["channel"])
    assert by_channel.select("channel", "new_customers", "returning_customers").rows() == [
        ("in-store", 1, 0),
        ("online", 1, 0),  # the same week: new in both
    ]


def test_read_period_loyalty__without_the_needed_columns_says_what_to_do() -> None:
    with pytest.raises(InputError) as error:
        read_period_loyalty(pl.DataFrame({"ordered_at": [at(1, 5)]}))
    assert "customer_hash" in error.value.message and "pulse import" in (error.value.hint or "")


def test_read_cohort_retention__share_of_each_month_s_new_customers_back_in_later_months() -> None:
    cohorts = read_cohort_retention(orders_frame())
    low, high = proportion_confint(2, 3, method="wilson")
    expected = pl.DataFrame(
        {
            "cohort": [date(2026, 1, 1), date(2026, 1, 1)],  # March's cohort (d) has no later month yet
            "months_since": [1, 2],
            "customers": [3, 3],
            "retained": [2, 0],  # a and b bought in February (b's refund aside), nobody of them in March
            "rate": [2 / 3, 0.0],
        },
        schema_overrides={"months_since": pl.Int64, "customers": pl.Int64, "retained": pl.Int64},
    )
    assert_frame_equal(cohorts.select(expected.columns), expected)
    assert (cohorts["rate_low"][0], cohorts["rate_high"][0]) == pytest.approx((low, high))
    assert read_cohort_retention(orders_frame([])).is_empty()


def test_suggest_lapse_days__the_90th_percentile_of_purchase_gaps() -> None:
    # a: 5, 7, 13 Jan, 3 Feb: gaps of 2, 6, 21 days; b: 6 Jan, 10 Feb (the refund is no purchase): 35
    assert sorted(read_purchase_gaps(orders_frame()).to_list()) == [2, 6, 21, 35]
    assert suggest_lapse_days(orders_frame()) == 31  # 21 + 0.7 * 14 = 30.8, rounded up
    assert suggest_lapse_days(orders_frame([("a", at(1, 5), 1.0, "in-store")])) is None


def test_read_lapsed_customers__past_the_threshold_most_valuable_first() -> None:
    # as of d's order on 2 March: a last bought 27 days before, b 20, c 47, d 0
    lapsed = read_lapsed_customers(orders_frame(), lapse_days=20)
    assert lapsed.select("customer_hash", "purchases", "revenue", "days_since_last").rows() == [
        ("a", 4, 43.0, 27),
        ("c", 1, 12.0, 47),
    ]
    assert read_lapsed_customers(orders_frame())["customer_hash"].to_list() == ["c"]  # suggested: 31 days
    status = read_customer_status(orders_frame(), lapse_days=20, as_of=at(2, 1))
    assert status.select("customer_hash", "revenue", "lapsed").rows() == [
        ("a", 35.0, False),  # as of 1 February, a's last purchase was 19 days before
        ("c", 12.0, False),
        ("b", 4.0, True),  # 26 days
    ]


def feedback_frame(rows: list[tuple[str, datetime, int | None, bool]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "author_hash": pl.String,
            "created_at": pl.Datetime("us", "UTC"),
            "nps": pl.Int8,
            "impersonal": pl.Boolean,
        },
        orient="row",
    )


def test_read_feedback_returns__return_rate_and_spend_after_the_answer() -> None:
    feedback = feedback_frame(
        [
            ("a", at(1, 7, 13), 10, False),  # bought 13 Jan (20.0) and 3 Feb (8.0) within 30 days
            ("a", at(1, 13, 13), 9, False),  # a's second promoter answer: only the first counts
            ("b", at(1, 6, 13), 3, True),  # next purchase 10 Feb: 35 days later
            ("c", at(1, 14, 13), 8, False),  # never back
            ("x", at(1, 14, 13), 10, False),  # never bought: left out
            ("d", at(3, 2, 13), 0, False),  # the window runs past the data's end: left out
            ("a", at(2, 20), 2, True),  # so does this one
        ]
    )
    returns = read_feedback_returns(orders_frame(), feedback, days=30)
    expected = pl.DataFrame(
        {
            "group": ["promoter", "passive", "detractor", "impersonal"],
            "customers": [1, 1, 1, 1],
            "returned": [1, 0, 0, 0],
            "return_rate": [1.0, 0.0, 0.0, 0.0],
            "spend_per_customer": [28.0, 0.0, 0.0, 0.0],
        },
        schema_overrides={"customers": pl.Int64, "returned": pl.Int64},
    )
    assert_frame_equal(returns.select(expected.columns), expected)
    assert (returns["return_rate_low"][0], returns["return_rate_high"][0]) == pytest.approx(
        proportion_confint(1, 1, method="wilson")
    )


def test_read_feedback_returns__every_group_even_without_answers() -> None:
    returns = read_feedback_returns(orders_frame(), feedback_frame([]))
    assert returns["group"].to_list() == ["promoter", "passive", "detractor", "impersonal"]
    assert returns["customers"].to_list() == [0, 0, 0, 0]
    assert returns["return_rate"].is_null().all()


def test_read_loyalty_weeks__the_signals_weekly_sums_from_the_rollout_s_start() -> None:
    # a week of history needed: the data start on 5 January, so week -1 (5 January) is left out
    weeks = read_loyalty_weeks(orders_frame(), started_on=date(2026, 1, 12), history_days=7)
    expected = pl.DataFrame(
        {
            "week": [0, 3, 4, 7],
            # active customers who bought in the 7 days before the week: a in week 0 (7 January); not a in
            # week 3 (13 January), b in week 4 (6 January), d in week 7 (first purchase)
            "repeat_rate_total": [100.0, 0.0, 0.0, 0.0],
            "repeat_rate_squares": [10_000.0, 0.0, 0.0, 0.0],
            "repeat_rate_count": [2, 1, 1, 1],
            # new customers back within 28 days: not c in week 0; d's window (from 2 March) is not over
            "new_retention_total": [0.0, 0.0, 0.0, 0.0],
            "new_retention_squares": [0.0, 0.0, 0.0, 0.0],
            "new_retention_count": [1, 0, 0, 0],
        },
        schema_overrides={"week": pl.Int64, "repeat_rate_count": pl.Int64, "new_retention_count": pl.Int64},
    )
    assert_frame_equal(weeks, expected)
    longer = read_loyalty_weeks(orders_frame(), started_on=date(2026, 1, 12), history_days=35)
    assert longer.select("week", "repeat_rate_total", "repeat_rate_count").rows() == [
        (4, 100.0, 1),  # b bought 34 days before 9 February, in any channel
        (7, 0.0, 1),
    ]
    online = read_loyalty_weeks(orders_frame(), date(2026, 1, 12), channels=["online"], history_days=35)
    assert online.select("week", "repeat_rate_count", "new_retention_count").rows() == [(4, 1, 0)]


def test_loyalty_findings__a_clear_fall_in_returning_customers_after_a_rollout() -> None:
    # 40 regulars buy every week (since week -9, before the window); after the start, each week brings 40
    # newcomers who never come back
    start = date(2026, 3, 2)
    rows = []
    for week in range(-9, 8):
        monday = datetime(2026, 3, 2, 12, tzinfo=UTC) + (week * 7) * (at(1, 2) - at(1, 1))
        rows += [(f"r{n}", monday, 5.0, "in-store") for n in range(40)]
        if week >= 0:
            rows += [(f"n{week}-{n}", monday, 5.0, "in-store") for n in range(40)]
    orders = orders_frame(rows)
    window = rollout_window(
        start, None, None, pl.DataFrame(), date(2026, 1, 5), date(2026, 4, 26), {"in-store"}
    )
    findings = {
        finding.signal: finding for finding in loyalty_findings(orders, start, None, window, history_days=7)
    }
    repeat = findings["repeat_rate"]
    assert (repeat.before, repeat.change, repeat.status) == (pytest.approx(100), pytest.approx(-50), "clear")
    assert findings["new_retention"].status == "too few answers"  # no newcomers before the start


def test_read_returns_after__any_moments_in_groups_of_their_own() -> None:
    moments = pl.DataFrame(
        {
            "customer_hash": ["a", "a", "c"],
            "group": ["x", "x", "y"],
            "since": [at(1, 5, 13), at(1, 13, 13), at(1, 14, 13)],  # a's first moment counts, then 30 days
        }
    )
    returns = read_returns_after(orders_frame(), moments, days=30)
    assert returns.select("group", "customers", "returned", "spend_per_customer").rows() == [
        ("x", 1, 1, 33.0),  # 7 Jan (5.0), 13 Jan (20.0), 3 Feb (8.0)
        ("y", 1, 0, 0.0),
    ]


def test_loyalty_findings__are_put_in_words_like_the_other_signals() -> None:
    from dataclasses import asdict

    from reports.findings import counted_before_and_since, headline_findings

    # 20 regulars every week; before the start, 20 passers-by a week who never come back as well
    start, monday = date(2026, 3, 2), datetime(2026, 3, 2, 12, tzinfo=UTC)
    rows = [
        (name, monday + timedelta(weeks=week), 5.0, "in-store")
        for week in range(-9, 8)
        for name in [f"r{n}" for n in range(20)] + ([f"p{week}-{n}" for n in range(20)] if week < 0 else [])
    ]
    window = rollout_window(
        start, None, None, pl.DataFrame(), date(2026, 1, 5), date(2026, 4, 26), {"in-store"}
    )
    findings = loyalty_findings(orders_frame(rows), start, None, window, history_days=7)
    records = [asdict(item) for item in findings]
    assert [item["signal"] for item in headline_findings(records)] == ["repeat_rate"]  # a clear improvement
    assert counted_before_and_since(records[0]) == "320 customers before, 160 since"
