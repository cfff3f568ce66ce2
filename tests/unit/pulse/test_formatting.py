"""Counts with their noun and days, as pulse.formatting writes them for people."""

from __future__ import annotations

from datetime import date

import pytest

from pulse.formatting import format_day, plural


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, "0 items"),
        (1, "1 item"),
        (2, "2 items"),
        (1250, "1,250 items"),
        (1.0, "1 item"),
        (2.5, "2.5 items"),
    ],
)
def test_plural__the_singular_for_exactly_one(count: float, expected: str) -> None:
    assert plural(count, "item") == expected


def test_plural__an_irregular_plural() -> None:
    assert (plural(1, "reply", "replies"), plural(3, "reply", "replies")) == ("1 reply", "3 replies")


def test_format_day__day_month_and_year_without_a_leading_zero() -> None:
    assert format_day(date(2025, 10, 6)) == "6 Oct 2025"


def test_format_amount__whole_from_a_hundred_on_pennies_below_a_dash_when_unknown() -> None:
    from pulse.formatting import format_amount

    assert [format_amount(value) for value in (135084.2, 100.0, 17.994, -6.0, None, float("nan"))] == [
        "135,084", "100", "17.99", "-6.00", "–", "–",
    ]  # fmt: skip
