"""Orders and visits: idempotent upserts of the order frames the orders importer hands over
(collectors/orders), rejects kept as the survey import keeps them (store.feedback.add_rejected), and the orders
frame that the loyalty measures and the lifetime-value models read (`read_orders`).

The customer is stored only as the salted hash that a survey respondent with the same id or email gets
(collectors.base.hash_author of the case-folded text, with the store's salt), which is how purchases meet
feedback; `pulse forget` deletes a person's orders by it (store/forget.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from itertools import repeat

import polars as pl
from sqlalchemy import Connection, Engine, func, select

from store.engine import reading, upsert_insert, writing
from store.feedback import UpsertCounts, add_rejected
from store.frames import read_frame
from store.records import Rejected, SourceSpec
from store.schema import orders
from store.sources import ensure_source, remember_identities
from store.state import bump_data_version, utc_now

ORDER_RECORD_SCHEMA: dict[str, pl.DataType] = {
    "external_id": pl.String(),  # the order's id in its source
    "customer_hash": pl.String(),
    "ordered_at": pl.Datetime("us", "UTC"),
    "amount": pl.Float64(),
    "channel": pl.String(),
    "location": pl.String(),
    "item_count": pl.Int64(),
    "items": pl.String(),
    "raw": pl.String(),  # JSON text
}  # what an importer hands over: one row per order

ORDERS_FRAME_SCHEMA: dict[str, pl.DataType] = {
    "order_id": pl.String(),
    "source_id": pl.Int64(),
    "customer_hash": pl.String(),
    "ordered_at": pl.Datetime("us", "UTC"),
    "amount": pl.Float64(),
    "channel": pl.String(),
    "location": pl.String(),
}  # the orders frame: what `read_orders` returns, the loyalty measures' and the CLV models' input

_REQUIRED = ("external_id", "ordered_at")


def check_order_records(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with ORDER_RECORD_SCHEMA's columns in order; ValueError when a column is missing or a row has no
    order id or no time."""
    missing = [name for name in ORDER_RECORD_SCHEMA if name not in frame.columns]
    if missing:
        raise ValueError(f"an order frame needs the columns {missing}")
    frame = frame.select(list(ORDER_RECORD_SCHEMA)).cast(pl.Schema(ORDER_RECORD_SCHEMA))
    bad = frame.filter(pl.any_horizontal(pl.col(*_REQUIRED).is_null()))
    if bad.height:
        raise ValueError(
            f"{bad.height} rows of an order frame have no order id or time, such as {bad.row(0)}"
        )
    return frame


def upsert_orders(
    engine: Engine,
    source: SourceSpec,
    records: pl.DataFrame,
    rejects: Iterable[Rejected] = (),
    run_id: int | None = None,
) -> UpsertCounts:
    """Add the orders not already stored for `source` (unique on source + order id) and keep the rejects. One
    batch, committed on its own, so an interrupted import keeps what it committed and a rerun adds nothing."""
    records = check_order_records(records)
    counts = UpsertCounts()
    if records.height:
        with writing(engine) as connection:
            source_id = _source_id(connection, source)
            added = _insert_new(connection, source_id, records)
            bump_data_version(connection)
        counts.new, counts.duplicate = added, records.height - added
    rejects = list(rejects)
    if rejects:
        with writing(engine) as connection:
            add_rejected(connection, _source_id(connection, source), rejects, run_id)
            bump_data_version(connection)
        counts.rejected = len(rejects)
    return counts


def _source_id(connection: Connection, source: SourceSpec) -> int:
    source_id = ensure_source(connection, source.name, source.kind, source.platform)
    remember_identities(connection, source_id, source.identities, source.columns)
    return source_id


def _insert_new(connection: Connection, source_id: int, records: pl.DataFrame) -> int:
    """Insert the orders, skipping those already stored (or repeated among them); returns how many were added."""
    now = utc_now()
    if connection.dialect.name == "sqlite":
        return _insert_sqlite(connection, source_id, records, now)
    rows = [
        {
            **row,
            "raw": None if row["raw"] is None else json.loads(row["raw"]),
            "source_id": source_id,
            "ingested_at": now,
        }
        for row in records.iter_rows(named=True)
    ]
    insert = upsert_insert(connection, orders).on_conflict_do_nothing().returning(orders.c.id)
    return len(connection.execute(insert, rows).all())


def _insert_sqlite(connection: Connection, source_id: int, records: pl.DataFrame, now: datetime) -> int:
    """The bulk path, as store.feedback's: plain executemany of column lists already in SQLAlchemy's SQLite
    storage formats (UTC wall time with microseconds, JSON text), columns without a value left out."""
    names = [
        name
        for name in ORDER_RECORD_SCHEMA
        if name in _REQUIRED or name == "raw" or records[name].null_count() < records.height
    ]
    values = records.select(names).with_columns(
        pl.col("ordered_at").dt.strftime("%Y-%m-%d %H:%M:%S%.6f"), pl.col("raw").fill_null("null")
    )
    columns = ["source_id", *names, "ingested_at"]
    statement = (
        f"INSERT INTO orders ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
        "ON CONFLICT DO NOTHING"
    )
    ingested = now.replace(tzinfo=None).isoformat(" ", "microseconds")
    rows = zip(repeat(source_id), *(values[name].to_list() for name in names), repeat(ingested))
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(statement, rows)  # type: ignore[arg-type]  # sqlite3 takes any iterable
        return int(cursor.rowcount)
    finally:
        cursor.close()


def read_orders(engine: Engine, *, until: datetime | None = None) -> pl.DataFrame:
    """The orders frame (ORDERS_FRAME_SCHEMA): every stored order placed before `until` (all when None), oldest
    first. `customer_hash` is the hash a survey respondent with the same id or email has (feedback.author_hash);
    null when the order names no customer. `amount` is null when the export gave none."""
    query = select(
        orders.c.external_id.label("order_id"),
        orders.c.source_id,
        orders.c.customer_hash,
        orders.c.ordered_at,
        orders.c.amount,
        orders.c.channel,
        orders.c.location,
    ).order_by(orders.c.ordered_at, orders.c.id)
    if until is not None:
        query = query.where(orders.c.ordered_at < until)
    with reading(engine) as connection:
        frame = read_frame(connection, query)
    return frame.cast(pl.Schema(ORDERS_FRAME_SCHEMA)).select(
        list(ORDERS_FRAME_SCHEMA)
    )  # typed even when empty


def count_orders(engine: Engine) -> int:
    with reading(engine) as connection:
        return int(connection.execute(select(func.count()).select_from(orders)).scalar_one())
