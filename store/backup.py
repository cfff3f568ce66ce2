"""Backups of a SQLite store through SQLite's online backup API, which copies a consistent snapshot while Pulse
keeps running. A PostgreSQL store is backed up with pg_dump and restored with pg_restore (see the README)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import Engine

from pulse.errors import InputError, StoreError

PG_HINT = (
    "This store is PostgreSQL: use `pg_dump --format=custom --file=pulse.dump DBNAME` to back it up and "
    "`pg_restore --clean --dbname=DBNAME pulse.dump` to restore it."
)


def require_sqlite(engine: Engine) -> None:
    """Raise a StoreError with the pg_dump hint unless `engine` is a SQLite file."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        raise StoreError("pulse backup and restore work on a SQLite file store.", hint=PG_HINT)


def backup_store(engine: Engine, target: Path) -> None:
    """Copy the store into the new SQLite file `target`, page by page, without stopping writers."""
    require_sqlite(engine)
    if target.exists():
        raise InputError(f"{target} exists already.", hint="Give the backup a new file name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    live = engine.raw_connection()
    try:
        with closing(sqlite3.connect(target)) as copy:
            live.driver_connection.backup(copy)  # type: ignore[union-attr]
    finally:
        live.close()


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
    if "alembic_version" not in tables or "feedback" not in tables:
        raise InputError(f"{source} is not a Pulse store.", hint="Give a file made by `pulse backup`.")
    if not intact:
        raise InputError(f"{source} is damaged (SQLite's quick_check failed).", hint="Use another backup.")


def restore_store(engine: Engine, source: Path) -> None:
    """Replace the store's whole content with the backup `source` (checked first)."""
    require_sqlite(engine)
    check_backup(source)
    engine.dispose()  # no pooled connection keeps reading the old pages
    live = engine.raw_connection()
    try:
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup:
            backup.backup(live.driver_connection)  # type: ignore[arg-type]
    finally:
        live.close()
        engine.dispose()
