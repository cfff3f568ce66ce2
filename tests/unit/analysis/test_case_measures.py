from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binom

from analysis.case_measures import (
    add_case_flags,
    case_measures,
    median_interval,
    order_cases,
    weekly_case_measures,
)
from analysis.metrics import wilson_interval_exprs

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)
SCHEMA = {
    "id": pl.Int64,
    "status": pl.String,
    "created_at": pl.Datetime("us", "UTC"),
    "due_at": pl.Datetime("us", "UTC"),
    "first_contact_at": pl.Datetime("us", "UTC"),
    "closed_at": pl.Datetime("us", "UTC"),
}


def hours_ago(hours: float | None) -> datetime | None:
    return None if hours is None else NOW - timedelta(hours=hours)


def cases(*rows: tuple[int, str, float, float, float | None, float | None]) -> pl.DataFrame:
    """Cases as (id, status, made, due, first contact, closed), each time in hours before NOW (negative: after)."""
    return pl.DataFrame(
        [
            (case_id, status, hours_ago(made), hours_ago(due), hours_ago(contact), hours_ago(closed))
            for case_id, status, made, due, contact, closed in rows
        ],
        schema=SCHEMA,
        orient="row",
    )


# 1: new, due in 10 h (open, not due yet: outcome unknown)
# 2: assigned, due 2 h ago, never contacted (overdue: known, late)
# 3: contacted 4 h after it was made, before its due time, still open (known, in time)
# 4: resolved, first contact 30 h after it was made, 6 h after its due time (known, late)
# 5: no reply: tried 2 h after it was made (known, in time), closed
# 6: made 100 days ago: outside the measures' 90 days, overdue and open all the same
SIX = cases(
    (1, "new", 2, -10, None, None),
    (2, "assigned", 50, 2, None, None),
    (3, "contacted", 20, -28, 16, None),
    (4, "resolved", 60, 36, 30, 20),
    (5, "no_reply", 10, -38, 8, 8),
    (6, "assigned", 2400, 2352, None, None),
)


def test_add_case_flags__open_overdue_known_and_in_time() -> None:
    flagged = add_case_flags(SIX, NOW).sort("id")
    assert flagged["open"].to_list() == [True, True, True, False, False, True]
    assert flagged["overdue"].to_list() == [False, True, False, False, False, True]
    assert flagged["known"].to_list() == [False, True, True, True, True, True]
    assert flagged["in_time"].to_list() == [None, False, True, False, True, False]
    assert flagged["hours_to_contact"].to_list() == [None, None, 4.0, 30.0, 2.0, None]


def test_case_measures__counts_every_open_case_and_measures_the_last_90_days() -> None:
    measures = case_measures(SIX, NOW)
    assert (measures.open_n, measures.overdue_n, measures.days) == (4, 2, 90)
    # the share: cases 2 to 5 are known (case 1 is not due yet, case 6 is older than 90 days); 3 and 5 in time
    assert (measures.known_n, measures.in_time_n, measures.in_time_share) == (4, 2, 0.5)
    frame = pl.DataFrame({"s": [2.0], "n": [4.0]})
    low, high = wilson_interval_exprs(pl.col("s"), pl.col("n"))
    assert (measures.in_time_low, measures.in_time_high) == pytest.approx(
        frame.select(low.alias("low"), high.alias("high")).row(0)
    )
    # the median: 2, 4 and 30 hours; three are too few for a 95% interval of the median
    assert (measures.contacted_n, measures.median_hours) == (3, 4.0)
    assert (measures.median_low, measures.median_high) == (None, None)


def test_case_measures__no_cases_gives_zeros_and_no_figures() -> None:
    measures = case_measures(cases(), NOW)
    assert (measures.open_n, measures.overdue_n, measures.known_n, measures.contacted_n) == (0, 0, 0, 0)
    assert measures.in_time_share is None and measures.in_time_low is None and measures.median_hours is None


def test_case_measures__a_contact_exactly_at_the_due_time_is_in_time() -> None:
    measures = case_measures(cases((1, "contacted", 10, 5, 5, None)), NOW)
    assert (measures.known_n, measures.in_time_n) == (1, 1)


def test_order_cases__overdue_first_then_open_by_due_time_then_closed() -> None:
    assert order_cases(SIX, NOW)["id"].to_list() == [6, 2, 1, 3, 4, 5]


def test_median_interval__matches_the_binomial_order_statistics() -> None:
    assert median_interval([1.0, 2.0, 3.0, 4.0, 5.0]) == (None, None)  # 2 / 2^5 > 5%: no interval
    assert median_interval([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]) == (1.0, 6.0)  # 2 / 2^6 < 5%: the whole range
    values = [float(v) for v in range(1, 101)]
    low, high = median_interval(values)
    # scipy: the largest j with P(B < j) <= 2.5% for n = 100 is 40 (P(B <= 39) = 1.8%, P(B <= 40) = 2.8%)
    assert binom.cdf(39, 100, 0.5) <= 0.025 < binom.cdf(40, 100, 0.5)
    assert (low, high) == (40.0, 61.0)


@given(st.integers(min_value=6, max_value=400))
def test_median_interval__covers_at_least_95_percent(n: int) -> None:
    low, high = median_interval([float(v) for v in range(1, n + 1)])
    assert low is not None and high is not None
    j = int(low)  # the values are 1..n, so the value is its rank
    assert high == n + 1 - j
    assert 2 * binom.cdf(j - 1, n, 0.5) <= 0.05 + 1e-12  # coverage >= 95%
    assert 2 * binom.cdf(j, n, 0.5) > 0.05  # and the narrowest such


def test_median_interval__a_large_count_does_not_overflow() -> None:
    low, high = median_interval([float(v) for v in range(5000)])
    assert low is not None and high is not None and low < 2500 < high


def test_weekly_case_measures__per_local_week_the_cases_were_made() -> None:
    weekly = weekly_case_measures(SIX.filter(pl.col("id") != 6), NOW, "Europe/London")
    # all five made from Tue 1 to Thu 3 Dec 2026: the week starting Monday 30 Nov
    rows = {row["week"]: row for row in weekly.iter_rows(named=True)}
    assert list(rows) == [date(2026, 11, 30)]
    row = rows[date(2026, 11, 30)]
    assert (row["cases"], row["known"], row["in_time"], row["in_time_share"], row["median_hours"]) == (
        5,
        4,
        2,
        0.5,
        4.0,
    )
    assert 0 < row["in_time_low"] < 0.5 < row["in_time_high"] < 1
