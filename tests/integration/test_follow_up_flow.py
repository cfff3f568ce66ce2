"""The follow-up step as `pulse analyze` and the webhook receiver run it (analysis.cases_pipeline.open_cases), on
SQLite and PostgreSQL: a detractor's answer opens one case and one Slack message, however often it runs, and a
case whose notification was never queued (a run that stopped in between) is caught up by the next run."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from analysis.cases_pipeline import open_cases
from pulse.settings import build_settings
from store.cases import NewCase, create_cases, read_case_candidates, read_cases
from store.feedback import upsert_feedback
from store.notifications import read_notifications
from store.records import FeedbackFrame, FeedbackRecord, SourceSpec
from tests.http_replay import ReplayServer, Reply

NOW = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)  # a Tuesday
SLACK_PATH = "/services/T000/B000/slack-secret-token"


def store_answers(engine: Engine) -> list[int]:
    """A detractor who asks for a call, and a promoter, answering an hour ago; their feedback ids."""
    records = [
        FeedbackRecord("R1", "survey", NOW - timedelta(hours=1), "The bot again. Please call me back.", nps=2),
        FeedbackRecord("R2", "survey", NOW - timedelta(hours=1), "Lovely as always.", nps=10),
    ]
    upsert_feedback(engine, SourceSpec("Customer survey", "survey", "csv"), FeedbackFrame.of(records))
    return read_case_candidates(engine)["feedback_id"].to_list()


def test_open_cases__one_case_and_one_message_however_often_it_runs(engine: Engine) -> None:
    detractor, _promoter = store_answers(engine)
    with ReplayServer({f"POST {SLACK_PATH}": [Reply(200, "ok")] * 3}) as server:
        settings = build_settings(notify_slack_url=server.url + SLACK_PATH, timezone="Europe/London")
        first = open_cases(engine, settings, now=NOW)
        again = open_cases(engine, settings, now=NOW + timedelta(minutes=5))
        messages = [json.loads(seen.body) for seen in server.requests]
    assert first.made.count == 1 and first.made.by_reason["detractor"] == 1
    assert (first.notified.sent, again.made.count, again.notified.sent) == (1, 0, 0)
    (case,) = read_cases(engine).to_dicts()
    assert case["feedback_id"] == detractor
    assert case["due_at"] == datetime(2026, 11, 24, 17, tzinfo=UTC)  # 48 business hours: six working days
    assert len(messages) == 1 and "Please call me back" in json.dumps(messages[0])


def test_open_cases__catches_up_a_case_opened_without_its_notification(engine: Engine) -> None:
    detractor, _promoter = store_answers(engine)
    create_cases(engine, [NewCase(detractor, "detractor", NOW + timedelta(days=2))], now=NOW)  # then stopped
    with ReplayServer({f"POST {SLACK_PATH}": [Reply(200, "ok")]}) as server:
        settings = build_settings(notify_slack_url=server.url + SLACK_PATH)
        run = open_cases(engine, settings, now=NOW + timedelta(hours=1))
    assert (run.made.count, run.notified.sent) == (0, 1)
    assert read_notifications(engine)["status"].to_list() == ["sent"]
