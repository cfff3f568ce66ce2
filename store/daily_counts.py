"""Counts per local day, for the dashboard: one row per day, kind, source, channel, location and segment, with
the counts and sums that analysis.metrics derives every measure from (pulse.measures.DAILY_COUNTS: n, NPS
promoters and detractors, CSAT satisfied, CES easy, CES, stars and sentiment with their sums and sums of squares,
negative and impersonal counts; the SQL is built from those definitions, so no threshold is written here). Weeks and months are sums of days, so the dashboard never reads the feedback rows for its
figures.

Kept current by the writers, never on a page request:
- every write of feedback or scores marks the span of `created_at` it touched as stale, in its own
  transaction (`mark_counts_stale`, `mark_feedback_stale`);
- `refresh_daily_counts` recounts the local days of the marked span from the feedback (one INSERT ... SELECT
  ... GROUP BY in the database), clears the mark and bumps the data version (the dashboard's caches are keyed
  on it). It runs at the end of every collector run (imports, the demo, live sources), of `pulse analyze` and
  of `pulse forget` (through analysis/impact_pipeline.py, which judges the rollouts again after it), and
  `pulse db upgrade` builds the table in PULSE_TIMEZONE, or rebuilds it when that changed;
- `read_daily_counts` only reads. Days left marked (a run that failed or was killed) are recounted by the next
  writer; counts in another time zone than the one asked for, or never counted, are an error that says to run
  `pulse db upgrade`.
Only customers' feedback is counted (CUSTOMER_KINDS): staff observations (kind staff, store/observations.py)
are never part of a customer figure, so every reader of the counts (the pages, the digest, the rollouts'
verdicts, `pulse metrics`) leaves them out without a filter of its own.
A person's label replaces the scorer's: an item whose sentiment or impersonal label was corrected (in the
Explorer: store.explorer.correct_label, which marks the item's day and recounts it) counts with the corrected
label, and `corrected_n` counts such items, so that every figure can say how many it includes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    Engine,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
)

from pulse.errors import StoreError
from pulse.measures import DAILY_COUNTS, Band, Count, Sum
from store.engine import reading, writing
from store.frames import read_frame
from store.labels import CorrectedLabels
from store.schema import (
    CUSTOMER_KINDS,
    DAILY_COUNT_FLOATS,
    DAILY_COUNT_INTEGERS,
    daily_counts,
    feedback,
    scores,
    sources,
    store_state,
)
from store.state import as_utc, bump_data_version

KEY_COLUMNS = ("kind", "source_id", "channel", "location", "segment")
DAILY_COUNTS_SCHEMA: dict[str, Any] = {
    "day": pl.Date,
    **dict.fromkeys(("kind", "source", "channel", "location", "segment"), pl.String),
    **dict.fromkeys(DAILY_COUNT_INTEGERS, pl.Int64),
    **dict.fromkeys(DAILY_COUNT_FLOATS, pl.Float64),
}


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.count(case((condition, 1)))


def band_condition(band: Band, answer: ColumnElement[Any]) -> ColumnElement[bool]:
    """An answer in the band (pulse.measures), in SQL."""
    conditions = []
    if band.at_least is not None:
        conditions.append(answer >= band.at_least)
    if band.at_most is not None:
        conditions.append(answer <= band.at_most)
    return and_(*conditions) if len(conditions) > 1 else conditions[0]


def count_expression(column: Count | Sum, rows: Any) -> ColumnElement[Any]:
    """A column of the daily counts (pulse.measures.DAILY_COUNTS) as an aggregate over `rows`."""
    if isinstance(column, Sum):
        value = rows[column.column]
        return func.coalesce(func.sum(value * value if column.squared else value), 0)
    if column.column is None:
        return func.count()
    answer = rows[column.column]
    if column.band is not None:
        return _count_if(band_condition(column.band, answer))
    if column.value is True:
        return _count_if(answer.is_(True))
    if column.value is not None:
        return _count_if(answer == column.value)
    return func.count(answer)


def count_expressions(rows: Any) -> dict[str, ColumnElement[Any]]:
    """Each column of daily_counts as an aggregate over `rows` (columns of feedback_rows): what pulse.measures
    defines, in SQL. The mean and sd of a measure follow from its count, sum and sum of squares
    (analysis.metrics.add_means)."""
    return {column.name: count_expression(column, rows) for column in DAILY_COUNTS}


def feedback_rows(day: ColumnElement[Any]) -> Any:
    """Customers' feedback (CUSTOMER_KINDS: never staff observations, store/observations.py) with its scores,
    its labels as corrected (store.labels), whether any was (`corrected`), and local `day`: the rows that
    count_expressions aggregate."""
    labels = CorrectedLabels()
    return (
        select(
            day.label("day"),
            *[feedback.c[name] for name in KEY_COLUMNS],
            feedback.c.nps,
            feedback.c.csat,
            feedback.c.ces,
            feedback.c.stars,
            scores.c.sentiment_score,
            labels.sentiment().label("sentiment"),
            labels.impersonal().label("impersonal"),
            labels.corrected().label("corrected"),
        )
        .select_from(labels.joined(feedback.outerjoin(scores, scores.c.feedback_id == feedback.c.id)))
        .where(feedback.c.kind.in_(CUSTOMER_KINDS))
    )


# --- the local day --------------------------------------------------------------------------------


def utc_offsets(zone: ZoneInfo, since: datetime, until: datetime) -> list[tuple[datetime, int]]:
    """The UTC offsets (in seconds) that `zone` takes from `since` to `until`: (the UTC instant it starts,
    offset), the first starting at `since`. Found day by day, each change to the second."""
    changes = [(since, _offset(zone, since))]
    moment = since
    while moment < until:
        following = min(moment + timedelta(days=1), until)
        if _offset(zone, following) != changes[-1][1]:
            changes.append((_change_between(zone, moment, following), _offset(zone, following)))
        moment = following
    return changes


def _offset(zone: ZoneInfo, moment: datetime) -> int:
    offset = moment.astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _change_between(zone: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """The first second after `before` at which `zone` has the offset it has at `after` (a bisection)."""
    target = _offset(zone, after)
    low, high = int(before.timestamp()), int(after.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if _offset(zone, datetime.fromtimestamp(middle, UTC)) == target:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def local_day_expr(dialect: str, zone: ZoneInfo, since: datetime, until: datetime) -> ColumnElement[Any]:
    """The local date of feedback.created_at in `zone`, for rows created in [since, until). PostgreSQL
    converts itself; SQLite has no time zones, so the offsets that `zone` takes in that span become a CASE
    on the stored UTC text (which sorts in time order) and date() adds them."""
    if dialect == "postgresql":
        return cast(func.timezone(zone.key, feedback.c.created_at), Date)
    offsets = utc_offsets(zone, since, until)
    modifiers = [f"{seconds:+d} seconds" for _start, seconds in offsets]
    if len(offsets) == 1:
        return func.date(feedback.c.created_at, modifiers[0])
    starts = [start for start, _seconds in offsets[1:]]  # each offset holds until the next one starts
    whens = [
        (feedback.c.created_at < start, modifier) for start, modifier in zip(starts, modifiers, strict=False)
    ]
    return func.date(feedback.c.created_at, case(*whens, else_=literal(modifiers[-1])))


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


# --- staleness and refresh ------------------------------------------------------------------------


def mark_counts_stale(connection: Connection, first: datetime, last: datetime) -> None:
    """Record, in the transaction that changes them, that the feedback created from `first` to `last` (UTC)
    changed: the daily counts of those days are recounted by the next refresh."""
    since, until = store_state.c.counts_stale_from, store_state.c.counts_stale_to
    connection.execute(
        store_state.update().values(
            counts_stale_from=case((or_(since.is_(None), since > first), first), else_=since),
            counts_stale_to=case((or_(until.is_(None), until < last), last), else_=until),
        )
    )


def mark_feedback_stale(connection: Connection, condition: ColumnElement[bool]) -> None:
    """Mark the days of the feedback rows that match `condition` (before they are changed or deleted)."""
    first, last = _feedback_span(connection, condition)
    if first is not None and last is not None:
        mark_counts_stale(connection, first, last)


_COUNTS_STATE = select(
    store_state.c.counts_timezone, store_state.c.counts_stale_from, store_state.c.counts_stale_to
)


def refresh_daily_counts(engine: Engine, timezone: str | None = None) -> bool:
    """Bring the daily counts up to date: rebuilt whole when `timezone` is not the time zone they were counted
    in, else the marked days recounted. Without `timezone`, in the recorded one (nothing when the table was
    never built). Returns whether anything was recounted; when nothing is to be, without taking the write
    lock."""
    if not counts_need_refresh(engine, timezone):
        return False
    with writing(engine) as connection:
        # PostgreSQL: one refresh at a time, after the writers before it; the state is checked again under
        # the lock, as a refresh that ran meanwhile may have done the work
        state = connection.execute(_COUNTS_STATE.with_for_update()).one()
        zone_name = _zone_to_recount(timezone, state.counts_timezone, state.counts_stale_from)
        if zone_name is None:
            return False
        rebuild = zone_name != state.counts_timezone
        if rebuild:
            connection.execute(daily_counts.delete())
        first, last = (
            _feedback_span(connection) if rebuild else (state.counts_stale_from, state.counts_stale_to)
        )
        if first is not None and last is not None:
            _recount(connection, ZoneInfo(zone_name), as_utc(first), as_utc(last))
        connection.execute(
            store_state.update().values(
                counts_timezone=zone_name, counts_stale_from=None, counts_stale_to=None
            )
        )
        bump_data_version(connection)  # pages that read the counts before this recount read them again
    return True


def counts_need_refresh(engine: Engine, timezone: str | None = None) -> bool:
    """Whether refresh_daily_counts(engine, timezone) has anything to recount."""
    with reading(engine) as connection:
        state = connection.execute(_COUNTS_STATE).one()
    return _zone_to_recount(timezone, state.counts_timezone, state.counts_stale_from) is not None


def _zone_to_recount(
    timezone: str | None, counted_in: str | None, marked_from: datetime | None
) -> str | None:
    """The rule: the time zone to recount in (`timezone`, else the one the counts were counted in), or None
    when the counts are current: counted in that time zone and no day marked (or nothing to count in)."""
    zone_name = timezone or counted_in
    if zone_name is None or (zone_name == counted_in and marked_from is None):
        return None
    return zone_name


def _feedback_span(
    connection: Connection, condition: ColumnElement[bool] | None = None
) -> tuple[datetime | None, datetime | None]:
    """The first and last created_at of the feedback that matches `condition` (all of it by default)."""
    query = select(func.min(feedback.c.created_at), func.max(feedback.c.created_at))
    first, last = connection.execute(query if condition is None else query.where(condition)).one()
    return first, last


def _recount(connection: Connection, zone: ZoneInfo, first: datetime, last: datetime) -> None:
    """Replace the counts of every local day from that of `first` to that of `last`."""
    first_day, last_day = first.astimezone(zone).date(), last.astimezone(zone).date()
    since, until = local_midnight(first_day, zone), local_midnight(last_day + timedelta(days=1), zone)
    connection.execute(daily_counts.delete().where(daily_counts.c.day.between(first_day, last_day)))
    day = local_day_expr(connection.dialect.name, zone, since, until)
    # grouped outside the subquery, so that PostgreSQL groups by the day's column, not by its expression
    rows = feedback_rows(day).where(feedback.c.created_at >= since, feedback.c.created_at < until).subquery()
    expressions = count_expressions(rows.c)
    keys = [rows.c.day, *[rows.c[name] for name in KEY_COLUMNS]]
    counted = select(*keys, *expressions.values()).group_by(*keys)
    connection.execute(daily_counts.insert().from_select(["day", *KEY_COLUMNS, *expressions], counted))


# --- reading --------------------------------------------------------------------------------------


def read_daily_counts(engine: Engine, timezone: str) -> pl.DataFrame:
    """The daily counts in `timezone`, as the writers left them (this only reads): day (local date), kind,
    source (its name), channel, location, segment, and the counts and sums (DAILY_COUNT_INTEGERS,
    DAILY_COUNT_FLOATS). A StoreError when they were counted in another time zone, or never counted although
    there is feedback: `pulse db upgrade` counts them."""
    counted = [daily_counts.c[name] for name in (*DAILY_COUNT_INTEGERS, *DAILY_COUNT_FLOATS)]
    query = select(
        daily_counts.c.day,
        daily_counts.c.kind,
        sources.c.name.label("source"),
        daily_counts.c.channel,
        daily_counts.c.location,
        daily_counts.c.segment,
        *counted,
    ).select_from(daily_counts.join(sources, sources.c.id == daily_counts.c.source_id))
    with reading(engine) as connection:
        check_counted_in(connection, timezone)
        return read_frame(connection, query, schema=DAILY_COUNTS_SCHEMA)


def check_counted_in(connection: Connection, timezone: str) -> None:
    """A StoreError unless the daily counts are counted in `timezone` (or there is nothing to count)."""
    counted_in = connection.execute(select(store_state.c.counts_timezone)).scalar()
    if counted_in == timezone:
        return
    if counted_in is None and connection.execute(select(feedback.c.id).limit(1)).first() is None:
        return
    if counted_in is None:
        message = f"The feedback is not counted per day yet (in {timezone}, PULSE_TIMEZONE)."
    else:
        message = f"The feedback is counted per day in {counted_in}, not in {timezone} (PULSE_TIMEZONE)."
    raise StoreError(
        message, hint=f"Run `pulse db upgrade`, which counts the days in {timezone}, then try again."
    )


def daily_counts_ready(engine: Engine, timezone: str) -> None:
    """check_counted_in, on its own connection: for the dashboard's start."""
    with reading(engine) as connection:
        check_counted_in(connection, timezone)
