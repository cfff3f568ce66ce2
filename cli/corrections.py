"""`pulse corrections export`: the team's label corrections as a labelled training file."""

from __future__ import annotations

from pathlib import Path

import click

from cli.context import Context, with_context


@click.group()
def corrections() -> None:
    """The labels the team corrected in the Explorer."""


@corrections.command("export")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--field",
    type=click.Choice(["impersonal", "sentiment"]),
    default="impersonal",
    show_default=True,
    help="Which label: impersonal (the format of impersonal_dev2.csv) or sentiment (that of sentiment_train).",
)
@with_context
def corrections_export(context: Context, out: Path, field: str) -> None:
    """Write the corrected labels of one kind to OUT (.csv, .xlsx or .json), one row per item, in the format
    of the project's labelled data, to retrain the scorers on your own customers' words."""
    from pulse.tables import check_format, write_table
    from reports.corrections import training_rows
    from store.explorer import read_corrected_items

    check_format(out)
    exported = training_rows(read_corrected_items(context.engine, field), field)
    write_table(exported.rows, out)
    click.echo(f"Wrote {exported.rows.height} corrected {field} labels to {out}.")
    if exported.without_text == 1:
        click.echo("Left out 1 correction of an item without text: it teaches nothing.")
    elif exported.without_text:
        click.echo(f"Left out {exported.without_text} corrections of items without text: they teach nothing.")
