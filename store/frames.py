"""Query results as polars frames, with every timestamp in UTC whatever the database."""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import Connection
from sqlalchemy.sql import Select


def read_frame(
    connection: Connection, query: Select[Any], schema: dict[str, Any] | None = None
) -> pl.DataFrame:
    """Run `query` and return its rows as a frame; naive timestamps (SQLite) are read as UTC."""
    result = connection.execute(query)
    names = list(result.keys())
    rows = result.all()
    frame = pl.DataFrame(
        [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in names],
        schema=names,
        orient="col",
        infer_schema_length=None,
        strict=False,
    )
    frame = frame.with_columns(
        [_as_utc(name, dtype) for name, dtype in frame.schema.items() if isinstance(dtype, pl.Datetime)]
    )
    if schema:
        frame = frame.cast({name: dtype for name, dtype in schema.items() if name in frame.columns})
    return frame


def _as_utc(name: str, dtype: pl.Datetime) -> pl.Expr:
    column = pl.col(name)
    if dtype.time_zone is None:
        return column.dt.replace_time_zone("UTC")
    return column.dt.convert_time_zone("UTC")
