"""store.cases on SQLite and PostgreSQL: one case per feedback item however often cases are made, statuses and
assignees moved on with their history, first contact and closing recorded once, rules kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from sqlalchemy import Engine

from pulse.errors import InputError
from store.cases import (
    NewCase,
    RuleChange,
    add_case_note,
    assign_case,
    count_cases,
    create_cases,
    read_case_candidates,
    read_case_events,
    read_cases,
    read_rule_changes,
    set_case_status,
    write_rule_change,
)
from store.feedback import upsert_feedback
from store.records import FeedbackFrame, FeedbackRecord, SourceSpec
from store.scores import write_scores

AT = datetime(2026, 11, 16, 9, tzinfo=UTC)
SURVEYS = SourceSpec("Survey", "survey", "csv")


def store_feedback(engine: Engine) -> list[int]:
    """Three survey answers (a detractor, a promoter, a passive) and one staff observation; their ids."""
    records = [
        FeedbackRecord("r1", "survey", AT, "Nobody answered the phone.", nps=2),
        FeedbackRecord("r2", "survey", AT + timedelta(hours=1), "Lovely.", nps=10),
        FeedbackRecord("r3", "survey", AT + timedelta(hours=2), "The bot again.", nps=7),
    ]
    upsert_feedback(engine, SURVEYS, FeedbackFrame.of(records))
    upsert_feedback(
        engine,
        SourceSpec("Staff observations", "staff", "dashboard"),
        FeedbackFrame.of([FeedbackRecord("s1", "staff", AT, "A customer asked for a person.")]),
    )
    return read_case_candidates(engine)["feedback_id"].to_list()


def test_read_case_candidates__customers_only_with_the_scores_impersonal_flag(engine: Engine) -> None:
    ids = store_feedback(engine)
    assert len(ids) == 3  # the staff observation is no customer's
    write_scores(
        engine,
        pl.DataFrame(
            {
                "id": [ids[2]],
                "sentiment": ["negative"],
                "sentiment_score": [-0.5],
                "impersonal": [True],
                "impersonal_score": [0.9],
                "impersonal_cues": [["bot"]],
            }
        ),
        "test",
    )
    candidates = read_case_candidates(engine)
    assert candidates.filter(pl.col("feedback_id") == ids[2])["impersonal"].item() is True
    assert candidates.filter(pl.col("feedback_id") == ids[0])["impersonal"].item() is None
    assert read_case_candidates(engine, since=AT + timedelta(minutes=30))["feedback_id"].to_list() == ids[1:]
    assert read_case_candidates(engine, feedback_ids=[ids[1]])["feedback_id"].to_list() == [ids[1]]


def test_create_cases__one_case_per_feedback_however_often(engine: Engine) -> None:
    ids = store_feedback(engine)
    due = AT + timedelta(days=2)
    made = create_cases(
        engine, [NewCase(ids[0], "detractor", due), NewCase(ids[2], "impersonal", due, "ann")]
    )
    assert len(made) == 2
    assert create_cases(engine, [NewCase(ids[0], "detractor", due)]) == []
    cases = read_cases(engine)
    assert cases.height == 2
    assert sorted(cases["status"].to_list()) == ["assigned", "new"]
    assert read_case_candidates(engine)["feedback_id"].to_list() == [ids[1]]
    assert count_cases(engine)["new"] == 1
    assigned = read_cases(engine, assignee="ann")
    assert assigned["text"].to_list() == ["The bot again."]
    assert read_case_events(engine, assigned["id"].item())["action"].to_list() == ["created", "assigned"]


def test_set_case_status__first_contact_and_closing_kept_with_history(engine: Engine) -> None:
    ids = store_feedback(engine)
    (case_id,) = create_cases(engine, [NewCase(ids[0], "detractor", AT + timedelta(days=2))], now=AT)
    assign_case(engine, case_id, "ann", by="owner", now=AT + timedelta(hours=1))
    set_case_status(engine, case_id, "contacted", by="ann", note="Called", now=AT + timedelta(hours=3))
    set_case_status(engine, case_id, "resolved", by="ann", now=AT + timedelta(hours=5))
    case = read_cases(engine, case_ids=[case_id]).row(0, named=True)
    assert case["status"] == "resolved"
    assert case["first_contact_at"] == AT + timedelta(hours=3)
    assert case["closed_at"] == AT + timedelta(hours=5)
    set_case_status(engine, case_id, "contacted", by="owner", now=AT + timedelta(hours=6))  # reopened
    case = read_cases(engine, case_ids=[case_id]).row(0, named=True)
    assert case["closed_at"] is None
    assert case["first_contact_at"] == AT + timedelta(hours=3)
    add_case_note(engine, case_id, "Sent a voucher", by="ann", now=AT + timedelta(hours=7))
    events = read_case_events(engine, case_id)
    assert events["action"].to_list() == [
        "created",
        "assigned",
        "status",
        "status",
        "status",
        "status",
        "note",
    ]
    assert events.filter(events["action"] == "status")["after"].to_list() == [
        "assigned",
        "contacted",
        "resolved",
        "contacted",
    ]
    assert events["note"].to_list()[-1] == "Sent a voucher"
    assert events.filter(events["after"] == "contacted")["by"].to_list() == ["ann", "owner"]


def test_case_changes__unknown_case_or_status_said_so(engine: Engine) -> None:
    with pytest.raises(InputError, match="no case 99"):
        set_case_status(engine, 99, "resolved", by="ann")
    ids = store_feedback(engine)
    (case_id,) = create_cases(engine, [NewCase(ids[0], "detractor", AT)])
    with pytest.raises(InputError, match="Unknown case status"):
        set_case_status(engine, case_id, "closed", by="ann")
    with pytest.raises(InputError, match="note is empty"):
        add_case_note(engine, case_id, "  ", by="ann")


def test_write_rule_change__replaces_the_kept_setting(engine: Engine) -> None:
    write_rule_change(engine, RuleChange("detractor", True, 5, None, 48), by="owner")
    write_rule_change(engine, RuleChange("detractor", False, 4, "ann", 24), by="owner")
    assert read_rule_changes(engine) == {"detractor": RuleChange("detractor", False, 4, "ann", 24)}
