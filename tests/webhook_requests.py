"""Webhook requests as the vendors send them, for the receiver's tests: the bodies of tests/fixtures/webhooks (from
the vendors' documentation: see its README) and their signature headers, computed here from each vendor's
documented scheme, not by the code under test."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "webhooks"
SECRETS = {
    "typeform": "tf-test-secret-8c1d",
    "tally": "tally-test-secret-5e2a",
    "google_forms": "gf-test-secret-91b7",
}
PATHS = {"typeform": "/hooks/typeform", "tally": "/hooks/tally", "google_forms": "/hooks/google-forms"}
SECRET_SETTINGS = {
    "hooks_typeform_secret": SECRETS["typeform"],
    "hooks_tally_secret": SECRETS["tally"],
    "hooks_google_forms_secret": SECRETS["google_forms"],
}


def body(name: str) -> bytes:
    """A fixture's bytes, as the vendor sends them."""
    return (FIXTURES / name).read_bytes()


def _hmac64(secret: str, message: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def signed(
    vendor: str, content: bytes, secret: str | None = None, timestamp: int | None = None
) -> dict[str, str]:
    """The headers that `vendor` sends with `content`, signed with `secret` (the test secret by default)."""
    secret = SECRETS[vendor] if secret is None else secret
    headers = {"Content-Type": "application/json"}
    if vendor == "typeform":  # sha256= and the base64 HMAC-SHA256 of the raw body
        headers["Typeform-Signature"] = "sha256=" + _hmac64(secret, content)
    elif vendor == "tally":  # the base64 HMAC-SHA256 of the JSON body
        headers["Tally-Signature"] = _hmac64(secret, content)
    else:  # Pulse's Apps Script: the base64 HMAC-SHA256 of timestamp + "." + body
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        headers["X-Pulse-Timestamp"] = stamp
        headers["X-Pulse-Signature"] = _hmac64(secret, stamp.encode() + b"." + content)
    return headers
