"""The demo dataset (data/demo/): surveys, reviews, Reddit mentions, orders and staff observations of a
bakery-café."""

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
from store.engine import Engine
from store.feedback import UpsertCounts
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
