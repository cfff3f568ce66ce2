"""The `pulse` command line. Each subcommand has --help; errors print a message and a hint, and exit 1."""

from __future__ import annotations

from typing import Any

import click

from cli.cases import cases
from cli.clv import clv
from cli.collect import collect
from cli.contacts import contacts
from cli.context import Context
from cli.corrections import corrections
from cli.db import backup, db, restore
from cli.figures import digest, impact, metrics
from cli.hooks import hooks
from cli.imports import import_file
from cli.jobs import jobs, worker
from cli.pipeline import analyze, demo, score, serve
from cli.printing import print_error
from cli.rollouts import rollouts
from cli.themes import export, themes
from cli.users import forget, users
from cli.workspaces import workspaces
from pulse.errors import PulseError


class PulseGroup(click.Group):
    """The CLI's one error edge: a PulseError becomes its message and hint on stderr, and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PulseError as error:
            print_error(error)
            ctx.exit(1)


@click.group(cls=PulseGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pulse")
@click.option(
    "--workspace",
    metavar="NAME",
    help="Work in this workspace (one business, or one client of an agency); default: PULSE_WORKSPACE, "
    "else `default`. `pulse workspaces list` shows them.",
)
@click.pass_context
def main(ctx: click.Context, workspace: str | None) -> None:
    """Pulse: is automation making your business feel impersonal? Feedback and its trends, week by week."""
    context = ctx.ensure_object(Context)  # the settings and the engine, built once when a command needs them
    context.workspace_option = workspace


for command in (
    db,
    backup,
    restore,
    forget,
    users,
    contacts,
    demo,
    analyze,
    score,
    serve,
    metrics,
    impact,
    digest,
    clv,
    rollouts,
    import_file,
    collect,
    themes,
    export,
    corrections,
    hooks,
    cases,
    workspaces,
    worker,
    jobs,
):
    main.add_command(command)
