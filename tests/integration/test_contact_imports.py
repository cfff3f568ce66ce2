"""`pulse import` keeps respondents' addresses as encrypted contact details only with PULSE_CONTACT_KEY, once per
person, idempotently; `pulse forget` deletes them; `pulse contacts` makes and changes keys. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from collectors.base import run_collector
from collectors.surveys import SurveyFileCollector
from pulse.contact_crypto import ContactKeyError, new_key
from store.authors import read_author_salt, salted_hash
from store.contacts import count_contacts, read_contacts
from store.engine import build_engine, reading
from store.schema import contacts, feedback, rejected_rows

ANSWERS = """response_id,submitted_at,Email,nps,comment
R1,2026-11-16T09:00:00Z,Ann@Example.com,3,The chatbot kept looping. I could not reach a person.
R2,2026-11-17T10:00:00Z,bob@example.com,9,Lovely sourdough and a warm welcome.
R3,2026-11-18T11:00:00Z,cat@example.com,11,My only answer had a typo in the score.
R4,2026-11-19T12:00:00Z,ann@example.com,6,Nobody rang me back about the order.
R5,2026-11-19T13:00:00Z,anonymous,2,Too slow.
"""


@pytest.fixture
def answers(tmp_path: Path) -> Path:
    path = tmp_path / "answers.csv"
    path.write_text(ANSWERS, encoding="utf-8")
    return path


def stored(database_url: str) -> tuple[Engine, dict[str, bytes]]:
    engine = build_engine(database_url)
    with reading(engine) as connection:
        tokens = {row.author_hash: bytes(row.email) for row in connection.execute(select(contacts))}
    return engine, tokens


def test_import__without_a_key_keeps_no_contact_and_says_so(  # type: ignore[no-untyped-def]
    pulse_cli, database_url: str, answers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PULSE_CONTACT_KEY", raising=False)
    result = pulse_cli("import", str(answers), "--json")
    summary = json.loads(result.output)
    assert summary["imported"] == 4 and "contacts_kept" not in summary
    assert any("Contact details not kept: PULSE_CONTACT_KEY is unset" in note for note in summary["notes"])
    engine, tokens = stored(database_url)
    assert tokens == {}
    engine.dispose()


def test_import__with_a_key_keeps_each_address_encrypted_under_the_feedbacks_hash(  # type: ignore[no-untyped-def]
    pulse_cli, database_url: str, answers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = new_key()
    monkeypatch.setenv("PULSE_CONTACT_KEY", key)
    result = pulse_cli("import", str(answers))
    assert result.exit_code == 0, result.output
    assert "also kept as the respondents' contact details, encrypted" in result.output
    assert "Kept the contact details of 2 more respondents" in result.output  # Ann and Bob; Cat was rejected
    engine, tokens = stored(database_url)
    salt = read_author_salt(engine)
    ann, bob = salted_hash("ann@example.com", salt), salted_hash("bob@example.com", salt)
    with reading(engine) as connection:
        authors = set(connection.execute(select(feedback.c.author_hash)).scalars())
        kept_rows = json.dumps(
            [list(row) for row in connection.execute(select(feedback.c.raw, feedback.c.text))]
        )
        rejects = " ".join(connection.execute(select(rejected_rows.c.raw)).scalars())
    assert set(tokens) == {ann, bob} and {ann, bob} <= authors
    assert all(b"example" not in token.lower() for token in tokens.values())
    assert "example.com" not in kept_rows.lower() and "example.com" not in rejects.lower()
    assert read_contacts(engine, [ann, bob], key) == {ann: "Ann@Example.com", bob: "bob@example.com"}

    again = pulse_cli("import", str(answers), "--json")  # idempotent: nothing added, nothing rewritten
    summary = json.loads(again.output)
    assert (summary["imported"], summary["contacts_kept"]) == (0, 0)
    assert stored(database_url)[1] == tokens

    with pytest.raises(ContactKeyError):  # another key cannot read them
        read_contacts(engine, [ann], new_key())
    engine.dispose()


def test_import__a_key_set_later_keeps_the_contacts_of_answers_already_stored(  # type: ignore[no-untyped-def]
    pulse_cli, database_url: str, answers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PULSE_CONTACT_KEY", raising=False)
    pulse_cli("import", str(answers))
    monkeypatch.setenv("PULSE_CONTACT_KEY", new_key())
    summary = json.loads(pulse_cli("import", str(answers), "--json").output)
    assert (summary["imported"], summary["already_there"], summary["contacts_kept"]) == (0, 4, 2)


def test_run_collector__each_person_once_across_batches_and_existing_contacts_not_encrypted_again(
    engine: Engine, answers: Path
) -> None:
    key = new_key()
    first = run_collector(engine, SurveyFileCollector(answers, timezone="UTC", batch_rows=1, contact_key=key))
    assert (first.new, first.contacts) == (4, 2) and first.as_dict()["contacts"] == 2
    again = run_collector(engine, SurveyFileCollector(answers, timezone="UTC", batch_rows=2, contact_key=key))
    assert (again.new, again.contacts) == (0, 0) and "contacts" not in again.as_dict()
    assert count_contacts(engine) == 2


def test_forget__deletes_the_persons_contact(  # type: ignore[no-untyped-def]
    pulse_cli, database_url: str, answers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULSE_CONTACT_KEY", new_key())
    pulse_cli("import", str(answers))
    asked = pulse_cli("forget", "--email", "ANN@example.com", "--yes")
    assert "2 feedback items" in asked.output and "1 contact details" in asked.output
    engine, tokens = stored(database_url)
    salt = read_author_salt(engine)
    assert set(tokens) == {salted_hash("bob@example.com", salt)}  # Ann's went, Bob's stays
    engine.dispose()
    again = pulse_cli("forget", "--email", "ann@example.com", "--yes")
    assert "0 contact details" in again.output


def test_contacts_cli__key_status_and_rotate(  # type: ignore[no-untyped-def]
    pulse_cli, answers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = pulse_cli("contacts", "key").output.strip()
    assert len(made) == 44 and made != pulse_cli("contacts", "key").output.strip()
    monkeypatch.delenv("PULSE_CONTACT_KEY", raising=False)
    assert "PULSE_CONTACT_KEY is unset" in pulse_cli("contacts", "status").output
    old, new = new_key(), new_key()
    monkeypatch.setenv("PULSE_CONTACT_KEY", old)
    pulse_cli("import", str(answers))
    status = pulse_cli("contacts", "status").output
    assert "2 respondents' contact details stored" in status and "all 2 readable" in status
    monkeypatch.setenv("PULSE_CONTACT_KEY", new)
    unreadable = pulse_cli("contacts", "status")
    assert unreadable.exit_code == 1 and "2 stored contacts cannot be read" in unreadable.output
    monkeypatch.setenv("PULSE_CONTACT_KEY", f"{new},{old}")
    rotated = pulse_cli("contacts", "rotate")
    assert rotated.exit_code == 0 and "Encrypted 2 contacts again with the first key" in rotated.output
    monkeypatch.setenv("PULSE_CONTACT_KEY", new)
    assert "all 2 readable" in pulse_cli("contacts", "status").output
    monkeypatch.setenv("PULSE_CONTACT_KEY", "not-a-key")
    bad = pulse_cli("contacts", "status")
    assert bad.exit_code == 1 and "pulse contacts key" in bad.output and "not-a-key" not in bad.output
