"""Rollout impact read from a real store, judged and stored by the pipeline (SQLite and PostgreSQL)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from analysis.impact_pipeline import read_rollout_impacts, refresh_rollout_impacts
from collectors.base import CollectContext, SourceBatch, run_collector
from reports.verdicts import impact_record, verdict
from store.feedback import upsert_feedback
from store.impacts import read_impacts_state, read_rollout_impact_records, write_rollout_impacts
from store.records import FeedbackFrame, FeedbackRecord, SourceSpec
from store.rollouts import Rollout, add_rollout
from store.state import read_data_version

START = date(2026, 4, 13)
LONDON = "Europe/London"
SURVEYS = SourceSpec("Survey: test", "survey", "csv")


def test_read_rollout_impacts__from_the_store(engine: Engine) -> None:
    records = []
    for week in range(-8, 8):
        # 10 answers a week: before, 5 promoters and 2 detractors (NPS 30); after, 3 and 4 (NPS -10)
        promoters, detractors = (5, 2) if week < 0 else (3, 4)
        scores = [10] * promoters + [0] * detractors + [8] * (10 - promoters - detractors)
        for index, score in enumerate(scores):
            moment = datetime(2026, 4, 13, 12, tzinfo=UTC) + timedelta(weeks=week, days=index % 7)
            records.append(FeedbackRecord(f"r{week}-{index}", "survey", moment, nps=score, channel="online"))
    upsert_feedback(engine, SourceSpec("Survey: test", "survey", "csv"), FeedbackFrame.of(records))
    add_rollout(engine, Rollout("Support chatbot", "chatbot", START, channel="online"), by="test")
    (impact,) = read_rollout_impacts(engine, timezone="Europe/London")
    nps = impact.estimates["nps"]
    assert (nps.before, nps.after, nps.n_before, nps.n_after) == (
        pytest.approx(30.0),
        pytest.approx(-10.0),
        80,
        80,
    )
    assert verdict(impact).startswith("After 'Support chatbot' (8 weeks so far): NPS fell 40 points")
    assert impact.did is None  # only one channel in the data: nothing to compare with


def weeks_of_answers(channel: str = "online") -> list[FeedbackRecord]:
    """16 weeks around START, 10 answers a week: NPS 30 before, -10 after."""
    records = []
    for week in range(-8, 8):
        promoters, detractors = (5, 2) if week < 0 else (3, 4)
        scores = [10] * promoters + [0] * detractors + [8] * (10 - promoters - detractors)
        for index, score in enumerate(scores):
            moment = datetime(2026, 4, 13, 12, tzinfo=UTC) + timedelta(weeks=week, days=index % 7)
            records.append(FeedbackRecord(f"r{week}-{index}", "survey", moment, nps=score, channel=channel))
    return records


def test_refresh_rollout_impacts__stores_what_pulse_impact_judges_and_the_page_reads_it(
    engine: Engine,
) -> None:
    refresh_rollout_impacts(engine, LONDON)  # as `pulse db upgrade` does: days counted, nothing to judge
    assert read_rollout_impact_records(engine) == [] and read_impacts_state(engine).current
    run_collector(engine, ListCollector([SourceBatch(SURVEYS, FeedbackFrame.of(weeks_of_answers()))]))
    add_rollout(engine, Rollout("Support chatbot", "chatbot", START, channel="online"), by="test")
    assert not read_impacts_state(engine).current  # a change to the timeline: the verdicts are stale
    assert refresh_rollout_impacts(engine) is True  # as the rollout editor and `pulse rollouts add` do
    judged = [impact_record(impact) for impact in read_rollout_impacts(engine, timezone=LONDON)]
    assert read_rollout_impact_records(engine) == judged  # the same numbers and words, through JSON
    assert judged[0]["verdict"].startswith("After 'Support chatbot' (8 weeks so far): NPS fell 40 points")
    assert [item["signal"] for item in judged[0]["findings"]][:2] == ["nps", "impersonal"]
    state = read_impacts_state(engine)
    assert state.current and state.impacts_version == read_data_version(engine)
    assert refresh_rollout_impacts(engine) is False  # current: nothing judged again


def test_refresh_rollout_impacts__an_import_judges_the_rollouts_again(engine: Engine) -> None:
    refresh_rollout_impacts(engine, LONDON)
    add_rollout(engine, Rollout("Support chatbot", "chatbot", START, channel="online"), by="test")
    refresh_rollout_impacts(engine)
    (before,) = read_rollout_impact_records(engine)
    assert before["verdict"] == "Not enough answers around 'Support chatbot' yet to judge what it did."
    run_collector(
        engine, ListCollector([SourceBatch(SURVEYS, FeedbackFrame.of(weeks_of_answers()))])
    )  # its last step judges
    (after,) = read_rollout_impact_records(engine)
    assert "NPS fell 40 points" in after["verdict"] and read_impacts_state(engine).current


def test_write_rollout_impacts__older_judgements_never_replace_newer_ones(engine: Engine) -> None:
    refresh_rollout_impacts(engine, LONDON)
    version = read_data_version(engine)
    newer = [{"name": "Kiosk", "started_on": "2026-01-12", "verdict": "newer", "score": math.nan}]
    assert write_rollout_impacts(engine, newer, judged_at=version) is True
    assert write_rollout_impacts(engine, [], judged_at=version - 1) is False
    (stored,) = read_rollout_impact_records(engine)
    assert stored["verdict"] == "newer" and math.isnan(stored["score"])  # NaN kept, on PostgreSQL too


def test_write_rollout_impacts__data_changed_while_judging_stays_stale(engine: Engine) -> None:
    refresh_rollout_impacts(engine, LONDON)
    judged_at = read_data_version(engine)
    add_rollout(engine, Rollout("Support chatbot", "chatbot", START), by="test")  # meanwhile
    assert write_rollout_impacts(engine, [], judged_at=judged_at) is True
    assert not read_impacts_state(engine).current
    assert refresh_rollout_impacts(engine) is True and len(read_rollout_impact_records(engine)) == 1


def test_refresh_rollout_impacts__records_of_an_older_pulse_are_judged_again(engine: Engine) -> None:
    refresh_rollout_impacts(engine, LONDON)
    add_rollout(engine, Rollout("Support chatbot", "chatbot", START), by="test")
    assert refresh_rollout_impacts(engine) is True
    (record,) = read_rollout_impact_records(engine)
    older = {key: value for key, value in record.items() if key not in ("format", "findings")}
    write_rollout_impacts(engine, [older], judged_at=read_data_version(engine))  # as an older Pulse left them
    assert read_impacts_state(engine).current  # the data did not change ...
    assert refresh_rollout_impacts(engine) is True  # ... but the records' format did
    assert read_rollout_impact_records(engine)[0]["format"] == record["format"]
    assert refresh_rollout_impacts(engine) is False


def test_refresh_rollout_impacts__nothing_before_the_days_were_ever_counted(engine: Engine) -> None:
    add_rollout(engine, Rollout("Support chatbot", "chatbot", START), by="test")
    assert refresh_rollout_impacts(engine) is False
    assert read_rollout_impact_records(engine) == [] and read_impacts_state(engine).impacts_version is None


@dataclass
class ListCollector:
    batches: list[SourceBatch]
    name: str = "file"

    def collect(self, context: CollectContext) -> Iterator[SourceBatch]:
        yield from self.batches
