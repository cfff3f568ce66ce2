"""Respondents' addresses taken out of a survey file as contact details (collectors.surveys): by columns, one per
person per file, under the hash their feedback carries, only where the respondent column holds addresses; never in
the records or rejects handed to the store."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from pydantic import SecretStr

from collectors.base import hash_author
from collectors.surveys import SurveyFileCollector, plan_survey_file
from collectors.surveys.conversion import email_addresses
from collectors.surveys.plan import contact_note
from pulse.contact_crypto import new_key

SALT = "store-salt"
ANSWERS = """response_id,submitted_at,Email,nps,comment,Notes
R1,2026-11-16T09:00:00Z, Ann@Example.com ,3,The chatbot kept looping.,call ann@example.com
R2,2026-11-17T10:00:00Z,bob@example.com,9,Lovely sourdough.,
R3,2026-11-18T11:00:00Z,ann@example.com,6,Nobody rang me back.,
R4,2026-11-18T12:00:00Z,cat@example.com,eleven,A typo in the score.,
R5,2026-11-19T12:00:00Z,anonymous,6,Meh.,
R6,2026-11-19T13:00:00Z,noreply@example.com,2,Bad.,
R7,2026-11-19T14:00:00Z,dan@example.com,8,Fine.,
"""


def write(tmp_path: Path, text: str = ANSWERS, name: str = "answers.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_email_addresses__whole_cells_that_are_one_address_trimmed() -> None:
    cells = pl.Series(["  Ann@Example.com ", "C-7", "write to ann@example.com", "", None, "a@b", "x@y.co.uk"])
    assert email_addresses(cells).to_list() == ["Ann@Example.com", None, None, None, None, None, "x@y.co.uk"]


def test_batches_with_contacts__one_per_person_under_the_feedbacks_hash(tmp_path: Path) -> None:
    plan = plan_survey_file(write(tmp_path), timezone="UTC")
    assert plan.respondent_emails
    batches = list(plan.batches_with_contacts(size=2, author_salt=SALT))
    assert len(batches) == 4  # 7 rows, 2 at a time
    contacts = pl.concat([found for _records, _rejects, found in batches])
    ann, bob, dan = (
        hash_author(address, SALT) for address in ("ann@example.com", "bob@example.com", "dan@example.com")
    )
    # Ann once (her first address as written, in her second batch not again); Cat's only row was rejected;
    # the placeholders have no hash, so no contact
    assert contacts.rows() == [(ann, "Ann@Example.com"), (bob, "bob@example.com"), (dan, "dan@example.com")]
    hashes = {hash_ for records, _rejects, _found in batches for hash_ in records.frame["author_hash"]}
    assert {ann, bob, dan} <= hashes  # the very hashes the feedback rows carry
    for records, rejects, _found in batches:
        assert "contact" not in records.frame.columns
        stored = json.dumps(records.frame.to_dicts(), default=str) + "".join(reject.raw for reject in rejects)
        assert "@example.com" not in stored.lower()


def test_batches__hand_out_no_contacts_unless_asked(tmp_path: Path) -> None:
    plan = plan_survey_file(write(tmp_path), timezone="UTC")
    assert all(
        found.is_empty()
        for *_rest, found in plan.batches_with_contacts(author_salt=SALT, keep_contacts=False)
    )
    assert sum(len(records) for records, _rejects in plan.batches(author_salt=SALT)) == 6


def test_respondent_ids__are_no_contacts_and_get_no_note(tmp_path: Path) -> None:
    ids = ANSWERS.replace("Email", "Customer ID")
    for address, customer in [
        (" Ann@Example.com ", "C-1"),
        ("ann@example.com", "C-1"),
        ("bob@example.com", "C-2"),
    ]:
        ids = ids.replace(address, customer)
    plan = plan_survey_file(write(tmp_path, ids), timezone="UTC")
    assert plan.mapping["respondent"] == "Customer ID" and not plan.respondent_emails
    assert all(found.is_empty() for *_rest, found in plan.batches_with_contacts(author_salt=SALT))
    assert contact_note(plan, key_set=True) is None and contact_note(plan, key_set=False) is None


def test_contact_note__says_whether_the_addresses_are_kept(tmp_path: Path) -> None:
    plan = plan_survey_file(write(tmp_path), timezone="UTC")
    kept, not_kept = contact_note(plan, key_set=True), contact_note(plan, key_set=False)
    assert kept is not None and "'Email'" in kept and "encrypted" in kept
    assert not_kept is not None and "not kept" in not_kept and "PULSE_CONTACT_KEY is unset" in not_kept
    with_key = SurveyFileCollector(write(tmp_path), timezone="UTC", contact_key=SecretStr(new_key()))
    assert with_key.keeps_contacts and kept in with_key.plan.notes
    without = SurveyFileCollector(write(tmp_path), timezone="UTC", contact_key=None)
    assert not without.keeps_contacts and not_kept in without.plan.notes


def test_survey_file_collector__reads_the_key_from_the_settings(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    key = new_key()
    monkeypatch.setenv("PULSE_CONTACT_KEY", key)
    collector = SurveyFileCollector(write(tmp_path), timezone="UTC")
    assert isinstance(collector.contact_key, SecretStr) and collector.contact_key.get_secret_value() == key
    assert key not in repr(collector)
    monkeypatch.delenv("PULSE_CONTACT_KEY")
    assert SurveyFileCollector(write(tmp_path), timezone="UTC").contact_key is None
