"""Numbers formatted for people: NPS as +23, CSAT as 87%, changes with their sign, counts with their noun (1 item,
2 items), days as 6 Oct 2025, weeks as 16–22 Nov 2026, moments in the business's time zone as 8 Oct 2026, 14:05
(a date-only answer as 8 Oct 2026), a comment not scored yet as "not scored yet". Shared by the dashboard, the reports and the weekly digest."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeGuard
from zoneinfo import ZoneInfo

import polars as pl

NOT_SCORED = (
    "not scored yet"  # a comment imported since the last scoring (`pulse analyze`, or after an upload)
)


EMPTY = "–"  # an empty value, wherever one is shown


def _known(value: float | None) -> TypeGuard[float]:
    return value is not None and not math.isnan(value)


def format_nps(value: float | None) -> str:
    return f"{value:+.0f}" if _known(value) else EMPTY


def format_share(value: float | None) -> str:
    return f"{100 * value:.0f}%" if _known(value) else EMPTY


def format_amount(value: float | None) -> str:
    """Money in the orders' own currency, without a symbol (the store does not know it): '1,234' from 100 on,
    '12.40' below."""
    if not _known(value):
        return EMPTY
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def format_points(change: float | None, unit: str = "pts") -> str | None:
    """A change in points, e.g. '+3 pts'; None when it cannot be computed (st.metric then shows no delta)."""
    return f"{change:+.0f} {unit}" if _known(change) else None


def plural(count: float, noun: str, nouns: str | None = None) -> str:
    """'1 item', '2 items', '1,250 items' ('1 reply', '2 replies' with `nouns`): a count with its noun, in the
    singular for exactly one. A count that is not whole is shown as it comes ('0.5 answers')."""
    number = f"{count:,}" if count != int(count) else f"{int(count):,}"
    return f"{number} {noun if count == 1 else nouns or noun + 's'}"


def kind_words(kind: str) -> str:
    """A rollout's kind as people say it: 'Automated email' for automated_email."""
    return kind.replace("_", " ").capitalize()


def format_day(day: date) -> str:
    """'6 Oct 2025'."""
    return f"{day.day} {day:%b %Y}"


def format_week(week_start: date) -> str:
    """'16–22 Nov 2026' for the week starting on Monday 16 November 2026."""
    week_end = week_start + timedelta(days=6)
    if week_start.month == week_end.month:
        return f"{week_start.day}–{week_end.day} {week_end:%b %Y}"
    if week_start.year == week_end.year:
        return f"{week_start.day} {week_start:%b} – {week_end.day} {week_end:%b %Y}"
    return f"{week_start.day} {week_start:%b %Y} – {week_end.day} {week_end:%b %Y}"


def format_weeks(first: date, last: date) -> str:
    """'26 Oct – 22 Nov 2026' for the weeks starting on Mondays `first` to `last` (one week: format_week)."""
    if first == last:
        return format_week(first)
    end = last + timedelta(days=6)
    start = f"{first.day} {first:%b}" if first.year == end.year else format_day(first)
    return f"{start} – {format_day(end)}"


def local_moment(moment: datetime, timezone: str) -> datetime:
    """`moment` in the business's time zone (`timezone`, settings.timezone); a naive one is taken as UTC, as
    the store keeps every time in UTC."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(timezone))


def format_moment(moment: datetime | None, timezone: str, sortable: bool = False) -> str:
    """When something was written, in the business's time zone: '8 Oct 2026, 14:05' ('2026-10-08 14:05' when
    `sortable`, for a table column). A time that is exactly local midnight (00:00:00.000000) is how a
    date-only answer is stored, so it is shown as the date alone: '8 Oct 2026' ('2026-10-08'). '' for None."""
    if moment is None:
        return ""
    local = local_moment(moment, timezone)
    day = f"{local:%Y-%m-%d}" if sortable else f"{local.day} {local:%b %Y}"
    if local.time() == time(0):
        return day
    return f"{day} {local:%H:%M}" if sortable else f"{day}, {local:%H:%M}"


def corrected_note(count: int | None) -> str | None:
    """The sentence that says a figure includes labels set by a person (None when it includes none)."""
    if not count:
        return None
    return (
        f"Includes {plural(count, 'comment')} whose label your team corrected: their corrected labels count, "
        "not the scorer's."
    )


def sentiment_shown_expr(sentiment: str = "sentiment", text: str = "text") -> pl.Expr:
    """The sentiment column as shown: the label; NOT_SCORED for a comment without one yet; 'no comment' for an
    answer without one (there is nothing to score)."""
    no_comment = pl.col(text).fill_null("").str.strip_chars() == ""
    return (
        pl.when(pl.col(sentiment).is_not_null())
        .then(pl.col(sentiment))
        .when(no_comment)
        .then(pl.lit("no comment"))
        .otherwise(pl.lit(NOT_SCORED))
        .alias(sentiment)
    )
