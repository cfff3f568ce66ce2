"""Connections: a SQLite file in WAL mode by default, PostgreSQL (psycopg 3) by URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from pulse.errors import StoreError

SQLITE_BUSY_TIMEOUT_MS = 30_000
WRITE_OPTION = "pulse_write"


def build_engine(url: str) -> Engine:
    """An engine for `url`; a SQLite file's folder is created when missing."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise StoreError(
            f"PULSE_DATABASE_URL is not a database URL: {url!r}",
            hint="Use sqlite:///path/to/pulse.db or postgresql+psycopg://user:password@host/dbname.",
        ) from error
    if parsed.get_backend_name() == "sqlite":
        return _build_sqlite_engine(url, parsed.database)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True)


def _build_sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (the pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Writers take the write lock up front, so two writers never deadlock on upgrade.
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction: committed on success, rolled back on error."""
    try:
        with (
            engine.connect().execution_options(**{WRITE_OPTION: True}) as connection,
            connection.begin(),
        ):
            yield connection
    except OperationalError as error:
        raise _unreachable(engine, error) from error


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A read-only connection."""
    try:
        with engine.connect() as connection:
            yield connection
    except OperationalError as error:
        raise _unreachable(engine, error) from error


def _unreachable(engine: Engine, error: OperationalError) -> StoreError:
    where = engine.url.render_as_string(hide_password=True)
    return StoreError(
        f"The database at {where} could not be used: {error.orig}",
        hint="Check PULSE_DATABASE_URL, that the server is running, and run `pulse db upgrade`.",
    )


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key of the row that a single-row INSERT added."""
    key = result.inserted_primary_key
    assert key is not None, "not a single-row INSERT"
    return int(key[0])


def upsert_insert(connection: Connection, table: Table) -> Any:
    """INSERT with an ON CONFLICT clause to add (SQLite and PostgreSQL share the syntax)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)
