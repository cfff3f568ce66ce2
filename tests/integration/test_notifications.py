"""Case notifications end to end on SQLite and PostgreSQL: queued once (store.notifications), sent by
analysis.notify_pipeline to a local webhook server and a local SMTP server, retried with backoff or as a 429's
Retry-After says, given up after the last attempt with the error kept, and never sent twice by two senders."""

from __future__ import annotations

import json
import socket
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, insert, select, update

from analysis.notify_pipeline import queue_case_notifications, send_due_notifications
from cli.notifications import notify_command
from pulse.settings import Settings, build_settings
from store.feedback import upsert_feedback
from store.notifications import (
    DUE_SCHEMA,
    Target,
    claim_notification,
    count_notifications,
    queue_notifications,
    read_due_notifications,
    read_notifications,
    retry_failed_notifications,
)
from store.records import FeedbackFrame, FeedbackRecord, SourceSpec
from store.schema import cases, feedback, users
from tests.http_replay import ReplayServer, Reply, Seen
from tests.smtp_server import local_smtp_server

T0 = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)  # a Tuesday
SLACK_PATH = "/services/T000/B000/slack-secret-token"
TEAMS_PATH = "/workflows/teams-secret-token/triggers/manual/run"


def store_cases(
    engine: Engine, count: int = 1, assignee: str | None = None, prefix: str = "R", **fields: Any
) -> list[int]:
    """`count` detractors' survey answers stored through store.feedback, each made a case (a plain insert, as
    store/cases.py would make it); their ids."""
    records = [
        FeedbackRecord(
            f"{prefix}{index}",
            "survey",
            T0 - timedelta(hours=1, minutes=index),
            **{
                "text": f"Answer {index}: the chatbot kept looping. Mail me at jo{index}@example.com",
                "nps": 3,
                "csat": 2,
                "author_hash": f"hash-of-customer-{index}",
                "url": f"https://forms.example/{index}",
                "channel": "online",
                "location": "High Street",
                **fields,
            },
        )
        for index in range(count)
    ]
    upsert_feedback(engine, SourceSpec("Customer survey", "survey", "csv"), FeedbackFrame.of(records))
    external_ids = [record.external_id for record in records]
    with engine.begin() as connection:
        feedback_ids = connection.execute(
            select(feedback.c.id).where(feedback.c.external_id.in_(external_ids)).order_by(feedback.c.id)
        ).scalars()
        return [
            int(
                connection.execute(
                    insert(cases)
                    .values(
                        feedback_id=feedback_id,
                        reason="detractor",
                        status="assigned" if assignee else "new",
                        assignee=assignee,
                        created_at=T0,
                        due_at=T0 + timedelta(hours=5),
                        updated_at=T0,
                    )
                    .returning(cases.c.id)
                ).scalar_one()
            )
            for feedback_id in feedback_ids
        ]


def add_account(engine: Engine, username: str, email: str | None) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(users).values(
                username=username, password_hash="unused", role="staff", created_at=T0, email=email
            )
        )


def settings_for(server: ReplayServer | None = None, **changes: Any) -> Settings:
    values: dict[str, Any] = {"timezone": "Europe/London", "dashboard_url": "https://pulse.example.com"}
    if server is not None:
        values |= {"notify_slack_url": server.url + SLACK_PATH, "notify_teams_url": server.url + TEAMS_PATH}
    return build_settings(**(values | changes))


def stored(engine: Engine, case_id: int | None = None) -> list[dict[str, Any]]:
    return read_notifications(engine, case_id).sort("id").to_dicts()


def posted_to(server: ReplayServer, path: str) -> list[dict[str, Any]]:
    return [json.loads(seen.body) for seen in server.requests if seen.path == path]


def test_queue_case_notifications__every_target_once_however_often_it_runs(engine: Engine) -> None:
    add_account(engine, "sam", "sam@crumb.example")
    add_account(engine, "kim", None)
    sams = store_cases(engine, 2, assignee="sam", prefix="S")
    kims = store_cases(engine, 1, assignee="kim", prefix="K")
    settings = build_settings(
        notify_email="owner@crumb.example, Owner@Crumb.example,manager@crumb.example",
        notify_slack_url="https://hooks.slack.example/services/T/B/x",
    )
    assert queue_case_notifications(engine, settings, [*sams, *kims], T0) == 3 * 3 + 2
    assert queue_case_notifications(engine, settings, [*sams, *kims], T0) == 0
    assert queue_notifications(engine, sams, [Target("slack", "PULSE_NOTIFY_SLACK_URL")], T0) == 0
    rows = stored(engine, sams[0])
    assert sorted((row["channel"], row["target"]) for row in rows) == [
        ("email", "manager@crumb.example"),
        ("email", "owner@crumb.example"),
        ("email", "sam@crumb.example"),
        ("slack", "PULSE_NOTIFY_SLACK_URL"),  # the setting's name: the URL is a secret
    ]
    assert {(row["status"], row["attempts"], row["next_attempt_at"]) for row in rows} == {("pending", 0, T0)}
    assert len(stored(engine, kims[0])) == 3  # kim has no address
    # Assigned later, or with the assignee's email switched off: only what is new is queued.
    with engine.begin() as connection:
        connection.execute(update(cases).where(cases.c.id == kims[0]).values(assignee="sam"))
    assert (
        queue_case_notifications(engine, settings.model_copy(update={"notify_assignee_email": False}), kims)
        == 0
    )
    assert queue_case_notifications(engine, settings, kims) == 1


def test_queue_case_notifications__nothing_configured_queues_nothing(engine: Engine) -> None:
    case_ids = store_cases(engine, 2)
    assert queue_case_notifications(engine, build_settings(notify_assignee_email=True), case_ids, T0) == 0
    assert stored(engine) == []


def test_read_due_notifications__what_a_message_needs_never_how_to_reach_the_customer(engine: Engine) -> None:
    (case_id,) = store_cases(engine, assignee="sam")
    queue_notifications(engine, [case_id], [Target("slack", "PULSE_NOTIFY_SLACK_URL")], T0)
    assert read_due_notifications(engine, T0 - timedelta(seconds=1)).is_empty()
    (row,) = read_due_notifications(engine, T0).to_dicts()
    assert list(row) == list(DUE_SCHEMA)
    assert row["case_id"] == case_id and row["reason"] == "detractor" and row["assignee"] == "sam"
    assert (row["nps"], row["csat"], row["channel"], row["location"]) == (3, 2, "online", "High Street")
    assert row["source"] == "Customer survey" and row["due_at"] == T0 + timedelta(hours=5)
    values = json.dumps(row, default=str)
    assert "hash-of-customer" not in values and "forms.example" not in values


def test_claim_notification__only_one_claim_wins_until_the_lease_runs_out(engine: Engine) -> None:
    (case_id,) = store_cases(engine)
    queue_notifications(engine, [case_id], [Target("teams", "PULSE_NOTIFY_TEAMS_URL")], T0)
    (notification_id,) = read_notifications(engine)["id"]
    assert claim_notification(engine, notification_id, T0, timedelta(minutes=10))
    assert not claim_notification(engine, notification_id, T0)
    assert read_due_notifications(engine, T0 + timedelta(minutes=9)).is_empty()
    assert claim_notification(engine, notification_id, T0 + timedelta(minutes=10))  # its sender died


def test_send_due_notifications__slack_and_teams_posted_once_each(engine: Engine) -> None:
    case_ids = store_cases(engine, 2, assignee="sam")
    routes = {f"POST {SLACK_PATH}": [Reply(200, "ok")], f"POST {TEAMS_PATH}": [Reply(202, "")]}
    with ReplayServer(routes) as server:
        settings = settings_for(server)
        assert queue_case_notifications(engine, settings, case_ids, T0) == 4
        counts = send_due_notifications(engine, settings, T0)
        again = send_due_notifications(engine, settings, T0 + timedelta(hours=1))
    assert (counts.sent, counts.retried, counts.failed, counts.failures) == (4, 0, 0, ())
    assert (again.sent, again.retried, again.failed) == (0, 0, 0)
    slack, teams = posted_to(server, SLACK_PATH), posted_to(server, TEAMS_PATH)
    assert len(slack) == len(teams) == 2
    assert sorted(message["blocks"][0]["text"]["text"] for message in slack) == [
        f"New follow-up case {case_id}: Detractor (NPS 3)" for case_id in case_ids
    ]
    assert slack[0]["blocks"][-1]["elements"][0]["url"].startswith(
        "https://pulse.example.com/follow-up?case="
    )
    assert "[email]" in json.dumps(slack) and "@example.com" not in json.dumps(slack)
    card = teams[0]["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert all(seen.headers["content-type"] == "application/json" for seen in server.requests)
    rows = stored(engine)
    assert {(row["status"], row["attempts"], row["last_error"]) for row in rows} == {("sent", 1, None)}
    assert {row["sent_at"] for row in rows} == {T0}
    assert count_notifications(engine) == {"pending": 0, "sent": 4, "failed": 0}


def test_send_due_notifications__500_retried_after_a_minute_then_sent(engine: Engine) -> None:
    (case_id,) = store_cases(engine)
    routes = {f"POST {SLACK_PATH}": [Reply(500, "internal trouble"), Reply(200, "ok")]}
    with ReplayServer(routes) as server:
        settings = settings_for(server, notify_teams_url=None)
        queue_case_notifications(engine, settings, [case_id], T0)
        first = send_due_notifications(engine, settings, T0)
        (row,) = stored(engine)
        early = send_due_notifications(engine, settings, T0 + timedelta(seconds=59))
        late = send_due_notifications(engine, settings, T0 + timedelta(minutes=1))
    assert (first.sent, first.retried, first.failed) == (0, 1, 0)
    (failure,) = first.failures
    assert (failure.case_id, failure.channel, failure.attempts, failure.gave_up) == (
        case_id,
        "slack",
        1,
        False,
    )
    assert failure.next_attempt_at == T0 + timedelta(minutes=1)
    assert (row["status"], row["attempts"], row["next_attempt_at"]) == (
        "pending",
        1,
        T0 + timedelta(minutes=1),
    )
    assert "answered 500" in row["last_error"] and "internal trouble" in row["last_error"]
    assert "slack-secret-token" not in row["last_error"]
    assert (early.sent, early.retried) == (0, 0)
    assert late.sent == 1 and len(server.requests) == 2
    (row,) = stored(engine)
    assert (row["status"], row["attempts"], row["sent_at"], row["last_error"]) == (
        "sent",
        2,
        T0 + timedelta(minutes=1),
        None,
    )


def test_send_due_notifications__429_waits_as_retry_after_says(engine: Engine) -> None:
    (case_id,) = store_cases(engine)
    routes = {f"POST {TEAMS_PATH}": [Reply(429, "slow down", {"Retry-After": "300"}), Reply(200, "1")]}
    with ReplayServer(routes) as server:
        settings = settings_for(server, notify_slack_url=None)
        queue_case_notifications(engine, settings, [case_id], T0)
        first = send_due_notifications(engine, settings, T0)
        at_backoff = send_due_notifications(engine, settings, T0 + timedelta(minutes=1))
        when_asked = send_due_notifications(engine, settings, T0 + timedelta(minutes=5))
    assert first.retried == 1 and first.failures[0].next_attempt_at == T0 + timedelta(minutes=5)
    assert "answered 429" in first.failures[0].error
    assert at_backoff.sent == 0 and when_asked.sent == 1 and len(server.requests) == 2


def test_send_due_notifications__gives_up_after_the_last_attempt_and_keeps_the_error(engine: Engine) -> None:
    (case_id,) = store_cases(engine)
    routes = {f"POST {SLACK_PATH}": [Reply(503, "<html>down for maintenance</html>")]}
    with ReplayServer(routes) as server:
        settings = settings_for(server, notify_teams_url=None, notify_max_attempts=3)
        queue_case_notifications(engine, settings, [case_id], T0)
        runs = [
            send_due_notifications(engine, settings, T0 + timedelta(minutes=minutes))
            for minutes in (0, 1, 2, 3, 60, 600)
        ]
        assert len(server.requests) == 3  # at 0, 1 (after 1 minute) and 3 (after 2 more)
        assert [(run.retried, run.failed) for run in runs] == [(1, 0), (1, 0), (0, 0), (0, 1), (0, 0), (0, 0)]
        (row,) = stored(engine)
        assert (row["status"], row["attempts"], row["next_attempt_at"], row["sent_at"]) == (
            "failed",
            3,
            None,
            None,
        )
        assert "answered 503" in row["last_error"] and "down for maintenance" in row["last_error"]
        assert runs[3].failures[0].gave_up
        # Once the setting is fixed, the failed ones are tried again from scratch.
        assert retry_failed_notifications(engine, T0 + timedelta(hours=2)) == 1
        server.routes[f"POST {SLACK_PATH}"] = [Reply(200, "ok")]
        server._served.clear()
        assert send_due_notifications(engine, settings, T0 + timedelta(hours=2)).sent == 1
    assert stored(engine)[0]["status"] == "sent"


def test_send_due_notifications__slack_must_answer_ok_and_errors_never_show_the_url(engine: Engine) -> None:
    (case_id,) = store_cases(engine)
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]
    routes = {f"POST {SLACK_PATH}": [Reply(200, "invalid_token")]}
    with ReplayServer(routes) as server:
        settings = settings_for(server, notify_teams_url=f"http://127.0.0.1:{closed_port}{TEAMS_PATH}")
        queue_case_notifications(engine, settings, [case_id], T0)
        counts = send_due_notifications(engine, settings, T0)
    assert counts.retried == 2
    errors = {row["channel"]: row["last_error"] for row in stored(engine)}
    assert "answered 200 but not 'ok': invalid_token" in errors["slack"]
    assert errors["teams"].startswith("Could not reach Microsoft Teams at 127.0.0.1 (ConnectionError)")
    assert not any("secret-token" in error or str(closed_port) in error for error in errors.values())


def test_send_due_notifications__a_webhook_setting_removed_after_queueing_is_a_recorded_failure(
    engine: Engine,
) -> None:
    (case_id,) = store_cases(engine)
    queue_notifications(engine, [case_id], [Target("slack", "PULSE_NOTIFY_SLACK_URL")], T0)
    counts = send_due_notifications(engine, settings_for(notify_slack_url=None), T0)
    assert counts.retried == 1
    assert stored(engine)[0]["last_error"].startswith("PULSE_NOTIFY_SLACK_URL is not set any more")


def test_send_due_notifications__two_senders_never_send_one_notification_twice(engine: Engine) -> None:
    case_ids = store_cases(engine, 12)
    lock, seen_cases = threading.Lock(), []

    def answer(seen: Seen) -> Reply:
        with lock:
            seen_cases.append(json.loads(seen.body)["blocks"][0]["text"]["text"])
        return Reply(200, "ok", delay=0.02)  # slow enough for the senders to overlap

    with ReplayServer(answer) as server:
        settings = settings_for(server, notify_teams_url=None)
        queue_case_notifications(engine, settings, case_ids, T0)
        start = threading.Barrier(2)
        results: list[Any] = []

        def sender() -> None:
            start.wait()
            results.append(send_due_notifications(engine, settings, T0))

        threads = [threading.Thread(target=sender) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert sorted(seen_cases) == sorted(
        f"New follow-up case {case_id}: Detractor (NPS 3)" for case_id in case_ids
    )
    assert sum(result.sent for result in results) == len(case_ids)
    assert {(row["status"], row["attempts"]) for row in stored(engine)} == {("sent", 1)}


def smtp_settings(port: int, **changes: Any) -> Settings:
    return settings_for(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",  # the test server speaks plain SMTP on localhost
        digest_sender="pulse@crumb.example",
        **changes,
    )


def test_send_due_notifications__emails_the_channel_addresses_and_the_assignee(engine: Engine) -> None:
    add_account(engine, "sam", "sam@crumb.example")
    (case_id,) = store_cases(engine, assignee="sam")
    with local_smtp_server(refuse={"gone@crumb.example"}) as server:
        settings = smtp_settings(server.port, notify_email="owner@crumb.example,gone@crumb.example")
        assert queue_case_notifications(engine, settings, [case_id], T0) == 3
        counts = send_due_notifications(engine, settings, T0)
    assert (counts.sent, counts.retried) == (2, 1)
    assert sorted(received.recipients[0] for received in server.messages) == [
        "owner@crumb.example",
        "sam@crumb.example",
    ]
    email = server.messages[0].message
    assert email["Subject"] == f"New follow-up case {case_id}: Detractor (NPS 3)"
    assert email["From"] == "pulse@crumb.example"
    body = email.get_content()
    assert "Assigned to sam." in body and f"https://pulse.example.com/follow-up?case={case_id}" in body
    assert "jo0@example.com" not in body and "[email]" in body
    gone = next(row for row in stored(engine) if row["target"] == "gone@crumb.example")
    assert gone["status"] == "pending" and "refused the recipients gone@crumb.example" in gone["last_error"]


def test_send_due_notifications__email_without_smtp_settings_is_a_recorded_failure(engine: Engine) -> None:
    (case_id,) = store_cases(engine)
    settings = settings_for(notify_email="owner@crumb.example", smtp_host=None, notify_max_attempts=1)
    queue_case_notifications(engine, settings, [case_id], T0)
    counts = send_due_notifications(engine, settings, T0)
    assert (counts.failed, counts.failures[0].gave_up) == (1, True)
    (row,) = stored(engine)
    assert row["status"] == "failed" and row["last_error"].startswith("No SMTP server is configured")


def test_notify_command__prints_counts_and_failures_and_exits_1_when_one_gave_up(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = store_cases(engine, 2)
    routes = {f"POST {SLACK_PATH}": [Reply(200, "ok"), Reply(404, "no_service")]}
    with ReplayServer(routes) as server:
        for name, value in {
            "DATABASE_URL": database_url,
            "NOTIFY_SLACK_URL": server.url + SLACK_PATH,
            "NOTIFY_MAX_ATTEMPTS": "1",
        }.items():
            monkeypatch.setenv(f"PULSE_{name}", value)
        queue_case_notifications(engine, build_settings(), [first, second])
        result = CliRunner().invoke(notify_command, [], catch_exceptions=False)
        retried = CliRunner().invoke(notify_command, ["--retry-failed"], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Sent 1 notification; 0 to try again later; 1 failed for good."
    assert lines[1].startswith(
        f"- Case {second}, slack to PULSE_NOTIFY_SLACK_URL (attempt 1 of 1, gave up): "
    )
    assert "answered 404" in lines[1] and "no_service" in lines[1]
    assert any("1 notification failed for good so far" in line for line in lines)
    assert retried.exit_code == 1 and retried.output.startswith("Trying 1 failed notification again.\n")
