"""Numbers formatted for people: NPS as +23, CSAT as 87%, changes with their sign."""

from __future__ import annotations

import math
from datetime import date, timedelta

from analysis.filters import Filters


def _missing(value: float | None) -> bool:
    return value is None or math.isnan(value)


def format_nps(value: float | None) -> str:
    return "–" if _missing(value) else f"{value:+.0f}"


def format_share(value: float | None) -> str:
    return "–" if _missing(value) else f"{100 * value:.0f}%"


def format_points(change: float | None, unit: str = "pts") -> str | None:
    """A change in points, e.g. '+3 pts'; None when it cannot be computed (st.metric then shows no delta)."""
    return None if _missing(change) else f"{change:+.0f} {unit}"


def format_week(week_start: date) -> str:
    """'16–22 Nov 2026' for the week starting on Monday 16 November 2026."""
    week_end = week_start + timedelta(days=6)
    if week_start.month == week_end.month:
        return f"{week_start.day}–{week_end.day} {week_end:%b %Y}"
    if week_start.year == week_end.year:
        return f"{week_start.day} {week_start:%b} – {week_end.day} {week_end:%b %Y}"
    return f"{week_start.day} {week_start:%b %Y} – {week_end.day} {week_end:%b %Y}"


def format_counts(counts: dict[str, int | None] | None) -> str:
    """'new 12, duplicate 3' from a run's counts, leaving out the empty ones."""
    return ", ".join(f"{name} {value:,}" for name, value in (counts or {}).items() if value)


def format_day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def describe_filters(filters: Filters) -> str:
    """'online · 2 Mar 2026 – 31 May 2026' for the filters that are set; '' when none is."""
    parts = list(filters.columns.values())
    if filters.since and filters.until:
        parts.append(f"{format_day(filters.since)} – {format_day(filters.until)}")
    elif filters.since:
        parts.append(f"from {format_day(filters.since)}")
    elif filters.until:
        parts.append(f"until {format_day(filters.until)}")
    return " · ".join(parts)
