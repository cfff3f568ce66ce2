"""`pulse rollouts add | list | edit | delete | history | import | export`: the automation rollouts on the
timeline; each change is audited with who made it, and the rollouts are judged again after it."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any

import click

from cli.context import Context, judge_rollouts, with_context
from cli.printing import json_default
from pulse.errors import InputError


@click.group()
def rollouts() -> None:
    """The automation rollouts on the timeline: add, list, edit, delete, import, export."""


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


@rollouts.command("add")
@click.option("--name", required=True, help="Short name, e.g. 'Support chatbot'.")
@click.option(
    "--kind", required=True, help="chatbot, automated_email, online_ordering, kiosk, loyalty_app or other."
)
@click.option("--start", "started_on", required=True, type=click.DateTime(["%Y-%m-%d"]), help="YYYY-MM-DD.")
@click.option("--end", "ended_on", type=click.DateTime(["%Y-%m-%d"]), help="YYYY-MM-DD, if it was stopped.")
@click.option("--channel", help="The touchpoint it affects: in-store, online, all...")
@click.option("--description", default="", help="What changed for customers.")
@click.option("--by", default=None, help="Who is tagging it (default: your user name).")
@with_context
def rollouts_add(
    context: Context,
    name: str,
    kind: str,
    started_on: Any,
    ended_on: Any,
    channel: str | None,
    description: str,
    by: str | None,
) -> None:
    """Tag an automation rollout on the timeline."""
    from store.rollouts import Rollout, add_rollout

    rollout = Rollout(
        name=name,
        kind=kind,
        started_on=started_on.date(),
        ended_on=ended_on.date() if ended_on else None,
        channel=channel,
        description=description,
    )
    engine = context.engine
    rollout_id = add_rollout(engine, rollout, by=by or _who())
    judge_rollouts(engine)
    click.echo(f"Added rollout {rollout_id}: {name} ({kind}) from {rollout.started_on}.")


@rollouts.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@with_context
def rollouts_list(context: Context, as_json: bool) -> None:
    """List the rollouts, oldest first."""
    from store.rollouts import read_rollouts

    frame = read_rollouts(context.engine)
    if as_json:
        click.echo(json.dumps(frame.to_dicts(), default=json_default, indent=2))
        return
    if frame.is_empty():
        click.echo("No rollouts yet. Add one with `pulse rollouts add --help`.")
        return
    for row in frame.iter_rows(named=True):
        until = f" to {row['ended_on']}" if row["ended_on"] else ""
        click.echo(
            f"{row['id']:>3}  {row['started_on']}{until}  {row['name']} [{row['kind']}, "
            f"{row['channel'] or 'all'}]  tagged by {row['created_by']}"
        )


@rollouts.command("edit")
@click.argument("rollout_id", metavar="ID", type=int)
@click.option("--name", help="New name.")
@click.option("--kind", help="chatbot, automated_email, online_ordering, kiosk, loyalty_app or other.")
@click.option("--start", "started_on", type=click.DateTime(["%Y-%m-%d"]), help="YYYY-MM-DD.")
@click.option("--end", "ended_on", type=click.DateTime(["%Y-%m-%d"]), help="YYYY-MM-DD, if it was stopped.")
@click.option("--no-end", is_flag=True, help="Clear the end date: it is still running.")
@click.option("--channel", help="The touchpoint it affects; an empty value clears it.")
@click.option("--description", help="What changed for customers.")
@click.option("--by", default=None, help="Who is editing (default: your user name).")
@with_context
def rollouts_edit(
    context: Context,
    rollout_id: int,
    name: str | None,
    kind: str | None,
    started_on: Any,
    ended_on: Any,
    no_end: bool,
    channel: str | None,
    description: str | None,
    by: str | None,
) -> None:
    """Change a rollout's fields (ID from `pulse rollouts list`); the others stay as they are."""
    from store.rollouts import update_rollout

    if ended_on and no_end:
        raise InputError("--end and --no-end contradict each other.", hint="Give one of them.")
    changes: dict[str, Any] = {
        "name": name.strip() if name is not None else None,
        "kind": kind,
        "started_on": started_on.date() if started_on else None,
        "ended_on": ended_on.date() if ended_on else None,
        "description": description,
    }
    changes = {key: value for key, value in changes.items() if value is not None}
    if no_end:
        changes["ended_on"] = None
    if channel is not None:
        changes["channel"] = channel.strip() or None
    if not changes:
        raise InputError("Nothing to change.", hint="Give at least one of --name, --kind, --start, --end...")
    engine = context.engine
    updated = update_rollout(engine, rollout_id, changes, by=by or _who())
    judge_rollouts(engine)
    click.echo(f"Updated rollout {rollout_id}: {updated.name} ({updated.kind}) from {updated.started_on}.")


@rollouts.command("delete")
@click.argument("rollout_id", metavar="ID", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_context
def rollouts_delete(context: Context, rollout_id: int, yes: bool) -> None:
    """Remove a rollout from the timeline (ID from `pulse rollouts list`), after confirmation."""
    from store.rollouts import delete_rollout, read_rollout

    engine = context.engine
    rollout = read_rollout(engine, rollout_id)
    if not yes:
        click.confirm(f"Delete rollout {rollout_id}, '{rollout.name}' from {rollout.started_on}?", abort=True)
    delete_rollout(engine, rollout_id, by=_who())
    judge_rollouts(engine)
    click.echo(f"Deleted rollout {rollout_id}: {rollout.name}.")


@rollouts.command("history")
@with_context
def rollouts_history(context: Context) -> None:
    """The audit trail: every rollout added, edited or deleted, by whom and when, newest first."""
    from store.rollouts import read_rollout_changes

    changes = read_rollout_changes(context.engine)
    if changes.is_empty():
        click.echo("No rollout has been added, edited or deleted yet.")
    for row in changes.iter_rows(named=True):
        when = f"{row['changed_at']:%Y-%m-%d %H:%M} UTC"
        click.echo(f"{when}\t{row['changed_by']}\t{row['action']} rollout {row['rollout_id']}: {row['what']}")


@rollouts.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", default=None, help="Who is importing (default: your user name).")
@with_context
def rollouts_import(context: Context, file: Path, by: str | None) -> None:
    """Add the rollouts of a CSV file in any encoding, or an XLSX (name,kind,channel,started_on,ended_on,
    description)."""
    from collectors.rollouts import import_rollouts

    engine = context.engine
    added, present = import_rollouts(engine, file, by=by or _who())
    judge_rollouts(engine)
    click.echo(f"Imported {added} rollouts from {file} ({present} were already on the timeline).")


@rollouts.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), required=False)
@with_context
def rollouts_export(context: Context, file: Path | None) -> None:
    """Write the rollouts as CSV to FILE, or to standard output."""
    from store.rollouts import rollouts_csv

    text = rollouts_csv(context.engine)
    if file is None:
        click.echo(text, nl=False)
    else:
        file.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {text.count(chr(10)) - 1} rollouts to {file}.")
