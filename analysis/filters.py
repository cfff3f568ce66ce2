"""The dashboard's shared filters (a date range, a source, a channel, a location) and the one function that
applies them to a frame.

`apply_filters` works on any frame with a date column (local dates, or UTC timestamps that are turned into local
dates in the business's time zone) and the columns of the filters that are set: the row-level feedback that the
dashboard reads today, or pre-aggregated daily counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import polars as pl

FILTER_COLUMNS = ("source", "channel", "location")


@dataclass(frozen=True)
class Filters:
    """What the dashboard shows: local days from `since` to `until` (both included; None: open), and one
    source, channel or location (None: all of them)."""

    since: date | None = None
    until: date | None = None
    source: str | None = None
    channel: str | None = None
    location: str | None = None

    @property
    def columns(self) -> dict[str, str]:
        """The column filters that are set: {"channel": "online"}."""
        chosen = {"source": self.source, "channel": self.channel, "location": self.location}
        return {name: value for name, value in chosen.items() if value is not None}

    def dates_only(self) -> Filters:
        return Filters(since=self.since, until=self.until)


@dataclass(frozen=True)
class FilterOptions:
    """What there is to filter on: the first and last local day with feedback, and the sources, channels and
    locations, sorted."""

    first_day: date | None = None
    last_day: date | None = None
    sources: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self.first_day is None


def read_filter_options(
    frame: pl.DataFrame, timezone: str = "UTC", date_column: str = "created_at"
) -> FilterOptions:
    """The filter options of a frame like those apply_filters takes."""
    if frame.is_empty():
        return FilterOptions()
    days = frame.select(local_date_expr(date_column, frame.schema[date_column], timezone))[date_column]
    values = [_values(frame, column) for column in FILTER_COLUMNS]
    return FilterOptions(days.min(), days.max(), *values)  # type: ignore[arg-type]


def _values(frame: pl.DataFrame, column: str) -> tuple[str, ...]:
    """The distinct values of a column, sorted; none when the frame has no such column."""
    return tuple(sorted(frame[column].drop_nulls().unique().to_list())) if column in frame.columns else ()


def local_date_expr(column: str, dtype: pl.DataType, timezone: str) -> pl.Expr:
    """The local calendar date of a Date column (as it is) or a Datetime column (naive ones are UTC)."""
    if dtype == pl.Date:
        return pl.col(column)
    stamps = pl.col(column)
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
        stamps = stamps.dt.replace_time_zone("UTC")
    return stamps.dt.convert_time_zone(timezone).dt.date()


def apply_filters(
    frame: pl.DataFrame, filters: Filters, timezone: str = "UTC", date_column: str = "created_at"
) -> pl.DataFrame:
    """The rows of `frame` that `filters` keep. `date_column` holds local dates or timestamps (see
    local_date_expr); the source, channel and location columns are needed only when their filter is set."""
    missing = [name for name in filters.columns if name not in frame.columns]
    if missing:
        raise ValueError(f"cannot filter on {missing}: the frame has no such columns")
    conditions = [pl.col(name) == value for name, value in filters.columns.items()]
    if filters.since is not None or filters.until is not None:
        day = local_date_expr(date_column, frame.schema[date_column], timezone)
        if filters.since is not None:
            conditions.append(day >= filters.since)
        if filters.until is not None:
            conditions.append(day <= filters.until)
    return frame.filter(*conditions) if conditions else frame


def rollouts_in_dates(rollouts: pl.DataFrame, filters: Filters) -> pl.DataFrame:
    """The rollouts that start inside the filters' days (the other filters do not apply to rollouts)."""
    return apply_filters(rollouts, filters.dates_only(), date_column="started_on")


def utc_bounds(filters: Filters, timezone: str) -> tuple[datetime | None, datetime | None]:
    """The date range as [start, end) instants in the business's time zone, for queries on created_at."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(filters.since, time(0), tzinfo=zone) if filters.since else None
    end = datetime.combine(filters.until + timedelta(days=1), time(0), tzinfo=zone) if filters.until else None
    return start, end
