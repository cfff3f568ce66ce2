"""Schema migrations with Alembic, run from Python (never from inside the Streamlit script)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from store.engine import reading, writing

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with reading(engine) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Migrate the store to `revision`; returns (revision before, revision after)."""
    before = current_revision(engine)
    config = _alembic_config()
    with writing(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return before, current_revision(engine) or ""


def downgrade(engine: Engine, revision: str) -> None:
    config = _alembic_config()
    with writing(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def schema_differences(engine: Engine) -> list[Any]:
    """What Alembic's autogenerate finds between the store and store.schema (empty when the migrations built
    what the schema says), leaving out what the schema makes on other databases only (an index with
    `ddl_if(dialect=...)`, such as the PostgreSQL trigram index of revision 0017)."""
    from alembic.autogenerate import compare_metadata

    from store.schema import metadata

    dialect = engine.dialect.name

    def for_this_database(item: Any, _name: Any, _type: str, _reflected: bool, _compare_to: Any) -> bool:
        only = getattr(item, "_ddl_if", None)
        return only is None or only.dialect in (None, dialect)

    with reading(engine) as connection:
        context = MigrationContext.configure(connection, opts={"include_object": for_this_database})
        return list(compare_metadata(context, metadata))
