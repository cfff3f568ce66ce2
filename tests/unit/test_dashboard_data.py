"""dashboard/data.py's one filter of the daily counts."""

from __future__ import annotations

from datetime import date

import polars as pl

from dashboard.data import filter_counts

COUNTS = pl.DataFrame(
    {
        "day": [date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 18), date(2026, 11, 19)],
        "source": ["Survey", "Survey", "Google reviews", "Survey"],
        "channel": ["online", "in-store", None, "online"],
        "location": ["High Street", "Station Road", "High Street", None],
        "n": [1, 2, 4, 8],
    }
)


def test_filter_counts__nothing_chosen_keeps_everything() -> None:
    assert filter_counts(COUNTS).equals(COUNTS)


def test_filter_counts__days_inclusive_and_chosen_values() -> None:
    assert filter_counts(COUNTS, since=date(2026, 11, 17), until=date(2026, 11, 18))["n"].to_list() == [2, 4]
    assert filter_counts(COUNTS, channels=["online"])["n"].to_list() == [1, 8]
    assert filter_counts(COUNTS, sources=["Survey"], locations=["High Street", "Station Road"])[
        "n"
    ].to_list() == [1, 2]
    assert filter_counts(COUNTS, channels=["online"], since=date(2026, 11, 19))["n"].to_list() == [8]
