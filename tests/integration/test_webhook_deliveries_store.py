"""store.webhooks on SQLite and PostgreSQL: deliveries recorded, read newest first, and which events are seen."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from store.engine import Engine
from store.state import read_data_version
from store.webhooks import event_seen, read_deliveries, record_delivery

SHA = "0" * 64


def test_record_delivery__read_back_newest_first_without_bumping_the_data_version(engine: Engine) -> None:
    version = read_data_version(engine)
    first = record_delivery(
        engine,
        "tally",
        401,
        "bad_signature",
        SHA,
        message="No signature.",
        received_at=datetime(2026, 1, 2, tzinfo=UTC),
    )
    second = record_delivery(engine, "typeform", 200, "stored", SHA, event_id="e" * 400)
    rows = read_deliveries(engine).to_dicts()
    assert [row["id"] for row in rows] == [second, first]
    assert rows[0]["event_id"] == "e" * 300  # cut to the column's length
    assert rows[1]["received_at"] == datetime(2026, 1, 2, tzinfo=UTC)
    assert (rows[1]["event_id"], rows[1]["message"], rows[1]["feedback_id"]) == (None, "No signature.", None)
    assert read_deliveries(engine, limit=1).height == 1
    assert read_data_version(engine) == version


def test_event_seen__only_an_event_whose_response_is_stored(engine: Engine) -> None:
    record_delivery(engine, "tally", 422, "rejected", SHA, event_id="rejected-once")
    record_delivery(engine, "tally", 200, "stored", SHA, event_id="stored")
    record_delivery(engine, "tally", 200, "already_stored", SHA, event_id="found")
    assert event_seen(engine, "tally", "stored")
    assert event_seen(engine, "tally", "found")
    assert not event_seen(engine, "tally", "rejected-once")  # sent again, it is tried again
    assert not event_seen(engine, "typeform", "stored")  # another vendor's ids are its own


def test_record_delivery__refuses_an_unknown_vendor(engine: Engine) -> None:
    with pytest.raises(ValueError, match="vendor"):
        record_delivery(engine, "jotform", 200, "stored", SHA)
