"""What collectors hand over to the store: feedback (FeedbackFrame, the one shape at the collector/store boundary,
made from FeedbackRecords or by columns), the input rows they could not use (Rejected), and where both are stored
(SourceSpec)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import polars as pl

from pulse.measures import SCALES
from store.schema import FEEDBACK_KINDS

SCORE_RANGES = tuple((scale.column, scale.low, scale.high) for scale in SCALES)  # pulse.measures'


@dataclass(frozen=True)
class FeedbackRecord:
    """One piece of feedback, as a collector makes it (FeedbackFrame.of hands records to the store). Scales:
    nps 0-10, csat 1-5, stars 1-5, ces 1-7 (Customer Effort Score: 7 is the easiest)."""

    external_id: str
    kind: str
    created_at: datetime
    text: str | None = None
    nps: int | None = None
    csat: int | None = None
    stars: int | None = None
    author_hash: str | None = None
    url: str | None = None
    location: str | None = None
    channel: str | None = None
    segment: str | None = None
    raw: dict[str, Any] | None = None
    ces: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in FEEDBACK_KINDS:
            raise ValueError(f"kind must be one of {FEEDBACK_KINDS}, not {self.kind!r}")
        if self.created_at.tzinfo is None:
            raise ValueError("created_at must carry a time zone (Pulse stores UTC)")
        object.__setattr__(self, "created_at", self.created_at.astimezone(UTC))
        for name, low, high in SCORE_RANGES:
            value = getattr(self, name)
            if value is not None and not low <= value <= high:
                raise ValueError(f"{name} must be between {low} and {high}, not {value}")


@dataclass(frozen=True)
class Rejected:
    """An input row that could not be imported, kept with the reason."""

    origin: str
    reason: str
    raw: str  # the row as read, without its personal columns and with emails masked
    line: int | None = None
    author_hash: str | None = None  # the respondent's or author's salted hash, so `pulse forget` finds it


@dataclass(frozen=True)
class SourceSpec:
    """Where records are stored. `identities` (and the `columns` they were read from) are remembered by the
    source, so that a later file of the same survey is recognised (store/sources.py)."""

    name: str
    kind: str
    platform: str
    identities: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()


FEEDBACK_FRAME_SCHEMA: dict[str, Any] = {
    "external_id": pl.String,
    "kind": pl.String,
    "created_at": pl.Datetime("us", "UTC"),
    "text": pl.String,
    "nps": pl.Int64,
    "csat": pl.Int64,
    "stars": pl.Int64,
    "author_hash": pl.String,
    "url": pl.String,
    "location": pl.String,
    "channel": pl.String,
    "segment": pl.String,
    "raw": pl.String,  # JSON text
    "ces": pl.Int64,
}  # FeedbackRecords as columns


class FeedbackFrame:
    """Feedback as every collector hands it to the store: a frame of FEEDBACK_FRAME_SCHEMA's columns (`raw` as
    JSON text), checked when made by FeedbackRecord's rules on whole columns (kinds, times, score ranges). A
    store may prepare it for its insert ahead of time (`prepared`: store.feedback.prepare_feedback, in a
    collector's producer thread), so that its writer only inserts."""

    def __init__(self, frame: pl.DataFrame) -> None:
        _check_frame(frame)
        self.frame = frame.select(list(FEEDBACK_FRAME_SCHEMA))
        self.prepared: Any = None  # what the store made ahead of the insert, for this frame only

    @classmethod
    def of(cls, records: Iterable[FeedbackRecord]) -> FeedbackFrame:
        """Records (each checked when made) as a frame."""
        rows = [
            {**vars(record), "raw": None if record.raw is None else json.dumps(record.raw)}
            for record in records
        ]
        return cls(pl.DataFrame(rows, schema=FEEDBACK_FRAME_SCHEMA))

    @classmethod
    def empty(cls) -> FeedbackFrame:
        return cls(pl.DataFrame(schema=FEEDBACK_FRAME_SCHEMA))

    def records(self) -> list[FeedbackRecord]:
        """The frame's rows as records."""
        return [
            FeedbackRecord(**{**row, "raw": None if row["raw"] is None else json.loads(row["raw"])})
            for row in self.frame.iter_rows(named=True)
        ]

    def __len__(self) -> int:
        return self.frame.height

    def __repr__(self) -> str:
        return f"FeedbackFrame({self.frame.height} rows)"


def _check_frame(frame: pl.DataFrame) -> None:
    """FeedbackRecord's checks, on a whole frame: kinds, times and score ranges."""
    missing = [name for name in FEEDBACK_FRAME_SCHEMA if name not in frame.columns]
    if missing:
        raise ValueError(f"a feedback frame needs the columns {missing}")
    in_range = pl.col("kind").is_in(FEEDBACK_KINDS) & pl.col("created_at").is_not_null()
    for name, low, high in SCORE_RANGES:
        in_range &= pl.col(name).is_null() | pl.col(name).is_between(low, high)
    bad = frame.filter(~in_range)
    if bad.height:
        raise ValueError(
            f"{bad.height} rows of a feedback frame are not feedback records, such as {bad.row(0)}"
        )
