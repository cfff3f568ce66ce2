"""Rollout impact read from a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from analysis.impact_pipeline import read_rollout_impacts
from store.feedback import FeedbackRecord, SourceSpec, upsert_feedback
from store.rollouts import Rollout, add_rollout

START = date(2026, 4, 13)


def test_read_rollout_impacts__from_the_store(engine: Engine) -> None:
    records = []
    for week in range(-8, 8):
        # 10 answers a week: before, 5 promoters and 2 detractors (NPS 30); after, 3 and 4 (NPS -10)
        promoters, detractors = (5, 2) if week < 0 else (3, 4)
        scores = [10] * promoters + [0] * detractors + [8] * (10 - promoters - detractors)
        for index, score in enumerate(scores):
            moment = datetime(2026, 4, 13, 12, tzinfo=UTC) + timedelta(weeks=week, days=index % 7)
            records.append(FeedbackRecord(f"r{week}-{index}", "survey", moment, nps=score, channel="online"))
    upsert_feedback(engine, SourceSpec("Survey: test", "survey", "csv"), records)
    add_rollout(engine, Rollout("Support chatbot", "chatbot", START, channel="online"), by="test")
    (impact,) = read_rollout_impacts(engine, timezone="Europe/London")
    nps = impact.estimates["nps"]
    assert (nps.before, nps.after, nps.n_before, nps.n_after) == (
        pytest.approx(30.0),
        pytest.approx(-10.0),
        80,
        80,
    )
    assert impact.verdict.startswith("NPS fell 40.0 points")
    assert impact.did is None  # only one channel in the data: nothing to compare with
