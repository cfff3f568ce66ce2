"""`pulse cases list | show | assign | unassign | contacted | close | note | rules`: the follow-up cases that
`pulse analyze` opens for unhappy customers, and the rules that open them. Every change is kept in the case's
history with who made it (--by, default your user name) and when."""

from __future__ import annotations

import getpass
import json
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from cli.context import Context, with_context
from cli.notifications import notify_command
from pulse.errors import InputError

if TYPE_CHECKING:
    import polars as pl

    from store.engine import Engine

STATUS_WORDS = ("new", "assigned", "contacted", "resolved", "no_reply")  # store.schema.CASE_STATUSES
OPEN_WORDS = ("new", "assigned", "contacted")  # --status open: every case not closed
JSON_KEYS = ("id", "feedback_id", "reason", "status", "assignee", "due", "created")
WORDS_SHOWN = 60  # characters of the customer's words in the list
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
BY_HELP = "Who is doing it, as kept in the case's history (default: your user name on this computer)."


def who(by: str | None) -> str:
    """`--by`, else the OS user name (getpass.getuser), else "cli"."""
    if by and by.strip():
        return by.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def case_status(word: str) -> list[str]:
    """The statuses a --status word names: one of STATUS_WORDS ("no-reply" and "no reply" too), or "open"."""
    status = word.strip().lower().replace("-", "_").replace(" ", "_")
    if status == "open":
        return list(OPEN_WORDS)
    if status not in STATUS_WORDS:
        raise InputError(
            f"Unknown case status {word!r}.",
            hint=f"Use one of: {', '.join(STATUS_WORDS)}, or open (every case not closed).",
        )
    return [status]


def check_assignee(engine: Engine, name: str) -> str:
    """`name` when cases may go to it: a user of `pulse users` (any role), or anyone while there are no users."""
    from pulse.credentials import normalise_username
    from store.users import read_users

    name = normalise_username(name)
    if not name:
        raise InputError("The name is empty.", hint="Give the user name of the person who will follow it up.")
    accounts = read_users(engine)["username"].to_list()
    if accounts and name not in accounts:
        raise InputError(
            f"There is no user {name!r}.",
            hint=f"Give one of: {', '.join(accounts)} (`pulse users list`), or add them first with "
            "`pulse users add NAME --role staff`.",
        )
    return name


@click.group()
def cases() -> None:
    """Follow-up cases: a named person contacts an unhappy customer (a detractor, an impersonal-service
    complaint, a 1-2 star review, a comment asking for contact). `pulse analyze` opens them; `pulse cases rules`
    says which feedback does."""


@cases.command("list")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    help="Only cases in this status: new, assigned, contacted, resolved, no_reply, or open (every case not "
    "closed); repeat for several.",
)
@click.option("--assignee", help="Only the cases of this person.")
@click.option(
    "--overdue", is_flag=True, help="Only cases nobody has contacted yet whose due time has passed."
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print a JSON list of objects with id, feedback_id, reason, status, assignee (null: nobody), due and "
    "created (ISO 8601, UTC).",
)
@with_context
def cases_list(
    context: Context, statuses: tuple[str, ...], assignee: str | None, overdue: bool, as_json: bool
) -> None:
    """The cases, newest first: id, reason, status, assignee, due time (in PULSE_TIMEZONE, marked overdue
    when nobody has contacted the customer in time), when it was opened, and the customer's words."""
    import polars as pl

    from analysis.case_measures import is_overdue_expr
    from store.cases import read_cases

    wanted = [status for word in statuses for status in case_status(word)] or None
    now = datetime.now(UTC)
    frame = read_cases(context.engine, status=wanted, assignee=assignee)
    frame = frame.with_columns(is_overdue_expr(now).alias("overdue"))
    if overdue:
        frame = frame.filter(pl.col("overdue"))
    if as_json:
        click.echo(json.dumps([json_case(row) for row in frame.iter_rows(named=True)], indent=2))
        return
    if frame.is_empty():
        click.echo(
            "No cases." if statuses or assignee or overdue else "No cases yet: `pulse analyze` opens them."
        )
        return
    print_cases(frame, context.settings.timezone)


def json_case(row: dict[str, Any]) -> dict[str, Any]:
    """One case as `pulse cases list --json` prints it: exactly JSON_KEYS."""
    return {
        "id": row["id"],
        "feedback_id": row["feedback_id"],
        "reason": row["reason"],
        "status": row["status"],
        "assignee": row["assignee"],
        "due": row["due_at"].astimezone(UTC).isoformat(),
        "created": row["created_at"].astimezone(UTC).isoformat(),
    }


def print_cases(frame: pl.DataFrame, timezone: str) -> None:
    from pulse.formatting import format_moment

    lines = [["id", "reason", "status", "assignee", "due", "created", "the customer's words"]]
    for row in frame.iter_rows(named=True):
        lines.append(
            [
                str(row["id"]),
                row["reason"],
                row["status"],
                one_line(row["assignee"]) or "-",
                due_words(row["due_at"], timezone) + (" overdue" if row["overdue"] else ""),
                format_moment(row["created_at"], timezone, sortable=True),
                trimmed(row["text"]),
            ]
        )
    print_table(lines)


def due_words(due: datetime, timezone: str) -> str:
    """'Mon 30 Nov 16:00' in the business's time zone."""
    from pulse.formatting import local_moment

    local = local_moment(due, timezone)
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def one_line(text: str | None) -> str:
    """Words that people typed, safe to print on a terminal: on one line, without control characters (an
    escape sequence in a review could otherwise move the cursor, retitle the window or hide text) or the
    direction overrides that reorder what is shown."""
    return _UNPRINTABLE.sub("", " ".join((text or "").split()))


def trimmed(text: str | None, limit: int = WORDS_SHOWN) -> str:
    words = one_line(text)
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"


def print_table(lines: list[list[str]]) -> None:
    widths = [max(len(line[column]) for line in lines) for column in range(len(lines[0]))]
    for line in lines:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


@cases.command("show")
@click.argument("case_id", type=int)
@with_context
def cases_show(context: Context, case_id: int) -> None:
    """One case: its reason, status, assignee and due time, the customer's words and scores, and its history."""
    from analysis.case_measures import is_overdue_expr
    from analysis.cases_pipeline import read_rules
    from pulse.formatting import format_moment
    from store.cases import read_case_events, read_cases

    engine = context.engine
    timezone = context.settings.timezone
    found = read_cases(engine, case_ids=[case_id])
    if found.is_empty():
        raise no_case(case_id)
    case = found.row(0, named=True)
    labels = {rule.key: rule.label for rule in read_rules(engine, context.settings)}
    late = found.select(is_overdue_expr(datetime.now(UTC))).item()
    first_contact = case["first_contact_at"]
    contact = f", first contact {format_moment(first_contact, timezone)}" if first_contact else ""
    click.echo(f"Case {case['id']}: {labels.get(case['reason'], case['reason'])}")
    click.echo(f"  status:   {case['status']}{contact}")
    click.echo(f"  assignee: {one_line(case['assignee']) or 'nobody yet'}")
    click.echo(f"  due:      {format_moment(case['due_at'], timezone)}" + (" (overdue)" if late else ""))
    click.echo(f"  opened:   {format_moment(case['created_at'], timezone)}")
    if case["closed_at"]:
        click.echo(f"  closed:   {format_moment(case['closed_at'], timezone)}")
    where = ", ".join(one_line(part) for part in (case["channel"], case["location"]) if part)
    click.echo(
        f"Feedback {case['feedback_id']}: {case['kind']} from {one_line(case['source'])}"
        + (f" ({where})" if where else "")
        + f", {format_moment(case['feedback_created_at'], timezone)}"
    )
    scores = [
        f"{name} {case[column]}"
        for name, column in (("NPS", "nps"), ("CSAT", "csat"), ("CES", "ces"), ("stars", "stars"))
        if case[column] is not None
    ]
    if scores:
        click.echo(f"  {', '.join(scores)}")
    click.echo(f"  “{one_line(case['text']) or '(no comment)'}”")
    click.echo("History:")
    for event in read_case_events(engine, case_id).iter_rows(named=True):
        click.echo(
            f"  {format_moment(event['at'], timezone, sortable=True)}  {one_line(event['by'])}: "
            + one_line(event_words(event))
        )


def event_words(event: dict[str, Any]) -> str:
    """One line of a case's history in words: 'assigned to ann', 'status new -> contacted: Called, all fine'."""
    action = event["action"]
    if action == "created":
        return f"opened ({event['note']})" if event["note"] else "opened"
    if action == "assigned":
        words = f"assigned to {event['after']}" if event["after"] else f"unassigned from {event['before']}"
    elif action == "status":
        words = f"status {event['before']} -> {event['after']}"
    else:
        words = "note"
    return f"{words}: {event['note']}" if event["note"] else words


def no_case(case_id: int) -> InputError:
    return InputError(
        f"There is no case {case_id}.", hint="`pulse cases list` lists the cases and their ids."
    )


@cases.command("assign")
@click.argument("case_id", type=int)
@click.argument("name")
@click.option("--by", help=BY_HELP)
@with_context
def cases_assign(context: Context, case_id: int, name: str, by: str | None) -> None:
    """Give case CASE_ID to NAME, a user of `pulse users` (anyone while there are no users). A new case
    becomes assigned."""
    from store.cases import assign_case

    engine = context.engine
    name = check_assignee(engine, name)
    assign_case(engine, case_id, name, by=who(by))
    click.echo(f"Case {case_id} is assigned to {name}.")


@cases.command("unassign")
@click.argument("case_id", type=int)
@click.option("--by", help=BY_HELP)
@with_context
def cases_unassign(context: Context, case_id: int, by: str | None) -> None:
    """Take case CASE_ID from its assignee; an assigned case nobody has contacted yet goes back to new."""
    from store.cases import assign_case

    assign_case(context.engine, case_id, None, by=who(by))
    click.echo(f"Case {case_id} is assigned to nobody.")


@cases.command("contacted")
@click.argument("case_id", type=int)
@click.option("--note", help="What was said or agreed, kept in the history.")
@click.option("--by", help=BY_HELP)
@with_context
def cases_contacted(context: Context, case_id: int, note: str | None, by: str | None) -> None:
    """Record that someone reached (or tried to reach) the customer of case CASE_ID; the first time is the
    case's first contact."""
    from store.cases import set_case_status

    set_case_status(context.engine, case_id, "contacted", by=who(by), note=note)
    click.echo(f"Case {case_id} is contacted.")


@cases.command("close")
@click.argument("case_id", type=int)
@click.option(
    "--outcome",
    default="resolved",
    show_default=True,
    help="resolved (the customer was reached and it was dealt with) or no_reply (they never answered).",
)
@click.option("--note", help="What was said or agreed, kept in the history.")
@click.option("--by", help=BY_HELP)
@with_context
def cases_close(context: Context, case_id: int, outcome: str, note: str | None, by: str | None) -> None:
    """Close case CASE_ID as resolved or no_reply (`pulse cases contacted` opens it again)."""
    from store.cases import set_case_status

    (status,) = case_status(outcome)
    if status not in ("resolved", "no_reply"):
        raise InputError(
            f"{outcome!r} does not close a case.", hint="Use --outcome resolved or --outcome no_reply."
        )
    set_case_status(context.engine, case_id, status, by=who(by), note=note)
    click.echo(f"Case {case_id} is closed: {status}.")


@cases.command("note")
@click.argument("case_id", type=int)
@click.argument("text")
@click.option("--by", help=BY_HELP)
@with_context
def cases_note(context: Context, case_id: int, text: str, by: str | None) -> None:
    """Add TEXT to the history of case CASE_ID (what was said, what was agreed)."""
    from store.cases import add_case_note

    add_case_note(context.engine, case_id, text, by=who(by))
    click.echo(f"Noted on case {case_id}.")


@cases.group("rules", invoke_without_command=True)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print a JSON list of the rules: key, label, enabled, threshold, assignee, due_hours.",
)
@click.pass_context
def cases_rules(ctx: click.Context, as_json: bool) -> None:
    """The rules that open cases, in order (a feedback item that meets several gets the first as its reason),
    with the owner's changes; `pulse cases rules set` changes one."""
    if ctx.invoked_subcommand is not None:
        return
    context = ctx.ensure_object(Context)
    from analysis.cases_pipeline import read_rules

    rules = read_rules(context.engine, context.settings)
    if as_json:
        click.echo(json.dumps([rule_json(rule) for rule in rules], indent=2))
        return
    print_rules(rules)


def rule_json(rule: Any) -> dict[str, Any]:
    return {
        "key": rule.key,
        "label": rule.label,
        "enabled": rule.enabled,
        "threshold": rule.threshold,
        "assignee": rule.assignee,
        "due_hours": rule.due_hours,
    }


def print_rules(rules: list[Any]) -> None:
    lines = [["rule", "opens a case for", "on", "assignee", "due after"]]
    for rule in rules:
        lines.append(
            [
                rule.key,
                rule.label,
                "yes" if rule.enabled else "no",
                one_line(rule.assignee) or "-",
                f"{rule.due_hours} business hours",
            ]
        )
    print_table(lines)


@cases_rules.command("set")
@click.argument("rule")
@click.option("--enable/--disable", "enabled", default=None, help="Turn the rule on or off.")
@click.option(
    "--threshold", type=int, help="detractor: NPS at most this (0-9); low_stars: stars at most this (1-4)."
)
@click.option("--assignee", help="Who the rule's new cases go to (a user of `pulse users`).")
@click.option("--no-assignee", is_flag=True, help="Send the rule's new cases to nobody.")
@click.option(
    "--due-hours", type=int, help="Business hours from a case's opening to first contact being due."
)
@click.option("--by", help=BY_HELP)
@with_context
def cases_rules_set(
    context: Context,
    rule: str,
    enabled: bool | None,
    threshold: int | None,
    assignee: str | None,
    no_assignee: bool,
    due_hours: int | None,
    by: str | None,
) -> None:
    """Change RULE (detractor, impersonal, low_stars, contact_request) for the cases opened from now on."""
    from analysis.cases_pipeline import KEEP, change_rule

    if assignee is not None and no_assignee:
        raise InputError(
            "Give --assignee or --no-assignee, not both.", hint="--no-assignee sends cases to nobody."
        )
    engine = context.engine
    who_gets: object = KEEP
    if no_assignee:
        who_gets = None
    elif assignee is not None:
        who_gets = check_assignee(engine, assignee)
    changed = change_rule(
        engine,
        context.settings,
        rule.strip().lower(),
        who(by),
        enabled=enabled,
        threshold=threshold,
        assignee=who_gets,
        due_hours=due_hours,
    )
    state = "on" if changed.enabled else "off"
    goes = f"to {changed.assignee}" if changed.assignee else "to nobody yet"
    click.echo(
        f"Rule {changed.key}: {changed.label}, {state}; cases go {goes}, due after {changed.due_hours} business hours."
    )


cases.add_command(notify_command)  # `pulse cases notify`: cli/notifications.py
