"""`notify` (`pulse cases notify`): send the case notifications that are due, and say what failed."""

from __future__ import annotations

import click

from cli.context import Context, with_context


@click.command("notify")
@click.option(
    "--retry-failed",
    is_flag=True,
    help="First give the notifications that gave up a fresh set of attempts (after fixing a setting).",
)
@with_context
def notify_command(context: Context, retry_failed: bool) -> None:
    """Send the notifications of new cases that are due: new ones, and retries whose wait is over. Failed
    attempts are tried again on a later run (after 1, 2, 4, 8... minutes), up to PULSE_NOTIFY_MAX_ATTEMPTS;
    exits 1 when one failed for the last time."""
    from analysis.notify_pipeline import send_due_notifications
    from pulse.formatting import format_moment, plural
    from store.notifications import count_notifications, retry_failed_notifications
    from store.state import utc_now

    engine, settings = context.engine, context.settings
    if retry_failed:
        again = retry_failed_notifications(engine, utc_now())
        click.echo(f"Trying {plural(again, 'failed notification')} again.")
    counts = send_due_notifications(engine, settings)
    click.echo(
        f"Sent {plural(counts.sent, 'notification')}; {counts.retried} to try again later; "
        f"{counts.failed} failed for good."
    )
    for failure in counts.failures:
        then = (
            "gave up"
            if failure.gave_up
            else f"next attempt {format_moment(failure.next_attempt_at, settings.timezone)}"
        )
        click.echo(
            f"- Case {failure.case_id}, {failure.channel} to {failure.target} "
            f"(attempt {failure.attempts} of {settings.notify_max_attempts}, {then}): "
            + failure.error.replace("\n", "\n  ")
        )
    waiting = count_notifications(engine)
    if waiting["failed"]:
        click.echo(
            f"{plural(waiting['failed'], 'notification')} failed for good so far: fix what the errors say, "
            "then run this again with --retry-failed."
        )
    if counts.failed:
        raise click.exceptions.Exit(1)
