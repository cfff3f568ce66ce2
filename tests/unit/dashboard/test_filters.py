from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analysis.filters import (
    FilterOptions,
    Filters,
    apply_filters,
    read_filter_options,
    rollouts_in_dates,
    utc_bounds,
)
from dashboard.filters import filters_from_query, query_from_filters, without_defaults
from dashboard.formatting import describe_filters

LONDON = "Europe/London"


@pytest.fixture
def feedback() -> pl.DataFrame:
    """Four items; the second is on 30 June in UTC but already 1 July in London (BST)."""
    return pl.DataFrame(
        {
            "created_at": [
                datetime(2026, 6, 29, 12, tzinfo=UTC),
                datetime(2026, 6, 30, 23, 30, tzinfo=UTC),
                datetime(2026, 7, 2, 9, tzinfo=UTC),
                datetime(2026, 7, 3, 9, tzinfo=UTC),
            ],
            "source": ["survey", "survey", "reviews", "survey"],
            "channel": ["online", "in-store", None, "online"],
            "location": ["High Street", "High Street", None, "Station"],
            "nps": [10, 3, None, 9],
        }
    )


def test_apply_filters__no_filter_keeps_every_row(feedback: pl.DataFrame) -> None:
    assert_frame_equal(apply_filters(feedback, Filters(), LONDON), feedback)


def test_apply_filters__dates_are_local_days_in_the_business_time_zone(feedback: pl.DataFrame) -> None:
    july = Filters(since=date(2026, 7, 1), until=date(2026, 7, 2))
    assert apply_filters(feedback, july, LONDON)["nps"].to_list() == [3, None]
    assert apply_filters(feedback, july, "UTC")["nps"].to_list() == [None]


def test_apply_filters__source_channel_and_location_together(feedback: pl.DataFrame) -> None:
    chosen = Filters(source="survey", channel="online", location="Station")
    assert apply_filters(feedback, chosen, LONDON)["nps"].to_list() == [9]
    assert apply_filters(feedback, Filters(channel="online", until=date(2026, 7, 1)), LONDON)[
        "nps"
    ].to_list() == [10]


def test_apply_filters__works_on_daily_counts_with_a_local_date_column() -> None:
    daily = pl.DataFrame(
        {
            "day": [date(2026, 7, 1), date(2026, 7, 1), date(2026, 7, 2)],
            "source": ["survey", "survey", "survey"],
            "channel": ["online", "in-store", "online"],
            "location": ["High Street"] * 3,
            "responses": [4, 7, 5],
        }
    )
    kept = apply_filters(daily, Filters(since=date(2026, 7, 2), channel="online"), LONDON, date_column="day")
    assert kept["responses"].to_list() == [5]


def test_apply_filters__naive_timestamps_are_read_as_utc(feedback: pl.DataFrame) -> None:
    naive = feedback.with_columns(pl.col("created_at").dt.replace_time_zone(None))
    assert apply_filters(naive, Filters(since=date(2026, 7, 1)), LONDON).height == 3


def test_apply_filters__a_filter_on_a_missing_column_says_so(feedback: pl.DataFrame) -> None:
    with pytest.raises(ValueError, match="location"):
        apply_filters(feedback.drop("location"), Filters(location="Station"))


def test_rollouts_in_dates__only_the_days_apply() -> None:
    rollouts = pl.DataFrame(
        {
            "name": ["Kiosk", "Chatbot", "App"],
            "started_on": [date(2026, 1, 5), date(2026, 3, 2), date(2026, 6, 1)],
        }
    )
    filters = Filters(since=date(2026, 2, 1), until=date(2026, 5, 31), channel="online")
    assert rollouts_in_dates(rollouts, filters)["name"].to_list() == ["Chatbot"]


def test_utc_bounds__whole_local_days() -> None:
    start, end = utc_bounds(Filters(since=date(2026, 7, 1), until=date(2026, 7, 2)), LONDON)
    assert start is not None and end is not None
    assert start.astimezone(UTC) == datetime(2026, 6, 30, 23, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 7, 2, 23, tzinfo=UTC)
    assert utc_bounds(Filters(), LONDON) == (None, None)


def test_read_filter_options__days_and_sorted_values(feedback: pl.DataFrame) -> None:
    options = read_filter_options(feedback, LONDON)
    assert options == FilterOptions(
        date(2026, 6, 29),
        date(2026, 7, 3),
        ("reviews", "survey"),
        ("in-store", "online"),
        ("High Street", "Station"),
    )
    assert read_filter_options(feedback.head(0)).empty


OPTIONS = FilterOptions(
    date(2026, 1, 5), date(2026, 6, 28), ("Demo: survey",), ("in-store", "online"), ("High St",)
)


def test_filters_from_query__reads_a_shared_link() -> None:
    query = {"from": "2026-03-02", "to": "2026-05-31", "channel": "online", "source": "Demo: survey"}
    assert filters_from_query(query, OPTIONS) == Filters(
        date(2026, 3, 2), date(2026, 5, 31), source="Demo: survey", channel="online"
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"from": "yesterday", "to": "2026-13-40", "channel": "fax", "location": ""}, Filters()),
        ({"from": "2026-05-01", "to": "2026-03-01"}, Filters()),  # the wrong way round
        ({"from": "2020-01-01", "to": "2030-01-01"}, Filters(date(2026, 1, 5), date(2026, 6, 28))),  # clamped
        ({"source": "demo: SURVEY"}, Filters()),  # values match exactly
    ],
)
def test_filters_from_query__what_the_data_does_not_have_falls_back_to_the_default(
    query: dict[str, str], expected: Filters
) -> None:
    assert filters_from_query(query, OPTIONS) == expected


def test_filters_from_query__empty_store_has_no_filters() -> None:
    assert filters_from_query({"from": "2026-03-02", "channel": "online"}, FilterOptions()) == Filters()


def test_without_defaults__the_data_s_own_first_and_last_day_leave_the_range_open() -> None:
    assert without_defaults(Filters(date(2026, 1, 5), date(2026, 6, 28)), OPTIONS) == Filters()
    assert without_defaults(Filters(date(2026, 3, 2), date(2026, 6, 28)), OPTIONS) == Filters(
        date(2026, 3, 2)
    )


def test_query_from_filters__only_what_is_set_and_round_trips() -> None:
    assert query_from_filters(Filters()) == {}
    filters = Filters(since=date(2026, 3, 2), channel="online", location="High St")
    query = query_from_filters(filters)
    assert query == {"channel": "online", "location": "High St", "from": "2026-03-02"}
    assert filters_from_query(query, OPTIONS) == filters


def test_describe_filters() -> None:
    assert describe_filters(Filters()) == ""
    assert describe_filters(Filters(channel="online")) == "online"
    both = Filters(date(2026, 3, 2), date(2026, 5, 31), source="Demo: [survey](x)", channel="online")
    assert (
        describe_filters(both) == "Demo\\: \\[survey\\]\\(x\\) · online · 2 Mar 2026 – 31 May 2026"
    )  # as typed
    assert describe_filters(Filters(since=date(2026, 3, 2))) == "from 2 Mar 2026"
