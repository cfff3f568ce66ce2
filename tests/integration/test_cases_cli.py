"""`pulse cases` and `pulse analyze`'s last step on SQLite and PostgreSQL: list (table and --json), assign, contacted,
close, note, show with the history, the rules and their changes, and errors with hints."""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from analysis.cases_pipeline import make_cases
from cli.main import main
from pulse.settings import build_settings
from store.engine import build_engine
from store.feedback import upsert_feedback
from store.records import FeedbackFrame, FeedbackRecord, SourceSpec
from store.users import add_user

# a Monday: 48 business hours on, the cases are due on Tuesday 13 January, 10:00
OPENED = datetime(2026, 1, 5, 10, tzinfo=UTC)
PASSWORD = "plum-kettle-orbit-73-lantern"


@pytest.fixture
def case_ids(pulse_cli, database_url: str) -> Iterator[list[int]]:  # type: ignore[no-untyped-def]
    """Three cases opened long ago (so overdue): a detractor, a 1-star review, a comment asking for contact;
    their ids in the order listed (newest first: the highest id first, as they were opened together)."""
    engine = build_engine(database_url)
    upsert_feedback(
        engine,
        SourceSpec("Survey", "survey", "csv"),
        FeedbackFrame.of(
            [
                FeedbackRecord(
                    "r1", "survey", OPENED, "The chatbot kept looping and I could not reach a person.", nps=2
                ),
                FeedbackRecord(
                    "r2", "survey", OPENED, "Please call me about my order.", nps=8, channel="online"
                ),
            ]
        ),
    )
    upsert_feedback(
        engine,
        SourceSpec("Google", "review", "csv"),
        FeedbackFrame.of([FeedbackRecord("g1", "review", OPENED, "Cold coffee.", stars=1)]),
    )
    settings = build_settings(timezone="Europe/London")
    made = make_cases(engine, settings, feedback_ids=[1, 2, 3], now=OPENED)
    assert made.count == 3
    yield sorted(made.made, reverse=True)
    engine.dispose()


def test_cases_list__json_has_exactly_the_documented_keys(pulse_cli, case_ids: list[int]) -> None:  # type: ignore[no-untyped-def]
    result = pulse_cli("cases", "list", "--json")
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert [case["id"] for case in listed] == case_ids
    assert all(
        list(case) == ["id", "feedback_id", "reason", "status", "assignee", "due", "created"]
        for case in listed
    )
    assert {case["reason"] for case in listed} == {"detractor", "low_stars", "contact_request"}
    first = listed[0]
    assert (first["status"], first["assignee"]) == ("new", None)
    assert first["due"] == "2026-01-13T10:00:00+00:00" and first["created"] == "2026-01-05T10:00:00+00:00"


def test_cases_list__table_filters_and_overdue(pulse_cli, case_ids: list[int]) -> None:  # type: ignore[no-untyped-def]
    table = pulse_cli("cases", "list").output
    assert table.splitlines()[0].split()[:5] == ["id", "reason", "status", "assignee", "due"]
    assert "Tue 13 Jan 10:00 overdue" in table and "2026-01-05 10:00" in table
    assert "The chatbot kept looping and I could not reach a person." in table
    assert len(table.splitlines()) == 4
    assert len(json.loads(pulse_cli("cases", "list", "--overdue", "--json").output)) == 3
    pulse_cli("cases", "contacted", str(case_ids[0]), "--by", "ann")
    assert len(json.loads(pulse_cli("cases", "list", "--overdue", "--json").output)) == 2
    contacted = json.loads(pulse_cli("cases", "list", "--status", "contacted", "--json").output)
    assert [case["id"] for case in contacted] == [case_ids[0]]
    both = pulse_cli("cases", "list", "--status", "contacted", "--status", "NEW", "--json")
    assert len(json.loads(both.output)) == 3
    assert "No cases." in pulse_cli("cases", "list", "--status", "no-reply").output
    wrong = pulse_cli("cases", "list", "--status", "closed")
    assert wrong.exit_code == 1
    assert (
        "Unknown case status 'closed'" in wrong.output and "Hint: Use one of: new, assigned" in wrong.output
    )


def test_cases_assign_contacted_close_note_show__kept_in_the_history(pulse_cli, case_ids: list[int]) -> None:  # type: ignore[no-untyped-def]
    case = str(case_ids[-1])  # the detractor
    assigned = pulse_cli("cases", "assign", case, "ann", "--by", "owner")  # no users yet: anyone
    assert assigned.exit_code == 0 and f"Case {case} is assigned to ann." in assigned.output
    assert [
        c["id"] for c in json.loads(pulse_cli("cases", "list", "--assignee", "ann", "--json").output)
    ] == [case_ids[-1]]
    assert (
        pulse_cli("cases", "contacted", case, "--note", "Called, offered a refund", "--by", "ann").exit_code
        == 0
    )
    assert pulse_cli("cases", "note", case, "Refund sent").exit_code == 0
    closed = pulse_cli("cases", "close", case, "--outcome", "no_reply", "--by", "ann")
    assert closed.exit_code == 0 and "closed: no_reply" in closed.output
    shown = pulse_cli("cases", "show", case)
    assert shown.exit_code == 0, shown.output
    text = shown.output
    assert f"Case {case}: Detractor (NPS 0-6)" in text and "assignee: ann" in text
    assert "NPS 2" in text and "The chatbot kept looping" in text and "survey from Survey" in text
    history = text.split("History:")[1]
    assert "pulse: opened (detractor)" in history
    assert "owner: assigned to ann" in history and "owner: status new -> assigned" in history
    assert "ann: status assigned -> contacted: Called, offered a refund" in history
    assert f"{getpass.getuser()}: note: Refund sent" in history  # --by defaults to the OS user name
    assert "ann: status contacted -> no_reply" in history
    unassigned = pulse_cli("cases", "unassign", str(case_ids[0]))
    assert unassigned.exit_code == 0 and "assigned to nobody" in unassigned.output


def test_cases__errors_say_what_to_do(pulse_cli, database_url: str, case_ids: list[int]) -> None:  # type: ignore[no-untyped-def]
    missing = pulse_cli("cases", "assign", "999", "ann")
    assert (
        missing.exit_code == 1
        and "There is no case 999." in missing.output
        and "pulse cases list" in missing.output
    )
    assert "There is no case 999." in pulse_cli("cases", "show", "999").output
    assert "There is no case 999." in pulse_cli("cases", "close", "999").output
    wrong = pulse_cli("cases", "close", str(case_ids[0]), "--outcome", "contacted")
    assert wrong.exit_code == 1 and "does not close a case" in wrong.output
    assert pulse_cli("cases", "note", str(case_ids[0]), "  ").exit_code == 1
    engine = build_engine(database_url)
    add_user(engine, "ann", PASSWORD, "staff")
    engine.dispose()
    unknown = pulse_cli("cases", "assign", str(case_ids[0]), "bob")
    assert unknown.exit_code == 1
    assert "There is no user 'bob'." in unknown.output and "Hint: Give one of: ann" in unknown.output
    assert pulse_cli("cases", "assign", str(case_ids[0]), "ann").exit_code == 0


def test_cases_rules__listed_and_changed(pulse_cli) -> None:  # type: ignore[no-untyped-def]
    rules = json.loads(pulse_cli("cases", "rules", "--json").output)
    assert [rule["key"] for rule in rules] == ["detractor", "impersonal", "low_stars", "contact_request"]
    assert rules[0] == {
        "key": "detractor",
        "label": "Detractor (NPS 0-6)",
        "enabled": True,
        "threshold": 6,
        "assignee": None,
        "due_hours": 48,
    }
    assert "Review of 1-2 stars" in pulse_cli("cases", "rules").output
    changed = pulse_cli(
        "cases", "rules", "set", "detractor", "--threshold", "4", "--assignee", "ann", "--due-hours", "24"
    )
    assert changed.exit_code == 0, changed.output
    assert (
        "Rule detractor: Detractor (NPS 0-4), on; cases go to ann, due after 24 business hours."
        in changed.output
    )
    assert pulse_cli("cases", "rules", "set", "low_stars", "--disable").exit_code == 0
    rules = {rule["key"]: rule for rule in json.loads(pulse_cli("cases", "rules", "--json").output)}
    assert (
        rules["detractor"]["threshold"],
        rules["detractor"]["assignee"],
        rules["detractor"]["due_hours"],
    ) == (
        4,
        "ann",
        24,
    )
    assert rules["low_stars"]["enabled"] is False
    assert pulse_cli("cases", "rules", "set", "detractor", "--no-assignee").exit_code == 0
    assert json.loads(pulse_cli("cases", "rules", "--json").output)[0]["assignee"] is None
    bad = pulse_cli("cases", "rules", "set", "detractor", "--threshold", "12")
    assert bad.exit_code == 1 and "from 0 to 9" in bad.output and "Hint:" in bad.output
    unknown = pulse_cli("cases", "rules", "set", "vip", "--disable")
    assert unknown.exit_code == 1 and "There is no rule 'vip'." in unknown.output


def test_analyze__opens_cases_last_and_never_twice(  # type: ignore[no-untyped-def]
    pulse, demo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "PULSE_CASE_LOOKBACK_DAYS", "36500"
    )  # the demo folder's feedback is from November 2026
    (demo_dir / "cases.csv").unlink()  # the cases come from the rules alone
    pulse("db", "upgrade")
    pulse("demo")
    first = pulse("analyze")
    assert first.exit_code == 0, first.output
    assert (
        first.output.strip().splitlines()[-1] == "Opened 1 follow-up case (1 detractor); 1 open, 0 overdue."
    )
    again = pulse("analyze")
    assert again.output.strip().splitlines()[-1] == "No new follow-up cases; 1 open, 0 overdue."


@pytest.mark.parametrize(
    "command",
    [
        ["cases"],
        ["cases", "list"],
        ["cases", "show"],
        ["cases", "assign"],
        ["cases", "unassign"],
        ["cases", "contacted"],
        ["cases", "close"],
        ["cases", "note"],
        ["cases", "rules"],
        ["cases", "rules", "set"],
    ],
)
def test_cases_commands__have_help(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"], prog_name="pulse")
    assert result.exit_code == 0 and "Usage: pulse" in result.output
