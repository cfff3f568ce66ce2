from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest

from analysis.comparison import latest_rollout, recent_weeks, since_rollout, span_figures
from analysis.metrics import read_period_metrics


@pytest.fixture
def weekly() -> pl.DataFrame:
    """Ten weeks (Mondays 5 Jan to 9 Mar 2026) of six answers a day: NPS 10 for the first five weeks, then
    0 (promoters, then detractors), CSAT 5 throughout."""
    moments = pl.datetime_range(
        datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 3, 15, 20, tzinfo=UTC), "4h", eager=True
    )
    frame = pl.DataFrame({"created_at": moments}).with_columns(
        nps=pl.when(pl.col("created_at") < datetime(2026, 2, 9, tzinfo=UTC))
        .then(10)
        .otherwise(0)
        .cast(pl.Int8),
        csat=pl.lit(5, dtype=pl.Int8),
    )
    return read_period_metrics(frame, "week", "UTC")


def test_span_figures__sums_the_weeks_counts_and_works_the_measures_out_again(weekly: pl.DataFrame) -> None:
    span = span_figures(
        weekly, date(2026, 2, 2), date(2026, 2, 9)
    )  # one week of promoters, one of detractors
    assert span is not None
    assert span["nps_n"] == 84 and span["nps"] == pytest.approx(0)
    assert span["nps_low"] < 0 < span["nps_high"]
    assert span_figures(weekly, date(2027, 1, 4), date(2027, 2, 1)) is None


def test_recent_weeks__the_last_four_against_the_four_before(weekly: pl.DataFrame) -> None:
    comparison = recent_weeks(weekly, date(2026, 3, 9))
    assert (comparison.now.first, comparison.now.last, comparison.now.weeks) == (
        date(2026, 2, 16),
        date(2026, 3, 9),
        4,
    )
    assert comparison.before is not None and comparison.before.first == date(2026, 1, 19)
    assert comparison.now.figures["nps"] == -100 and comparison.before.figures["nps"] == pytest.approx(50)
    one = recent_weeks(weekly, date(2026, 3, 9), count=1)
    assert one.kind == "week" and one.before is not None and one.before.first == date(2026, 3, 2)
    assert recent_weeks(weekly, date(2026, 1, 5)).before is None  # nothing before the first week


def test_since_rollout__whole_weeks_since_against_as_many_before_leaving_out_its_week(
    weekly: pl.DataFrame,
) -> None:
    comparison = since_rollout(weekly, date(2026, 3, 9), started_on=date(2026, 2, 11))  # a Wednesday
    assert comparison is not None and comparison.kind == "rollout"
    assert (comparison.now.first, comparison.now.weeks) == (date(2026, 2, 16), 4)
    assert comparison.before is not None
    assert (comparison.before.first, comparison.before.last) == (date(2026, 1, 12), date(2026, 2, 2))
    assert since_rollout(weekly, date(2026, 2, 9), started_on=date(2026, 2, 11)) is None  # no whole week yet


def test_latest_rollout__the_last_started_by_the_week_that_touched_the_channel() -> None:
    rollouts = pl.DataFrame(
        {
            "name": ["Chatbot", "Kiosk", "Loyalty app"],
            "channel": ["online", "in-store", None],
            "started_on": [date(2026, 2, 2), date(2026, 2, 16), date(2026, 3, 30)],
        }
    )
    assert latest_rollout(rollouts, None, date(2026, 3, 9))["name"] == "Kiosk"  # type: ignore[index]
    assert latest_rollout(rollouts, "online", date(2026, 3, 9))["name"] == "Chatbot"  # type: ignore[index]
    assert latest_rollout(rollouts, "online", date(2026, 1, 5)) is None
