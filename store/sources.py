"""Feedback sources: a survey, a review platform, a subreddit search...

A survey source remembers what identifies its survey in `config`: `identities` (keys such as `form:<the
vendor's form id>` or `columns:<a hash of the header>`, see collectors/surveys/sources.py) and the `columns` of
the last file that brought one, so that the next export of the same survey is stored in the same source
whatever its file name. Sources made before this have no identities until their next import by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, func, select, union_all

from store.engine import reading, upsert_insert
from store.frames import read_frame
from store.schema import SOURCE_KINDS, feedback, orders, rejected_rows, sources
from store.state import utc_now


def ensure_source(
    connection: Connection, name: str, kind: str, platform: str, config: dict[str, Any] | None = None
) -> int:
    """The id of the source called `name`, created when missing. Two imports that create the same new source
    at once both get it: the second one's INSERT waits for the first one's transaction and then does nothing
    (ON CONFLICT DO NOTHING), and the SELECT after it reads the row the first one committed."""
    if kind not in SOURCE_KINDS:
        raise ValueError(f"source kind must be one of {SOURCE_KINDS}, not {kind!r}")
    by_name = select(sources.c.id).where(sources.c.name == name)
    found = connection.execute(by_name).scalar()
    if found is None:
        values = {
            "name": name,
            "kind": kind,
            "platform": platform,
            "config": config or {},
            "created_at": utc_now(),
        }
        connection.execute(
            upsert_insert(connection, sources)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        found = connection.execute(by_name).scalar_one()
    return int(found)


def remember_identities(
    connection: Connection, source_id: int, identities: Sequence[str], columns: Sequence[str] = ()
) -> None:
    """Add `identities` to those the source already has (kept in its `config`), with the `columns` of the
    file they came from; writes only when something changed."""
    if not identities:
        return
    config = connection.execute(select(sources.c.config).where(sources.c.id == source_id)).scalar()
    config = dict(config) if isinstance(config, dict) else {}
    known = [str(key) for key in config.get("identities") or []]
    merged = list(dict.fromkeys([*known, *identities]))
    if merged == known and (not columns or config.get("columns") == list(columns)):
        return
    config["identities"] = merged
    if columns:
        config["columns"] = list(columns)
    connection.execute(sources.update().where(sources.c.id == source_id).values(config=config))


@dataclass(frozen=True)
class StoredSource:
    """A source as the importer needs it: its name, kind and platform, and what identifies its survey."""

    name: str
    kind: str
    platform: str
    identities: tuple[str, ...]
    columns: tuple[str, ...]


def read_source_identities(engine: Engine) -> list[StoredSource]:
    """Every source with the identities and columns kept in its config, oldest first."""
    query = select(sources.c.name, sources.c.kind, sources.c.platform, sources.c.config).order_by(
        sources.c.id
    )
    with reading(engine) as connection:
        rows = connection.execute(query).all()
    found = []
    for name, kind, platform, config in rows:
        config = config if isinstance(config, dict) else {}
        identities = tuple(str(key) for key in config.get("identities") or [])
        columns = tuple(str(column) for column in config.get("columns") or [])
        found.append(StoredSource(name, kind, platform, identities, columns))
    return found


def read_sources(engine: Engine) -> pl.DataFrame:
    """Each source with its count of items (feedback, or orders for a source of orders), rejected-row count and
    when it last brought a new item."""
    items = union_all(
        select(feedback.c.source_id, feedback.c.ingested_at),
        select(orders.c.source_id, orders.c.ingested_at),
    ).subquery()
    feedback_counts = (
        select(
            items.c.source_id,
            func.count().label("feedback"),
            func.max(items.c.ingested_at).label("last_new_item"),
        )
        .group_by(items.c.source_id)
        .subquery()
    )
    rejected_counts = (
        select(rejected_rows.c.source_id, func.count().label("rejected"))
        .group_by(rejected_rows.c.source_id)
        .subquery()
    )
    query = (
        select(
            sources.c.name,
            sources.c.kind,
            sources.c.platform,
            func.coalesce(feedback_counts.c.feedback, 0).label("feedback"),
            func.coalesce(rejected_counts.c.rejected, 0).label("rejected"),
            feedback_counts.c.last_new_item,
        )
        .outerjoin(feedback_counts, feedback_counts.c.source_id == sources.c.id)
        .outerjoin(rejected_counts, rejected_counts.c.source_id == sources.c.id)
        .order_by(sources.c.name)
    )
    with reading(engine) as connection:
        return read_frame(connection, query, schema={"last_new_item": pl.Datetime("us", "UTC")})
