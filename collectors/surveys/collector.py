"""A survey export file as a Collector."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from collectors.base import CollectContext, SourceBatch, prefetched
from collectors.surveys.keys import StoredResponses
from collectors.surveys.plan import BATCH_ROWS, SurveyPlan, plan_survey_file
from store.records import Rejected, SourceSpec


@dataclass
class SurveyFileCollector:
    """A survey export file as a Collector. `plan` (computed on first use) reads the file once to decide
    the mapping; `collect` streams the rows to the store in batches. The first rejects are kept for a report.
    The source is named after the file unless given (or chosen by collectors.surveys.sources, which recognises
    the survey: `store_in`). Rows whose response id is stored in the source under a differently written time
    count as already there (collectors.surveys.keys). The file may be given as its bytes, with its
    `file_name` (a response that a survey tool sent to `pulse hooks serve`: hooks/)."""

    path: Path | bytes
    source_name: str | None = None
    mapping_overrides: Mapping[str, str] | None = None
    preset: str | None = None
    dayfirst: bool | None = None
    timezone: str | None = None
    batch_rows: int = BATCH_ROWS
    keep_rejects: int = 20
    identities: tuple[str, ...] = ()  # what identifies the survey, remembered by its source
    columns: tuple[str, ...] = ()
    header_row: int | None = None  # the header's row number, when Pulse should not find it itself
    sheet: str | None = None  # the Excel worksheet to read, when not the one that holds the data
    file_name: str | None = None  # the name of a file given as bytes, for messages and rejected rows
    name: str = field(init=False, default="")
    first_rejects: list[Rejected] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        if not isinstance(self.path, bytes):
            self.path = Path(self.path)
        shown = self.file_name or (self.path.name if isinstance(self.path, Path) else "upload")
        self.store_in(self.source_name or f"Survey: {shown}", self.identities, self.columns)

    def store_in(self, source_name: str, identities: Sequence[str] = (), columns: Sequence[str] = ()) -> None:
        """Store the rows in the source `source_name`, which remembers these identities of the survey."""
        self.source_name, self.identities, self.columns = source_name, tuple(identities), tuple(columns)
        self.name = f"survey-file:{source_name}"

    @cached_property
    def plan(self) -> SurveyPlan:
        return plan_survey_file(
            self.path,
            self.file_name,
            self.mapping_overrides,
            self.preset,
            self.dayfirst,
            self.timezone,
            header_row=self.header_row,
            sheet=self.sheet,
        )

    @property
    def source(self) -> SourceSpec:
        return SourceSpec(str(self.source_name), "survey", self.plan.platform, self.identities, self.columns)

    def collect(self, context: CollectContext) -> Iterator[SourceBatch]:
        source = self.source
        stored = StoredResponses(context.stored_ids(source) if "response_id" in self.plan.mapping else [])
        batches = (
            (context.prepare(stored.align(records)), rejects)
            for records, rejects in self.plan.batches(self.batch_rows, context.author_salt)
        )
        for records, rejects in prefetched(batches):  # converted and prepared in the background
            room = self.keep_rejects - len(self.first_rejects)
            self.first_rejects += rejects[: max(room, 0)]
            yield SourceBatch(source, records, rejects)
