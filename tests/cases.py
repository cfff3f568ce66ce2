"""Follow-up cases for the dashboard's tests: a copy of the demo store (which has the demo's own cases) with a
case for each comment of its last week that has none yet (so that every comment the Pulse page quotes has one),
the first of them overdue."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from store.cases import NewCase, create_cases, read_cases
from store.engine import build_engine
from store.feedback import read_feedback


def demo_copy_with_cases(demo_database: str, folder: Path) -> tuple[str, dict[int, int]]:
    """The demo store copied into `folder`, with a detractor case (the rule does not matter here) for every
    comment of its last 8 days without one, the first overdue by an hour and the others due in two days;
    returns the copy's URL and every case of the store, by its feedback's id."""
    copy = folder / "pulse.db"
    shutil.copy(demo_database.removeprefix("sqlite:///"), copy)
    url = f"sqlite:///{copy}"
    engine = build_engine(url)
    feedback = read_feedback(engine, ("id", "created_at", "text"))
    recent = feedback.filter(
        pl.col("created_at") > pl.col("created_at").max() - timedelta(days=8),
        pl.col("text").is_not_null(),
        ~pl.col("id").is_in(read_cases(engine)["feedback_id"].implode()),
    )["id"].to_list()
    now = datetime.now(UTC)
    due = [now - timedelta(hours=1)] + [now + timedelta(days=2)] * (len(recent) - 1)
    create_cases(
        engine, [NewCase(feedback_id, "detractor", at) for feedback_id, at in zip(recent, due, strict=True)]
    )
    cases = read_cases(engine)
    engine.dispose()
    return url, dict(zip(cases["feedback_id"], cases["id"], strict=True))
