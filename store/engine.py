"""Connections: a SQLite file in WAL mode by default, PostgreSQL (psycopg 3) by URL. Other packages take the
`Engine` type from here: only store/ imports sqlalchemy (`make lint` checks it)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, CursorResult, Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from pulse.errors import ConfigError, StoreError
from store.sqlite_file import SUPPORTED_DATABASES, check_store_file, translate_sqlite_error

if TYPE_CHECKING:
    from pulse.settings import Settings

SQLITE_BUSY_TIMEOUT_MS = 30_000
WAL_AUTOCHECKPOINT_PAGES = 1000  # SQLite's default
CHECKPOINT_INTERVAL_S = 0.05
WRITE_OPTION = "pulse_write"
_bulk_writers: WeakKeyDictionary[Engine, int] = WeakKeyDictionary()  # bulk_writes() running, per engine
_bulk_lock = threading.Lock()
POOL_SIZE, MAX_OVERFLOW, POOL_RECYCLE_S = 5, 10, 1800  # pulse.settings' defaults (PULSE_DB_POOL_*)
INSUFFICIENT_PRIVILEGE = "42501"  # PostgreSQL's SQLSTATE for "permission denied"


def build_engine(
    url: str,
    create: bool = True,
    *,
    pool_size: int = POOL_SIZE,
    max_overflow: int = MAX_OVERFLOW,
    pool_recycle: int = POOL_RECYCLE_S,
) -> Engine:
    """An engine for `url`: a SQLite file or a PostgreSQL database (anything else is a ConfigError that says
    what Pulse supports). A SQLite file must exist already unless `create` (`pulse db upgrade`, and library
    code that makes its own stores): then its folder is made when missing, and the file by its first
    connection. The command line and the dashboard build theirs with `create=False`, so that a mistyped path
    is said to hold no store rather than given a new, empty one.

    On PostgreSQL the engine keeps a pool of connections (SQLAlchemy's QueuePool): `pool_size` kept open,
    `max_overflow` more at busy moments, each replaced after `pool_recycle` seconds (-1: never) and checked
    before use (pre-ping), so that a connection a server restart or a proxy closed is replaced, not an error
    (PULSE_DB_POOL_SIZE, PULSE_DB_MAX_OVERFLOW, PULSE_DB_POOL_RECYCLE; docs/deploy.md on PgBouncer)."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise ConfigError(
            f"PULSE_DATABASE_URL is not a database URL: {url!r}", hint=SUPPORTED_DATABASES
        ) from error
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"PULSE_DATABASE_URL is a {backend} URL ({describe_url(url)}): Pulse does not work with {backend}.",
            hint=SUPPORTED_DATABASES,
        )
    try:
        if backend == "sqlite":
            return _build_sqlite_engine(url, parsed.database, create)
        if parsed.drivername == "postgresql":
            url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        engine = create_engine(
            url,
            pool_pre_ping=True,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_recycle=pool_recycle,
            pool_use_lifo=True,  # the pool's spare connections idle long enough to be closed at quiet times
        )
        event.listen(engine, "handle_error", _on_postgres_error)
        return engine
    except (NoSuchModuleError, ImportError, ArgumentError) as error:
        raise ConfigError(
            f"PULSE_DATABASE_URL ({describe_url(url)}) asks for a database driver that Pulse does not use: "
            f"{error}.",
            hint=SUPPORTED_DATABASES,
        ) from error


def _on_postgres_error(context: ExceptionContext) -> None:
    """A PostgreSQL user that may not read or write the store's tables: a permission problem, said so."""
    error = context.original_exception
    if getattr(error, "sqlstate", None) != INSUFFICIENT_PRIVILEGE or context.engine is None:
        return
    url = context.engine.url
    raise StoreError(
        f"The database user {url.username} may not do this in the store at "
        f"{url.render_as_string(hide_password=True)}: a permission problem ({str(error).splitlines()[0]}).",
        hint=f"Let that user read and write Pulse's tables (as their owner: `GRANT ALL ON ALL TABLES IN SCHEMA "
        f"public TO {url.username}` and the same ON ALL SEQUENCES), or set PULSE_DATABASE_URL to the user that "
        "ran `pulse db upgrade`.",
    ) from error


def pool_options(settings: Settings) -> dict[str, int]:
    """build_engine's pool arguments from the settings (PULSE_DB_POOL_SIZE, PULSE_DB_MAX_OVERFLOW,
    PULSE_DB_POOL_RECYCLE); they apply to PostgreSQL's engines alone."""
    return {
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_max_overflow,
        "pool_recycle": settings.db_pool_recycle,
    }


def describe_url(url: str) -> str:
    """The database URL with its password hidden, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def _build_sqlite_engine(url: str, database: str | None, create: bool) -> Engine:
    path = (
        Path(database) if database and database != ":memory:" and not database.startswith("file:") else None
    )
    if path is not None:
        check_store_file(path, create)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    if path is not None:

        @event.listens_for(engine, "handle_error")
        def _on_error(context: ExceptionContext) -> None:
            # The one place where the driver's errors about the file (damaged, read-only) become StoreErrors
            # that say so: raised here, SQLAlchemy raises them in place of its own (connecting included).
            translated = translate_sqlite_error(path, context.original_exception)
            if translated is not None:
                raise translated from context.original_exception

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
        if immediate:  # during bulk_writes a background thread checkpoints instead of the committing writer
            pages = 0 if _bulk_writers.get(connection.engine) else WAL_AUTOCHECKPOINT_PAGES
            connection.exec_driver_sql(f"PRAGMA wal_autocheckpoint={pages}")
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
    except sqlite3.DatabaseError as error:  # from the driver's own cursor (the bulk insert), past the event
        translated = _sqlite_error(engine, error)
        if translated is None:
            raise
        raise translated from error


@contextmanager
def bulk_writes(engine: Engine) -> Iterator[None]:
    """Around a large import. On SQLite its commits skip the automatic WAL checkpoint, which would stop each
    of them to copy the log into the database, and a background thread checkpoints instead, while the import
    goes on (a fifth to a third faster, benchmarks/surveys.py); the log is truncated at the end. On other
    databases it does nothing."""
    if engine.dialect.name != "sqlite":
        yield
        return
    stop = threading.Event()
    checkpointer = threading.Thread(target=_checkpoint_until, args=(engine, stop), name="wal-checkpoint")
    with _bulk_lock:
        _bulk_writers[engine] = _bulk_writers.get(engine, 0) + 1
    checkpointer.start()
    try:
        yield
    finally:
        stop.set()
        checkpointer.join()
        with _bulk_lock:
            _bulk_writers[engine] -= 1
            last = not _bulk_writers[engine]
        if last:
            _checkpoint(engine, "TRUNCATE")


def _checkpoint_until(engine: Engine, stop: threading.Event) -> None:
    while not stop.wait(CHECKPOINT_INTERVAL_S):
        _checkpoint(engine, "PASSIVE")


def _checkpoint(engine: Engine, mode: str) -> None:
    """A WAL checkpoint outside any transaction, on the driver's connection."""
    connection = engine.raw_connection()
    try:
        connection.driver_connection.execute(f"PRAGMA wal_checkpoint({mode})")  # type: ignore[union-attr]
    finally:
        connection.close()


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A read-only connection."""
    try:
        with engine.connect() as connection:
            yield connection
    except OperationalError as error:
        raise _unreachable(engine, error) from error
    except sqlite3.DatabaseError as error:
        translated = _sqlite_error(engine, error)
        if translated is None:
            raise
        raise translated from error


def _sqlite_error(engine: Engine, error: sqlite3.DatabaseError) -> StoreError | None:
    """What a SQLite error raised by the driver itself (not through SQLAlchemy, whose errors the handle_error
    event translates) means for the store's file, or None."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
        return None
    return translate_sqlite_error(Path(database or ""), error)


def _unreachable(engine: Engine, error: OperationalError) -> StoreError:
    where = engine.url.render_as_string(hide_password=True)
    server = "" if engine.dialect.name == "sqlite" else ", that the server is running"
    return StoreError(
        f"The database at {where} could not be used: {error.orig}",
        hint=f"Check PULSE_DATABASE_URL{server}, and run `pulse db upgrade`.",
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
