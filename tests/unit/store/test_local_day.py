"""The local day of store/daily_counts.py: the UTC offsets a time zone takes, as SQLite's CASE needs them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from store.daily_counts import local_midnight, utc_offsets


def test_utc_offsets__london_changes_at_one_in_the_morning_utc() -> None:
    offsets = utc_offsets(
        ZoneInfo("Europe/London"), datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    )
    assert offsets == [
        (datetime(2026, 1, 1, tzinfo=UTC), 0),
        (datetime(2026, 3, 29, 1, tzinfo=UTC), 3600),
        (datetime(2026, 10, 25, 1, tzinfo=UTC), 0),
    ]


def test_utc_offsets__half_hours_and_no_change() -> None:
    lord_howe = utc_offsets(
        ZoneInfo("Australia/Lord_Howe"), datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC)
    )
    assert [seconds for _start, seconds in lord_howe] == [11 * 3600, 10.5 * 3600]
    assert lord_howe[1][0] == datetime(2026, 4, 4, 15, tzinfo=UTC)  # 2:00 summer time becomes 1:30
    kolkata = utc_offsets(
        ZoneInfo("Asia/Kolkata"), datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    )
    assert kolkata == [(datetime(2026, 1, 1, tzinfo=UTC), 19800)]


def test_local_midnight__in_utc() -> None:
    zone = ZoneInfo("Europe/London")
    assert local_midnight(datetime(2026, 7, 1).date(), zone) == datetime(2026, 6, 30, 23, tzinfo=UTC)
    assert local_midnight(datetime(2026, 12, 1).date(), zone) == datetime(2026, 12, 1, tzinfo=UTC)
