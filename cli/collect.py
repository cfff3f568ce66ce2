"""`pulse collect`: run the configured live sources (App Store, Google Places, Reddit)."""

from __future__ import annotations

import sys
from typing import Any

import click

from cli.context import Context, with_context
from cli.printing import print_error
from pulse.errors import ConfigError, InputError


@click.command()
@click.argument("names", nargs=-1)
@with_context
def collect(context: Context, names: tuple[str, ...]) -> None:
    """Run the configured live sources (App Store, Google Places, Reddit), or only those NAMES.

    A name matches a source by its start, case-insensitively: `pulse collect reddit app-store`.
    Exits with status 1 when any source failed; what the others fetched is kept.
    """
    from collectors.configured import configured_collectors, run_collectors

    settings = context.settings
    engine = context.engine
    available = configured_collectors(settings)
    if not available:
        raise ConfigError(
            "No live source is configured.",
            hint="Set PULSE_APP_STORE_APP_ID, PULSE_GOOGLE_PLACES_API_KEY with PULSE_GOOGLE_PLACES_PLACE_ID, or "
            "Reddit credentials (see the README's Sources section).",
        )
    chosen = _choose_sources(available, names)
    items_read: dict[str, int] = {}

    def show_progress(name: str, count: int) -> None:
        items_read[name] = items_read.get(name, 0) + count
        click.echo(f"\r{name}: {items_read[name]:,} items read", nl=False, err=True)

    outcomes = run_collectors(engine, chosen, show_progress)
    click.echo("", err=True)
    for outcome in outcomes:
        if outcome.result is not None:
            counts = ", ".join(f"{value} {key}" for key, value in outcome.result.as_dict().items())
            click.echo(f"{outcome.name}: {counts} ({outcome.seconds:.1f} s)")
        elif outcome.error is not None:
            print_error(outcome.error, f"{outcome.name} failed")
    if any(outcome.error is not None for outcome in outcomes):
        sys.exit(1)


def _choose_sources(available: dict[str, Any], names: tuple[str, ...]) -> list[Any]:
    if not names:
        return list(available.values())
    chosen = []
    for name in names:
        matches = [source for key, source in available.items() if key.lower().startswith(name.lower())]
        if not matches:
            raise InputError(
                f"No configured source is called {name!r}.",
                hint=f"Configured sources: {', '.join(available)}.",
            )
        chosen += [source for source in matches if source not in chosen]
    return chosen
