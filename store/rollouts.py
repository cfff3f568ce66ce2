"""Automation rollouts that the team tags on the timeline, with who tagged them and when, and every change kept
in an audit trail (rollout_changes)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, select

from pulse.errors import InputError
from pulse.tables import csv_safe, undo_csv_safe
from store.engine import inserted_id, reading, writing
from store.frames import read_frame
from store.schema import rollout_changes, rollouts
from store.state import bump_data_version, utc_now

ROLLOUT_KINDS = ("chatbot", "automated_email", "online_ordering", "kiosk", "loyalty_app", "other")
CSV_COLUMNS = ("name", "kind", "channel", "started_on", "ended_on", "description")


@dataclass(frozen=True)
class Rollout:
    """An automation change: what, when, where it touches customers."""

    name: str
    kind: str
    started_on: date
    ended_on: date | None = None
    channel: str | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InputError("A rollout needs a name.", hint="Give it a short name, e.g. 'Support chatbot'.")
        if self.kind not in ROLLOUT_KINDS:
            raise InputError(
                f"Unknown rollout kind {self.kind!r}.", hint=f"Use one of: {', '.join(ROLLOUT_KINDS)}."
            )
        if self.ended_on is not None and self.ended_on < self.started_on:
            raise InputError(
                f"Rollout {self.name!r} ends ({self.ended_on}) before it starts ({self.started_on}).",
                hint="Check the two dates.",
            )


def add_rollout(engine: Engine, rollout: Rollout, by: str) -> int:
    now = utc_now()
    with writing(engine) as connection:
        duplicate = _same_name_and_start(connection, rollout)
        if duplicate is not None:
            raise InputError(
                f"A rollout {rollout.name!r} starting {rollout.started_on} is already on the timeline "
                f"(id {duplicate}).",
                hint="Edit that one instead, or give the new one another name.",
            )
        inserted = connection.execute(
            rollouts.insert().values(
                **asdict(rollout), created_by=by, created_at=now, updated_by=by, updated_at=now
            )
        )
        rollout_id = inserted_id(inserted)
        _record_change(connection, rollout_id, "added", by, None, rollout)
        bump_data_version(connection)
    return rollout_id


def update_rollout(engine: Engine, rollout_id: int, changes: dict[str, Any], by: str) -> Rollout:
    """Change some fields of a rollout (those of Rollout), checked as a whole; returns the rollout as it is
    now. Who changed it and when are kept in updated_by and updated_at."""
    with writing(engine) as connection:
        before = _stored_rollout(connection, rollout_id)
        updated = replace(before, **changes)
        duplicate = _same_name_and_start(connection, updated, other_than=rollout_id)
        if duplicate is not None:
            raise InputError(
                f"Rollout {duplicate} is already called {updated.name!r} and starts on {updated.started_on}.",
                hint="Give this one another name or start date, or delete one of the two.",
            )
        connection.execute(
            rollouts.update()
            .where(rollouts.c.id == rollout_id)
            .values(**asdict(updated), updated_by=by, updated_at=utc_now())
        )
        _record_change(connection, rollout_id, "edited", by, before, updated)
        bump_data_version(connection)
    return updated


def _same_name_and_start(
    connection: Connection, rollout: Rollout, other_than: int | None = None
) -> int | None:
    """The id of a stored rollout (not `other_than`) with the name and start date of `rollout`, if any."""
    query = select(rollouts.c.id).where(
        rollouts.c.name == rollout.name, rollouts.c.started_on == rollout.started_on
    )
    if other_than is not None:
        query = query.where(rollouts.c.id != other_than)
    return connection.execute(query).scalar()


def delete_rollout(engine: Engine, rollout_id: int, by: str) -> Rollout:
    """Remove a rollout from the timeline; returns what it was (kept in the audit trail)."""
    with writing(engine) as connection:
        removed = _stored_rollout(connection, rollout_id)
        connection.execute(rollouts.delete().where(rollouts.c.id == rollout_id))
        _record_change(connection, rollout_id, "deleted", by, removed, None)
        bump_data_version(connection)
    return removed


def _record_change(
    connection: Connection,
    rollout_id: int,
    action: str,
    by: str,
    before: Rollout | None,
    after: Rollout | None,
) -> None:
    def fields_of(rollout: Rollout | None) -> dict[str, Any] | None:
        return (
            None
            if rollout is None
            else {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(rollout).items()}
        )

    connection.execute(
        rollout_changes.insert().values(
            rollout_id=rollout_id,
            action=action,
            changed_by=by,
            changed_at=utc_now(),
            before=fields_of(before),
            after=fields_of(after),
        )
    )


def read_rollout_changes(engine: Engine) -> pl.DataFrame:
    """The audit trail, newest first: rollout_id, action, changed_by, changed_at, and what changed (a short
    `field: old -> new` text per edited field; the rollout's name for an addition or a deletion)."""
    with reading(engine) as connection:
        rows = connection.execute(
            select(rollout_changes).order_by(rollout_changes.c.changed_at.desc(), rollout_changes.c.id.desc())
        ).mappings()
        changes = [
            {
                "rollout_id": row["rollout_id"],
                "action": row["action"],
                "changed_by": row["changed_by"],
                "changed_at": row["changed_at"],
                "what": describe_change(row["before"], row["after"]),
            }
            for row in rows
        ]
    schema = {"rollout_id": pl.Int64, "action": pl.String, "changed_by": pl.String, "what": pl.String}
    frame = pl.DataFrame(changes, schema={**schema, "changed_at": pl.Datetime("us", "UTC")}, orient="row")
    return frame.select("rollout_id", "action", "changed_by", "changed_at", "what")


def describe_change(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """`name: A -> B; ended_on: None -> 2026-05-01` for an edit; the rollout's name for an addition or a deletion."""
    if before is None or after is None:
        return str((after or before or {}).get("name", ""))
    return "; ".join(
        f"{key}: {before.get(key)} -> {value}" for key, value in after.items() if before.get(key) != value
    )


def read_rollout(engine: Engine, rollout_id: int) -> Rollout:
    with reading(engine) as connection:
        return _stored_rollout(connection, rollout_id)


def _stored_rollout(connection: Connection, rollout_id: int) -> Rollout:
    row = connection.execute(select(rollouts).where(rollouts.c.id == rollout_id)).mappings().first()
    if row is None:
        raise InputError(f"There is no rollout {rollout_id}.", hint="See the ids with `pulse rollouts list`.")
    return Rollout(**{field.name: row[field.name] for field in fields(Rollout)})


def read_rollouts(engine: Engine) -> pl.DataFrame:
    """All rollouts, oldest first."""
    with reading(engine) as connection:
        return read_frame(
            connection,
            select(rollouts).order_by(rollouts.c.started_on, rollouts.c.id),
            schema={"channel": pl.String, "ended_on": pl.Date, "started_on": pl.Date},
        )


def add_new_rollouts(engine: Engine, parsed: Sequence[Rollout], by: str) -> tuple[int, int]:
    """Add those of `parsed` that are not on the timeline yet (by name and start); returns (added, already
    present). collectors.rollouts reads them from a file."""
    existing = {(row["name"], row["started_on"]) for row in read_rollouts(engine).iter_rows(named=True)}
    fresh = [rollout for rollout in parsed if (rollout.name, rollout.started_on) not in existing]
    for rollout in fresh:
        add_rollout(engine, rollout, by)
    return len(fresh), len(parsed) - len(fresh)


def parse_rollout_rows(rows: Iterable[tuple[int, Sequence[str]]], origin: str = "CSV") -> list[Rollout]:
    """Rollouts from the rows of a file, each with its line, the first its header with the columns of
    CSV_COLUMNS; any bad row fails the whole file. Text cells that `rollouts_csv` neutralised against formula
    injection (a leading quote) are read back as they were."""
    lines = iter(rows)
    _, first = next(lines, (1, []))
    header = [name.strip() for name in first]
    missing = {"name", "kind", "started_on"} - set(header)
    if missing:
        raise InputError(
            f"{origin} has no column {', '.join(sorted(missing))}.",
            hint=f"A rollouts CSV has the header: {','.join(CSV_COLUMNS)}.",
        )
    problems: list[str] = []
    parsed: list[Rollout] = []
    for line, cells in lines:
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        row: dict[str, str | None] = dict(zip(header, cells, strict=False))
        try:
            parsed.append(
                Rollout(
                    name=_cell(row, "name"),
                    kind=_cell(row, "kind"),
                    started_on=_parse_date(row.get("started_on"), "started_on"),
                    ended_on=_parse_date(row["ended_on"], "ended_on") if _cell(row, "ended_on") else None,
                    channel=_cell(row, "channel") or None,
                    description=_cell(row, "description"),
                )
            )
        except InputError as error:
            problems.append(f"line {line}: {error.message}")
    if problems:
        raise InputError(
            f"{origin}: {len(problems)} row(s) cannot be imported, so nothing was: " + "; ".join(problems),
            hint="Fix those rows and import the file again.",
        )
    return parsed


def _cell(row: dict[str, str | None], column: str) -> str:
    """A text cell, trimmed, with the quote that `rollouts_csv` added against formula injection taken off."""
    return undo_csv_safe((row.get(column) or "").strip())


def _parse_date(value: str | None, column: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError as error:
        raise InputError(f"{column} {value!r} is not a date", hint="Write dates as YYYY-MM-DD.") from error


def rollouts_csv(engine: Engine) -> str:
    """Every rollout as CSV text in the format that collectors.rollouts.import_rollouts reads."""
    frame = read_rollouts(engine)
    output = io.StringIO()
    writer = csv.writer(output, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in frame.iter_rows(named=True):
        writer.writerow([csv_safe(row[column]) for column in CSV_COLUMNS])
    return output.getvalue()
