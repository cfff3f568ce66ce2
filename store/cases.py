"""Follow-up cases: a member of staff contacts an unhappy customer. Each case belongs to one feedback item (never
two cases for one item, however often the pipeline runs), has a status and an assignee, and keeps the history of
who changed what and when (case_events). The owner's changes to the built-in rules that make cases are kept in
case_rules (the rules themselves: analysis/case_rules.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, and_, func, select

from pulse.errors import InputError
from store.engine import reading, upsert_insert, writing
from store.frames import read_frame
from store.schema import (
    CASE_STATUSES,
    CUSTOMER_KINDS,
    case_events,
    case_rules,
    cases,
    corrections,
    feedback,
    scores,
    sources,
)
from store.state import as_utc, utc_now

OPEN_STATUSES = ("new", "assigned")  # nobody has reached the customer yet
CONTACTED_STATUSES = ("contacted", "resolved", "no_reply")  # a person tried: the first time is first contact
CLOSED_STATUSES = ("resolved", "no_reply")
PIPELINE = "pulse"  # who the pipeline's changes are recorded as


@dataclass(frozen=True)
class NewCase:
    """A case the rules ask for: the feedback, the first rule it met, who it goes to, and when contact is due."""

    feedback_id: int
    reason: str
    due_at: datetime
    assignee: str | None = None


@dataclass(frozen=True)
class RuleChange:
    """The owner's setting of one rule, as stored in case_rules."""

    rule: str
    enabled: bool
    threshold: int | None
    assignee: str | None
    due_hours: int


CANDIDATE_SCHEMA: dict[str, Any] = {
    "feedback_id": pl.Int64,
    "kind": pl.String,
    "created_at": pl.Datetime("us", "UTC"),
    "text": pl.String,
    "nps": pl.Int64,
    "csat": pl.Int64,
    "stars": pl.Int64,
    "channel": pl.String,
    "impersonal": pl.Boolean,
}


def read_case_candidates(
    engine: Engine, since: datetime | None = None, feedback_ids: Sequence[int] | None = None
) -> pl.DataFrame:
    """Customers' feedback without a case yet (CANDIDATE_SCHEMA), created at or after `since` or among
    `feedback_ids`: what the rules look at. `impersonal` is the team's correction where there is one, else the
    stored score, else null (not scored yet)."""
    corrected = corrections.alias("corrected")
    query = (
        select(
            feedback.c.id.label("feedback_id"),
            feedback.c.kind,
            feedback.c.created_at,
            feedback.c.text,
            feedback.c.nps,
            feedback.c.csat,
            feedback.c.stars,
            feedback.c.channel,
            scores.c.impersonal,
            corrected.c.value.label("corrected_impersonal"),
        )
        .select_from(
            feedback.outerjoin(cases, cases.c.feedback_id == feedback.c.id)
            .outerjoin(scores, scores.c.feedback_id == feedback.c.id)
            .outerjoin(
                corrected,
                and_(corrected.c.feedback_id == feedback.c.id, corrected.c.field == "impersonal"),
            )
        )
        .where(cases.c.id.is_(None), feedback.c.kind.in_(CUSTOMER_KINDS))
        .order_by(feedback.c.id)
    )
    if since is not None:
        query = query.where(feedback.c.created_at >= since)
    if feedback_ids is not None:
        query = query.where(feedback.c.id.in_(list(feedback_ids)))
    with reading(engine) as connection:
        frame = read_frame(connection, query)
    if frame.is_empty():
        return pl.DataFrame(schema=CANDIDATE_SCHEMA)
    impersonal = (
        pl.when(pl.col("corrected_impersonal").is_not_null())
        .then(pl.col("corrected_impersonal") == "true")
        .otherwise(pl.col("impersonal").cast(pl.Boolean))
    )
    return frame.with_columns(impersonal.alias("impersonal")).select(
        [pl.col(name).cast(dtype) for name, dtype in CANDIDATE_SCHEMA.items()]
    )


def create_cases(engine: Engine, new: Sequence[NewCase], now: datetime | None = None) -> list[int]:
    """Open a case for each of `new` whose feedback has none yet; returns the ids of the cases made (a feedback
    item that has a case already is left as it is). A case with an assignee starts as "assigned"."""
    now = now or utc_now()
    made: list[int] = []
    with writing(engine) as connection:
        for case in new:
            status = "assigned" if case.assignee else "new"
            case_id = connection.execute(
                upsert_insert(connection, cases)
                .values(
                    feedback_id=case.feedback_id,
                    reason=case.reason,
                    status=status,
                    assignee=case.assignee,
                    created_at=now,
                    due_at=case.due_at,
                    updated_at=now,
                )
                .on_conflict_do_nothing(index_elements=[cases.c.feedback_id])
                .returning(cases.c.id)
            ).scalar()
            if case_id is None:
                continue
            made.append(case_id)
            _record(connection, case_id, now, PIPELINE, "created", None, "new", note=case.reason)
            if case.assignee:
                _record(connection, case_id, now, PIPELINE, "assigned", None, case.assignee)
    return made


def assign_case(
    engine: Engine, case_id: int, assignee: str | None, by: str, now: datetime | None = None
) -> None:
    """Give the case to `assignee` (None: to nobody). A new case becomes "assigned"; an unassigned one that
    nobody has contacted yet goes back to "new"."""
    now = now or utc_now()
    with writing(engine) as connection:
        row = _case_row(connection, case_id)
        if row.assignee == assignee:
            return
        values: dict[str, Any] = {"assignee": assignee, "updated_at": now}
        if assignee and row.status == "new":
            values["status"] = "assigned"
        elif not assignee and row.status == "assigned":
            values["status"] = "new"
        connection.execute(cases.update().where(cases.c.id == case_id).values(**values))
        _record(connection, case_id, now, by, "assigned", row.assignee, assignee)
        if "status" in values:
            _record(connection, case_id, now, by, "status", row.status, values["status"])


def set_case_status(
    engine: Engine, case_id: int, status: str, by: str, note: str | None = None, now: datetime | None = None
) -> None:
    """Move the case on to `status` (one of CASE_STATUSES), with an optional note. The first move to a
    contacted status (contacted, resolved, no reply) is the case's first human contact; resolved and no reply
    close it, and moving a closed case back opens it again."""
    if status not in CASE_STATUSES:
        raise InputError(f"Unknown case status {status!r}.", hint=f"Use one of: {', '.join(CASE_STATUSES)}.")
    now = now or utc_now()
    with writing(engine) as connection:
        row = _case_row(connection, case_id)
        if row.status == status and not note:
            return
        values: dict[str, Any] = {"status": status, "updated_at": now}
        if status in CONTACTED_STATUSES and row.first_contact_at is None:
            values["first_contact_at"] = now
        values["closed_at"] = (row.closed_at or now) if status in CLOSED_STATUSES else None
        connection.execute(cases.update().where(cases.c.id == case_id).values(**values))
        if row.status != status:
            _record(connection, case_id, now, by, "status", row.status, status, note=note)
        else:
            _record(connection, case_id, now, by, "note", None, None, note=note)


def add_case_note(engine: Engine, case_id: int, note: str, by: str, now: datetime | None = None) -> None:
    """Add a note to the case's history (what was said, what was agreed)."""
    if not note.strip():
        raise InputError("The note is empty.", hint="Write what happened, e.g. 'Called, offered a refund'.")
    now = now or utc_now()
    with writing(engine) as connection:
        _case_row(connection, case_id)
        connection.execute(cases.update().where(cases.c.id == case_id).values(updated_at=now))
        _record(connection, case_id, now, by, "note", None, None, note=note.strip())


CASE_COLUMNS = (
    cases.c.id,
    cases.c.feedback_id,
    cases.c.reason,
    cases.c.status,
    cases.c.assignee,
    cases.c.created_at,
    cases.c.due_at,
    cases.c.first_contact_at,
    cases.c.closed_at,
    cases.c.updated_at,
)


def read_cases(
    engine: Engine,
    status: str | Sequence[str] | None = None,
    assignee: str | None = None,
    case_ids: Sequence[int] | None = None,
) -> pl.DataFrame:
    """Cases with their feedback: the case's columns, then the customer's kind, words, scores, channel,
    location, source, author_hash and feedback_created_at; newest case first."""
    query = (
        select(
            *CASE_COLUMNS,
            feedback.c.kind,
            feedback.c.text,
            feedback.c.nps,
            feedback.c.csat,
            feedback.c.ces,
            feedback.c.stars,
            feedback.c.channel,
            feedback.c.location,
            feedback.c.author_hash,
            feedback.c.created_at.label("feedback_created_at"),
            sources.c.name.label("source"),
        )
        .select_from(
            cases.join(feedback, feedback.c.id == cases.c.feedback_id).join(
                sources, sources.c.id == feedback.c.source_id
            )
        )
        .order_by(cases.c.created_at.desc(), cases.c.id.desc())
    )
    if status is not None:
        query = query.where(cases.c.status.in_([status] if isinstance(status, str) else list(status)))
    if assignee is not None:
        query = query.where(cases.c.assignee == assignee)
    if case_ids is not None:
        query = query.where(cases.c.id.in_(list(case_ids)))
    with reading(engine) as connection:
        return read_frame(connection, query, schema=CASES_SCHEMA)


CASES_SCHEMA: dict[str, Any] = {
    "id": pl.Int64,
    "feedback_id": pl.Int64,
    "reason": pl.String,
    "status": pl.String,
    "assignee": pl.String,
    "created_at": pl.Datetime("us", "UTC"),
    "due_at": pl.Datetime("us", "UTC"),
    "first_contact_at": pl.Datetime("us", "UTC"),
    "closed_at": pl.Datetime("us", "UTC"),
    "updated_at": pl.Datetime("us", "UTC"),
    "kind": pl.String,
    "text": pl.String,
    "nps": pl.Int64,
    "csat": pl.Int64,
    "ces": pl.Int64,
    "stars": pl.Int64,
    "channel": pl.String,
    "location": pl.String,
    "author_hash": pl.String,
    "feedback_created_at": pl.Datetime("us", "UTC"),
    "source": pl.String,
}


def read_case_states(engine: Engine) -> pl.DataFrame:
    """Every case's id, feedback_id, due_at, first_contact_at and closed_at, from the cases alone (no feedback
    joined): what counting open and overdue cases and finding a quote's case need."""
    query = select(
        cases.c.id, cases.c.feedback_id, cases.c.due_at, cases.c.first_contact_at, cases.c.closed_at
    )
    with reading(engine) as connection:
        return read_frame(
            connection,
            query,
            schema={
                name: CASES_SCHEMA[name]
                for name in ("id", "feedback_id", "due_at", "first_contact_at", "closed_at")
            },
        )


def read_case_events(engine: Engine, case_id: int | None = None) -> pl.DataFrame:
    """The history of a case (or of every case), oldest first: case_id, at, by, action, before, after, note."""
    query = select(
        case_events.c.case_id,
        case_events.c.at,
        case_events.c.by,
        case_events.c.action,
        case_events.c.before,
        case_events.c.after,
        case_events.c.note,
    ).order_by(case_events.c.at, case_events.c.id)
    if case_id is not None:
        query = query.where(case_events.c.case_id == case_id)
    with reading(engine) as connection:
        return read_frame(
            connection,
            query,
            schema={
                "case_id": pl.Int64,
                "at": pl.Datetime("us", "UTC"),
                **dict.fromkeys(("by", "action", "before", "after", "note"), pl.String),
            },
        )


def count_cases(engine: Engine) -> dict[str, int]:
    """How many cases there are in each status (every status present, zero where none)."""
    with reading(engine) as connection:
        counted: dict[str, int] = dict(
            connection.execute(select(cases.c.status, func.count()).group_by(cases.c.status)).all()
        )
    return {status: int(counted.get(status, 0)) for status in CASE_STATUSES}


def read_rule_changes(engine: Engine) -> dict[str, RuleChange]:
    """The owner's settings of the rules they changed, by rule."""
    with reading(engine) as connection:
        rows = connection.execute(
            select(
                case_rules.c.rule,
                case_rules.c.enabled,
                case_rules.c.threshold,
                case_rules.c.assignee,
                case_rules.c.due_hours,
            )
        ).all()
    return {
        row.rule: RuleChange(row.rule, bool(row.enabled), row.threshold, row.assignee, row.due_hours)
        for row in rows
    }


def write_rule_change(engine: Engine, change: RuleChange, by: str, now: datetime | None = None) -> None:
    """Keep the owner's setting of one rule (replacing the one kept before)."""
    values = {
        "enabled": change.enabled,
        "threshold": change.threshold,
        "assignee": change.assignee,
        "due_hours": change.due_hours,
        "updated_by": by,
        "updated_at": now or utc_now(),
    }
    with writing(engine) as connection:
        connection.execute(
            upsert_insert(connection, case_rules)
            .values(rule=change.rule, **values)
            .on_conflict_do_update(index_elements=[case_rules.c.rule], set_=values)
        )


def _case_row(connection: Connection, case_id: int) -> Any:
    row = connection.execute(
        select(cases.c.status, cases.c.assignee, cases.c.first_contact_at, cases.c.closed_at).where(
            cases.c.id == case_id
        )
    ).first()
    if row is None:
        raise InputError(
            f"There is no case {case_id}.", hint="`pulse cases list` lists the cases and their ids."
        )
    return row


def _record(
    connection: Connection,
    case_id: int,
    at: datetime,
    by: str,
    action: str,
    before: str | None,
    after: str | None,
    note: str | None = None,
) -> None:
    connection.execute(
        case_events.insert().values(
            case_id=case_id, at=as_utc(at), by=by, action=action, before=before, after=after, note=note
        )
    )


ANSWERS_SCHEMA: dict[str, Any] = {
    "feedback_id": pl.Int64,
    "kind": pl.String,
    "author_hash": pl.String,
    "created_at": pl.Datetime("us", "UTC"),
    "nps": pl.Int64,
    "csat": pl.Int64,
    "stars": pl.Int64,
}


def read_customer_answers(
    engine: Engine,
    author_hashes: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> pl.DataFrame:
    """Customers' feedback that names its author (ANSWERS_SCHEMA: feedback_id, kind, author_hash, created_at,
    nps, csat, stars), of CUSTOMER_KINDS only, created in [since, until), by `author_hashes` (everyone's when
    None); oldest first. What a case's customer said before and after: the follow-up outcome
    (analysis/case_outcomes.py) reads their next answers from it."""
    query = (
        select(
            feedback.c.id.label("feedback_id"),
            feedback.c.kind,
            feedback.c.author_hash,
            feedback.c.created_at,
            feedback.c.nps,
            feedback.c.csat,
            feedback.c.stars,
        )
        .where(feedback.c.kind.in_(CUSTOMER_KINDS), feedback.c.author_hash.is_not(None))
        .order_by(feedback.c.created_at, feedback.c.id)
    )
    if author_hashes is not None:
        if not author_hashes:
            return pl.DataFrame(schema=ANSWERS_SCHEMA)
        query = query.where(feedback.c.author_hash.in_(sorted(set(author_hashes))))
    if since is not None:
        query = query.where(feedback.c.created_at >= since)
    if until is not None:
        query = query.where(feedback.c.created_at < until)
    with reading(engine) as connection:
        frame = read_frame(connection, query, schema=ANSWERS_SCHEMA)
    return frame.select(list(ANSWERS_SCHEMA))  # typed even when empty
