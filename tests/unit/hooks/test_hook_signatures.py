"""Each vendor's webhook signature: the right secret over the right bytes passes, anything else fails."""

from __future__ import annotations

import json
import time

import pytest

from hooks.signatures import (
    MAX_AGE_S,
    MAX_SKEW_S,
    js_json,
    verify_google_forms,
    verify_tally,
    verify_typeform,
)
from tests.webhook_requests import SECRETS, body, signed

TYPEFORM = body("typeform_example.json")
TALLY = body("tally_example.json")
GOOGLE = body("google_forms.json")


def google(content: bytes, headers: dict[str, str], now: float | None = None, secret: str | None = None):  # type: ignore[no-untyped-def]
    return verify_google_forms(
        content,
        headers.get("X-Pulse-Timestamp"),
        headers.get("X-Pulse-Signature"),
        SECRETS["google_forms"] if secret is None else secret,
        time.time() if now is None else now,
    )


def test_verify_typeform__accepts_the_documented_signature_of_the_raw_body() -> None:
    header = signed("typeform", TYPEFORM)["Typeform-Signature"]
    assert header.startswith("sha256=")
    assert verify_typeform(TYPEFORM, header, SECRETS["typeform"]).valid


@pytest.mark.parametrize(
    ("content", "secret", "header"),
    [
        (TYPEFORM, "another secret", None),  # signed with another secret
        (TYPEFORM.replace(b"Laura", b"Laure"), None, None),  # the body changed on the way
        (TYPEFORM, None, ""),  # no header
    ],
)
def test_verify_typeform__refuses_another_secret_a_changed_body_or_no_header(
    content: bytes, secret: str | None, header: str | None
) -> None:
    sent = signed("typeform", TYPEFORM, secret)["Typeform-Signature"] if header is None else header
    verdict = verify_typeform(content, sent, SECRETS["typeform"])
    assert (verdict.valid, verdict.outcome) == (False, "bad_signature")
    assert "Typeform-Signature" in verdict.reason


def test_verify_typeform__refuses_the_digest_without_its_sha256_prefix() -> None:
    digest = signed("typeform", TYPEFORM)["Typeform-Signature"].removeprefix("sha256=")
    assert not verify_typeform(TYPEFORM, digest, SECRETS["typeform"]).valid


def test_verify_tally__accepts_the_signature_of_the_body() -> None:
    assert verify_tally(TALLY, signed("tally", TALLY)["Tally-Signature"], SECRETS["tally"]).valid


def test_verify_tally__accepts_a_rewritten_body_signed_as_json_stringify_writes_it() -> None:
    """Tally's documented check signs JSON.stringify(payload): an indented copy of the body still passes."""
    compact = json.dumps(json.loads(TALLY), ensure_ascii=False, separators=(",", ":")).encode()
    indented = json.dumps(json.loads(TALLY), ensure_ascii=False, indent=4).encode()
    assert verify_tally(indented, signed("tally", compact)["Tally-Signature"], SECRETS["tally"]).valid


def test_verify_tally__refuses_another_secret_or_no_header() -> None:
    wrong = signed("tally", TALLY, "another secret")["Tally-Signature"]
    assert verify_tally(TALLY, wrong, SECRETS["tally"]).outcome == "bad_signature"
    assert not verify_tally(TALLY, None, SECRETS["tally"]).valid


def test_js_json__writes_json_as_json_stringify_does() -> None:
    content = b'{"b": 1.0, "a": [1.5, 2e3, -0.0], "t": "caf\\u00e9 / \\"x\\""}'
    assert js_json(content) == '{"b":1,"a":[1.5,2000,0],"t":"café / \\"x\\""}'.encode()
    assert js_json(b"not json") is None
    assert js_json(b"[" * 100_000 + b"]" * 100_000) is None


def test_verify_google_forms__accepts_a_fresh_signed_request() -> None:
    assert google(GOOGLE, signed("google_forms", GOOGLE)).valid


def test_verify_google_forms__refuses_a_request_older_than_five_minutes_as_expired() -> None:
    now = time.time()
    headers = signed("google_forms", GOOGLE, timestamp=int(now) - MAX_AGE_S - 5)
    verdict = google(GOOGLE, headers, now)
    assert (verdict.valid, verdict.outcome) == (False, "expired")
    assert "5 minutes" in verdict.reason


def test_verify_google_forms__takes_a_little_clock_skew_but_not_more() -> None:
    now = time.time()
    assert google(GOOGLE, signed("google_forms", GOOGLE, timestamp=int(now) + MAX_SKEW_S - 5), now).valid
    ahead = google(GOOGLE, signed("google_forms", GOOGLE, timestamp=int(now) + MAX_SKEW_S + 5), now)
    assert (ahead.valid, ahead.outcome) == (False, "expired")


def test_verify_google_forms__binds_the_timestamp_to_the_signature() -> None:
    """A replayed body with a fresh timestamp but the old signature is refused."""
    old = signed("google_forms", GOOGLE, timestamp=int(time.time()) - 3600)
    fresh = {**old, "X-Pulse-Timestamp": str(int(time.time()))}
    assert google(GOOGLE, fresh).outcome == "bad_signature"


@pytest.mark.parametrize("stamp", ["", "soon", "17e8", "-5"])
def test_verify_google_forms__refuses_a_missing_or_odd_timestamp(stamp: str) -> None:
    headers = {**signed("google_forms", GOOGLE), "X-Pulse-Timestamp": stamp}
    assert google(GOOGLE, headers).outcome == "bad_signature"


def test_verify_google_forms__refuses_another_secret() -> None:
    assert google(GOOGLE, signed("google_forms", GOOGLE, "another secret")).outcome == "bad_signature"
