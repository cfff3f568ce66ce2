"""Workspaces: one business each (or one client of an agency), each with a store of its own. On SQLite a
workspace is a file beside the main store (`data/pulse.workspaces/SLUG.db` for `data/pulse.db`); on PostgreSQL
it is a schema of the same database (`ws_SLUG`), reached by setting each connection's search_path (all the
workspaces of a database share one pool of connections per process). The store at
PULSE_DATABASE_URL itself is the workspace "default".

Isolation is the store's, not the pages': every reader and writer takes an engine, and a workspace's engine
reaches that workspace's tables and no other's (a schema per tenant is PostgreSQL's own way; the same tables,
migrations and queries serve every workspace). Accounts sign in against the default workspace's users; a role in
another workspace is a row of that workspace's users table (`pulse workspaces grant`)."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import make_url

from pulse.errors import InputError
from store.engine import build_engine, reading, writing

DEFAULT_WORKSPACE = "default"
SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
SLUG_RULE = "1 to 40 lower-case letters, digits and hyphens, starting and ending with a letter or digit"
SCHEMA_PREFIX = "ws_"
SQLITE_FOLDER_SUFFIX = ".workspaces"


def check_slug(slug: str) -> str:
    """`slug` when it names a workspace; an InputError that says what one looks like otherwise."""
    if not SLUG.fullmatch(slug or ""):
        raise InputError(f"{slug!r} is not a workspace name.", hint=f"A workspace name is {SLUG_RULE}.")
    return slug


def is_postgres(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "postgresql"


def schema_name(slug: str) -> str:
    """The PostgreSQL schema that holds workspace `slug` (slugs have no underscores, so no two share one)."""
    return SCHEMA_PREFIX + check_slug(slug).replace("-", "_")


def workspaces_folder(database_url: str) -> Path:
    """Where a SQLite store's other workspaces live: a folder beside its file."""
    database = make_url(database_url).database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        raise InputError(
            "Workspaces need a SQLite store in a file, or PostgreSQL.",
            hint="Set PULSE_DATABASE_URL to sqlite:///path/to/pulse.db or a postgresql+psycopg:// URL.",
        )
    path = Path(database)
    return path.with_name(path.stem + SQLITE_FOLDER_SUFFIX)


def workspace_engine(
    database_url: str, workspace: str = DEFAULT_WORKSPACE, create: bool = False, **pool: int
) -> Engine:
    """The engine of one workspace's store. It reaches that workspace's tables alone. A workspace that does not
    exist is an InputError (unless `create`, which only `create_workspace` and `pulse db upgrade` ask for).
    `pool`: build_engine's pool arguments (store.engine.pool_options), for PostgreSQL. On PostgreSQL every
    workspace of a database shares one pool per process (see _shared_engine), so that 300 workspaces do not
    hold 300 pools' connections."""
    if check_slug(workspace) == DEFAULT_WORKSPACE:
        return build_engine(database_url, create=create, **pool)
    if not is_postgres(database_url):
        path = workspaces_folder(database_url) / f"{workspace}.db"
        if not create and not path.exists():
            raise _no_such_workspace(workspace)
        return build_engine(f"sqlite:///{path}", create=create)
    schema = schema_name(workspace)
    engine = _shared_engine(database_url, pool).execution_options(**{SCHEMA_OPTION: schema})
    if not create and schema not in _postgres_schemas(engine):
        raise _no_such_workspace(workspace)
    return engine


SCHEMA_OPTION = "pulse_workspace_schema"  # the execution option that names a workspace engine's schema
_shared_engines: dict[tuple[str, tuple[tuple[str, int], ...]], Engine] = {}
_shared_lock = threading.Lock()


def _shared_engine(database_url: str, pool: dict[str, int]) -> Engine:
    """This process's one engine (and so one pool of connections) for the workspaces of the PostgreSQL database
    at `database_url`. Each workspace's engine is this one with its schema as an execution option (SQLAlchemy's
    Engine.execution_options: the same pool), and every transaction first confines its connection to that
    schema (_confine_to_schema)."""
    key = (database_url, tuple(sorted(pool.items())))
    with _shared_lock:
        engine = _shared_engines.get(key)
        if engine is None:
            engine = _shared_engines[key] = build_engine(database_url, create=False, **pool)
            event.listen(engine, "begin", _confine_to_schema)
    return engine


def _confine_to_schema(connection: Connection) -> None:
    """Before each transaction: point the connection's search_path at its engine's workspace schema, unless the
    pooled connection is there already (kept in the pool's record of it, which a reconnect starts empty). The
    SET runs in autocommit, as SQLAlchemy's recipe for a search path does, so that no rollback undoes it."""
    schema = connection.get_execution_options().get(SCHEMA_OPTION)
    record = connection.connection
    if record.info.get(SCHEMA_OPTION, "") == schema:
        return
    dbapi_connection: Any = record.dbapi_connection
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f'SET SESSION search_path TO "{schema}"' if schema else "RESET search_path")
    finally:
        dbapi_connection.autocommit = autocommit
    record.info[SCHEMA_OPTION] = schema


def _no_such_workspace(workspace: str) -> InputError:
    return InputError(
        f"There is no workspace {workspace!r}.",
        hint="`pulse workspaces list` shows them; `pulse workspaces add NAME` makes one.",
    )


def _postgres_schemas(engine: Engine) -> list[str]:
    with reading(engine) as connection:
        rows = connection.execute(
            text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :prefix ORDER BY nspname"),
            {"prefix": SCHEMA_PREFIX.replace("_", r"\_") + "%"},
        )
        return [str(row[0]) for row in rows]


def list_workspaces(database_url: str) -> list[str]:
    """Every workspace of the store at `database_url`: "default" first, then the others by name."""
    if is_postgres(database_url):
        engine = build_engine(database_url, create=False)
        try:
            schemas = _postgres_schemas(engine)
        finally:
            engine.dispose()
        others = [schema.removeprefix(SCHEMA_PREFIX).replace("_", "-") for schema in schemas]
    else:
        folder = workspaces_folder(database_url)
        others = [path.stem for path in folder.glob("*.db")] if folder.is_dir() else []
    return [DEFAULT_WORKSPACE, *sorted(slug for slug in others if SLUG.fullmatch(slug))]


def create_workspace(database_url: str, workspace: str) -> Engine:
    """Make workspace `workspace` (a schema or a file) with empty tables at the current schema revision, and
    return its engine; an InputError when it exists already."""
    from store.migrate import upgrade

    if workspace in list_workspaces(database_url):
        raise InputError(
            f"The workspace {workspace!r} exists already.",
            hint="Pick another name, or use it with `pulse --workspace NAME ...`.",
        )
    if is_postgres(database_url):
        _execute(database_url, f'CREATE SCHEMA "{schema_name(workspace)}"')
    else:
        workspaces_folder(database_url).mkdir(parents=True, exist_ok=True)
    created = workspace_engine(database_url, workspace, create=True)
    upgrade(created)
    return created


def remove_workspace(database_url: str, workspace: str) -> None:
    """Delete workspace `workspace` and everything in it (never "default")."""
    if workspace == DEFAULT_WORKSPACE:
        raise InputError(
            "The default workspace is the store itself and cannot be removed.",
            hint="Remove another workspace, or delete the store with the database's own tools.",
        )
    if workspace not in list_workspaces(database_url):
        raise _no_such_workspace(workspace)
    if is_postgres(database_url):
        _execute(database_url, f'DROP SCHEMA "{schema_name(workspace)}" CASCADE')
        return
    path = workspaces_folder(database_url) / f"{workspace}.db"
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def _execute(database_url: str, statement: str) -> None:
    """One statement on the PostgreSQL database itself (a schema made or dropped), on a connection of its own."""
    engine = build_engine(database_url, create=False)
    try:
        with writing(engine) as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()
