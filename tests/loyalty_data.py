"""A tiny orders frame whose loyalty numbers the tests check by hand (tests/unit/analysis/test_loyalty*.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from analysis.loyalty import ORDERS_SCHEMA


def at(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


# customer, when, amount, channel: a buys often, b once in January and once in February (then a refund),
# c once, d once with no amount known; one order has no customer.
ORDERS = [
    ("a", at(1, 5), 10.0, "in-store"),
    ("a", at(1, 7), 5.0, "in-store"),
    ("b", at(1, 6), 4.0, "online"),
    (None, at(1, 8), 3.0, "in-store"),
    ("a", at(1, 13), 20.0, "in-store"),
    ("c", at(1, 14), 12.0, "in-store"),
    ("a", at(2, 3), 8.0, "in-store"),
    ("b", at(2, 10), 6.0, "online"),
    ("b", at(2, 11), -6.0, "online"),  # a refund: revenue, not a visit
    ("d", at(3, 2), None, "in-store"),
]


def orders_frame(rows: list[tuple[str | None, datetime, float | None, str]] = ORDERS) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "order_id": [f"o{number}" for number in range(len(rows))],
            "source_id": [1] * len(rows),
            "customer_hash": [row[0] for row in rows],
            "ordered_at": [row[1] for row in rows],
            "amount": [row[2] for row in rows],
            "channel": [row[3] for row in rows],
            "location": ["High Street"] * len(rows),
        },
        schema=ORDERS_SCHEMA,
    )
