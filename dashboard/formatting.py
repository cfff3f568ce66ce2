"""Numbers formatted for people (pulse.formatting, shared with the weekly digest), and the dashboard's own."""

from __future__ import annotations

from pulse.formatting import format_nps, format_points, format_share, format_week

__all__ = ["format_counts", "format_nps", "format_points", "format_share", "format_week"]


def format_counts(counts: dict[str, int | None] | None) -> str:
    """'new 12, duplicate 3' from a run's counts, leaving out the empty ones."""
    return ", ".join(f"{name} {value:,}" for name, value in (counts or {}).items() if value)
