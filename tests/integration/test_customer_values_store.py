"""Customer values on a real store (SQLite and PostgreSQL): written and read back, replaced by the next fit,
empty before any, a skipped fit recorded without touching them, the orders snapshot that tells whether the
orders changed, and `pulse forget` deleting a person's row."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from sqlalchemy import Engine

from collectors.orders import OrderFileCollector, import_orders
from store.customer_values import (
    CUSTOMER_VALUES_SCHEMA,
    OrdersSnapshot,
    read_clv_fit,
    read_customer_values,
    read_last_clv_attempt,
    read_orders_snapshot,
    write_clv_skipped,
    write_customer_values,
)
from store.forget import forget_author
from store.orders import read_orders
from store.state import read_data_version

RECORD = {
    "model": "BG/NBD",
    "time_unit": "week",
    "params": {"r": 0.25, "alpha": 4.4, "a": 0.8, "b": 2.4, "p": 6.2, "q": 3.7, "v": 15.4},
    "customers": 3,
    "calibrated_until": "2026-11-20",
}
VALUES = pl.DataFrame(
    {
        "customer_hash": ["h1", "h2", "h3"],
        "frequency": [2.0, 0.0, 5.0],  # as pymc-marketing's summary gives it
        "probability_alive": [0.9, 1.0, 0.4],
        "expected_purchases": [1.5, 0.3, 2.0],
        "expected_spend": [20.0, 12.0, 30.0],
        "expected_value": [30.0, 3.6, 60.0],
        "spend_to_date": [55.0, 10.0, 180.0],
    }
)
SNAPSHOT = OrdersSnapshot(40, 40, datetime(2026, 11, 20, 9, tzinfo=UTC))
ORDERS = """order_id,customer_id,created_at,amount
O1,ann@example.com,2026-11-16T09:00:00Z,12.50
O2,c2,2026-11-17T10:00:00Z,8
O3,ann@example.com,2026-11-18T11:00:00Z,4
"""


def test_read_customer_values__empty_before_any_fit(engine: Engine) -> None:
    empty = read_customer_values(engine)
    assert empty.schema == pl.Schema(CUSTOMER_VALUES_SCHEMA) and empty.height == 0
    assert read_clv_fit(engine) is None and read_last_clv_attempt(engine) is None


def test_write_customer_values__read_back_highest_value_first_with_the_fit(engine: Engine) -> None:
    before = read_data_version(engine)
    write_customer_values(engine, RECORD, VALUES, SNAPSHOT, "Europe/London")
    assert read_data_version(engine) == before + 1
    stored = read_customer_values(engine)
    assert stored.schema == pl.Schema(CUSTOMER_VALUES_SCHEMA)
    assert stored["customer_hash"].to_list() == ["h3", "h1", "h2"]
    assert stored.row(0, named=True) == {
        "customer_hash": "h3",
        "frequency": 5,
        "probability_alive": 0.4,
        "expected_purchases": 2.0,
        "expected_spend": 30.0,
        "expected_value": 60.0,
        "spend_to_date": 180.0,
    }
    fit = read_clv_fit(engine)
    assert fit is not None
    assert {key: fit[key] for key in RECORD} == RECORD
    assert fit["fitted_on"] == {
        "orders": 40,
        "last_ordered_at": "2026-11-20T09:00:00+00:00",
        "timezone": "Europe/London",
    }
    assert datetime.fromisoformat(fit["fitted_at"]).tzinfo is not None and fit["warnings"] is None
    attempt = read_last_clv_attempt(engine)
    assert attempt is not None and (attempt.snapshot, attempt.fitted) == (SNAPSHOT, True)


def test_write_customer_values__the_next_fit_replaces_them_even_without_a_spend_model(engine: Engine) -> None:
    write_customer_values(engine, RECORD, VALUES, SNAPSHOT, "UTC")
    without_spend = VALUES.drop("expected_spend", "expected_value").filter(pl.col("customer_hash") != "h3")
    later = OrdersSnapshot(41, 41, datetime(2026, 11, 21, 9, tzinfo=UTC))
    write_customer_values(engine, {**RECORD, "customers": 2}, without_spend, later, "UTC", "no spend model")
    stored = read_customer_values(engine)
    assert stored["customer_hash"].to_list() == ["h1", "h2"]  # by expected purchases, values null
    assert stored["expected_value"].null_count() == 2
    fit = read_clv_fit(engine)
    assert fit is not None and (fit["customers"], fit["warnings"]) == (2, "no spend model")


def test_write_clv_skipped__recorded_and_the_last_good_fit_kept(engine: Engine) -> None:
    write_customer_values(engine, RECORD, VALUES, SNAPSHOT, "UTC")
    later = OrdersSnapshot(12, 52, datetime(2026, 11, 21, 9, tzinfo=UTC))
    write_clv_skipped(engine, later, "UTC", "Only 3 of 9 customers bought again")
    attempt = read_last_clv_attempt(engine)
    assert attempt is not None
    assert (attempt.snapshot, attempt.fitted, attempt.message) == (
        later,
        False,
        "Only 3 of 9 customers bought again",
    )
    fit = read_clv_fit(engine)
    assert fit is not None and fit["fitted_on"]["orders"] == 40
    assert read_customer_values(engine).height == 3


def test_read_orders_snapshot__changes_with_an_import_and_a_forget(engine: Engine, tmp_path: Path) -> None:
    assert read_orders_snapshot(engine) == OrdersSnapshot(0, None, None)
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS, encoding="utf-8")
    import_orders(engine, OrderFileCollector(path, timezone="UTC"))
    imported = read_orders_snapshot(engine)
    assert (imported.orders, imported.last_ordered_at) == (3, datetime(2026, 11, 18, 11, tzinfo=UTC))
    import_orders(engine, OrderFileCollector(path, timezone="UTC"))
    assert read_orders_snapshot(engine) == imported  # nothing new
    forget_author(engine, "c2")
    assert read_orders_snapshot(engine).orders == 2


def test_forget_author__deletes_the_persons_customer_value(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS, encoding="utf-8")
    import_orders(engine, OrderFileCollector(path, timezone="UTC"))
    hashes = read_orders(engine).sort("order_id")["customer_hash"].to_list()  # ann, c2, ann
    values = VALUES.with_columns(customer_hash=pl.Series([hashes[0], hashes[1], "h3"]))
    write_customer_values(engine, RECORD, values, SNAPSHOT, "UTC")
    forget_author(engine, "Ann@Example.com")
    assert sorted(read_customer_values(engine)["customer_hash"]) == sorted([hashes[1], "h3"])
