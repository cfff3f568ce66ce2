"""The survey-file collector on a real store: batches, sources and idempotent runs (two laws: every row is
imported or rejected, and importing the same file twice adds nothing)."""

from __future__ import annotations

import csv
import uuid
from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors.base import run_collector
from collectors.surveys import SurveyFileCollector
from store.engine import Engine

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "surveys"


def test_survey_file_collector__source_batches_and_idempotent_runs(sqlite_engine: Engine) -> None:
    collector = SurveyFileCollector(FIXTURES / "qualtrics.csv", timezone="UTC", batch_rows=2)
    assert collector.source.name == "Survey: qualtrics.csv"
    assert collector.source.platform == "qualtrics"
    first = run_collector(sqlite_engine, collector)
    assert (first.new, first.duplicate, first.rejected) == (4, 0, 1)
    assert [reject.line for reject in collector.first_rejects] == [7]
    again = run_collector(sqlite_engine, SurveyFileCollector(FIXTURES / "qualtrics.csv", timezone="UTC"))
    assert (again.new, again.duplicate, again.rejected) == (0, 4, 1)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1)),
            st.integers(0, 12),
            st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=20),
        ),
        max_size=15,
    )
)
def test_run_collector__importing_the_same_file_twice_adds_nothing(
    sqlite_engine: Engine, tmp_path: Path, rows: list[tuple[datetime, int, str]]
) -> None:
    path = tmp_path / f"{uuid.uuid4().hex}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Submitted At", "NPS", "Comment"])
        writer.writerows((moment.isoformat(), nps, text) for moment, nps, text in rows)
    collector = SurveyFileCollector(path, timezone="UTC")
    first = run_collector(sqlite_engine, collector)
    assert first.new + first.duplicate + first.rejected == len(rows)
    second = run_collector(sqlite_engine, SurveyFileCollector(path, timezone="UTC"))
    assert second.new == 0
    assert second.duplicate == first.new + first.duplicate
    assert second.rejected == first.rejected
