"""A survey file read as the importer reads it, for the collectors' tests: its plan, then every batch."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from collectors.surveys import SurveyPlan, plan_survey_file
from store.records import FeedbackRecord, Rejected


@dataclass
class Imported:
    """A survey file as the importer reads it: its plan (mapping, notes, preset...) and every row of its batches."""

    plan: SurveyPlan
    records: list[FeedbackRecord]
    rejects: list[Rejected]

    def __getattr__(self, name: str) -> Any:  # preset, columns, mapping, notes, dayfirst, left_out, preview
        return getattr(self.plan, name)


def imported(
    source: Path | bytes, file_name: str | None = None, *overrides: dict[str, str], **options: Any
) -> Imported:
    """plan_survey_file, then every batch the plan converts (as SurveyFileCollector does)."""
    plan = plan_survey_file(source, file_name, *overrides, **options)
    records: list[FeedbackRecord] = []
    rejects: list[Rejected] = []
    for batch, batch_rejects in plan.batches():
        records += batch.records()
        rejects += batch_rejects
    return Imported(plan, records, rejects)
