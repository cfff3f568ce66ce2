"""What the commands print beyond a sentence: errors with their hint, tables, a column mapping, progress."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from pulse.errors import PulseError


def print_error(error: PulseError, what: str = "Error") -> None:
    click.secho(f"{what}: {error.message}", fg="red", err=True)
    if error.hint:
        click.echo(f"Hint: {error.hint}", err=True)


def json_default(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def progress_to(bar: Any, done: int, total: int) -> None:
    """Move a click progress bar to `done` of `total` (a total that is known only once the work starts)."""
    bar.length = max(total, 1)
    bar.update(done - bar.pos)


def print_mapping(heading: str, mapping: dict[str, str], notes: list[str]) -> None:
    click.echo(heading)
    for field_name, column in mapping.items():
        click.echo(f"  {field_name:<12} <- {column}")
    for note in notes:
        click.echo(f"  * {note}")


def print_metrics(rows: list[dict[str, Any]], group_by: tuple[str, ...], min_responses: int) -> None:
    """The `pulse metrics` table: one line per period (and group), each figure with its 95% interval."""

    def interval(
        value: float | None, low: float | None, high: float | None, scale: float, digits: int
    ) -> str:
        if value is None or low is None or high is None:
            return "-"
        return f"{value * scale:.{digits}f} ({low * scale:.{digits}f} to {high * scale:.{digits}f})"

    with_ces = any(row["ces_n"] for row in rows)
    header = [
        *group_by,
        "period",
        "n",
        "NPS (95% CI)",
        "CSAT % (95% CI)",
        *(["CES mean, % 5-7"] if with_ces else []),
        "stars",
        "sentiment",
        "impersonal/100",
    ]
    lines = [header]
    for row in rows:
        ces = "-" if row["ces_mean"] is None else f"{row['ces_mean']:.2f}, {100 * row['ces_share']:.0f}%"
        lines.append(
            [
                *("-" if row[name] is None else str(row[name]) for name in group_by),
                row["period"],
                str(row["n"]),
                interval(row["nps"], row["nps_low"], row["nps_high"], 1, 0)
                + (f" thin, {row['nps_n']} answers" if row["thin"] and row["nps_n"] else ""),
                interval(row["csat"], row["csat_low"], row["csat_high"], 100, 0),
                *([ces] if with_ces else []),
                "-" if row["stars_mean"] is None else f"{row['stars_mean']:.2f}",
                "-" if row["sentiment_mean"] is None else f"{row['sentiment_mean']:+.2f}",
                "-" if row["impersonal_per_100"] is None else f"{row['impersonal_per_100']:.1f}",
            ]
        )
    widths = [max(len(line[column]) for line in lines) for column in range(len(header))]
    for line in lines:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
    if any(row["thin"] and row["nps_n"] for row in rows):
        click.echo(f"thin: fewer than {min_responses} NPS answers (PULSE_MIN_RESPONSES); read with care.")
