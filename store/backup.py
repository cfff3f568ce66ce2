"""Backups of a SQLite store through SQLite's online backup API, which copies a consistent snapshot while Pulse
keeps running. A PostgreSQL store is backed up with pg_dump and restored with pg_restore (see the README)."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import Engine, PoolProxiedConnection

from pulse.errors import InputError, StoreError
from store.engine import reading
from store.sqlite_file import DamagedStoreError, damaged_store, translate_sqlite_error

PULSE_TABLES = ("alembic_version", "feedback")  # what makes a SQLite file a Pulse store

PG_HINT = (
    "This store is PostgreSQL: use `pg_dump --format=custom --file=pulse.dump DBNAME` to back it up and "
    "`pg_restore --clean --dbname=DBNAME pulse.dump` to restore it."
)


def require_sqlite(engine: Engine) -> None:
    """Raise a StoreError with the pg_dump hint unless `engine` is a SQLite file."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        raise StoreError("pulse backup and restore work on a SQLite file store.", hint=PG_HINT)


def backup_store(engine: Engine, target: Path) -> None:
    """Copy the store into the new SQLite file `target`, page by page, without stopping writers. The store is
    checked first as `pulse restore` checks a backup (a Pulse store that SQLite's quick_check finds intact),
    so that a damaged store is never copied into a backup that restore would refuse."""
    require_sqlite(engine)
    if target.exists():
        raise InputError(f"{target} exists already.", hint="Give the backup a new file name.")
    check_store(engine)
    target.parent.mkdir(parents=True, exist_ok=True)
    live = _raw_connection(engine)
    try:
        with closing(sqlite3.connect(target)) as copy:
            live.driver_connection.backup(copy)  # type: ignore[union-attr]
    finally:
        live.close()


def check_store(engine: Engine) -> None:
    """Raise a StoreError unless the SQLite store is a Pulse store that SQLite's quick_check finds intact (a
    DamagedStoreError, with what to do, when it is damaged). Reads every page: seconds for a large store."""
    with reading(engine) as connection:
        tables = {
            row[0]
            for row in connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        problems = [str(row[0]) for row in connection.exec_driver_sql("PRAGMA quick_check(3)")]
    if problems != ["ok"]:
        raise damaged_store(engine.url.database or "", "SQLite's quick_check: " + "; ".join(problems))
    if not all(table in tables for table in PULSE_TABLES):
        raise StoreError(
            f"{engine.url.database} holds no Pulse store yet.", hint="Run `pulse db upgrade` to create it."
        )


def check_backup(source: Path) -> None:
    """Raise an InputError unless `source` is a readable, intact SQLite file holding a Pulse store."""
    if not source.is_file():
        raise InputError(f"{source} is not a file.", hint="Give the path of a file made by `pulse backup`.")
    try:
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup:
            tables = {row[0] for row in backup.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            intact = backup.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    except sqlite3.DatabaseError as error:
        raise InputError(
            f"{source} is not a SQLite database ({error}).", hint="Give a file made by `pulse backup`."
        ) from error
    if not all(table in tables for table in PULSE_TABLES):
        raise InputError(f"{source} is not a Pulse store.", hint="Give a file made by `pulse backup`.")
    if not intact:
        raise InputError(f"{source} is damaged (SQLite's quick_check failed).", hint="Use another backup.")


def restore_store(engine: Engine, source: Path) -> None:
    """Replace the store's whole content with the backup `source` (checked first). A sound store is written
    over page by page through SQLite (safe while Pulse runs); a damaged one, which SQLite cannot open, has its
    file replaced."""
    require_sqlite(engine)
    check_backup(source)
    engine.dispose()  # no pooled connection keeps reading the old pages
    try:
        live = _raw_connection(engine)
    except DamagedStoreError:
        _replace_store_file(Path(engine.url.database or ""), source)
        return
    try:
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup:
            backup.backup(live.driver_connection)  # type: ignore[arg-type]
    finally:
        live.close()
        engine.dispose()


def _raw_connection(engine: Engine) -> PoolProxiedConnection:
    """The driver's connection to the store, its errors said as the store's other connections say them."""
    try:
        return engine.raw_connection()
    except sqlite3.DatabaseError as error:
        translated = translate_sqlite_error(Path(engine.url.database or ""), error)
        if translated is None:
            raise
        raise translated from error


def _replace_store_file(store: Path, source: Path) -> None:
    """Put a copy of the backup `source` in the place of the damaged store file, its journal (the -wal and -shm
    files, which belong to the damaged file) removed first."""
    copy = store.with_name(f"{store.name}.restoring")
    with (
        closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup,
        closing(sqlite3.connect(copy)) as new,
    ):
        backup.backup(new)
    for journal in (Path(f"{store}-wal"), Path(f"{store}-shm")):
        journal.unlink(missing_ok=True)
    os.replace(copy, store)
