"""The database: schema, migrations, connection, reads and writes. The only package that writes SQL."""

from store.engine import build_engine, reading, writing

__all__ = ["build_engine", "reading", "writing"]
