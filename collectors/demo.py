"""The demo dataset (data/demo/): surveys, reviews, Reddit mentions, orders and staff observations of a
bakery-café, and the follow-up cases its staff worked (cases.csv, with each case's history)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from collectors.base import CollectContext, SourceBatch
from pulse.errors import InputError
from store.cases import (
    NewCase,
    assign_case,
    count_cases,
    create_cases,
    read_case_events,
    read_cases,
    set_case_status,
)
from store.engine import Engine
from store.feedback import UpsertCounts, read_feedback_ids
from store.observations import Observation, add_observations, observation
from store.orders import upsert_orders
from store.records import FeedbackFrame, FeedbackRecord, Rejected, SourceSpec

SURVEYS = SourceSpec("Demo: post-order survey", "survey", "demo")
REVIEWS = SourceSpec("Demo: online reviews", "review", "demo")
MENTIONS = SourceSpec("Demo: Reddit mentions", "mention", "demo")
ORDERS = SourceSpec("Demo: till and online orders", "order", "demo")
OBSERVATIONS = SourceSpec("Demo: staff observations", "staff", "demo")

Row = dict[str, str]


def _number(value: str) -> int | None:
    return int(value) if value.strip() else None


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def survey_record(row: Row) -> FeedbackRecord:
    return FeedbackRecord(
        external_id=row["response_id"],
        kind="survey",
        created_at=_moment(row["submitted_at"]),
        text=row["comment"] or None,
        nps=_number(row["nps"]),
        csat=_number(row["csat"]),
        ces=_number(row["ces"]),  # 1-7, online only
        author_hash=row["respondent"],
        channel=row["channel"],
        location=row["location"],
        segment=row["segment"],
    )


def review_record(row: Row) -> FeedbackRecord:
    return FeedbackRecord(
        external_id=row["review_id"],
        kind="review",
        created_at=_moment(row["published_at"]),
        text=row["text"],
        stars=_number(row["stars"]),
        raw={"site": row["site"], "author": row["author"]},
    )


def mention_record(row: Row) -> FeedbackRecord:
    return FeedbackRecord(
        external_id=row["mention_id"],
        kind="mention",
        created_at=_moment(row["posted_at"]),
        text=row["text"],
        raw={"platform": row["platform"], "community": row["community"], "author": row["author"]},
    )


FILES: tuple[tuple[str, SourceSpec, Callable[[Row], FeedbackRecord]], ...] = (
    ("surveys.csv", SURVEYS, survey_record),
    ("reviews.csv", REVIEWS, review_record),
    ("mentions.csv", MENTIONS, mention_record),
)


def read_demo_file(
    path: Path, to_record: Callable[[Row], FeedbackRecord]
) -> tuple[list[FeedbackRecord], list[Rejected]]:
    """Every row of `path` as a record, or as a reject with its line and reason."""
    if not path.exists():
        raise InputError(
            f"The demo file {path} is missing.",
            hint="Regenerate the demo with `python data/demo/generate.py`, or set PULSE_DEMO_DIR.",
        )
    records: list[FeedbackRecord] = []
    rejects: list[Rejected] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            try:
                records.append(to_record(row))
            except (KeyError, ValueError, TypeError) as error:
                reject = Rejected(
                    origin=path.name, line=reader.line_num, reason=_reason(error), raw=_raw(row)
                )
                rejects.append(reject)
    return records, rejects


def _reason(error: Exception) -> str:
    return f"missing column {error}" if isinstance(error, KeyError) else str(error)


def _raw(row: dict[str, Any]) -> str:
    return ",".join(str(value) for value in row.values())


@dataclass
class DemoCollector:
    folder: Path
    name: str = "demo"

    def row_count(self) -> int:
        """How many data rows the demo files hold (for a progress bar)."""
        total = 0
        for file_name, _source, _to_record in FILES:
            path = self.folder / file_name
            if path.exists():
                with path.open(encoding="utf-8", newline="") as handle:
                    total += sum(1 for _ in csv.DictReader(handle))
        return total

    def collect(self, context: CollectContext) -> Iterator[SourceBatch]:
        for file_name, source, to_record in FILES:
            records, rejects = read_demo_file(self.folder / file_name, to_record)
            yield SourceBatch(source, FeedbackFrame.of(records), rejects)


def read_demo_orders(folder: Path) -> pl.DataFrame:
    """The demo's orders.csv as order records (store.orders.ORDER_RECORD_SCHEMA). Its customer ids are already
    pseudonymous and stored as they are, as the demo surveys' respondent ids are: that is how a demo customer's
    purchases meet their answers (a user's export is hashed with the store's salt on both sides instead)."""
    path = folder / "orders.csv"
    if not path.exists():
        raise InputError(
            f"The demo file {path} is missing.",
            hint="Regenerate the demo with `python data/demo/generate.py`, or set PULSE_DEMO_DIR.",
        )
    rows = pl.read_csv(path, schema_overrides={"customer_id": pl.String, "amount": pl.Float64})
    return rows.select(
        pl.col("order_id").alias("external_id"),
        pl.col("customer_id").alias("customer_hash"),
        pl.col("created_at").str.to_datetime(time_zone="UTC").dt.cast_time_unit("us").alias("ordered_at"),
        "amount",
        "channel",
        "location",
        pl.lit(None, pl.Int64).alias("item_count"),
        pl.lit(None, pl.String).alias("items"),
        pl.lit(None, pl.String).alias("raw"),
    )


def load_demo_orders(engine: Engine, folder: Path) -> UpsertCounts:
    """Store the demo's orders (again: adds nothing)."""
    return upsert_orders(engine, ORDERS, read_demo_orders(folder))


def read_demo_observations(folder: Path) -> list[Observation]:
    """The demo's observations.csv (hand-written: observation_id, observed_at (UTC), reported_by, channel,
    theme, text) as observations; none when the folder has no such file (a demo folder made before them)."""
    path = folder / "observations.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            observation(
                row["text"],
                row["reported_by"],
                row["channel"],
                row["theme"],
                created_at=_moment(row["observed_at"]),
                external_id=row["observation_id"],
            )
            for row in csv.DictReader(handle)
        ]


def load_demo_observations(engine: Engine, folder: Path) -> UpsertCounts:
    """Store the demo's staff observations (again: adds nothing)."""
    return add_observations(engine, read_demo_observations(folder), OBSERVATIONS)


# cases.csv's `source`: the demo file its feedback is in
CASE_SOURCES = {"survey": SURVEYS, "review": REVIEWS, "mention": MENTIONS}


@dataclass(frozen=True)
class DemoCases:
    """What load_demo_cases did: cases made now, cases there already, and the store's open and closed cases."""

    new: int
    present: int
    open: int
    closed: int


@dataclass(frozen=True)
class CaseStep:
    """One change in a demo case's history, replayed through store.cases at its moment."""

    at: datetime
    action: str  # assign (value: the assignee) or status (value: the status)
    value: str
    by: str
    note: str | None = None


def case_steps(row: Row) -> list[CaseStep]:
    """The history of a cases.csv row after its making (data/demo/cases.py writes it), oldest first."""
    steps = []
    if row["assigned_by"] and row["assigned_by"] != "pulse":
        steps.append(CaseStep(_moment(row["assigned_at"]), "assign", row["assignee"], row["assigned_by"]))
    by = row["assignee"] or "demo"
    if row["contacted_at"]:
        steps.append(
            CaseStep(_moment(row["contacted_at"]), "status", "contacted", by, row["contact_note"] or None)
        )
    if row["closed_at"]:
        steps.append(
            CaseStep(_moment(row["closed_at"]), "status", row["status"], by, row["close_note"] or None)
        )
    return steps


def read_demo_cases(folder: Path) -> list[Row]:
    """The rows of the demo's cases.csv; none when the folder has no cases.csv (a demo from before cases)."""
    path = folder / "cases.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_demo_cases(engine: Engine, folder: Path) -> DemoCases:
    """Make the demo's follow-up cases with their history, each change at its own moment and by its own person
    (store.cases: create_cases, assign_case, set_case_status), as if the staff had worked them. Again: adds
    nothing. A case's steps are replayed only when later than its last recorded change, so a load that stopped
    half-way goes on where it stopped, and a case the pipeline made first for the same feedback (`pulse analyze`
    before the cases were loaded) is left as it is. Rows whose feedback is not stored are skipped."""
    rows = read_demo_cases(folder)
    ids: dict[tuple[str, str], int] = {}
    for kind, source in CASE_SOURCES.items():
        wanted = [row["external_id"] for row in rows if row["source"] == kind]
        ids.update(
            {(kind, key): value for key, value in read_feedback_ids(engine, source.name, wanted).items()}
        )
    existing = read_cases(engine).select("feedback_id", "id")
    case_of: dict[int, int] = dict(existing.iter_rows())
    new = present = 0
    for row in rows:
        feedback_id = ids.get((row["source"], row["external_id"]))
        if feedback_id is None:
            continue
        if feedback_id in case_of:
            present += 1
            continue
        assignee = row["assignee"] if row["assigned_by"] == "pulse" else None
        made = create_cases(
            engine,
            [NewCase(feedback_id, row["reason"], _moment(row["due_at"]), assignee or None)],
            now=_moment(row["created_at"]),
        )
        case_of[feedback_id] = made[0] if made else -1
        new += bool(made)
    _replay_histories(engine, rows, ids, case_of)
    counts = count_cases(engine)
    closed = counts["resolved"] + counts["no_reply"]
    return DemoCases(new=new, present=present, open=sum(counts.values()) - closed, closed=closed)


def _replay_histories(
    engine: Engine, rows: list[Row], ids: dict[tuple[str, str], int], case_of: dict[int, int]
) -> None:
    events = read_case_events(engine)
    last: dict[int, datetime] = dict(events.group_by("case_id").agg(pl.col("at").max()).iter_rows())
    for row in rows:
        feedback_id = ids.get((row["source"], row["external_id"]))
        case_id = case_of.get(feedback_id, -1) if feedback_id is not None else -1
        if case_id < 0:
            continue
        for step in case_steps(row):
            if case_id in last and step.at <= last[case_id]:
                continue  # replayed already, or the case has a later history of its own
            if step.action == "assign":
                assign_case(engine, case_id, step.value, step.by, now=step.at)
            else:
                set_case_status(engine, case_id, step.value, step.by, note=step.note, now=step.at)
