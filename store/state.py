"""A cheap data version: one counter that every write bumps, for the dashboard's caches to key on."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, select

from store.engine import reading
from store.schema import store_state


def bump_data_version(connection: Connection) -> None:
    """Call inside every write transaction that changes what the dashboard shows."""
    connection.execute(store_state.update().values(data_version=store_state.c.data_version + 1))


def read_data_version(engine: Engine) -> int:
    with reading(engine) as connection:
        return int(connection.execute(select(store_state.c.data_version)).scalar_one())


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A stored time in UTC: SQLite returns stored times without their zone (they are UTC), PostgreSQL aware."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
