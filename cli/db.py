"""`pulse db upgrade | status`, `pulse backup`, `pulse restore`: the store itself."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli.context import Context, judge_rollouts, with_context

if TYPE_CHECKING:
    import polars as pl

    from store.engine import Engine


@click.group()
def db() -> None:
    """Create, migrate and inspect the store (PULSE_DATABASE_URL)."""


@db.command("upgrade")
@with_context
def db_upgrade(context: Context) -> None:
    """Create the database, or migrate it to the current schema: every workspace's store, or with `pulse
    --workspace NAME db upgrade` that one alone."""
    from store.workspaces import DEFAULT_WORKSPACE, list_workspaces, workspace_engine

    _upgrade_store(context, context.creating_engine, context.where)
    if context.workspace != DEFAULT_WORKSPACE:
        return
    for name in list_workspaces(context.settings.database_url)[1:]:
        engine = workspace_engine(context.settings.database_url, name)
        try:
            _upgrade_store(context, engine, f"workspace {name}")
        finally:
            engine.dispose()


def _upgrade_store(context: Context, engine: Engine, where: str) -> None:
    from store.daily_counts import refresh_daily_counts
    from store.migrate import upgrade

    before, after = upgrade(engine)
    if before == after:
        click.echo(f"The store at {where} is up to date (revision {after}).")
    else:
        click.echo(f"Migrated the store at {where} from {before or 'empty'} to revision {after}.")
    if refresh_daily_counts(engine, context.settings.timezone):
        click.echo(f"Counted the feedback per day in {context.settings.timezone} for the dashboard.")
    judge_rollouts(engine)


@db.command("status")
@with_context
def db_status(context: Context) -> None:
    """Say where the store is, its schema revision and how much it holds."""
    from store.feedback import count_feedback
    from store.migrate import current_revision, head_revision
    from store.orders import count_orders
    from store.runs import read_runs
    from store.state import read_data_version

    engine = context.any_engine
    current, head = current_revision(engine), head_revision()
    click.echo(f"Store: {context.where}")
    click.echo(f"Schema revision: {current or 'none (run `pulse db upgrade`)'} (current: {head})")
    if current == head:
        click.echo(
            f"Feedback items: {count_feedback(engine)}; orders: {count_orders(engine)}; "
            f"data version {read_data_version(engine)}"
        )
        echo_recent_runs(read_runs(engine, limit=RECENT_RUNS))


RECENT_RUNS = 5


def echo_recent_runs(recent: pl.DataFrame) -> None:
    """The newest runs, one a line: when, how it ended (ok, failed, interrupted, running), what, its counts."""
    if recent.is_empty():
        return
    click.echo("Recent runs:")
    for run in recent.iter_rows(named=True):
        counts = ", ".join(f"{count} {name}" for name, count in (run["counts"] or {}).items() if count)
        click.echo(
            f"  {run['started_at']:%Y-%m-%d %H:%M} UTC  {run['status']:<11}  {run['kind']} {run['name']}"
            + (f" ({counts})" if counts else "")
        )


@click.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@with_context
def backup(context: Context, file: Path) -> None:
    """Copy a SQLite store into FILE (safe while Pulse runs; PostgreSQL: pg_dump)."""
    from store.backup import backup_store
    from store.feedback import count_feedback

    engine = context.any_engine
    backup_store(engine, file)
    click.echo(f"Backed up {context.where} to {file} ({count_feedback(engine)} feedback items).")


@click.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the store.")
@with_context
def restore(context: Context, file: Path, yes: bool) -> None:
    """Replace the store with the backup FILE (PostgreSQL: pg_restore)."""
    from store.backup import check_backup, require_sqlite, restore_store
    from store.feedback import count_feedback
    from store.migrate import is_current

    engine = context.creating_engine  # a backup may be restored into a new store
    require_sqlite(engine)
    check_backup(file)
    if not yes:
        click.confirm(f"Replace everything in {context.where} with {file}?", abort=True)
    restore_store(engine, file)
    click.echo(f"Restored {file} into {context.where} ({count_feedback(engine)} feedback items).")
    if not is_current(engine):
        click.echo("The backup is from an older schema: run `pulse db upgrade`.")
