"""Feedback items: idempotent upserts of the feedback frames collectors hand over (store/records.py), kept
rejects, and reads as polars frames."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from itertools import repeat
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.sql import FromClause

from store.daily_counts import mark_counts_stale, mark_feedback_stale
from store.engine import reading, writing
from store.frames import read_frame
from store.labels import CorrectedLabels
from store.records import FEEDBACK_FRAME_SCHEMA, FeedbackFrame, Rejected, SourceSpec
from store.schema import (
    CUSTOMER_KINDS,
    SENTIMENT_PROBABILITY_COLUMNS,
    feedback,
    rejected_rows,
    scores,
    sources,
)
from store.sources import ensure_source, remember_identities
from store.state import bump_data_version, utc_now

IDS_PER_QUERY = 500  # external ids asked for in one query (read_feedback_ids)


@dataclass(frozen=True)
class SqliteColumns:
    """A feedback frame's values as Python column lists in SQLite's storage formats (UTC wall time with
    microseconds, JSON text): made ahead, in a collector's producer thread, so that the writer only inserts."""

    names: tuple[str, ...]  # the frame's columns that hold any value (the others are left NULL)
    columns: tuple[list[Any], ...]  # in the order of `names`


def prepare_feedback(engine: Engine, records: FeedbackFrame) -> FeedbackFrame:
    """`records` made ready for `engine`'s fastest insert: on SQLite, their values as column lists."""
    if engine.dialect.name == "sqlite" and records.prepared is None:
        records.prepared = _sqlite_columns(records.frame)
    return records


_REQUIRED = ("external_id", "kind", "created_at")


def _sqlite_columns(frame: pl.DataFrame) -> SqliteColumns:
    names = tuple(
        name for name in _FRAME_COLUMNS if name in _REQUIRED or frame[name].null_count() < frame.height
    )
    values = frame.select(names).with_columns(
        pl.col("created_at").dt.strftime("%Y-%m-%d %H:%M:%S%.6f"), pl.col("^raw$").fill_null("null")
    )
    return SqliteColumns(names, tuple(values[name].to_list() for name in names))


@dataclass
class UpsertCounts:
    new: int = 0
    duplicate: int = 0
    rejected: int = 0


def upsert_feedback(
    engine: Engine,
    source: SourceSpec,
    records: FeedbackFrame,
    rejects: Iterable[Rejected] = (),
    run_id: int | None = None,
) -> UpsertCounts:
    """Add the records not already stored for `source` (unique on source + external id) and keep the rejects.

    The records are one batch, committed on its own (its collector chose its size), so an interrupted import
    keeps what it committed and a rerun adds no duplicates.
    """
    counts = UpsertCounts()
    if len(records):
        with writing(engine) as connection:
            source_id = _source_id(connection, source)
            _insert_new(connection, source_id, records, counts)
            bump_data_version(connection)
    rejects = list(rejects)
    if rejects:
        with writing(engine) as connection:
            source_id = _source_id(connection, source)
            add_rejected(connection, source_id, rejects, run_id)
            bump_data_version(connection)
        counts.rejected = len(rejects)
    return counts


def _source_id(connection: Connection, source: SourceSpec) -> int:
    """The source's id, created when missing, remembering the identities the records came with."""
    source_id = ensure_source(connection, source.name, source.kind, source.platform)
    remember_identities(connection, source_id, source.identities, source.columns)
    return source_id


def _insert_new(connection: Connection, source_id: int, records: FeedbackFrame, counts: UpsertCounts) -> None:
    """Insert the records, skipping those already stored (or repeated among them); count new and duplicates."""
    now = utc_now()
    if connection.dialect.name == "sqlite":
        added = _insert_sqlite(connection, source_id, records, now)
    else:
        added = _insert_postgres(connection, source_id, records, now)
    counts.new += added
    counts.duplicate += len(records) - added
    if added:
        moments = records.frame["created_at"]
        mark_counts_stale(connection, moments.min(), moments.max())  # type: ignore[arg-type]


_FRAME_COLUMNS = tuple(FEEDBACK_FRAME_SCHEMA)
_INCOMING = "pulse_incoming_feedback"  # a temporary table, dropped at the end of the transaction that made it


def _insert_postgres(connection: Connection, source_id: int, records: FeedbackFrame, now: datetime) -> int:
    """The records COPYed into a temporary table of the frame's columns, then inserted in their order, skipping
    those already stored (or repeated among them) in one INSERT ... SELECT ... ON CONFLICT DO NOTHING: returns
    how many were added. An INSERT of many VALUES made 20,000 rows a batch cost 8 s here, most of it psycopg
    parsing each unique statement (benchmarks/scale.py); COPY sends the rows as data."""
    columns = [feedback.c[name] for name in _FRAME_COLUMNS]
    types = ", ".join(
        f"{column.name} {'json' if column.name == 'raw' else column.type.compile(connection.dialect)}"
        for column in columns
    )
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {_INCOMING} (position bigserial, {types}) ON COMMIT DROP"
    )
    cursor: Any = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {_INCOMING} ({', '.join(_FRAME_COLUMNS)}) FROM STDIN") as copy:
        for row in records.frame.iter_rows():
            copy.write_row(row)
    names = ", ".join(_FRAME_COLUMNS)
    inserted = connection.exec_driver_sql(
        f"INSERT INTO feedback (source_id, ingested_at, {names}) "
        f"SELECT %(source_id)s, %(now)s, {names} FROM {_INCOMING} ORDER BY position "
        "ON CONFLICT (source_id, external_id) DO NOTHING",
        {"source_id": source_id, "now": now},
    )
    connection.exec_driver_sql(f"DROP TABLE {_INCOMING}")  # a second batch in this transaction makes its own
    return inserted.rowcount


def _sqlite_insert(names: Sequence[str]) -> str:
    """Inserts the `names` columns bound row by row, with `raw` as JSON null when it is not among them."""
    columns = ["source_id", *names, "ingested_at"]
    values = ["?"] * len(columns)
    if "raw" not in names:
        columns.append("raw")
        values.append("'null'")
    return f"INSERT INTO feedback ({', '.join(columns)}) VALUES ({', '.join(values)}) ON CONFLICT DO NOTHING"


def _insert_sqlite(connection: Connection, source_id: int, records: FeedbackFrame, now: datetime) -> int:
    """The bulk-import path: plain executemany with values already in SQLAlchemy's SQLite storage formats
    (UTC wall time with microseconds, JSON text), several times faster than binding through Core, column
    lists zipped (far cheaper than a tuple per row from polars; columns without a value are left out). Returns
    how many rows were inserted."""
    prepared = records.prepared if isinstance(records.prepared, SqliteColumns) else None
    prepared = prepared or _sqlite_columns(records.frame)
    rows = zip(repeat(source_id), *prepared.columns, repeat(_sqlite_datetime(now)))
    cursor = connection.connection.cursor()  # the driver's own executemany takes the rows as they come
    try:
        cursor.executemany(_sqlite_insert(prepared.names), rows)  # type: ignore[arg-type]  # sqlite3 takes any iterable
        return int(cursor.rowcount)
    finally:
        cursor.close()


def _sqlite_datetime(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def add_rejected(
    connection: Connection, source_id: int | None, rejects: Iterable[Rejected], run_id: int | None = None
) -> None:
    """Keep the rejects, each once: the same row of the same file rejected again is not stored twice."""
    stored = {
        (origin, line, raw)
        for origin, line, raw in connection.execute(
            select(rejected_rows.c.origin, rejected_rows.c.line, rejected_rows.c.raw).where(
                rejected_rows.c.source_id == source_id
            )
        )
    }
    now = utc_now()
    rows = [
        {**asdict(reject), "source_id": source_id, "run_id": run_id, "created_at": now}
        for reject in dict.fromkeys(rejects)
        if (reject.origin, reject.line, reject.raw) not in stored
    ]
    if rows:
        connection.execute(rejected_rows.insert(), rows)


def read_external_ids(engine: Engine, source: SourceSpec, limit: int | None = None) -> list[str]:
    """External ids stored for `source`, newest first."""
    query = (
        select(feedback.c.external_id)
        .join(sources, sources.c.id == feedback.c.source_id)
        .where(sources.c.name == source.name)
        .order_by(feedback.c.created_at.desc(), feedback.c.id.desc())
        .limit(limit)
    )
    with reading(engine) as connection:
        return list(connection.execute(query).scalars())


def read_feedback_ids(engine: Engine, source_name: str, external_ids: Sequence[str]) -> dict[str, int]:
    """external id -> the feedback's id, for those of `external_ids` stored in the source `source_name` (asked
    IDS_PER_QUERY at a time: a bounded IN list on every database)."""
    wanted = sorted(set(external_ids))
    found: dict[str, int] = {}
    with reading(engine) as connection:
        for start in range(0, len(wanted), IDS_PER_QUERY):
            query = (
                select(feedback.c.external_id, feedback.c.id)
                .join(sources, sources.c.id == feedback.c.source_id)
                .where(
                    sources.c.name == source_name,
                    feedback.c.external_id.in_(wanted[start : start + IDS_PER_QUERY]),
                )
            )
            found.update(
                {external_id: int(feedback_id) for external_id, feedback_id in connection.execute(query)}
            )
    return found


def remove_feedback(engine: Engine, source: SourceSpec, external_ids: Sequence[str]) -> int:
    """Delete feedback that was deleted at its source, with everything derived from it; returns the count."""
    with writing(engine) as connection:
        source_id = connection.execute(select(sources.c.id).where(sources.c.name == source.name)).scalar()
        if source_id is None or not external_ids:
            return 0
        removed = (feedback.c.source_id == source_id) & feedback.c.external_id.in_(list(external_ids))
        mark_feedback_stale(connection, removed)
        deleted = connection.execute(feedback.delete().where(removed))
        bump_data_version(connection)
    return int(deleted.rowcount)


def count_feedback(engine: Engine) -> int:
    with reading(engine) as connection:
        return int(connection.execute(select(func.count()).select_from(feedback)).scalar_one())


FEEDBACK_SCHEMA: dict[str, Any] = {
    "id": pl.Int64,
    "created_at": pl.Datetime("us", "UTC"),
    "kind": pl.String,
    "text": pl.String,
    "nps": pl.Int8,
    "csat": pl.Int8,
    "stars": pl.Int8,
    "ces": pl.Int8,
    "location": pl.String,
    "channel": pl.String,
    "segment": pl.String,
    "source": pl.String,
    "sentiment": pl.String,
    "sentiment_score": pl.Float64,
    **dict.fromkeys(SENTIMENT_PROBABILITY_COLUMNS, pl.Float64),
    "impersonal": pl.Boolean,
    "impersonal_score": pl.Float64,
}


def read_feedback(
    engine: Engine,
    columns: Sequence[str] = ("id", "created_at", "kind", "nps", "csat", "stars", "channel"),
    since: datetime | None = None,
    until: datetime | None = None,
    kinds: Sequence[str] | None = CUSTOMER_KINDS,
) -> pl.DataFrame:
    """Feedback with its scores, only the `columns` asked for, created in [since, until), of the `kinds` (by
    default customers' feedback, never staff observations: store/observations.py; None: every kind). The column
    `source` is the name of the feedback's source; `sentiment` and `impersonal` are the labels as the team left
    them (a person's correction in place of the scorer's label: store.labels), the scores are the scorer's."""
    labels = CorrectedLabels()
    available = {
        **feedback.c,
        **{c.name: c for c in scores.c if c.name != "feedback_id"},
        "source": sources.c.name.label("source"),
        "sentiment": labels.sentiment().label("sentiment"),
        "impersonal": labels.impersonal().label("impersonal"),
    }
    unknown = [name for name in columns if name not in available]
    if unknown:
        raise ValueError(f"unknown feedback columns: {unknown}")
    joined: FromClause = feedback.outerjoin(scores, scores.c.feedback_id == feedback.c.id)
    if "sentiment" in columns or "impersonal" in columns:
        joined = labels.joined(joined)
    if "source" in columns:
        joined = joined.join(sources, sources.c.id == feedback.c.source_id)
    query = select(*[available[name] for name in columns]).select_from(joined)
    if since is not None:
        query = query.where(feedback.c.created_at >= since)
    if until is not None:
        query = query.where(feedback.c.created_at < until)
    if kinds is not None:
        query = query.where(feedback.c.kind.in_(list(kinds)))
    with reading(engine) as connection:
        return read_frame(connection, query, schema=FEEDBACK_SCHEMA)


def read_rejected(engine: Engine, limit: int = 500) -> pl.DataFrame:
    """The newest rejected input rows with their source, file or endpoint, line and reason."""
    query = (
        select(
            sources.c.name.label("source"),
            rejected_rows.c.origin,
            rejected_rows.c.line,
            rejected_rows.c.reason,
            rejected_rows.c.raw,
            rejected_rows.c.created_at,
        )
        .select_from(rejected_rows.outerjoin(sources, sources.c.id == rejected_rows.c.source_id))
        .order_by(rejected_rows.c.id.desc())
        .limit(limit)
    )
    with reading(engine) as connection:
        return read_frame(
            connection,
            query,
            schema={"source": pl.String, "line": pl.Int64, "created_at": pl.Datetime("us", "UTC")},
        )
