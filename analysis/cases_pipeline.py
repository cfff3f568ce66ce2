"""The pipeline step that opens follow-up cases: the customers' recent feedback without a case, the owner's rules
(analysis.case_rules with the changes kept in the store), a due time in business hours, and a run record.

Idempotent: a feedback item never has two cases (store.cases.create_cases), so running it again opens only what
is new. `pulse analyze` runs it last, after scoring, because the impersonal rule needs the scores: an item
scored on a later run has no case yet, so it is still a candidate then (within the lookback).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import cast

import polars as pl

from analysis.case_measures import is_overdue_expr
from analysis.case_rules import RULE_KEYS, CaseRule, check_rule, due_at, effective_rules, match_rules
from analysis.notify_pipeline import SendCounts, queue_case_notifications, send_due_notifications
from pulse.business_hours import BusinessHours, parse_business_hours
from pulse.errors import InputError
from pulse.settings import Settings
from store.cases import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    NewCase,
    RuleChange,
    create_cases,
    read_case_candidates,
    read_cases,
    read_rule_changes,
    write_rule_change,
)
from store.engine import Engine
from store.runs import recorded_run
from store.schema import CASE_STATUSES
from store.state import as_utc, utc_now

RULES_VERSION = "case-rules-1"  # what the run record says made the cases; change with the rules' meaning
KEEP = object()  # change_rule: leave the assignee as it is


@dataclass(frozen=True)
class CasesMade:
    """What one run opened: the new cases' ids, how many for each reason (every rule, zero where none), and how
    many candidates (feedback without a case) the rules looked at."""

    made: tuple[int, ...] = ()
    by_reason: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RULE_KEYS, 0))
    candidates: int = 0

    @property
    def count(self) -> int:
        return len(self.made)


@dataclass(frozen=True)
class CaseTally:
    """The cases as they stand: `open` (not closed: new, assigned or contacted), `awaiting` (nobody has reached
    the customer yet: new or assigned) and `overdue` (awaiting, and past their due time)."""

    open: int
    awaiting: int
    overdue: int


def business_hours(settings: Settings) -> BusinessHours:
    """The business's opening hours (PULSE_BUSINESS_HOURS, PULSE_BUSINESS_CLOSED_DAYS) in PULSE_TIMEZONE."""
    return parse_business_hours(settings.business_hours, settings.timezone, settings.business_closed_days)


def read_rules(engine: Engine, settings: Settings) -> list[CaseRule]:
    """The rules as they apply now: the built-in ones with the owner's changes kept in the store."""
    return effective_rules(read_rule_changes(engine), settings.case_due_hours)


def make_cases(
    engine: Engine,
    settings: Settings,
    feedback_ids: Sequence[int] | None = None,
    now: datetime | None = None,
) -> CasesMade:
    """Open a case for each customer's feedback without one that meets an enabled rule: the feedback created in
    the last PULSE_CASE_LOOKBACK_DAYS days before `now`, or, when `feedback_ids` are given (e.g. just stored by
    the webhook receiver), those items whatever their age. Each case is due `due_hours` business hours after
    `now` (its rule's), and goes to its rule's assignee (then it starts as "assigned"). The run is recorded."""
    now = as_utc(now) if now is not None else utc_now()
    with recorded_run(engine, "pipeline", "cases", versions={"rules": RULES_VERSION}) as run:
        if feedback_ids is not None:
            candidates = read_case_candidates(engine, feedback_ids=feedback_ids)
        else:
            since = now - timedelta(days=settings.case_lookback_days)
            candidates = read_case_candidates(engine, since=since)
        matched = match_rules(candidates, read_rules(engine, settings))
        schedule = business_hours(settings)
        due = {hours: due_at(now, hours, schedule) for hours in matched["due_hours"].unique().to_list()}
        new = [
            NewCase(row["feedback_id"], row["reason"], due[row["due_hours"]], row["assignee"])
            for row in matched.iter_rows(named=True)
        ]
        made = create_cases(engine, new, now=now) if new else []
        reasons = read_cases(engine, case_ids=made)["reason"].to_list() if made else []
        by_reason = {key: reasons.count(key) for key in RULE_KEYS}
        run.counts = {"candidates": candidates.height, "made": len(made), **by_reason}
    return CasesMade(tuple(made), by_reason, candidates.height)


@dataclass(frozen=True)
class FollowUpRun:
    """What a follow-up step did: the cases it opened and the notifications it sent."""

    made: CasesMade
    notified: SendCounts


NOTIFY_CATCH_UP = timedelta(days=1)  # cases opened this recently with no notification yet get theirs


def open_cases(
    engine: Engine,
    settings: Settings,
    feedback_ids: Sequence[int] | None = None,
    now: datetime | None = None,
) -> FollowUpRun:
    """`make_cases`, then notify: the notifications of the cases still awaiting contact that were opened in the
    last day are queued (idempotently, so a run that stopped between opening cases and queueing their
    notifications is caught up by the next), and every notification that is due is sent."""
    now = as_utc(now) if now is not None else utc_now()
    made = make_cases(engine, settings, feedback_ids, now)
    awaiting = read_cases(engine, status=OPEN_STATUSES)
    recent = awaiting.filter(pl.col("created_at") >= now - NOTIFY_CATCH_UP)["id"].to_list()
    queue_case_notifications(engine, settings, recent, now=now)
    return FollowUpRun(made, send_due_notifications(engine, settings, now=now))


def tally_cases(engine: Engine, now: datetime | None = None) -> CaseTally:
    """How many cases are open, awaiting first contact, and overdue at `now`."""
    now = as_utc(now) if now is not None else utc_now()
    open_cases = read_cases(engine, status=[s for s in CASE_STATUSES if s not in CLOSED_STATUSES])
    awaiting = open_cases.filter(pl.col("status").is_in(list(OPEN_STATUSES)))
    return CaseTally(open_cases.height, awaiting.height, awaiting.filter(is_overdue_expr(now)).height)


def change_rule(
    engine: Engine,
    settings: Settings,
    key: str,
    by: str,
    *,
    enabled: bool | None = None,
    threshold: int | None = None,
    assignee: object = KEEP,
    due_hours: int | None = None,
) -> CaseRule:
    """Change one rule as the owner asks (what is not given stays as it is; `assignee=None` sends its new cases
    to nobody), keep it with who changed it, and return the rule as it now applies. Cases already open keep
    their assignee and due time. An InputError says what cannot be kept (unknown rule, threshold out of range)."""
    rules = {rule.key: rule for rule in read_rules(engine, settings)}
    if key not in rules:
        raise InputError(f"There is no rule {key!r}.", hint=f"The rules are: {', '.join(RULE_KEYS)}.")
    rule = rules[key]
    changed = replace(
        rule,
        enabled=rule.enabled if enabled is None else enabled,
        threshold=rule.threshold if threshold is None else threshold,
        assignee=rule.assignee if assignee is KEEP else cast("str | None", assignee),
        due_hours=rule.due_hours if due_hours is None else due_hours,
    )
    check_rule(changed)
    write_rule_change(
        engine,
        RuleChange(changed.key, changed.enabled, changed.threshold, changed.assignee, changed.due_hours),
        by=by,
    )
    return changed
