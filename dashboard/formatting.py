"""The dashboard's own wording (numbers for people are in pulse.formatting, shared with the weekly digest)."""

from __future__ import annotations

from analysis.filters import Filters
from pulse.formatting import format_day
from pulse.plain_text import markdown_literal


def format_counts(counts: dict[str, int | None] | None) -> str:
    """'new 12, duplicate 3' from a run's counts, leaving out the empty ones."""
    return ", ".join(f"{name} {value:,}" for name, value in (counts or {}).items() if value)


def describe_filters(filters: Filters) -> str:
    """'online · 2 Mar 2026 – 31 May 2026' for the filters that are set; '' when none is. Markdown for a
    caption: the source, channel and location as typed in the data (a file's name, a column's values)."""
    parts = [markdown_literal(value) for value in filters.columns.values()]
    if filters.since and filters.until:
        parts.append(f"{format_day(filters.since)} – {format_day(filters.until)}")
    elif filters.since:
        parts.append(f"from {format_day(filters.since)}")
    elif filters.until:
        parts.append(f"until {format_day(filters.until)}")
    return " · ".join(parts)
