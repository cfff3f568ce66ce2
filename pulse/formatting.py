"""Numbers formatted for people: NPS as +23, CSAT as 87%, changes with their sign, weeks as 16–22 Nov 2026.
Shared by the dashboard and the weekly digest."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import TypeGuard


def _known(value: float | None) -> TypeGuard[float]:
    return value is not None and not math.isnan(value)


def format_nps(value: float | None) -> str:
    return f"{value:+.0f}" if _known(value) else "–"


def format_share(value: float | None) -> str:
    return f"{100 * value:.0f}%" if _known(value) else "–"


def format_points(change: float | None, unit: str = "pts") -> str | None:
    """A change in points, e.g. '+3 pts'; None when it cannot be computed (st.metric then shows no delta)."""
    return f"{change:+.0f} {unit}" if _known(change) else None


def format_week(week_start: date) -> str:
    """'16–22 Nov 2026' for the week starting on Monday 16 November 2026."""
    week_end = week_start + timedelta(days=6)
    if week_start.month == week_end.month:
        return f"{week_start.day}–{week_end.day} {week_end:%b %Y}"
    if week_start.year == week_end.year:
        return f"{week_start.day} {week_start:%b} – {week_end.day} {week_end:%b %Y}"
    return f"{week_start.day} {week_start:%b %Y} – {week_end.day} {week_end:%b %Y}"
