"""`pulse collect`: run the configured live sources (App Store, Google Places, Reddit)."""

from __future__ import annotations

import sys

import click

from cli.context import Context, with_context
from cli.printing import print_error


@click.command()
@click.argument("names", nargs=-1)
@with_context
def collect(context: Context, names: tuple[str, ...]) -> None:
    """Run the configured live sources (App Store, Google Places, Reddit), or only those NAMES.

    A name matches a source by its start, case-insensitively: `pulse collect reddit app-store`.
    Exits with status 1 when any source failed; what the others fetched is kept.
    """
    from jobs.steps import collect_sources

    items_read: dict[str, int] = {}

    def show_progress(name: str, count: int) -> None:
        items_read[name] = items_read.get(name, 0) + count
        click.echo(f"\r{name}: {items_read[name]:,} items read", nl=False, err=True)

    outcomes = collect_sources(context.engine, context.settings, list(names) or None, show_progress)
    click.echo("", err=True)
    for outcome in outcomes:
        if outcome.result is not None:
            counts = ", ".join(f"{value} {key}" for key, value in outcome.result.as_dict().items())
            click.echo(f"{outcome.name}: {counts} ({outcome.seconds:.1f} s)")
        elif outcome.error is not None:
            print_error(outcome.error, f"{outcome.name} failed")
    if any(outcome.error is not None for outcome in outcomes):
        sys.exit(1)
