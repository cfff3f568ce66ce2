"""Editing and deleting rollouts, in the store and through `pulse rollouts` (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from cli.main import main
from pulse.errors import InputError
from store.rollouts import (
    Rollout,
    add_rollout,
    delete_rollout,
    read_rollout_changes,
    read_rollouts,
    update_rollout,
)


def test_update_rollout__changes_fields_keeps_the_rest_and_records_who(engine: Engine) -> None:
    rollout_id = add_rollout(
        engine, Rollout("Chatbot", "chatbot", date(2026, 4, 13), channel="online"), by="sam"
    )
    updated = update_rollout(
        engine, rollout_id, {"name": "Support chatbot", "ended_on": date(2026, 6, 1)}, by="jo"
    )
    assert (updated.name, updated.channel, updated.ended_on) == (
        "Support chatbot",
        "online",
        date(2026, 6, 1),
    )
    row = read_rollouts(engine).row(0, named=True)
    assert (row["name"], row["created_by"], row["updated_by"]) == ("Support chatbot", "sam", "jo")
    assert row["updated_at"] >= row["created_at"]


def test_update_rollout__refuses_bad_values_unknown_ids_and_duplicates(engine: Engine) -> None:
    first = add_rollout(engine, Rollout("Chatbot", "chatbot", date(2026, 4, 13)), by="sam")
    add_rollout(engine, Rollout("Kiosk", "kiosk", date(2026, 1, 12)), by="sam")
    with pytest.raises(InputError, match=r"ends .* before it starts"):
        update_rollout(engine, first, {"ended_on": date(2026, 1, 1)}, by="jo")
    with pytest.raises(InputError, match="There is no rollout 99"):
        update_rollout(engine, 99, {"name": "x"}, by="jo")
    with pytest.raises(InputError, match="is already called 'Kiosk'"):
        update_rollout(engine, first, {"name": "Kiosk", "started_on": date(2026, 1, 12)}, by="jo")
    assert read_rollouts(engine)["name"].to_list() == ["Kiosk", "Chatbot"]  # nothing changed


def test_update_rollout__keeping_its_name_and_start_is_no_duplicate_of_itself(engine: Engine) -> None:
    rollout_id = add_rollout(engine, Rollout("Kiosk", "kiosk", date(2026, 1, 12)), by="sam")
    updated = update_rollout(engine, rollout_id, {"description": "Two kiosks by the door"}, by="jo")
    assert (updated.name, updated.description) == ("Kiosk", "Two kiosks by the door")
    with pytest.raises(InputError, match=r"'Kiosk' starting 2026-01-12 is already on the timeline \(id "):
        add_rollout(engine, Rollout("Kiosk", "other", date(2026, 1, 12)), by="jo")


def test_delete_rollout__removes_it(engine: Engine) -> None:
    rollout_id = add_rollout(engine, Rollout("Chatbot", "chatbot", date(2026, 4, 13)), by="sam")
    assert delete_rollout(engine, rollout_id, by="jo").name == "Chatbot"
    assert read_rollouts(engine).is_empty()
    with pytest.raises(InputError, match="There is no rollout"):
        delete_rollout(engine, rollout_id, by="jo")


@pytest.fixture
def pulse(database_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PULSE_DATABASE_URL", database_url)
    runner = CliRunner()

    def invoke(*arguments: str, answer: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(main, list(arguments), input=answer, catch_exceptions=False)

    invoke("db", "upgrade")
    added = invoke("rollouts", "add", "--name", "Chatbot", "--kind", "chatbot", "--start", "2026-04-13")
    assert "Added rollout 1" in added.output
    return invoke


def test_rollouts_edit__cli_changes_and_clears(pulse) -> None:  # type: ignore[no-untyped-def]
    edited = pulse("rollouts", "edit", "1", "--channel", "online", "--end", "2026-06-01", "--by", "jo")
    assert edited.exit_code == 0 and "Updated rollout 1: Chatbot (chatbot) from 2026-04-13." in edited.output
    assert "2026-04-13 to 2026-06-01  Chatbot [chatbot, online]" in pulse("rollouts", "list").output
    pulse("rollouts", "edit", "1", "--no-end", "--channel", "")
    assert "2026-04-13  Chatbot [chatbot, all]" in pulse("rollouts", "list").output
    nothing = pulse("rollouts", "edit", "1")
    assert nothing.exit_code == 1 and "Nothing to change." in nothing.output
    bad = pulse("rollouts", "edit", "1", "--kind", "robot")
    assert (
        bad.exit_code == 1
        and "Unknown rollout kind 'robot'" in bad.output
        and "Hint: Use one of" in bad.output
    )


def test_rollouts_delete__asks_first(pulse) -> None:  # type: ignore[no-untyped-def]
    kept = pulse("rollouts", "delete", "1", answer="n\n")
    assert kept.exit_code == 1 and "Delete rollout 1, 'Chatbot' from 2026-04-13?" in kept.output
    assert "Chatbot" in pulse("rollouts", "list").output
    deleted = pulse("rollouts", "delete", "1", answer="y\n")
    assert deleted.exit_code == 0 and "Deleted rollout 1: Chatbot." in deleted.output
    assert "No rollouts yet" in pulse("rollouts", "list").output
    missing = pulse("rollouts", "delete", "1", "--yes")
    assert missing.exit_code == 1 and "There is no rollout 1." in missing.output


def test_rollout_changes__every_addition_edit_and_deletion_is_kept(engine: Engine) -> None:
    rollout_id = add_rollout(engine, Rollout("Chatbot", "chatbot", date(2026, 4, 13)), by="sam")
    update_rollout(engine, rollout_id, {"name": "Support chatbot", "ended_on": date(2026, 6, 1)}, by="jo")
    delete_rollout(engine, rollout_id, by="ann")
    changes = read_rollout_changes(engine)
    assert changes.select("rollout_id", "action", "changed_by", "what").rows() == [
        (rollout_id, "deleted", "ann", "Support chatbot"),
        (rollout_id, "edited", "jo", "name: Chatbot -> Support chatbot; ended_on: None -> 2026-06-01"),
        (rollout_id, "added", "sam", "Chatbot"),
    ]
    assert changes["changed_at"].is_sorted(descending=True)


def test_rollouts_history__cli_lists_the_audit_trail(pulse) -> None:  # type: ignore[no-untyped-def]
    pulse("rollouts", "edit", "1", "--channel", "online", "--by", "jo")
    history = pulse("rollouts", "history").output.splitlines()
    assert history[0].endswith("\tjo\tedited rollout 1: channel: None -> online")
    assert "\tadded rollout 1: Chatbot" in history[1]


# Excel's "CSV (Comma delimited)" on Windows: the ANSI code page (Windows-1252 in Western Europe and the US),
# CRLF line ends, no BOM; where the decimal separator is a comma (France, Germany...) Excel separates the
# cells with semicolons. The curly apostrophe, the dash and the euro sign are bytes that only Windows-1252
# gives these characters (0x92, 0x96, 0x80).
EXCEL_ROLLOUTS = (
    "name,kind,channel,started_on,ended_on,description\r\n"
    "Café kiosk,kiosk,in-store,2026-03-02,,Order at the café’s kiosk – €2 off\r\n"
    "Crème brûlée bot,chatbot,online,2026-04-13,2026-05-01,Answers questions\r\n"
)


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_rollouts_import__an_excel_csv_in_windows_1252_is_read_as_written(  # type: ignore[no-untyped-def]
    pulse_cli, tmp_path, delimiter: str
) -> None:
    path = tmp_path / "rollouts.csv"
    path.write_bytes(EXCEL_ROLLOUTS.replace(",", delimiter).encode("cp1252"))
    result = pulse_cli("rollouts", "import", str(path), "--by", "sam")
    assert result.exit_code == 0, result.output
    assert "Imported 2 rollouts" in result.output
    listed = json.loads(pulse_cli("rollouts", "list", "--json").output)
    assert [(row["name"], row["description"], row["ended_on"]) for row in listed] == [
        ("Café kiosk", "Order at the café’s kiosk – €2 off", None),
        ("Crème brûlée bot", "Answers questions", "2026-05-01"),
    ]
