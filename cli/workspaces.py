"""`pulse workspaces`: one workspace per business (or per client of an agency), each with a store of its own;
accounts sign in against the default workspace and have a role per workspace."""

from __future__ import annotations

import click

from cli.context import Context, with_context
from cli.users import ROLES
from pulse.errors import InputError


@click.group()
def workspaces() -> None:
    """Workspaces: a store per business or client (`pulse --workspace NAME COMMAND` works in one)."""


@workspaces.command("list")
@with_context
def workspaces_list(context: Context) -> None:
    """Every workspace, with how much feedback it holds."""
    from store.feedback import count_feedback
    from store.workspaces import list_workspaces, workspace_engine

    for name in list_workspaces(context.settings.database_url):
        engine = workspace_engine(context.settings.database_url, name)
        try:
            click.echo(f"{name}\t{count_feedback(engine)} feedback items")
        finally:
            engine.dispose()


@workspaces.command("add")
@click.argument("name")
@with_context
def workspaces_add(context: Context, name: str) -> None:
    """Make a workspace NAME with an empty store (a PostgreSQL schema, or a SQLite file beside the store)."""
    from store.daily_counts import refresh_daily_counts
    from store.workspaces import check_slug, create_workspace

    engine = create_workspace(context.settings.database_url, check_slug(name))
    try:
        refresh_daily_counts(engine, context.settings.timezone)  # as `pulse db upgrade` leaves a new store
    finally:
        engine.dispose()
    click.echo(
        f"Made the workspace {name}. Fill it with `pulse --workspace {name} import FILE`, and give people a "
        f"role in it with `pulse workspaces grant {name} USER ROLE`."
    )


@workspaces.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask before deleting.")
@with_context
def workspaces_remove(context: Context, name: str, yes: bool) -> None:
    """Delete the workspace NAME and everything in it (its feedback, orders, cases, members)."""
    from store.workspaces import check_slug, remove_workspace

    check_slug(name)
    if not yes:
        click.confirm(f"Delete the workspace {name} and everything in it?", abort=True)
    remove_workspace(context.settings.database_url, name)
    click.echo(f"Removed the workspace {name}.")


@workspaces.command("grant")
@click.argument("name")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
@with_context
def workspaces_grant(context: Context, name: str, username: str, role: str) -> None:
    """Give USERNAME (an account of the default workspace, or an OpenID Connect user's email) ROLE in the
    workspace NAME, or change their role there."""
    from store.users import account, grant_role, user_email
    from store.workspaces import workspace_engine

    url = context.settings.database_url
    home = workspace_engine(url)
    engine = workspace_engine(url, name)
    try:
        if "@" not in username and account(home, username) is None:
            raise InputError(
                f"There is no account {username!r} in the default workspace.",
                hint=f"Add it first with `pulse users add {username}`.",
            )
        new = grant_role(engine, username, role, email=user_email(home, username))
    finally:
        home.dispose()
        engine.dispose()
    click.echo(f"{username} is {'now' if new else 'from now on'} {role} in {name}.")


@workspaces.command("revoke")
@click.argument("name")
@click.argument("username")
@with_context
def workspaces_revoke(context: Context, name: str, username: str) -> None:
    """Take away USERNAME's role in the workspace NAME (their account stays)."""
    from store.users import remove_user
    from store.workspaces import workspace_engine

    engine = workspace_engine(context.settings.database_url, name)
    try:
        removed = remove_user(engine, username)
    finally:
        engine.dispose()
    if not removed:
        raise InputError(
            f"{username!r} has no role in {name}.", hint=f"See `pulse --workspace {name} users list`."
        )
    click.echo(f"{username} has no role in {name} any more.")
