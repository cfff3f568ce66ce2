"""`pulse metrics`, `pulse impact`, `pulse digest`: the figures, read from the store, as tables, JSON or text."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click

from cli.context import Context, with_context
from cli.options import Day
from cli.printing import print_metrics
from pulse.errors import InputError

METRIC_JSON_COLUMNS = (
    "n",
    "nps_n",
    "nps",
    "nps_low",
    "nps_high",
    "csat_n",
    "csat",
    "csat_low",
    "csat_high",
    "ces_n",
    "ces_mean",
    "ces_mean_low",
    "ces_mean_high",
    "ces_share",
    "ces_share_low",
    "ces_share_high",
    "stars_n",
    "stars_mean",
    "stars_mean_low",
    "stars_mean_high",
    "sentiment_n",
    "sentiment_mean",
    "sentiment_mean_low",
    "sentiment_mean_high",
    "scored_n",
    "negative_share",
    "negative_low",
    "negative_high",
    "impersonal_per_100",
    "impersonal_per_100_low",
    "impersonal_per_100_high",
    "thin",
)


@click.command()
@click.option(
    "--by",
    type=click.Choice(["day", "week", "month", "all"]),
    default="week",
    show_default=True,
    help="Period of each row; weeks start on Monday in PULSE_TIMEZONE.",
)
@click.option("--since", type=Day(), metavar="YYYY-MM-DD", help="Only feedback from this local date on.")
@click.option(
    "--group",
    "group_by",
    type=click.Choice(["source", "kind", "location", "channel", "segment"]),
    multiple=True,
    help="Split each period by this column; repeatable.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON: one object per period (and group).")
@with_context
def metrics(
    context: Context, by: str, since: datetime | None, group_by: tuple[str, ...], as_json: bool
) -> None:
    """NPS, CSAT (share of 4-5), CES (mean of 1-7 and share of 5-7), mean stars and sentiment, negative share
    and impersonal complaints per 100, per period, with 95% intervals. Periods with fewer NPS answers than PULSE_MIN_RESPONSES are marked thin.
    Skipped NPS answers are not in the NPS denominator."""
    from analysis.filters import Filters, apply_filters
    from analysis.metrics import read_counts_metrics
    from store.daily_counts import read_daily_counts

    settings = context.settings
    since_day = since.date() if since else None
    counts = apply_filters(
        read_daily_counts(context.engine, settings.timezone), Filters(since=since_day), date_column="day"
    )
    if counts.is_empty():
        where = f" since {since_day}" if since_day else ""
        if as_json:
            click.echo("[]")
        else:
            click.echo(f"No feedback{where} in the store. Load some with `pulse import` or `pulse demo`.")
        return
    table = read_counts_metrics(counts, by, settings.min_responses, group_by)
    rows = [_metric_row(row, group_by) for row in table.iter_rows(named=True)]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    print_metrics(rows, group_by, settings.min_responses)


def _metric_row(row: dict[str, Any], group_by: tuple[str, ...]) -> dict[str, Any]:
    period = row["period"]
    out: dict[str, Any] = {"period": period.isoformat() if period is not None else "all"}
    out |= {name: row[name] for name in group_by}
    for name in METRIC_JSON_COLUMNS:
        value = row[name]
        out[name] = round(value, 4) if isinstance(value, float) else value
    return out


@click.command()
@click.option(
    "--weeks", default=8, show_default=True, help="Length of the before and after windows, in weeks."
)
@click.option(
    "--burn-in", "burn_in", default=0, show_default=True, help="Weeks after the start to leave out."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON: one object per rollout.")
@with_context
def impact(context: Context, weeks: int, burn_in: int, as_json: bool) -> None:
    """Did each rollout change NPS, impersonal complaints, negative comments, CSAT, CES, volume or (from orders)
    returning customers? Per rollout, on all the weeks since it started: a headline, each vital sign's change
    with its 95% interval and how sure it is (clear: anytime-valid, Holm over the signals; likely: 90% probable), how many more weeks would settle
    it, the smallest change the data could show, and warnings. --weeks and --burn-in set the fixed windows of
    the JSON's `measures`."""
    from analysis.impact import ImpactSettings
    from analysis.impact_pipeline import read_rollout_impacts
    from reports.findings import signal_line
    from reports.verdicts import (
        detectable_note,
        finding_records,
        impact_record,
        impact_warnings,
        method_description,
        verdict,
    )

    if weeks < 2 or burn_in < 0:
        raise InputError(
            f"--weeks {weeks} --burn-in {burn_in} cannot be used.",
            hint="Windows need at least 2 weeks (8 is the default); the burn-in is 0 or more weeks.",
        )
    settings = context.settings
    impacts = read_rollout_impacts(
        context.engine, ImpactSettings(weeks=weeks, burn_in_weeks=burn_in), settings.timezone
    )
    if as_json:
        click.echo(json.dumps([impact_record(item) for item in impacts], indent=2, default=float))
        return
    if not impacts:
        click.echo("No rollouts yet. Add one with `pulse rollouts add --help`.")
        return
    for item in impacts:
        where = f", {item.channel}" if item.channel else ""
        click.echo(f"{item.name} (from {item.started_on}{where}; {method_description(item)})")
        click.echo(f"  {verdict(item)}")
        for finding in finding_records(item):
            click.echo(f"    {signal_line(finding)}")
        click.echo(f"  {detectable_note(item)}")
        for warning in impact_warnings(item):
            click.echo(f"  ! {warning}")


@click.command()
@click.option(
    "--week",
    type=Day(),
    metavar="YYYY-MM-DD",
    help="Any day of the week to sum up (default: the latest week).",
)
@click.option("--send", is_flag=True, help="Send it by email (PULSE_SMTP_* settings) instead of printing it.")
@click.option(
    "--to", "recipients", multiple=True, metavar="ADDRESS", help="Send to ADDRESS (repeatable); with --send."
)
@with_context
def digest(context: Context, week: datetime | None, send: bool, recipients: tuple[str, ...]) -> None:
    """The weekly digest: NPS, CSAT, responses, negative comments and impersonal complaints against last week
    with 95% intervals, the week's alerts, the follow-up cases (when there are any: new, contacted in time,
    overdue, and whether following up helped), and the top and rising themes. Printed, or sent with --send."""
    from jobs.steps import send_weekly_digest, weekly_digest

    if recipients and not send:
        raise InputError("--to is for sending the digest.", hint="Add --send, or leave out --to to print it.")
    settings = context.settings
    day = week.date() if week else None
    if not send:
        click.echo(weekly_digest(context.engine, settings, day).text(), nl=False)
        return
    sent = send_weekly_digest(context.engine, settings, day, recipients)
    click.echo(f"Sent '{sent.subject}' to {', '.join(sent.recipients)} via {sent.via}.")
