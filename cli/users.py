"""`pulse users add | email | remove | list`: accounts for the dashboard's sign-in, and `pulse forget`."""

from __future__ import annotations

import sys

import click

from cli.context import Context, judge_rollouts, with_context
from cli.printing import print_error
from pulse.errors import InputError


@click.command()
@click.option(
    "--email", "--author", "author", required=True, help="The person's exact email address, name or id."
)
@click.option("--yes", is_flag=True, help="Do not ask before deleting.")
@with_context
def forget(context: Context, author: str, yes: bool) -> None:
    """Delete a person's feedback and everything derived from it (scores, themes, embeddings, rejected rows), their orders,
    their contact details, and the dashboard's uploads left in the temporary folder. Says what it will delete first."""
    from analysis.pipeline import embedded_pieces
    from pulse.uploads import clear_uploads
    from store.forget import count_author, forget_author

    engine = context.engine
    found = count_author(engine, author, embedded_pieces)  # refuses "anonymous", "n/a", "-"...
    click.echo(f"Stored under {author.strip()!r} exactly: {found.describe()}.")
    if found.nothing:
        click.echo("No feedback was stored under that author; check the spelling, or try the name they used.")
    if not yes:
        click.confirm(
            "Delete them, and any dashboard upload left in the temporary folder?"
            if not found.nothing
            else "Delete any dashboard upload left in the temporary folder?",
            abort=True,
        )
    forgotten = forget_author(engine, author, embedded_pieces)
    judge_rollouts(engine)
    uploads = clear_uploads()
    click.echo(f"Deleted {forgotten.describe()}, and {uploads} dashboard uploads.")


@click.group()
def users() -> None:
    """Accounts for the dashboard's sign-in (when PULSE_ANONYMOUS_ACCESS is off)."""


ROLES = (
    "staff",
    "viewer",
    "editor",
    "admin",
)  # store.users.ROLES, weakest first (not imported: no sqlalchemy here)


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True)
@click.option("--email", metavar="ADDRESS", help="Where case notifications reach them (optional).")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of standard input."
)
@with_context
def users_add(context: Context, username: str, role: str, email: str | None, password_stdin: bool) -> None:
    """Create an account; staff can only add observations on the dashboard, viewers see, editors also tag
    rollouts, rename themes and upload, admins also manage sources, users and deletions. The password is asked
    for at a hidden prompt (or read with --password-stdin), never given as an option, where `ps` and the shell's
    history would show it."""
    from pulse.credentials import check_email, check_username
    from store.users import add_user
    from store.workspaces import DEFAULT_WORKSPACE

    if context.workspace != DEFAULT_WORKSPACE:
        raise InputError(
            f"Accounts live in the default workspace, not in {context.workspace!r}.",
            hint=f"Add the account there (`pulse users add {username}`), then give it a role here with "
            f"`pulse workspaces grant {context.workspace} {username} {role}`.",
        )
    engine = context.engine
    username = check_username(username)
    address = None if email is None else check_email(email)  # refused before the password is asked for
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else _ask_new_password(username)
    add_user(engine, username, password, role, email=address)
    click.echo(f"Added {username} ({role}" + (f", {address})." if address else ")."))


def _ask_new_password(username: str) -> str:
    """A password typed at a hidden prompt, asked again until it is strong enough, then typed a second time."""
    from pulse.credentials import check_password

    while True:
        password = click.prompt("Password", hide_input=True, err=True)
        try:
            check_password(password, username)
        except InputError as error:
            print_error(error)
            continue
        if click.prompt("Repeat the password", hide_input=True, err=True) == password:
            return str(password)
        click.secho("Error: the two passwords differ.", fg="red", err=True)


@users.command("email")
@click.argument("username")
@click.argument("address", required=False)
@click.option("--remove", is_flag=True, help="Remove the user's address: no case notifications by email.")
@with_context
def users_email(context: Context, username: str, address: str | None, remove: bool) -> None:
    """Set or change the email address where case notifications reach USERNAME (or --remove it)."""
    from pulse.credentials import check_email
    from store.users import set_user_email

    if (address is None) == (not remove):
        raise InputError(
            "Give either the new address or --remove.",
            hint="For example `pulse users email ann ann@example.com`, or `pulse users email ann --remove`.",
        )
    checked = None if address is None else check_email(address)
    if not set_user_email(context.engine, username, checked):
        raise InputError(f"There is no user {username!r}.", hint="See `pulse users list`.")
    click.echo(f"{username}: email {checked}." if checked else f"{username}: no email address now.")


@users.command("remove")
@click.argument("username")
@with_context
def users_remove(context: Context, username: str) -> None:
    """Delete an account."""
    from store.users import remove_user

    if not remove_user(context.engine, username):
        raise InputError(f"There is no user {username!r}.", hint="See `pulse users list`.")
    click.echo(f"Removed {username}.")


@users.command("list")
@with_context
def users_list(context: Context) -> None:
    """Every account with its role, last sign-in and email address (never a password)."""
    from store.users import read_users

    accounts = read_users(context.engine)
    if accounts.is_empty():
        click.echo("No users yet: add one with `pulse users add NAME --role admin`.")
    for row in accounts.iter_rows(named=True):
        last = row["last_sign_in_at"] or "never"
        locked = f" (locked until {row['locked_until']})" if row["locked_until"] else ""
        email = f"email: {row['email']}" if row["email"] else "no email"
        click.echo(f"{row['username']}\t{row['role']}\tlast sign-in: {last}{locked}\t{email}")
