"""`pulse hooks`: the receiver of survey responses as they are submitted (Typeform, Tally and Google Forms
webhooks: hooks/), and the deliveries it answered."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from cli.context import Context, with_context
from cli.printing import json_default

if TYPE_CHECKING:
    from pulse.settings import Settings
    from store.engine import Engine


@click.group()
def hooks() -> None:
    """Receive survey responses as they are submitted: Typeform, Tally and Google Forms webhooks."""


@hooks.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; keep 127.0.0.1 behind a reverse proxy that serves HTTPS.",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Port to listen on (default: PULSE_HOOKS_PORT, 8502).",
)
@with_context
def serve_hooks(context: Context, host: str, port: int | None) -> None:
    """Take survey responses from Typeform, Tally and Google Forms (POST /hooks/typeform, /hooks/tally,
    /hooks/google-forms), each signed with its secret, into the store as they are submitted. Run it beside
    the dashboard (`pulse serve`), behind HTTPS."""
    import uvicorn

    from hooks.app import VENDORS, build_app

    engine = context.engine  # fail here, with a hint, rather than on the first delivery
    settings = context.settings
    port = port or settings.hooks_port
    app = build_app(
        engine,
        settings,
        on_stored=lambda store, ids: make_cases_now(store, settings, ids),
        workspace_engine=_workspace_engines(settings),
    )
    click.echo(f"Pulse takes survey responses on http://{host}:{port} (workspace {context.workspace}):")
    for vendor in VENDORS:
        state = "on" if vendor.secret(settings) else f"refused until {vendor.variable} is set"
        click.echo(f"  {vendor.label:<13} POST {vendor.path}  ({state})")
    click.echo(
        "and into any other workspace at POST /w/WORKSPACE/hooks/... (for example /w/bakery/hooks/tally)."
    )
    uvicorn.run(app, host=host, port=port, server_header=False, log_level="info")


def _workspace_engines(settings: Settings) -> Callable[[str], Engine]:
    """Each workspace's engine, built at its first delivery and kept (one pool per workspace, sized by
    PULSE_DB_POOL_SIZE and PULSE_DB_MAX_OVERFLOW)."""
    from store.engine import pool_options
    from store.workspaces import workspace_engine

    @functools.cache
    def engine_of(workspace: str) -> Engine:
        return workspace_engine(settings.database_url, workspace, create=False, **pool_options(settings))

    return engine_of


def make_cases_now(engine: Engine, settings: Settings, feedback_ids: list[int]) -> None:
    """What `pulse hooks serve` does with the feedback that a delivery has just stored (called once the vendor
    has its answer): the follow-up cases of that feedback are opened here, at once, and notified. The impersonal
    rule needs the feedback scored, so its cases wait for the next `pulse analyze`."""
    from analysis.cases_pipeline import open_cases

    made = open_cases(engine, settings, feedback_ids=feedback_ids).made
    click.echo(
        f"Stored feedback {', '.join(f'#{number}' for number in feedback_ids)}; "
        f"{made.count} follow-up case{'' if made.count == 1 else 's'} opened.",
        err=True,
    )


@hooks.command("deliveries")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="How many.")
@click.option("--json", "as_json", is_flag=True, help="Print them as JSON.")
@with_context
def deliveries(context: Context, limit: int, as_json: bool) -> None:
    """The latest requests that `pulse hooks serve` answered, newest first: vendor, status and outcome."""
    from store.webhooks import read_deliveries

    rows = read_deliveries(context.engine, limit).drop("body_sha256").to_dicts()
    if as_json:
        click.echo(json.dumps(rows, default=json_default, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("No deliveries yet: `pulse hooks serve` records every request it answers.")
        return
    for row in rows:
        stored = f" feedback #{row['feedback_id']}" if row["feedback_id"] is not None else ""
        click.echo(
            f"{row['received_at']:%Y-%m-%d %H:%M:%S} {row['vendor']:<12} {row['status_code']} "
            f"{row['outcome']:<14} {row['event_id'] or '-'}{stored}"
        )
        if row["message"]:
            click.echo(f"    {row['message']}")
