from __future__ import annotations

import math
from datetime import UTC, date, datetime

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from analysis.metrics import (
    Z95,
    day_period_expr,
    nps_interval_exprs,
    period_and_previous,
    period_expr,
    read_counts_metrics,
    read_day_counts,
    read_period_metrics,
    wilson_interval_exprs,
)


def responses(
    scores: list[int | None], when: datetime = datetime(2026, 11, 18, 12, tzinfo=UTC)
) -> pl.DataFrame:
    return pl.DataFrame(
        {"created_at": [when] * len(scores), "nps": scores},
        schema={"created_at": pl.Datetime("us", "UTC"), "nps": pl.Int8},
    )


def test_read_period_metrics__nps_is_promoters_minus_detractors_skipping_blanks() -> None:
    # 3 promoters, 1 passive, 2 detractors answered; 2 skipped the question.
    metrics = read_period_metrics(responses([10, 9, 9, 7, 6, 0, None, None]))
    row = metrics.row(0, named=True)
    assert (row["n"], row["nps_n"]) == (8, 6)
    assert row["nps"] == pytest.approx(100 * (3 - 2) / 6)


def nps_interval(promoters: int, detractors: int, n: int) -> tuple[float | None, float | None]:
    frame = pl.DataFrame({"p": [promoters], "d": [detractors], "n": [n]})
    low, high = nps_interval_exprs(pl.col("p"), pl.col("d"), pl.col("n"))
    return frame.select(low.alias("low"), high.alias("high")).row(0)


def wilson_interval(successes: int, n: int) -> tuple[float | None, float | None]:
    frame = pl.DataFrame({"s": [successes], "n": [n]})
    low, high = wilson_interval_exprs(pl.col("s"), pl.col("n"))
    return frame.select(low.alias("low"), high.alias("high")).row(0)


def test_nps_interval__matches_the_adjusted_wald_formula() -> None:
    low, high = nps_interval(promoters=50, detractors=10, n=80)
    p, d = 50.75 / 83, 10.75 / 83
    margin = 1.959963984540054 * math.sqrt((p + d - (p - d) ** 2) / 83)
    assert (low, high) == pytest.approx((100 * (p - d - margin), 100 * (p - d + margin)))
    assert 30 < high - low < 40  # about ±17 points at 80 answers


def test_nps_interval__stays_within_bounds_when_everyone_agrees() -> None:
    low, high = nps_interval(promoters=5, detractors=0, n=5)
    assert -100 <= low < 100 and high == 100
    assert nps_interval(0, 0, 0) == (None, None)
    assert wilson_interval(0, 0) == (None, None)


def test_wilson_interval__known_value() -> None:
    assert wilson_interval(8, 10) == pytest.approx((0.4902, 0.9433), abs=1e-4)


@given(st.lists(st.integers(0, 10), min_size=1, max_size=200), st.randoms())
def test_read_period_metrics__nps_in_range_and_independent_of_row_order(scores: list[int], rng) -> None:  # type: ignore[no-untyped-def]
    shuffled = scores[:]
    rng.shuffle(shuffled)
    first = read_period_metrics(responses(list(scores))).row(0, named=True)
    second = read_period_metrics(responses(list(shuffled))).row(0, named=True)
    assert -100 <= first["nps_low"] <= first["nps_high"] <= 100
    assert -100 <= first["nps"] <= 100
    assert first["nps"] == pytest.approx(second["nps"])
    assert (first["nps_low"], first["nps_high"]) == pytest.approx((second["nps_low"], second["nps_high"]))


def test_read_period_metrics__weeks_start_on_monday_in_local_time() -> None:
    # Sunday 22 Nov 23:30 in London is still that week; Monday 00:30 London (Sunday 23:30 UTC in summer
    # would differ, but in November London is UTC) starts the next one.
    frame = pl.DataFrame(
        {
            "created_at": [
                datetime(2026, 11, 22, 23, 30, tzinfo=UTC),
                datetime(2026, 11, 23, 0, 30, tzinfo=UTC),
            ],
            "nps": [10, 0],
        }
    )
    metrics = read_period_metrics(frame, "week", "Europe/London")
    assert metrics["period"].to_list() == [date(2026, 11, 16), date(2026, 11, 23)]
    summer = pl.DataFrame({"created_at": [datetime(2026, 6, 28, 23, 30, tzinfo=UTC)], "nps": [10]})
    assert read_period_metrics(summer, "week", "Europe/London")["period"].to_list() == [date(2026, 6, 29)]


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        ("day", [date(2026, 3, 29), date(2026, 3, 30), date(2026, 4, 1)]),
        ("week", [date(2026, 3, 23), date(2026, 3, 30), date(2026, 3, 30)]),
        ("month", [date(2026, 3, 1), date(2026, 3, 1), date(2026, 4, 1)]),
        ("all", [None, None, None]),
    ],
)
def test_period_expr__the_period_of_the_local_date(by: str, expected: list[date | None]) -> None:
    moments = [  # London: Sunday 00:30 GMT, Monday 00:30 BST (summer time began on the Sunday), 1 April 00:30
        datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 23, 30, tzinfo=UTC),
        datetime(2026, 3, 31, 23, 30, tzinfo=UTC),
    ]
    frame = pl.DataFrame({"created_at": moments, "day": [moment.date() for moment in moments]})
    periods = frame.with_columns(period_expr(by, "Europe/London"))
    assert periods["period"].to_list() == expected and periods.schema["period"] == pl.Date
    in_utc = frame.with_columns(day_period_expr(by, pl.col("day")))  # the same periods of the UTC dates
    assert in_utc.equals(frame.with_columns(period_expr(by, "UTC")))


def test_period_expr__refuses_an_unknown_period() -> None:
    with pytest.raises(ValueError, match="period must be one of"):
        period_expr("year", "UTC")


def test_read_period_metrics__shares_and_thin_flag() -> None:
    frame = responses([10] * 4).with_columns(
        csat=pl.Series([5, 4, 2, None], dtype=pl.Int8),
        sentiment=pl.Series(["negative", "positive", None, "neutral"]),
        impersonal=pl.Series([True, False, None, False]),
    )
    row = read_period_metrics(frame, min_responses=5).row(0, named=True)
    assert row["csat"] == pytest.approx(2 / 3)
    assert row["negative_share"] == pytest.approx(1 / 3)
    assert row["impersonal_share"] == pytest.approx(1 / 3)
    assert row["thin"] is True


def test_period_and_previous__returns_the_week_before() -> None:
    frame = pl.DataFrame({"period": [date(2026, 11, 16), date(2026, 11, 9)], "nps": [20.0, 10.0]})
    this, last = period_and_previous(frame, date(2026, 11, 16))
    assert (this["nps"], last and last["nps"]) == (20.0, 10.0)
    assert period_and_previous(frame, date(2026, 11, 9))[1] is None


def test_read_period_metrics__means_ces_and_complaints_per_100_by_hand() -> None:
    frame = responses([10, 8, 3, None]).with_columns(
        stars=pl.Series([5, 3, 1, None], dtype=pl.Int8),
        ces=pl.Series([7, 5, 2, 6], dtype=pl.Int8),
        sentiment_score=pl.Series([0.5, -0.5, None, 0.3]),
        sentiment=pl.Series(["positive", "negative", "neutral", "positive"]),
        impersonal=pl.Series([False, True, False, False]),
    )
    row = read_period_metrics(frame).row(0, named=True)
    # stars 5, 3, 1: mean 3, sd 2 (sample), so 3 ± 1.96 * 2 / sqrt(3)
    assert row["stars_n"] == 3 and row["stars_mean"] == pytest.approx(3.0)
    assert row["stars_mean_low"] == pytest.approx(3 - 1.959963984540054 * 2 / math.sqrt(3))
    # CES 7, 5, 2, 6: mean 5, three of four in 5-7
    assert (row["ces_n"], row["ces_mean"], row["ces_share"]) == (4, pytest.approx(5.0), pytest.approx(0.75))
    # sentiment scores 0.5, -0.5, 0.3 (one unscored): mean 0.1
    assert (row["sentiment_n"], row["sentiment_mean"]) == (3, pytest.approx(0.1))
    # one impersonal complaint among four scored items: 25 per 100
    assert row["impersonal_per_100"] == pytest.approx(25.0)
    low, high = wilson_interval(1, 4)
    assert (row["impersonal_per_100_low"], row["impersonal_per_100_high"]) == pytest.approx(
        (100 * low, 100 * high)  # type: ignore[operator]
    )


def test_read_period_metrics__missing_measures_are_null_not_zero() -> None:
    row = read_period_metrics(responses([10, 0])).row(0, named=True)
    assert row["stars_n"] == 0 and row["stars_mean"] is None and row["stars_mean_low"] is None
    assert row["ces_share"] is None and row["csat"] is None and row["impersonal_per_100"] is None


def test_read_period_metrics__by_day_month_and_all() -> None:
    frame = pl.DataFrame(
        {
            "created_at": [
                datetime(2026, 10, 31, 12, tzinfo=UTC),
                datetime(2026, 11, 1, 12, tzinfo=UTC),
                datetime(2026, 11, 1, 13, tzinfo=UTC),
            ],
            "nps": [10, 0, 9],
        }
    )
    daily = read_period_metrics(frame, "day")
    assert daily["period"].to_list() == [date(2026, 10, 31), date(2026, 11, 1)]
    assert daily["n"].to_list() == [1, 2]
    monthly = read_period_metrics(frame, "month")
    assert monthly["period"].to_list() == [date(2026, 10, 1), date(2026, 11, 1)]
    everything = read_period_metrics(frame, "all").row(0, named=True)
    # 2 promoters, 1 detractor of 3: NPS 100 * (2 - 1) / 3
    assert everything["period"] is None and everything["n"] == 3
    assert everything["nps"] == pytest.approx(100 / 3)
    with pytest.raises(ValueError, match="period must be one of"):
        read_period_metrics(frame, "year")


def test_read_period_metrics__grouped_by_channel_keeps_thin_groups_with_their_n() -> None:
    frame = responses([10, 10, 10, 0, 6]).with_columns(
        channel=pl.Series(["online", "online", "in-store", "in-store", "in-store"])
    )
    grouped = read_period_metrics(frame, "week", group_by=["channel"], min_responses=3)
    rows = {row["channel"]: row for row in grouped.iter_rows(named=True)}
    # in-store: 1 promoter, 2 detractors of 3 -> -33.3; online: 2 promoters of 2 -> 100, thin (2 < 3)
    assert rows["in-store"]["nps"] == pytest.approx(-100 / 3) and rows["in-store"]["thin"] is False
    assert rows["online"]["nps"] == pytest.approx(100.0)
    assert (rows["online"]["nps_n"], rows["online"]["thin"]) == (2, True)
    with pytest.raises(ValueError, match="cannot group by"):
        read_period_metrics(frame, group_by=["segment"])


def test_add_means__mean_and_sd_from_sums_equal_those_of_the_values() -> None:
    values = [0.5, -0.25, 0.125, 0.9, -0.7]
    frame = responses([None] * len(values)).with_columns(sentiment_score=pl.Series(values))
    row = read_period_metrics(frame).row(0, named=True)
    assert row["sentiment_mean"] == pytest.approx(pl.Series(values).mean(), rel=1e-12)
    assert row["sentiment_sd"] == pytest.approx(pl.Series(values).std(), rel=1e-12)
    one = read_period_metrics(responses([None]).with_columns(sentiment_score=pl.Series([0.5])))
    assert (one["sentiment_mean"][0], one["sentiment_sd"][0]) == (0.5, None)


def test_read_counts_metrics__a_week_is_the_sum_of_its_days() -> None:
    monday, sunday, next_monday = (datetime(2026, 11, day, 12, tzinfo=UTC) for day in (16, 22, 23))
    frame = pl.concat(
        [responses([10, 9, 0], monday), responses([6, 10], sunday), responses([0], next_monday)]
    )
    days = read_day_counts(frame)
    assert days.sort("day")["day"].to_list() == [date(2026, 11, 16), date(2026, 11, 22), date(2026, 11, 23)]
    weekly = read_counts_metrics(days, "week")
    assert weekly["period"].to_list() == [date(2026, 11, 16), date(2026, 11, 23)]
    assert weekly["nps_n"].to_list() == [5, 1]
    assert weekly["nps"][0] == pytest.approx(100 * (3 - 2) / 5)
    assert_frame_equal(weekly, read_period_metrics(frame, "week"))


def test_wilson_interval__equals_statsmodels_proportion_confint() -> None:
    from statsmodels.stats.proportion import proportion_confint

    for successes, n in [(8, 10), (0, 7), (7, 7), (1, 1000), (512, 1024), (3, 40)]:
        expected = proportion_confint(successes, n, alpha=0.05, method="wilson")
        assert wilson_interval(successes, n) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_z95__is_the_normals_975th_percentile() -> None:
    from scipy.stats import norm

    assert norm.ppf(0.975) == Z95
