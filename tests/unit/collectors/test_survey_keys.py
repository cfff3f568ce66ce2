"""Aligning a re-export's response keys with those stored (collectors.surveys.keys), on the feedback frames a
survey file is converted to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from collectors.surveys.conversion import response_key
from collectors.surveys.keys import StoredResponses
from store.records import FeedbackFrame, FeedbackRecord

AT = datetime(2026, 3, 20, 8, 0, 17, tzinfo=UTC)
STORED = [
    response_key("r1", AT),
    response_key("a|b", AT + timedelta(days=1)),  # ids may hold the separator
    response_key("7", AT),  # a row number
    "sha256:" + "0" * 64,  # a row without a response id
]


def record(response_id: str, at: datetime) -> FeedbackRecord:
    return FeedbackRecord(response_key(response_id, at), "survey", at, text="ok")


NEW = [
    record("r1", AT.replace(second=0)),  # the seconds dropped by a spreadsheet: the stored response
    record("a|b", AT + timedelta(days=1, hours=-1)),  # read in another time zone: the stored response
    record("7", AT + timedelta(days=20)),  # row 7 of another export: another response
    record("r2", AT),  # new
]
EXPECTED = [STORED[0], STORED[1], NEW[2].external_id, NEW[3].external_id]


def test_align__frames_take_the_stored_key_of_their_response() -> None:
    aligned = StoredResponses(STORED).align(FeedbackFrame.of(NEW))
    assert [item.external_id for item in aligned.records()] == EXPECTED


def test_align__nothing_stored_changes_nothing() -> None:
    frame = FeedbackFrame.of(NEW)
    assert StoredResponses([]).align(frame) is frame
