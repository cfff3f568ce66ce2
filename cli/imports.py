"""`pulse import`: a survey, review or orders export into the store, with the mapping it used and the rows it
kept aside."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli.context import Context, with_context
from cli.printing import print_mapping
from pulse.errors import InputError

if TYPE_CHECKING:
    from collectors.base import CollectResult
    from store.feedback import Rejected


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--kind",
    type=click.Choice(["survey", "review", "order"]),
    default="survey",
    show_default=True,
    help="What the file holds: survey answers, reviews, or orders or visits.",
)
@click.option(
    "--preset",
    help="Surveys: typeform, google_forms, surveymonkey, qualtrics, microsoft_forms or delighted. Reviews: "
    "google_business, trustpilot, yelp or generic. Orders: shopify, square, woocommerce or generic. Default: "
    "detected.",
)
@click.option(
    "--map", "pairs", multiple=True, metavar="FIELD=COLUMN", help="Use COLUMN for FIELD; repeatable."
)
@click.option(
    "--mapping",
    "mapping_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A JSON or TOML file of field = column.",
)
@click.option(
    "--dayfirst/--monthfirst", default=None, help="How to read 03/04/2026 (default: from the data)."
)
@click.option(
    "--source",
    "source_name",
    metavar="NAME",
    help="The source to store into: an existing one, or a new one by that name. Default: the source that "
    'already holds this survey (recognised by its form id or columns, whatever the file is called), else "Survey: '
    'FILE NAME"; for reviews, the export\'s platform ("Trustpilot reviews"); for orders, the preset\'s ("Shopify '
    'orders") or "Orders".',
)
@click.option(
    "--header-row",
    type=click.IntRange(min=1),
    metavar="N",
    help="Surveys and orders: the row number of the header, when rows above it (a title) are not found by Pulse.",
)
@click.option(
    "--sheet",
    metavar="NAME",
    help="Excel workbooks: the worksheet to read. Default: the one with the most rows of data.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the counts and mapping as JSON.")
@with_context
def import_file(
    context: Context,
    file: Path,
    kind: str,
    preset: str | None,
    pairs: tuple[str, ...],
    mapping_file: Path | None,
    dayfirst: bool | None,
    source_name: str | None,
    header_row: int | None,
    sheet: str | None,
    as_json: bool,
) -> None:
    """Import a survey export (CSV, XLSX or JSON from Typeform, Google Forms, SurveyMonkey, Qualtrics, Microsoft
    Forms, Delighted...) or,
    with --kind review, a review export (Google Business Profile, Trustpilot, Yelp, or any CSV / JSON), or,
    with --kind order, an orders or visits export (Shopify, Square, WooCommerce, or any CSV / XLSX / JSON).

    Survey fields: created_at, nps, csat, ces, text, response_id, respondent, segment, location, channel.
    Order fields: order_id, ordered_at, time, customer, amount, channel, location, item_count, items.
    A later export of the same survey (under any file name, cumulative or overlapping) goes into the same
    source and adds only the answers not stored yet; rows that cannot be imported are kept with their line and
    reason.
    """
    from collectors.base import run_collector
    from collectors.surveys import SurveyFileCollector, parse_map_options, read_mapping_file
    from collectors.surveys.plan import check_importable
    from collectors.surveys.sources import assign_source, choose_survey_source

    settings = context.settings
    if kind == "review":
        if pairs or mapping_file or dayfirst is not None or header_row is not None:
            raise InputError(
                "--map, --mapping, --header-row, --dayfirst and --monthfirst are for survey files.",
                hint="For reviews, pick the export format with --preset if it is not detected.",
            )
        _import_reviews(context, file, preset, source_name, as_json, sheet)
        return
    if kind == "order":
        from collectors.orders import FIELD_HELP

        overrides = {
            **(read_mapping_file(mapping_file) if mapping_file else {}),
            **parse_map_options(pairs, "amount=Total", FIELD_HELP),
        }
        options = {"dayfirst": dayfirst, "header_row": header_row, "sheet": sheet}
        _import_orders(context, file, preset, overrides, source_name, as_json, options)
        return
    overrides = {**(read_mapping_file(mapping_file) if mapping_file else {}), **parse_map_options(pairs)}
    collector = SurveyFileCollector(
        file,
        None,
        overrides,
        preset,
        dayfirst,
        timezone=settings.timezone,
        header_row=header_row,
        sheet=sheet,
    )
    engine = context.engine
    plan = collector.plan
    check_importable(plan)
    choice = choose_survey_source(engine, plan, file.name, source_name)
    assign_source(collector, choice)
    if not as_json:
        heading = f"Importing {plan.data_rows} rows of {file} into {choice.name!r} ({choice.reason})."
        print_mapping(heading, plan.mapping, plan.notes)
    for warning in choice.warnings:
        click.echo(f"Warning: {warning}", err=True)
    with click.progressbar(
        length=plan.data_rows or 0, label="Importing", file=sys.stderr, hidden=(plan.data_rows or 0) < 10_000
    ) as bar:
        result = run_collector(engine, collector, progress=bar.update)
    source = {"source": choice.name, "source_status": choice.status, "warnings": list(choice.warnings)}
    _report_import(
        result,
        "survey answers",
        plan.mapping,
        plan.notes,
        collector.first_rejects,
        as_json,
        source,
        plan.left_out,
        contacts=result.contacts if collector.keeps_contacts else None,
    )


def _import_reviews(
    context: Context,
    file: Path,
    preset: str | None,
    source_name: str | None,
    as_json: bool,
    sheet: str | None = None,
) -> None:
    from collectors.base import run_collector
    from collectors.reviews import ReviewFileCollector

    engine = context.engine
    collector = ReviewFileCollector(
        file, source_name=source_name, preset=preset, timezone=context.settings.timezone, sheet=sheet
    )
    read = collector.read()
    source = {"source": collector.source(read).name}
    if not as_json:
        heading = f"Importing {file} as {read.preset} reviews into {source['source']!r}."
        print_mapping(heading, read.mapping, read.notes)
    result = run_collector(engine, collector)
    if not as_json:
        for note in collector.notes[len(read.notes) :]:  # learnt while importing (reviews the file repeats)
            click.echo(f"  * {note}")
    _report_import(
        result,
        "reviews",
        read.mapping,
        collector.notes,
        collector.first_rejects,
        as_json,
        source,
        read.left_out,
    )


def _import_orders(
    context: Context,
    file: Path,
    preset: str | None,
    overrides: dict[str, str],
    source_name: str | None,
    as_json: bool,
    options: dict[str, Any],
) -> None:
    from collectors.base import CollectResult
    from collectors.orders import OrderFileCollector, check_importable, check_order_source, import_orders
    from pulse.formatting import plural

    engine = context.engine
    collector = OrderFileCollector(
        file, source_name, overrides, preset, timezone=context.settings.timezone, **options
    )
    plan = collector.plan
    check_importable(plan)
    source = collector.source.name
    check_order_source(engine, source)
    if not as_json:
        print_mapping(f"Importing {plan.data_rows} rows of {file} into {source!r}.", plan.mapping, plan.notes)
    rows = plan.data_rows
    with click.progressbar(length=rows, label="Importing", file=sys.stderr, hidden=rows < 10_000) as bar:
        result = import_orders(engine, collector, progress=bar.update)
    if not as_json and result.merged:
        click.echo(f"  * {plural(result.merged, 'row')} of further lines of an order, merged into it.")
    counts = CollectResult(result.new, result.duplicate, result.rejected)
    extra = {"source": source, "merged_lines": result.merged}
    _report_import(
        counts, "orders", plan.mapping, plan.notes, collector.first_rejects, as_json, extra, plan.left_out
    )


def _report_import(
    result: CollectResult,
    what: str,
    mapping: dict[str, str],
    notes: list[str],
    first_rejects: list[Rejected],
    as_json: bool,
    source: dict[str, Any],
    left_out: list[str],
    contacts: int | None = None,
) -> None:
    """The outcome of `pulse import`, as text or as JSON (`duplicates` and `already_there` are the same count:
    rows the source already held; the personal columns left out are in the notes). `contacts`: how many
    respondents' contact details the import stored (encrypted), when it keeps them; whether it did, and why not,
    is in the notes."""
    rejected_rows = [{"line": r.line, "reason": r.reason, "raw": r.raw} for r in first_rejects]
    if as_json:
        summary = {
            "imported": result.new,
            "already_there": result.duplicate,
            "duplicates": result.duplicate,
            "rejected": result.rejected,
            **({"contacts_kept": contacts} if contacts is not None else {}),
            **source,
            "mapping": mapping,
            "left_out": left_out,
            "notes": notes,
            "rejected_rows": rejected_rows,
        }
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    click.echo(
        f"Imported {result.new} new {what}, {result.duplicate} already there, {result.rejected} rejected."
    )
    for row in rejected_rows[:10]:
        click.echo(f"  line {row['line']}: {row['reason']}")
    if result.rejected > 10:
        click.echo(f"  ... {result.rejected - 10} more (see the rejected rows in the store).")
    if contacts is not None:
        click.echo(
            f"Kept the contact details of {contacts} more respondents, encrypted with PULSE_CONTACT_KEY "
            "(those already kept stay as they were)."
        )
