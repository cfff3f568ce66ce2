"""Customer lifetime value as the pipeline last fitted it (analysis/clv_pipeline.py), for the dashboard to read:
what the BG/NBD and Gamma-Gamma models expect of each customer (`read_customer_values`) and the fit itself
(`read_clv_fit`: analysis.clv.ClvResult.to_json() with when it was fitted and on which orders).

Every fit the pipeline tries is recorded with the orders it saw (their number, the highest order row id and the
last order's time) and the time zone its days were counted in, so that the next run fits again only when the
orders changed (`read_last_clv_attempt`): an import adds rows (a higher id), `pulse forget` deletes some (fewer).
A fit that could not be made (too few repeat customers) is recorded too, without a record, and the values of the
last good fit are kept. `pulse forget` deletes a person's row here (store/forget.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, func, select

from store.engine import reading, writing
from store.frames import read_frame
from store.schema import clv_fits, customer_values, orders
from store.state import as_utc, bump_data_version, utc_now

CUSTOMER_VALUES_SCHEMA: dict[str, pl.DataType] = {
    "customer_hash": pl.String(),  # as the orders (and a survey respondent with the same id or email) have it
    "frequency": pl.Int64(),  # repeat purchase days up to the fit's calibration day
    "probability_alive": pl.Float64(),
    "expected_purchases": pl.Float64(),  # in the fit's horizon_months
    "expected_spend": pl.Float64(),  # per purchase; null without a spend model
    "expected_value": pl.Float64(),  # expected_purchases x expected_spend; null without a spend model
    "spend_to_date": pl.Float64(),  # up to the calibration day, first purchase included
}  # what `read_customer_values` returns: analysis.clv.ClvResult.values as stored


@dataclass(frozen=True)
class OrdersSnapshot:
    """What the stored orders were when a fit was tried: enough to tell whether they changed since."""

    orders: int
    last_order_id: int | None
    last_ordered_at: datetime | None  # UTC

    def to_json(self) -> dict[str, Any]:
        last = self.last_ordered_at
        return {"orders": self.orders, "last_ordered_at": last.isoformat() if last else None}


@dataclass(frozen=True)
class ClvAttempt:
    """The latest fit the pipeline tried: on which orders, in which time zone, and whether it was stored."""

    snapshot: OrdersSnapshot
    timezone: str
    fitted: bool
    message: str | None


def read_orders_snapshot(engine: Engine) -> OrdersSnapshot:
    with reading(engine) as connection:
        return _orders_snapshot(connection)


def _orders_snapshot(connection: Connection) -> OrdersSnapshot:
    row = connection.execute(select(func.count(), func.max(orders.c.id), func.max(orders.c.ordered_at))).one()
    last = row[2]
    return OrdersSnapshot(int(row[0]), row[1], as_utc(last) if last is not None else None)


def read_last_clv_attempt(engine: Engine) -> ClvAttempt | None:
    """The latest fit tried (stored or not); None when none was."""
    with reading(engine) as connection:
        row = connection.execute(select(clv_fits).order_by(clv_fits.c.id.desc()).limit(1)).first()
    if row is None:
        return None
    last = row.last_ordered_at
    snapshot = OrdersSnapshot(row.orders, row.last_order_id, as_utc(last) if last is not None else None)
    return ClvAttempt(snapshot, row.timezone, row.record is not None, row.message)


def write_customer_values(
    engine: Engine,
    record: dict[str, Any],
    values: pl.DataFrame,
    snapshot: OrdersSnapshot,
    timezone: str,
    message: str | None = None,
) -> None:
    """Replace the stored customer values with `values` (ClvResult.values) and record the fit (`record`:
    ClvResult.to_json()), made on the orders `snapshot` describes, in one transaction."""
    rows = _value_rows(values)
    with writing(engine) as connection:
        connection.execute(customer_values.delete())
        if rows:
            connection.execute(customer_values.insert(), rows)
        _add_attempt(connection, snapshot, timezone, json.dumps(record, default=_plain), message)
        bump_data_version(connection)


def write_clv_skipped(engine: Engine, snapshot: OrdersSnapshot, timezone: str, message: str) -> None:
    """Record a fit that could not be made on these orders (`message` says why); the stored values are kept."""
    with writing(engine) as connection:
        _add_attempt(connection, snapshot, timezone, None, message)


def _add_attempt(
    connection: Connection, snapshot: OrdersSnapshot, timezone: str, record: str | None, message: str | None
) -> None:
    connection.execute(
        clv_fits.insert().values(
            fitted_at=utc_now(),
            orders=snapshot.orders,
            last_order_id=snapshot.last_order_id,
            last_ordered_at=snapshot.last_ordered_at,
            timezone=timezone,
            record=record,
            message=message,
        )
    )


def _value_rows(values: pl.DataFrame) -> list[dict[str, Any]]:
    """ClvResult.values as rows of customer_values: the spend columns null when there was no spend model."""
    missing = [
        pl.lit(None, dtype).alias(name)
        for name, dtype in CUSTOMER_VALUES_SCHEMA.items()
        if name not in values
    ]
    frame = (
        values.with_columns(missing)
        .select(list(CUSTOMER_VALUES_SCHEMA))
        .cast(pl.Schema(CUSTOMER_VALUES_SCHEMA))
        .with_columns(pl.col("spend_to_date").fill_null(0.0))
        .filter(pl.col("customer_hash").is_not_null())
    )
    return frame.to_dicts()


def _plain(value: Any) -> Any:
    """numpy's numbers as Python's, for JSON."""
    return value.item() if hasattr(value, "item") else str(value)


def read_customer_values(engine: Engine) -> pl.DataFrame:
    """What the latest fit expects of each customer (CUSTOMER_VALUES_SCHEMA), highest expected value first (then
    expected purchases); an empty frame of that schema when nothing was fitted."""
    query = select(*(customer_values.c[name] for name in CUSTOMER_VALUES_SCHEMA))
    with reading(engine) as connection:
        frame = read_frame(connection, query)
    return (
        frame.cast(pl.Schema(CUSTOMER_VALUES_SCHEMA))
        .select(list(CUSTOMER_VALUES_SCHEMA))
        .sort(
            ["expected_value", "expected_purchases", "customer_hash"],
            descending=[True, True, False],
            nulls_last=True,
        )
    )


def read_clv_fit(engine: Engine) -> dict[str, Any] | None:
    """The latest stored fit: ClvResult.to_json() (model, time_unit, params, customers, ...) with `fitted_at`
    (ISO time, UTC), `fitted_on` ({"orders": how many were stored, "last_ordered_at": the last one's ISO time,
    UTC, "timezone": the local days' zone}) and `warnings` (the fit's message, or None); None when none was."""
    query = select(clv_fits).where(clv_fits.c.record.is_not(None)).order_by(clv_fits.c.id.desc()).limit(1)
    with reading(engine) as connection:
        row = connection.execute(query).first()
    if row is None:
        return None
    last = row.last_ordered_at
    snapshot = OrdersSnapshot(row.orders, row.last_order_id, as_utc(last) if last is not None else None)
    return {
        **json.loads(row.record),
        "fitted_at": as_utc(row.fitted_at).isoformat(),
        "fitted_on": {**snapshot.to_json(), "timezone": row.timezone},
        "warnings": row.message,
    }
