"""The `pulse` command line. Each subcommand has --help; errors print a message and a hint, and exit 1."""

from __future__ import annotations

import getpass
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy import Engine

from pulse.errors import ConfigError, InputError, PulseError, StoreError
from pulse.settings import PROJECT_ROOT, Settings, build_settings

if TYPE_CHECKING:
    from collectors.base import CollectResult
    from store.feedback import Rejected


class PulseGroup(click.Group):
    """The CLI's one error edge: a PulseError becomes its message and hint on stderr, and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PulseError as error:
            _print_error(error)
            ctx.exit(1)


def _print_error(error: PulseError, what: str = "Error") -> None:
    click.secho(f"{what}: {error.message}", fg="red", err=True)
    if error.hint:
        click.echo(f"Hint: {error.hint}", err=True)


def _engine(settings: Settings, require_current: bool = True) -> Engine:
    from store.engine import build_engine
    from store.migrate import is_current

    engine = build_engine(settings.database_url)
    if require_current and not is_current(engine):
        raise StoreError(
            "The database is not at the current schema version.",
            hint="Run `pulse db upgrade` first.",
        )
    return engine


@click.group(cls=PulseGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pulse")
def main() -> None:
    """Pulse: is automation making your business feel impersonal? Feedback and its trends, week by week."""


# --- pulse db -------------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Create, migrate and inspect the store (PULSE_DATABASE_URL)."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create the database, or migrate it to the current schema."""
    from store.daily_counts import refresh_daily_counts
    from store.migrate import upgrade

    settings = build_settings()
    engine = _engine(settings, require_current=False)
    before, after = upgrade(engine)
    where = _where(settings)
    if before == after:
        click.echo(f"The store at {where} is up to date (revision {after}).")
    else:
        click.echo(f"Migrated the store at {where} from {before or 'empty'} to revision {after}.")
    if refresh_daily_counts(engine, settings.timezone):
        click.echo(f"Counted the feedback per day in {settings.timezone} for the dashboard.")
    _judge_rollouts(engine)


@db.command("status")
def db_status() -> None:
    """Say where the store is, its schema revision and how much it holds."""
    from store.feedback import count_feedback
    from store.migrate import current_revision, head_revision
    from store.state import read_data_version

    settings = build_settings()
    engine = _engine(settings, require_current=False)
    current, head = current_revision(engine), head_revision()
    click.echo(f"Store: {_where(settings)}")
    click.echo(f"Schema revision: {current or 'none (run `pulse db upgrade`)'} (current: {head})")
    if current == head:
        click.echo(f"Feedback items: {count_feedback(engine)}; data version {read_data_version(engine)}")


@main.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def backup(file: Path) -> None:
    """Copy a SQLite store into FILE (safe while Pulse runs; PostgreSQL: pg_dump)."""
    from store.backup import backup_store
    from store.feedback import count_feedback

    engine = _engine(build_settings(), require_current=False)
    backup_store(engine, file)
    click.echo(f"Backed up {_where(build_settings())} to {file} ({count_feedback(engine)} feedback items).")


@main.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the store.")
def restore(file: Path, yes: bool) -> None:
    """Replace the store with the backup FILE (PostgreSQL: pg_restore)."""
    from store.backup import check_backup, require_sqlite, restore_store
    from store.feedback import count_feedback
    from store.migrate import is_current

    settings = build_settings()
    engine = _engine(settings, require_current=False)
    require_sqlite(engine)
    check_backup(file)
    if not yes:
        click.confirm(f"Replace everything in {_where(settings)} with {file}?", abort=True)
    restore_store(engine, file)
    click.echo(f"Restored {file} into {_where(settings)} ({count_feedback(engine)} feedback items).")
    if not is_current(engine):
        click.echo("The backup is from an older schema: run `pulse db upgrade`.")


@main.command()
@click.option(
    "--email", "--author", "author", required=True, help="The person's exact email address, name or id."
)
@click.option("--yes", is_flag=True, help="Do not ask before deleting.")
def forget(author: str, yes: bool) -> None:
    """Delete a person's feedback and everything derived from it (scores, themes, embeddings, rejected rows),
    and the dashboard's uploads left in the temporary folder. Says what it will delete first."""
    from analysis.pipeline import embedded_pieces
    from pulse.uploads import clear_uploads
    from store.forget import count_author, forget_author

    engine = _engine(build_settings())
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
    _judge_rollouts(engine)
    uploads = clear_uploads()
    click.echo(f"Deleted {forgotten.describe()}, and {uploads} dashboard uploads.")


@main.group()
def users() -> None:
    """Accounts for the dashboard's sign-in (when PULSE_ANONYMOUS_ACCESS is off)."""


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["viewer", "editor", "admin"]), default="viewer", show_default=True)
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of standard input."
)
def users_add(username: str, role: str, password_stdin: bool) -> None:
    """Create an account; viewers see, editors also tag rollouts, rename themes and upload, admins also manage
    sources, users and deletions. The password is asked for at a hidden prompt (or read with --password-stdin),
    never given as an option, where `ps` and the shell's history would show it."""
    from pulse.credentials import check_username
    from store.users import add_user

    engine = _engine(build_settings())
    username = check_username(username)
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else _ask_new_password(username)
    add_user(engine, username, password, role)
    click.echo(f"Added {username} ({role}).")


def _ask_new_password(username: str) -> str:
    """A password typed at a hidden prompt, asked again until it is strong enough, then typed a second time."""
    from pulse.credentials import check_password

    while True:
        password = click.prompt("Password", hide_input=True, err=True)
        try:
            check_password(password, username)
        except InputError as error:
            _print_error(error)
            continue
        if click.prompt("Repeat the password", hide_input=True, err=True) == password:
            return str(password)
        click.secho("Error: the two passwords differ.", fg="red", err=True)


@users.command("remove")
@click.argument("username")
def users_remove(username: str) -> None:
    """Delete an account."""
    from store.users import remove_user

    if not remove_user(_engine(build_settings()), username):
        raise InputError(f"There is no user {username!r}.", hint="See `pulse users list`.")
    click.echo(f"Removed {username}.")


@users.command("list")
def users_list() -> None:
    """Every account with its role and last sign-in (never a password)."""
    from store.users import read_users

    accounts = read_users(_engine(build_settings()))
    if accounts.is_empty():
        click.echo("No users yet: add one with `pulse users add NAME --role admin`.")
    for row in accounts.iter_rows(named=True):
        last = row["last_sign_in_at"] or "never"
        locked = f" (locked until {row['locked_until']})" if row["locked_until"] else ""
        click.echo(f"{row['username']}\t{row['role']}\tlast sign-in: {last}{locked}")


def _where(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)


# --- pulse demo, analyze, serve --------------------------------------------------------------------


@main.command()
@click.option("--if-empty", is_flag=True, help="Load only when the store holds no feedback yet.")
def demo(if_empty: bool) -> None:
    """Load the demo dataset: a bakery-café's surveys, reviews, Reddit mentions and rollouts."""
    from collectors.base import run_collector
    from collectors.demo import DemoCollector
    from store.feedback import count_feedback
    from store.rollouts import import_rollouts

    settings = build_settings()
    engine = _engine(settings)
    if if_empty and count_feedback(engine):
        click.echo("The store already holds feedback; the demo was not loaded.")
        return
    collector = DemoCollector(settings.demo_dir)
    with click.progressbar(length=collector.row_count(), label="Loading the demo", file=sys.stderr) as bar:
        result = run_collector(engine, collector, progress=bar.update)
    added, present = import_rollouts(engine, settings.demo_dir / "rollouts.csv", by="demo")
    _judge_rollouts(engine)
    click.echo(
        f"Demo loaded: {result.new} new feedback items, {result.duplicate} already there, "
        f"{result.rejected} rejected; {added} rollouts added ({present} already there)."
    )


@main.command()
def analyze() -> None:
    """Score sentiment and impersonal-experience complaints of feedback not yet scored."""
    from analysis.pipeline import read_pending, score_new_feedback

    engine = _engine(build_settings())
    pending = read_pending(engine)
    if pending.is_empty():
        click.echo("Every feedback item is scored already.")
        return
    with click.progressbar(length=pending.height, label="Scoring feedback", file=sys.stderr) as bar:
        scored = score_new_feedback(engine, lambda done, _total: bar.update(done - bar.pos), pending)
    click.echo(f"Scored {scored} feedback items.")


@main.command()
@click.argument("input_file", metavar="INPUT", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--text-column", required=True, help="The column that holds what the customer wrote.")
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write, .csv, .json or .xlsx (default: INPUT's name with -scored.csv, beside it).",
)
def score(input_file: Path, text_column: str, out_file: Path | None) -> None:
    """Score a CSV, XLSX or JSON file of customer texts: every input column, plus sentiment, sentiment_score,
    impersonal, impersonal_score and impersonal_cues. Embeddings are kept in the store, so scoring the same
    texts again costs little."""
    from analysis.embedding_pipeline import store_embedder
    from analysis.pipeline import add_scores
    from collectors.surveys import read_table
    from pulse.tables import check_format, write_table
    from store.scores import SCORE_COLUMNS

    out_file = out_file or input_file.with_name(f"{input_file.stem}-scored.csv")
    check_format(out_file)
    frame = read_table(input_file)
    if text_column not in frame.columns:
        raise InputError(
            f"{input_file.name} has no column {text_column!r}.",
            hint=f"Choose --text-column from: {', '.join(frame.columns)}.",
        )
    kept = {name: f"input {name}" for name in SCORE_COLUMNS if name in frame.columns and name != text_column}
    frame = frame.rename(kept)  # a file scored before keeps its old scores beside the new ones
    embedder = store_embedder(_engine(build_settings()))
    with click.progressbar(length=frame.height, label="Scoring texts", file=sys.stderr) as bar:
        scored = add_scores(frame, text_column, embedder, lambda done, _total: bar.update(done - bar.pos))
    write_table(scored, out_file)
    flagged = int(scored["impersonal"].sum())
    counts = scored["sentiment"].value_counts().rows()
    click.echo(
        f"Scored {scored.height} rows into {out_file}: "
        + ", ".join(f"{count} {label}" for label, count in sorted(counts))
        + f"; {flagged} impersonal-experience complaints."
    )


@main.command()
@click.option("--port", type=int, default=None, help="Port to serve on (default: PULSE_SERVER_PORT, 8501).")
@click.option("--headless/--browser", default=True, help="Do not open a browser window (default).")
def serve(port: int | None, headless: bool) -> None:
    """Start the dashboard on localhost."""
    settings = build_settings()
    _engine(settings)  # fail here, with a hint, rather than in the browser
    port = port or settings.server_port
    click.echo(f"Pulse is starting on http://localhost:{port}")
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PROJECT_ROOT / "dashboard" / "app.py"),
        "--server.port",
        str(port),
        "--server.address",
        "localhost",
        "--server.headless",
        str(headless).lower(),
        "--browser.gatherUsageStats",
        "false",
    ]
    os.chdir(PROJECT_ROOT)  # so that Streamlit reads .streamlit/config.toml
    os.execv(sys.executable, command)  # Streamlit takes over this process, and its signals


# --- pulse metrics ----------------------------------------------------------------------------------

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


@main.command()
@click.option(
    "--by",
    type=click.Choice(["day", "week", "month", "all"]),
    default="week",
    show_default=True,
    help="Period of each row; weeks start on Monday in PULSE_TIMEZONE.",
)
@click.option("--since", metavar="YYYY-MM-DD", help="Only feedback from this local date on.")
@click.option(
    "--group",
    "group_by",
    type=click.Choice(["source", "kind", "location", "channel", "segment"]),
    multiple=True,
    help="Split each period by this column; repeatable.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON: one object per period (and group).")
def metrics(by: str, since: str | None, group_by: tuple[str, ...], as_json: bool) -> None:
    """NPS, CSAT (share of 4-5), CES (mean of 1-7 and share of 5-7), mean stars and sentiment, negative share
    and impersonal complaints per 100, per period, with 95% intervals. Periods with fewer NPS answers than PULSE_MIN_RESPONSES are marked thin.
    Skipped NPS answers are not in the NPS denominator."""
    from analysis.filters import Filters, apply_filters
    from analysis.metrics import read_counts_metrics
    from store.daily_counts import read_daily_counts

    settings = build_settings()
    since_day = _parse_day(since, "--since") if since else None
    counts = apply_filters(
        read_daily_counts(_engine(settings), settings.timezone), Filters(since=since_day), date_column="day"
    )
    if counts.is_empty():
        where = f" since {since}" if since else ""
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
    _print_metrics(rows, group_by, settings.min_responses)


def _metric_row(row: dict[str, Any], group_by: tuple[str, ...]) -> dict[str, Any]:
    period = row["period"]
    out: dict[str, Any] = {"period": period.isoformat() if period is not None else "all"}
    out |= {name: row[name] for name in group_by}
    for name in METRIC_JSON_COLUMNS:
        value = row[name]
        out[name] = round(value, 4) if isinstance(value, float) else value
    return out


def _print_metrics(rows: list[dict[str, Any]], group_by: tuple[str, ...], min_responses: int) -> None:
    def interval(
        value: float | None, low: float | None, high: float | None, scale: float, digits: int
    ) -> str:
        if value is None or low is None or high is None:
            return "-"
        return f"{value * scale:.{digits}f} ({low * scale:.{digits}f} to {high * scale:.{digits}f})"

    with_ces = any(row["ces_n"] for row in rows)
    header = [
        *group_by,
        "period",
        "n",
        "NPS (95% CI)",
        "CSAT % (95% CI)",
        *(["CES mean, % 5-7"] if with_ces else []),
        "stars",
        "sentiment",
        "impersonal/100",
    ]
    lines = [header]
    for row in rows:
        ces = "-" if row["ces_mean"] is None else f"{row['ces_mean']:.2f}, {100 * row['ces_share']:.0f}%"
        lines.append(
            [
                *("-" if row[name] is None else str(row[name]) for name in group_by),
                row["period"],
                str(row["n"]),
                interval(row["nps"], row["nps_low"], row["nps_high"], 1, 0)
                + (f" thin, {row['nps_n']} answers" if row["thin"] and row["nps_n"] else ""),
                interval(row["csat"], row["csat_low"], row["csat_high"], 100, 0),
                *([ces] if with_ces else []),
                "-" if row["stars_mean"] is None else f"{row['stars_mean']:.2f}",
                "-" if row["sentiment_mean"] is None else f"{row['sentiment_mean']:+.2f}",
                "-" if row["impersonal_per_100"] is None else f"{row['impersonal_per_100']:.1f}",
            ]
        )
    widths = [max(len(line[column]) for line in lines) for column in range(len(header))]
    for line in lines:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
    if any(row["thin"] and row["nps_n"] for row in rows):
        click.echo(f"thin: fewer than {min_responses} NPS answers (PULSE_MIN_RESPONSES); read with care.")


# --- pulse impact -----------------------------------------------------------------------------------


@main.command()
@click.option(
    "--weeks", default=8, show_default=True, help="Length of the before and after windows, in weeks."
)
@click.option(
    "--burn-in", "burn_in", default=0, show_default=True, help="Weeks after the start to leave out."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON: one object per rollout.")
def impact(weeks: int, burn_in: int, as_json: bool) -> None:
    """Did each rollout change NPS, CSAT, sentiment and impersonal complaints? A verdict per rollout with 95%
    intervals, the smallest change the data could show, and warnings (overlaps, thin data, earlier change)."""
    from analysis.impact import ImpactSettings, impact_record
    from analysis.impact_pipeline import read_rollout_impacts

    if weeks < 2 or burn_in < 0:
        raise InputError(
            f"--weeks {weeks} --burn-in {burn_in} cannot be used.",
            hint="Windows need at least 2 weeks (8 is the default); the burn-in is 0 or more weeks.",
        )
    settings = build_settings()
    impacts = read_rollout_impacts(
        _engine(settings), ImpactSettings(weeks=weeks, burn_in_weeks=burn_in), settings.timezone
    )
    if as_json:
        click.echo(json.dumps([impact_record(item) for item in impacts], indent=2, default=float))
        return
    if not impacts:
        click.echo("No rollouts yet. Add one with `pulse rollouts add --help`.")
        return
    for item in impacts:
        where = f", {item.channel} (compared with the other channels)" if item.channel else ""
        click.echo(f"{item.name} (from {item.started_on}{where}; {item.main_method})")
        click.echo(f"  {item.verdict.rstrip('.')}.")
        click.echo(f"  {item.detectable_note}")
        for warning in item.warnings:
            click.echo(f"  ! {warning}")


# --- pulse digest -----------------------------------------------------------------------------------


@main.command()
@click.option(
    "--week", metavar="YYYY-MM-DD", help="Any day of the week to sum up (default: the latest week)."
)
@click.option("--send", is_flag=True, help="Send it by email (PULSE_SMTP_* settings) instead of printing it.")
@click.option(
    "--to", "recipients", multiple=True, metavar="ADDRESS", help="Send to ADDRESS (repeatable); with --send."
)
def digest(week: str | None, send: bool, recipients: tuple[str, ...]) -> None:
    """The weekly digest: NPS, CSAT, responses, negative comments and impersonal complaints against last week
    with 95% intervals, the week's alerts, and the top and rising themes. Printed, or sent with --send."""
    from analysis.digest_pipeline import read_digest

    if recipients and not send:
        raise InputError("--to is for sending the digest.", hint="Add --send, or leave out --to to print it.")
    settings = build_settings()
    day = _parse_day(week, "--week") if week else None
    content = read_digest(
        _engine(settings), settings.timezone, settings.business_name, day, settings.min_responses
    )
    if not send:
        click.echo(content.text(), nl=False)
        return
    from pulse.mail import build_smtp_server, send_digest

    sent_to = send_digest(content, settings, recipients)
    via = build_smtp_server(settings).describe()
    click.echo(f"Sent '{content.subject}' to {', '.join(sent_to)} via {via}.")


def _parse_day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as error:
        raise InputError(f"{option} {text!r} is not a date.", hint="Write it as YYYY-MM-DD.") from error


# --- pulse rollouts ---------------------------------------------------------------------------------


@main.group()
def rollouts() -> None:
    """The automation rollouts on the timeline: add, list, edit, delete, import, export."""


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def _judge_rollouts(engine: Engine) -> None:
    """After a change to the feedback or the timeline: the rollouts judged again and their verdicts stored, for
    the dashboard (which only reads them)."""
    from analysis.impact_pipeline import refresh_rollout_impacts

    refresh_rollout_impacts(engine)


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
def rollouts_add(
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
    engine = _engine(build_settings())
    rollout_id = add_rollout(engine, rollout, by=by or _who())
    _judge_rollouts(engine)
    click.echo(f"Added rollout {rollout_id}: {name} ({kind}) from {rollout.started_on}.")


@rollouts.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def rollouts_list(as_json: bool) -> None:
    """List the rollouts, oldest first."""
    from store.rollouts import read_rollouts

    frame = read_rollouts(_engine(build_settings()))
    if as_json:
        click.echo(json.dumps(frame.to_dicts(), default=_json_default, indent=2))
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


def _json_default(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


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
def rollouts_edit(
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
    engine = _engine(build_settings())
    updated = update_rollout(engine, rollout_id, changes, by=by or _who())
    _judge_rollouts(engine)
    click.echo(f"Updated rollout {rollout_id}: {updated.name} ({updated.kind}) from {updated.started_on}.")


@rollouts.command("delete")
@click.argument("rollout_id", metavar="ID", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def rollouts_delete(rollout_id: int, yes: bool) -> None:
    """Remove a rollout from the timeline (ID from `pulse rollouts list`), after confirmation."""
    from store.rollouts import delete_rollout, read_rollout

    engine = _engine(build_settings())
    rollout = read_rollout(engine, rollout_id)
    if not yes:
        click.confirm(f"Delete rollout {rollout_id}, '{rollout.name}' from {rollout.started_on}?", abort=True)
    delete_rollout(engine, rollout_id, by=_who())
    _judge_rollouts(engine)
    click.echo(f"Deleted rollout {rollout_id}: {rollout.name}.")


@rollouts.command("history")
def rollouts_history() -> None:
    """The audit trail: every rollout added, edited or deleted, by whom and when, newest first."""
    from store.rollouts import read_rollout_changes

    changes = read_rollout_changes(_engine(build_settings()))
    if changes.is_empty():
        click.echo("No rollout has been added, edited or deleted yet.")
    for row in changes.iter_rows(named=True):
        when = f"{row['changed_at']:%Y-%m-%d %H:%M} UTC"
        click.echo(f"{when}\t{row['changed_by']}\t{row['action']} rollout {row['rollout_id']}: {row['what']}")


@rollouts.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", default=None, help="Who is importing (default: your user name).")
def rollouts_import(file: Path, by: str | None) -> None:
    """Add the rollouts of a CSV file (name,kind,channel,started_on,ended_on,description)."""
    from store.rollouts import import_rollouts

    engine = _engine(build_settings())
    added, present = import_rollouts(engine, file, by=by or _who())
    _judge_rollouts(engine)
    click.echo(f"Imported {added} rollouts from {file} ({present} were already on the timeline).")


@rollouts.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), required=False)
def rollouts_export(file: Path | None) -> None:
    """Write the rollouts as CSV to FILE, or to standard output."""
    from store.rollouts import rollouts_csv

    text = rollouts_csv(_engine(build_settings()))
    if file is None:
        click.echo(text, nl=False)
    else:
        file.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {text.count(chr(10)) - 1} rollouts to {file}.")


# --- pulse import -----------------------------------------------------------------------------------


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--kind",
    type=click.Choice(["survey", "review"]),
    default="survey",
    show_default=True,
    help="What the file holds: survey answers or reviews.",
)
@click.option(
    "--preset",
    help="Surveys: typeform, google_forms, surveymonkey or qualtrics. Reviews: google_business, trustpilot, "
    "yelp or generic. Default: detected.",
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
    'FILE NAME"; for reviews, the export\'s platform ("Trustpilot reviews").',
)
@click.option("--json", "as_json", is_flag=True, help="Print the counts and mapping as JSON.")
def import_file(
    file: Path,
    kind: str,
    preset: str | None,
    pairs: tuple[str, ...],
    mapping_file: Path | None,
    dayfirst: bool | None,
    source_name: str | None,
    as_json: bool,
) -> None:
    """Import a survey export (CSV, XLSX or JSON from Typeform, Google Forms, SurveyMonkey, Qualtrics...) or,
    with --kind review, a review export (Google Business Profile, Trustpilot, Yelp, or any CSV / JSON).

    Survey fields: created_at, nps, csat, ces, text, response_id, respondent, segment, location, channel.
    A later export of the same survey (under any file name, cumulative or overlapping) goes into the same
    source and adds only the answers not stored yet; rows that cannot be imported are kept with their line and
    reason.
    """
    from collectors.base import run_collector
    from collectors.surveys import SurveyFileCollector, parse_map_options, read_mapping_file
    from collectors.surveys.sources import assign_source, choose_survey_source

    settings = build_settings()
    if kind == "review":
        if pairs or mapping_file or dayfirst is not None:
            raise InputError(
                "--map, --mapping, --dayfirst and --monthfirst are for survey files.",
                hint="For reviews, pick the export format with --preset if it is not detected.",
            )
        _import_reviews(file, preset, source_name, as_json, settings)
        return
    overrides = {**(read_mapping_file(mapping_file) if mapping_file else {}), **parse_map_options(pairs)}
    collector = SurveyFileCollector(file, None, overrides, preset, dayfirst, timezone=settings.timezone)
    engine = _engine(settings)
    plan = collector.plan
    if "created_at" not in plan.mapping and plan.data_rows:
        raise InputError(
            f"{plan.file_name} has no submission date column that Pulse can find; nothing was imported.",
            hint=f"Name it with --map created_at=COLUMN. Its columns: {', '.join(plan.columns[:30])}.",
        )
    choice = choose_survey_source(engine, plan, file.name, source_name)
    assign_source(collector, choice)
    if not as_json:
        heading = f"Importing {plan.data_rows} rows of {file} into {choice.name!r} ({choice.reason})."
        _print_mapping(heading, plan.mapping, plan.notes)
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
    )


def _import_reviews(
    file: Path, preset: str | None, source_name: str | None, as_json: bool, settings: Settings
) -> None:
    from collectors.base import run_collector
    from collectors.reviews import ReviewFileCollector

    engine = _engine(settings)
    collector = ReviewFileCollector(file, source_name=source_name, preset=preset, timezone=settings.timezone)
    read = collector.read()
    source = {"source": collector.source(read).name}
    if not as_json:
        heading = f"Importing {file} as {read.preset} reviews into {source['source']!r}."
        _print_mapping(heading, read.mapping, read.notes)
    result = run_collector(engine, collector)
    _report_import(
        result, "reviews", read.mapping, read.notes, read.rejects[:20], as_json, source, read.left_out
    )


def _print_mapping(heading: str, mapping: dict[str, str], notes: list[str]) -> None:
    click.echo(heading)
    for field_name, column in mapping.items():
        click.echo(f"  {field_name:<12} <- {column}")
    for note in notes:
        click.echo(f"  * {note}")


def _report_import(
    result: CollectResult,
    what: str,
    mapping: dict[str, str],
    notes: list[str],
    first_rejects: list[Rejected],
    as_json: bool,
    source: dict[str, Any],
    left_out: list[str],
) -> None:
    """The outcome of `pulse import`, as text or as JSON (`duplicates` and `already_there` are the same count:
    rows the source already held; the personal columns left out are in the notes)."""
    rejected_rows = [{"line": r.line, "reason": r.reason, "raw": r.raw} for r in first_rejects]
    if as_json:
        summary = {
            "imported": result.new,
            "already_there": result.duplicate,
            "duplicates": result.duplicate,
            "rejected": result.rejected,
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


# --- pulse collect ---------------------------------------------------------------------------------


@main.command()
@click.argument("names", nargs=-1)
def collect(names: tuple[str, ...]) -> None:
    """Run the configured live sources (App Store, Google Places, Reddit), or only those NAMES.

    A name matches a source by its start, case-insensitively: `pulse collect reddit app-store`.
    Exits with status 1 when any source failed; what the others fetched is kept.
    """
    from collectors.configured import configured_collectors, run_collectors

    settings = build_settings()
    engine = _engine(settings)
    available = configured_collectors(settings)
    if not available:
        raise ConfigError(
            "No live source is configured.",
            hint="Set PULSE_APP_STORE_APP_ID, PULSE_GOOGLE_PLACES_API_KEY with PULSE_GOOGLE_PLACES_PLACE_ID, or "
            "Reddit credentials (see the README's Sources section).",
        )
    chosen = _choose_sources(available, names)
    items_read: dict[str, int] = {}

    def show_progress(name: str, count: int) -> None:
        items_read[name] = items_read.get(name, 0) + count
        click.echo(f"\r{name}: {items_read[name]:,} items read", nl=False, err=True)

    outcomes = run_collectors(engine, chosen, show_progress)
    click.echo("", err=True)
    for outcome in outcomes:
        if outcome.result is not None:
            counts = ", ".join(f"{value} {key}" for key, value in outcome.result.as_dict().items())
            click.echo(f"{outcome.name}: {counts} ({outcome.seconds:.1f} s)")
        elif outcome.error is not None:
            _print_error(outcome.error, f"{outcome.name} failed")
    if any(outcome.error is not None for outcome in outcomes):
        sys.exit(1)


def _choose_sources(available: dict[str, Any], names: tuple[str, ...]) -> list[Any]:
    if not names:
        return list(available.values())
    chosen = []
    for name in names:
        matches = [source for key, source in available.items() if key.lower().startswith(name.lower())]
        if not matches:
            raise InputError(
                f"No configured source is called {name!r}.",
                hint=f"Configured sources: {', '.join(available)}.",
            )
        chosen += [source for source in matches if source not in chosen]
    return chosen


# --- pulse themes, pulse export ------------------------------------------------------------------------


@main.group()
def themes() -> None:
    """Themes: what customers talk about. Fit, update, list, rename, merge and hide them."""


@themes.command("fit")
@click.option(
    "--model", "model_name", default=None, help="Sentence-embedding model (default: PULSE_EMBEDDING_MODEL)."
)
def themes_fit(model_name: str | None) -> None:
    """Fit the themes on all feedback now (a full refit). Names, merges and hidden themes carry over to the
    new themes that match the old ones."""
    from analysis.theme_pipeline import update_themes

    settings = build_settings()
    with click.progressbar(length=1, label="Embedding new texts", file=sys.stderr) as bar:
        run = update_themes(
            _engine(settings),
            refit=True,
            model_name=model_name or settings.embedding_model,
            progress=lambda done, total: _progress_to(bar, done, total),
        )
    click.echo(f"Fitted {run.topics} themes on {run.themed} feedback items.")


@themes.command("update")
@click.option(
    "--model", "model_name", default=None, help="Sentence-embedding model (default: PULSE_EMBEDDING_MODEL)."
)
def themes_update(model_name: str | None) -> None:
    """Give new feedback its theme without a refit; refits when there is no model yet or when too many new
    items fit the themes poorly."""
    from analysis.theme_pipeline import update_themes

    settings = build_settings()
    run = update_themes(_engine(settings), model_name=model_name or settings.embedding_model)
    if run.action == "fit":
        click.echo(f"Refitted ({run.reason}): {run.topics} themes on {run.themed} feedback items.")
    else:
        click.echo(f"Themed {run.themed} new feedback items with the {run.topics} current themes.")


def _progress_to(bar: Any, done: int, total: int) -> None:
    bar.length = max(total, 1)
    bar.update(done - bar.pos)


@themes.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def themes_list(as_json: bool) -> None:
    """List the current themes: id, size, name (the owner's or the generated label), keywords."""
    from store.topics import read_topics

    topics = read_topics(_engine(build_settings())).drop("centroid")
    if as_json:
        click.echo(json.dumps(topics.to_dicts(), default=_json_default, indent=2, ensure_ascii=False))
        return
    if topics.is_empty():
        click.echo("No themes yet. Run `pulse themes fit`.")
        return
    for row in topics.sort("size", descending=True).iter_rows(named=True):
        notes = ["hidden"] * bool(row["hidden"]) + [f"merged into {row['merged_into']}"] * bool(
            row["merged_into"]
        )
        extra = f" [{', '.join(notes)}]" if notes else ""
        click.echo(
            f"{row['id']:>5}  {row['size']:>6}  {row['custom_name'] or row['label']}{extra}  "
            f"({', '.join(row['keywords'][:5])})"
        )


@themes.command("rename")
@click.argument("theme_id", type=int)
@click.argument("name", required=False, default="")
def themes_rename(theme_id: int, name: str) -> None:
    """Give theme THEME_ID your NAME (no NAME: back to the generated label). Kept across refits."""
    from store.topics import rename_topic

    rename_topic(_engine(build_settings()), theme_id, name)
    click.echo(f"Theme {theme_id} is now {name!r}." if name.strip() else f"Theme {theme_id} uses its label.")


@themes.command("merge")
@click.argument("theme_id", type=int)
@click.argument("into_id", type=int)
def themes_merge(theme_id: int, into_id: int) -> None:
    """Count theme THEME_ID as part of theme INTO_ID. Kept across refits."""
    from store.topics import merge_topic

    merge_topic(_engine(build_settings()), theme_id, into_id)
    click.echo(f"Theme {theme_id} now counts as theme {into_id}.")


@themes.command("hide")
@click.argument("theme_id", type=int)
@click.option("--show", is_flag=True, help="Show a hidden theme again.")
def themes_hide(theme_id: int, show: bool) -> None:
    """Hide theme THEME_ID from the dashboard and exports. Kept across refits."""
    from store.topics import hide_topic

    hide_topic(_engine(build_settings()), theme_id, hidden=not show)
    click.echo(f"Theme {theme_id} is {'shown' if show else 'hidden'}.")


@main.group()
def export() -> None:
    """Export reports for people: themes."""


@export.command("themes")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only feedback from this day (YYYY-MM-DD).")
@click.option(
    "--format", "format_name", type=click.Choice(["csv", "md", "pdf"]), default="md", show_default=True
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write (default: standard output; for pdf, themes.pdf).",
)
@click.option("--top", type=click.IntRange(1, 50), default=8, show_default=True, help="How many themes.")
def export_themes(since: Any, format_name: str, out_file: Path | None, top: int) -> None:
    """The top themes with their size, trend, sentiment, impersonal share and quotes (emails, phone numbers
    and @handles redacted), and the themes that changed most after each rollout."""
    from zoneinfo import ZoneInfo

    from analysis.theme_pipeline import store_theme_report
    from pulse.theme_export import theme_report_bytes

    settings = build_settings()
    start = since.replace(tzinfo=ZoneInfo(settings.timezone)) if since else None
    report = store_theme_report(_engine(settings), settings.timezone, start, top)
    content = theme_report_bytes(report, format_name, settings.business_name)
    if out_file is None and format_name != "pdf":
        click.echo(content.decode("utf-8"), nl=False)
        return
    out_file = out_file or Path("themes.pdf")
    out_file.write_bytes(content)
    click.echo(f"Wrote {report.summary.height} themes to {out_file}.")


if __name__ == "__main__":
    main()
