"""The demo dataset (data/demo/): surveys, reviews and Reddit mentions of a bakery-café."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from collectors.base import CollectContext, SourceBatch
from pulse.errors import InputError
from store.records import FeedbackFrame, FeedbackRecord, Rejected, SourceSpec

SURVEYS = SourceSpec("Demo: post-order survey", "survey", "demo")
REVIEWS = SourceSpec("Demo: online reviews", "review", "demo")
MENTIONS = SourceSpec("Demo: Reddit mentions", "mention", "demo")

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
