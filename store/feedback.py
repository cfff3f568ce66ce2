"""Feedback items: idempotent upserts, kept rejects, and reads as polars frames."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from itertools import islice, repeat
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, func, select

from pulse.measures import SCALES
from store.daily_counts import mark_counts_stale, mark_feedback_stale
from store.engine import reading, upsert_insert, writing
from store.frames import read_frame
from store.schema import FEEDBACK_KINDS, feedback, rejected_rows, scores, sources
from store.sources import ensure_source, remember_identities
from store.state import bump_data_version, utc_now

SCORE_RANGES = tuple((scale.column, scale.low, scale.high) for scale in SCALES)  # pulse.measures'


@dataclass(frozen=True)
class FeedbackRecord:
    """One piece of feedback, as a collector hands it to the store. Scales: nps 0-10, csat 1-5, stars 1-5,
    ces 1-7 (Customer Effort Score: 7 is the easiest)."""

    external_id: str
    kind: str
    created_at: datetime
    text: str | None = None
    nps: int | None = None
    csat: int | None = None
    stars: int | None = None
    author_hash: str | None = None
    url: str | None = None
    location: str | None = None
    channel: str | None = None
    segment: str | None = None
    raw: dict[str, Any] | None = None
    ces: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in FEEDBACK_KINDS:
            raise ValueError(f"kind must be one of {FEEDBACK_KINDS}, not {self.kind!r}")
        if self.created_at.tzinfo is None:
            raise ValueError("created_at must carry a time zone (Pulse stores UTC)")
        object.__setattr__(self, "created_at", self.created_at.astimezone(UTC))
        for name, low, high in SCORE_RANGES:
            value = getattr(self, name)
            if value is not None and not low <= value <= high:
                raise ValueError(f"{name} must be between {low} and {high}, not {value}")


@dataclass(frozen=True)
class Rejected:
    """An input row that could not be imported, kept with the reason."""

    origin: str
    reason: str
    raw: str  # the row as read, without its personal columns and with emails masked
    line: int | None = None
    author_hash: str | None = None  # the respondent's or author's salted hash, so `pulse forget` finds it


FEEDBACK_FRAME_SCHEMA: dict[str, Any] = {
    "external_id": pl.String,
    "kind": pl.String,
    "created_at": pl.Datetime("us", "UTC"),
    "text": pl.String,
    "nps": pl.Int64,
    "csat": pl.Int64,
    "stars": pl.Int64,
    "author_hash": pl.String,
    "url": pl.String,
    "location": pl.String,
    "channel": pl.String,
    "segment": pl.String,
    "raw": pl.String,  # JSON text
    "ces": pl.Int64,
}  # FeedbackRecords as columns, for bulk imports


def records_to_frame(records: Sequence[FeedbackRecord]) -> pl.DataFrame:
    """Records as a feedback frame (FEEDBACK_FRAME_SCHEMA)."""
    rows = [
        {**vars(record), "raw": None if record.raw is None else json.dumps(record.raw)} for record in records
    ]
    return pl.DataFrame(rows, schema=FEEDBACK_FRAME_SCHEMA)


def frame_to_records(frame: pl.DataFrame) -> list[FeedbackRecord]:
    """A feedback frame's rows as records, checked one by one."""
    return [
        FeedbackRecord(**{**row, "raw": None if row["raw"] is None else json.loads(row["raw"])})
        for row in frame.select(list(FEEDBACK_FRAME_SCHEMA)).iter_rows(named=True)
    ]


@dataclass(frozen=True)
class SqliteFrame:
    """A checked feedback frame with its values as Python column lists in SQLite's storage formats (UTC wall
    time with microseconds, JSON text). Made ahead, in a collector's producer thread, so that the writer
    only inserts."""

    frame: pl.DataFrame
    names: tuple[str, ...]  # the frame's columns that hold any value (the others are left NULL)
    columns: tuple[list[Any], ...]  # in the order of `names`

    def __len__(self) -> int:
        return self.frame.height


# records, or a frame with FEEDBACK_FRAME_SCHEMA's columns (as made ready for SQLite by prepare_frame)
Records = Iterable[FeedbackRecord] | pl.DataFrame | SqliteFrame


def prepare_frame(engine: Engine, records: Records) -> Records:
    """Records made ready for `engine`'s fastest insert: on SQLite a feedback frame is checked and turned
    into column lists (a SqliteFrame); anything else is returned as it is."""
    if engine.dialect.name != "sqlite" or not isinstance(records, pl.DataFrame):
        return records
    _check_frame(records)
    return _sqlite_frame(records)


_REQUIRED = ("external_id", "kind", "created_at")


def _sqlite_frame(frame: pl.DataFrame) -> SqliteFrame:
    names = tuple(
        name for name in _FRAME_COLUMNS if name in _REQUIRED or frame[name].null_count() < frame.height
    )
    values = frame.select(names).with_columns(
        pl.col("created_at").dt.strftime("%Y-%m-%d %H:%M:%S%.6f"), pl.col("^raw$").fill_null("null")
    )
    return SqliteFrame(frame, names, tuple(values[name].to_list() for name in names))


@dataclass
class UpsertCounts:
    new: int = 0
    duplicate: int = 0
    rejected: int = 0


@dataclass(frozen=True)
class SourceSpec:
    """Where records are stored. `identities` (and the `columns` they were read from) are remembered by the
    source, so that a later file of the same survey is recognised (store/sources.py)."""

    name: str
    kind: str
    platform: str
    identities: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()


def upsert_feedback(
    engine: Engine,
    source: SourceSpec,
    records: Records,
    rejects: Iterable[Rejected] = (),
    run_id: int | None = None,
    batch_size: int = 5000,
) -> UpsertCounts:
    """Add the records not already stored for `source` (unique on source + external id) and keep the rejects.

    Each batch commits on its own, so an interrupted import keeps what it committed and a rerun adds no
    duplicates. `records` may be a feedback frame, which SQLite inserts without making a record per row; a
    frame is one batch, sized by whoever made it.
    """
    counts = UpsertCounts()
    for batch in _batches(records, batch_size):
        with writing(engine) as connection:
            source_id = _source_id(connection, source)
            _insert_new(connection, source_id, batch, counts)
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


Batch = list[FeedbackRecord] | pl.DataFrame | SqliteFrame


def _batches(records: Records, size: int) -> Iterator[Batch]:
    if isinstance(records, SqliteFrame):  # one batch, checked when it was prepared
        yield records
        return
    if isinstance(records, pl.DataFrame):  # one batch: its producer chose the size
        _check_frame(records)
        yield records
        return
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def _check_frame(frame: pl.DataFrame) -> None:
    """FeedbackRecord's checks, on a whole frame: kinds, times and score ranges."""
    missing = [name for name in FEEDBACK_FRAME_SCHEMA if name not in frame.columns]
    if missing:
        raise ValueError(f"a feedback frame needs the columns {missing}")
    in_range = pl.col("kind").is_in(FEEDBACK_KINDS) & pl.col("created_at").is_not_null()
    for name, low, high in SCORE_RANGES:
        in_range &= pl.col(name).is_null() | pl.col(name).is_between(low, high)
    bad = frame.filter(~in_range)
    if bad.height:
        raise ValueError(
            f"{bad.height} rows of a feedback frame are not feedback records, such as {bad.row(0)}"
        )


def _insert_new(connection: Connection, source_id: int, batch: Batch, counts: UpsertCounts) -> None:
    """Insert the batch, skipping records already stored (or repeated in it); count new and duplicates."""
    now = utc_now()
    if connection.dialect.name == "sqlite":
        added = _insert_sqlite(connection, source_id, batch, now)
    else:
        if isinstance(batch, SqliteFrame):
            batch = batch.frame
        if isinstance(batch, pl.DataFrame):
            batch = frame_to_records(batch)
        rows = [{**vars(record), "source_id": source_id, "ingested_at": now} for record in batch]
        insert = upsert_insert(connection, feedback).on_conflict_do_nothing().returning(feedback.c.id)
        added = len(connection.execute(insert, rows).all())
    counts.new += added
    counts.duplicate += len(batch) - added
    if added:
        mark_counts_stale(connection, *_time_span(batch))


def _time_span(batch: Batch) -> tuple[datetime, datetime]:
    """The first and last created_at of a batch."""
    if isinstance(batch, SqliteFrame):
        batch = batch.frame
    if isinstance(batch, pl.DataFrame):
        return batch["created_at"].min(), batch["created_at"].max()  # type: ignore[return-value]
    moments = [record.created_at for record in batch]
    return min(moments), max(moments)


_FRAME_COLUMNS = tuple(FEEDBACK_FRAME_SCHEMA)


def _sqlite_insert(names: Sequence[str]) -> str:
    """Inserts the `names` columns bound row by row, with `raw` as JSON null when it is not among them."""
    columns = ["source_id", *names, "ingested_at"]
    values = ["?"] * len(columns)
    if "raw" not in names:
        columns.append("raw")
        values.append("'null'")
    return f"INSERT INTO feedback ({', '.join(columns)}) VALUES ({', '.join(values)}) ON CONFLICT DO NOTHING"


def _insert_sqlite(connection: Connection, source_id: int, batch: Batch, now: datetime) -> int:
    """The bulk-import path: plain executemany with values already in SQLAlchemy's SQLite storage formats
    (UTC wall time with microseconds, JSON text), several times faster than binding through Core. Returns
    how many rows were inserted."""
    ingested_at = _sqlite_datetime(now)
    rows: Iterable[tuple[Any, ...]]
    names = _FRAME_COLUMNS
    if isinstance(batch, pl.DataFrame):
        batch = _sqlite_frame(batch)
    if isinstance(batch, SqliteFrame):  # column lists zipped: far cheaper than a tuple per row from polars
        names = batch.names  # columns without a value are left out: fewer values to convert and bind
        rows = zip(repeat(source_id), *batch.columns, repeat(ingested_at))
    else:
        rows = [
            (
                source_id, r.external_id, r.kind, _sqlite_datetime(r.created_at), r.text, r.nps, r.csat, r.stars,
                r.author_hash, r.url, r.location, r.channel, r.segment,
                "null" if r.raw is None else json.dumps(r.raw), r.ces, ingested_at,
            )
            for r in batch
        ]  # fmt: skip
    cursor = connection.connection.cursor()  # the driver's own executemany takes the rows as they come
    try:
        cursor.executemany(_sqlite_insert(names), rows)  # type: ignore[arg-type]  # sqlite3 takes any iterable
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
    "impersonal": pl.Boolean,
    "impersonal_score": pl.Float64,
}


def read_feedback(
    engine: Engine,
    columns: Sequence[str] = ("id", "created_at", "kind", "nps", "csat", "stars", "channel"),
    since: datetime | None = None,
    until: datetime | None = None,
) -> pl.DataFrame:
    """Feedback with its scores, only the `columns` asked for, created in [since, until). The column `source`
    is the name of the feedback's source."""
    available = {
        **feedback.c,
        **{c.name: c for c in scores.c if c.name != "feedback_id"},
        "source": sources.c.name.label("source"),
    }
    unknown = [name for name in columns if name not in available]
    if unknown:
        raise ValueError(f"unknown feedback columns: {unknown}")
    joined = feedback.outerjoin(scores, scores.c.feedback_id == feedback.c.id)
    if "source" in columns:
        joined = joined.join(sources, sources.c.id == feedback.c.source_id)
    query = select(*[available[name] for name in columns]).select_from(joined)
    if since is not None:
        query = query.where(feedback.c.created_at >= since)
    if until is not None:
        query = query.where(feedback.c.created_at < until)
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
