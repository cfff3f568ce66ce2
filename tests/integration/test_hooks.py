"""The webhook receiver on a real store (SQLite and PostgreSQL): each vendor's documented body, signed here with
a test secret, is stored once with its score, comment, time, source and response id; every refusal has its
status and is recorded in webhook_deliveries, with the body's sha256 and never the body."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest
from starlette.testclient import TestClient

from hooks.app import MAX_BODY_BYTES, build_app
from pulse.settings import build_settings
from store.engine import Engine
from store.feedback import count_feedback, read_feedback, read_rejected
from store.state import read_data_version
from store.webhooks import read_deliveries
from tests.webhook_requests import PATHS, SECRET_SETTINGS, body, signed


@pytest.fixture
def stored_ids() -> list[list[int]]:
    return []


@pytest.fixture
def client(engine: Engine, stored_ids: list[list[int]]) -> Iterator[TestClient]:
    settings = build_settings(timezone="Europe/London", **SECRET_SETTINGS)
    with TestClient(
        build_app(engine, settings, on_stored=lambda _store, ids: stored_ids.append(ids))
    ) as test_client:
        yield test_client


def post(client: TestClient, vendor: str, content: bytes, headers: dict[str, str] | None = None) -> Any:
    return client.post(
        PATHS[vendor], content=content, headers=signed(vendor, content) if headers is None else headers
    )


def deliveries(engine: Engine) -> list[dict[str, Any]]:
    return read_deliveries(engine).reverse().to_dicts()


def stored(engine: Engine) -> list[dict[str, Any]]:
    columns = ("id", "created_at", "nps", "csat", "text", "source", "location")
    return read_feedback(engine, columns).sort("id").to_dicts()


def external_ids(engine: Engine) -> list[str]:
    from sqlalchemy import select

    from store.engine import reading
    from store.schema import feedback

    with reading(engine) as connection:
        return list(connection.execute(select(feedback.c.external_id).order_by(feedback.c.id)).scalars())


DOCUMENTED = [  # (vendor, fixture, source, external id, created_at, nps, text, location)
    (
        "typeform",
        "typeform_example.json",
        "typeform:lT4Z3j",
        "a3a12ec67a1365927098a606107fac15|2018-01-18T18:17:02+00:00",
        datetime(2018, 1, 18, 18, 17, 2, tzinfo=UTC),
        None,
        "It's cold right now! I live in an older medium-sized city with a university. Geographically, the area "
        "is hilly.",
        None,
    ),
    (
        "typeform",
        "typeform_nps.json",
        "typeform:Q8kTz2",
        "9e8b7f1c2d3a4b5c6d7e8f9a0b1c2d3e|2026-11-20T09:41:07+00:00",
        datetime(2026, 11, 20, 9, 41, 7, tzinfo=UTC),
        3,
        "The chatbot kept looping and I could not reach a person about my order.",
        "High Street",
    ),
    (
        "tally",
        "tally_example.json",
        "tally:VwbNEw",
        "2wgx4n|2023-06-28T15:00:21+00:00",
        datetime(2023, 6, 28, 15, 0, 21, tzinfo=UTC),
        None,
        "Hello world",
        None,
    ),
    (
        "tally",
        "tally_nps.json",
        "tally:mOkE3b",
        "Kp7Vx2|2026-11-21T14:05:33+00:00",
        datetime(2026, 11, 21, 14, 5, 33, tzinfo=UTC),
        10,
        "Lovely sourdough, and the staff remember my name.",
        "High Street",
    ),
    (
        "google_forms",
        "google_forms.json",
        "google-forms:1FAIpQLSd3x4mPle5Form7Id8Crumb9Kettle0abcdef",
        "2_ABaOnuc3xZ0fKs1Dq8aVv0Y7uH4eJmL9bWnR5tC2pQx|2026-11-22T16:12:45+00:00",
        datetime(2026, 11, 22, 16, 12, 45, tzinfo=UTC),
        6,
        "The app ordering was quick, but nobody answered the phone.",
        "Station Road",
    ),
]


@pytest.mark.parametrize(
    ("vendor", "fixture", "source", "external_id", "created_at", "nps", "text", "location"), DOCUMENTED
)
def test_receiver__stores_each_vendors_documented_response_once(
    engine: Engine,
    client: TestClient,
    stored_ids: list[list[int]],
    vendor: str,
    fixture: str,
    source: str,
    external_id: str,
    created_at: datetime,
    nps: int | None,
    text: str,
    location: str | None,
) -> None:
    content = body(fixture)
    version = read_data_version(engine)
    answer = post(client, vendor, content)
    assert answer.status_code == 200, answer.json()
    assert answer.json()["outcome"] == "stored"
    [row] = stored(engine)
    assert row == {
        "id": row["id"],
        "created_at": created_at,
        "nps": nps,
        "csat": None,
        "text": text,
        "source": source,
        "location": location,
    }
    assert external_ids(engine) == [external_id]
    assert answer.json()["feedback_id"] == row["id"]
    assert stored_ids == [[row["id"]]]  # cases are made for it at once
    assert read_data_version(engine) > version  # the dashboard sees it
    [delivery] = deliveries(engine)
    assert (delivery["vendor"], delivery["status_code"], delivery["outcome"]) == (vendor, 200, "stored")
    assert delivery["feedback_id"] == row["id"]
    assert delivery["body_sha256"] == hashlib.sha256(content).hexdigest()

    again = post(client, vendor, content)  # the vendor sends the same event again
    assert (again.status_code, again.json()["outcome"]) == (409, "replay")
    assert "already received" in again.json()["message"]
    assert count_feedback(engine) == 1
    assert stored_ids == [[row["id"]]]  # no cases made twice
    assert [d["outcome"] for d in deliveries(engine)] == ["stored", "replay"]


def test_receiver__never_stores_a_respondents_email_or_name(engine: Engine, client: TestClient) -> None:
    """Typeform's documented example holds an email and a first name: the email is the respondent's hash, the
    name (its question says so) is left out; neither is in the stored item."""
    assert post(client, "typeform", body("typeform_example.json")).status_code == 200
    from sqlalchemy import select

    from store.engine import reading
    from store.schema import feedback

    with reading(engine) as connection:
        author_hash, raw = connection.execute(select(feedback.c.author_hash, feedback.c.raw)).one()
    assert author_hash and len(author_hash) == 64
    assert "laura" not in json.dumps(raw).casefold()


def test_receiver__the_same_response_under_another_event_id_is_already_stored(
    engine: Engine, client: TestClient, stored_ids: list[list[int]]
) -> None:
    first = json.loads(body("tally_nps.json"))
    again = {**first, "eventId": "another-delivery-of-the-same-response"}
    assert post(client, "tally", json.dumps(first).encode()).json()["outcome"] == "stored"
    answer = post(client, "tally", json.dumps(again).encode())
    assert (answer.status_code, answer.json()["outcome"]) == (200, "already_stored")
    assert count_feedback(engine) == 1
    assert len(stored_ids) == 1
    assert deliveries(engine)[-1]["feedback_id"] == answer.json()["feedback_id"]


def test_receiver__a_bad_signature_is_refused_401_and_recorded_without_the_body(
    engine: Engine, client: TestClient
) -> None:
    content = body("typeform_nps.json")
    answer = post(client, "typeform", content, signed("typeform", content, "a guessed secret"))
    assert (answer.status_code, answer.json()["outcome"]) == (401, "bad_signature")
    unsigned = client.post(PATHS["tally"], content=body("tally_nps.json"))
    assert unsigned.status_code == 401
    assert "no Tally-Signature" in unsigned.json()["message"]
    assert count_feedback(engine) == 0
    assert read_rejected(engine).is_empty()
    first, second = deliveries(engine)
    assert (first["outcome"], first["event_id"], first["feedback_id"]) == ("bad_signature", None, None)
    assert first["body_sha256"] == hashlib.sha256(content).hexdigest()
    assert (second["vendor"], second["status_code"]) == ("tally", 401)


def test_receiver__a_vendor_without_its_secret_is_refused_403(engine: Engine) -> None:
    settings = build_settings(hooks_typeform_secret=SECRET_SETTINGS["hooks_typeform_secret"])
    with TestClient(build_app(engine, settings)) as client:
        content = body("tally_nps.json")
        answer = post(client, "tally", content)
        assert (answer.status_code, answer.json()["outcome"]) == (403, "not_configured")
        assert "PULSE_HOOKS_TALLY_SECRET" in answer.json()["message"]
        assert client.get("/health").json() == {
            "status": "ok",
            "vendors": {"typeform": True, "tally": False, "google_forms": False},
        }
    assert count_feedback(engine) == 0
    assert [(d["vendor"], d["status_code"]) for d in deliveries(engine)] == [("tally", 403)]


def test_receiver__an_old_google_forms_request_is_refused_401_as_expired(
    engine: Engine, client: TestClient
) -> None:
    """A signed request replayed after more than 5 minutes: 401 (its signature no longer vouches for it), not
    409, which is for an event that was stored."""
    content = body("google_forms.json")
    answer = post(
        client, "google_forms", content, signed("google_forms", content, timestamp=int(time.time()) - 600)
    )
    assert (answer.status_code, answer.json()["outcome"]) == (401, "expired")
    assert count_feedback(engine) == 0
    assert deliveries(engine)[0]["outcome"] == "expired"


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"event_id=1&form_response=x", "not JSON"),
        (b'["not", "an", "object"]', "not a JSON object"),
        (json.dumps({"event_id": "e1", "event_type": "form_response"}).encode(), "form_response"),
        (b"[" * 200_000 + b"]" * 200_000, "nests JSON"),
    ],
)
def test_receiver__a_malformed_body_is_refused_400(
    engine: Engine, client: TestClient, content: bytes, said: str
) -> None:
    answer = post(client, "typeform", content)
    assert (answer.status_code, answer.json()["outcome"]) == (400, "malformed")
    assert said in answer.json()["message"]
    assert deliveries(engine)[0]["status_code"] == 400


def test_receiver__a_body_too_large_is_refused_413_whether_declared_or_streamed(
    engine: Engine, client: TestClient
) -> None:
    content = b'{"eventId": "' + b"x" * MAX_BODY_BYTES + b'"}'
    declared = post(client, "tally", content)
    assert (declared.status_code, declared.json()["outcome"]) == (413, "too_large")

    def chunks() -> Iterator[bytes]:  # no Content-Length: read until it is too much
        for start in range(0, len(content), 64 * 1024):
            yield content[start : start + 64 * 1024]

    streamed = client.post(PATHS["tally"], content=chunks(), headers=signed("tally", content))
    assert streamed.status_code == 413
    assert [d["outcome"] for d in deliveries(engine)] == ["too_large", "too_large"]


def test_receiver__a_response_with_nothing_pulse_counts_is_rejected_422_and_kept(
    engine: Engine, client: TestClient, stored_ids: list[list[int]]
) -> None:
    event = json.loads(body("tally_nps.json"))
    event["data"]["fields"] = [
        {"key": "question_a", "label": "Favourite colour", "type": "INPUT_TEXT", "value": "Green"},
        {"key": "question_b", "label": "Email", "type": "INPUT_EMAIL", "value": "jo@example.com"},
    ]
    answer = post(client, "tally", json.dumps(event).encode())
    assert (answer.status_code, answer.json()["outcome"]) == (422, "rejected")
    assert "no NPS, CSAT, CES or comment column" in answer.json()["message"]
    assert count_feedback(engine) == 0
    assert stored_ids == []
    [rejected] = read_rejected(engine).to_dicts()
    assert rejected["source"] == "tally:mOkE3b"
    assert "Green" in rejected["raw"]
    assert "jo@example.com" not in rejected["raw"]  # as the importer keeps a rejected row: no respondent
    again = post(client, "tally", json.dumps(event).encode())  # Tally tries again: still one rejected row
    assert again.status_code == 422
    assert read_rejected(engine).height == 1


def test_receiver__a_response_that_skipped_every_counted_question_is_rejected_422(
    engine: Engine, client: TestClient
) -> None:
    event = json.loads(body("tally_nps.json"))
    for field in event["data"]["fields"][:2]:  # the score and the comment, both optional, left blank
        field["value"] = None
    answer = post(client, "tally", json.dumps(event).encode())
    assert (answer.status_code, answer.json()["outcome"]) == (422, "rejected")
    [rejected] = read_rejected(engine).to_dicts()
    assert "High Street" in rejected["raw"]


def test_receiver__other_methods_405_and_other_events_200_ignored(engine: Engine, client: TestClient) -> None:
    got = client.get(PATHS["typeform"])
    assert (got.status_code, got.headers["allow"]) == (405, "POST")
    partial = {**json.loads(body("typeform_nps.json")), "event_type": "form_response_partial"}
    answer = post(client, "typeform", json.dumps(partial).encode())
    assert (answer.status_code, answer.json()["outcome"]) == (200, "ignored")
    assert count_feedback(engine) == 0
    assert [(d["status_code"], d["outcome"]) for d in deliveries(engine)] == [
        (405, "wrong_method"),
        (200, "ignored"),
    ]


def test_receiver__every_outcome_is_recorded(engine: Engine, client: TestClient) -> None:
    content = body("tally_nps.json")
    post(client, "tally", content)
    post(client, "tally", content)
    post(client, "tally", content, signed("tally", content, "wrong"))
    post(client, "tally", b"{")
    client.put(PATHS["tally"], content=content)
    frame = read_deliveries(engine)
    assert frame.schema["received_at"] == pl.Datetime("us", "UTC")
    assert frame["outcome"].to_list() == ["wrong_method", "malformed", "bad_signature", "replay", "stored"]
    assert frame["status_code"].to_list() == [405, 400, 401, 409, 200]


def test_receiver__a_store_that_cannot_be_used_is_answered_503_for_the_vendor_to_send_again(
    engine: Engine, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hooks.app
    from pulse.errors import StoreError

    def unavailable(*_: object) -> None:
        raise StoreError("The database could not be used.", hint="Check it.")

    monkeypatch.setattr(hooks.app, "store_response", unavailable)
    answer = post(client, "tally", body("tally_nps.json"))
    assert (answer.status_code, answer.json()["outcome"]) == (503, "error")
    assert deliveries(engine)[0]["status_code"] == 503
    assert (
        post(client, "tally", body("tally_nps.json")).status_code == 503
    )  # not a replay: nothing was stored


@pytest.mark.parametrize("with_key", [True, False])
def test_receiver__keeps_the_respondents_email_encrypted_only_with_a_contact_key(
    engine: Engine, with_key: bool
) -> None:
    from pulse.contact_crypto import new_key
    from store.contacts import count_contacts, read_contacts
    from store.schema import feedback

    key = new_key() if with_key else None
    settings = build_settings(timezone="Europe/London", contact_key=key, **SECRET_SETTINGS)
    with TestClient(build_app(engine, settings)) as keyed:
        assert post(keyed, "typeform", body("typeform_example.json")).status_code == 200
    from sqlalchemy import select

    from store.engine import reading

    with reading(engine) as connection:
        author_hash = connection.execute(select(feedback.c.author_hash)).scalar_one()
    assert count_contacts(engine) == (1 if with_key else 0)
    if with_key:
        assert read_contacts(engine, [author_hash], key) == {author_hash: "laura@example.com"}
