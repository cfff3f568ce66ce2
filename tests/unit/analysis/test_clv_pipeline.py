"""The customer-value step's count of customers and repeat customers, made without fitting (the pipeline's
check before it imports pymc-marketing)."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from analysis.clv_pipeline import count_customers


def orders(*rows: tuple[str | None, datetime, float | None]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"customer_hash": pl.String, "ordered_at": pl.Datetime("us", "UTC"), "amount": pl.Float64},
        orient="row",
    )


def test_count_customers__two_local_days_make_a_repeat_customer() -> None:
    frame = orders(
        ("ann", datetime(2026, 6, 1, 9, tzinfo=UTC), 5.0),
        ("ann", datetime(2026, 6, 1, 17, tzinfo=UTC), 3.0),  # the same day: one purchase
        ("bob", datetime(2026, 6, 1, 9, tzinfo=UTC), 5.0),
        ("bob", datetime(2026, 6, 1, 23, 30, tzinfo=UTC), 5.0),  # 00:30 on 2 June in London
        ("cat", datetime(2026, 6, 1, 9, tzinfo=UTC), 5.0),
        ("cat", datetime(2026, 6, 3, 9, tzinfo=UTC), -5.0),  # a refund is not a purchase
        (None, datetime(2026, 6, 4, 9, tzinfo=UTC), 5.0),  # no customer
    )
    assert count_customers(frame) == {"customers": 3, "repeat_customers": 0}
    assert count_customers(frame, "Europe/London") == {"customers": 3, "repeat_customers": 1}
