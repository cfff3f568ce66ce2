"""Each vendor's webhook signature, checked with the shared secret (pure functions; compared in constant time).

- Typeform: `Typeform-Signature: sha256=<base64 HMAC-SHA256 of the raw body>`
  (https://www.typeform.com/developers/webhooks/secure-your-webhooks/).
- Tally: `Tally-Signature: <base64 HMAC-SHA256 of the JSON payload>` (https://tally.so/help/webhooks). Tally's
  own example signs `JSON.stringify` of the parsed payload, which is the body Tally sends; a body that something
  on the way re-wrote (indented, say) is checked in that compact form too.
- Google Forms has no signed webhooks: Pulse's Apps Script (docs/google-forms-webhook.gs) sends
  `X-Pulse-Timestamp: <Unix seconds>` and `X-Pulse-Signature: <base64 HMAC-SHA256 of timestamp + "." + body>`;
  a timestamp more than MAX_AGE_S old, or more than MAX_SKEW_S ahead of this clock, is refused (a replayed or
  held-back request), even with a valid signature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
from dataclasses import dataclass
from typing import Any

MAX_AGE_S = 300  # a Google Forms delivery older than 5 minutes is refused
MAX_SKEW_S = 60  # ... and one stamped more than a minute ahead of this machine's clock


@dataclass(frozen=True)
class Verdict:
    """Whether a request's signature holds; when not, why, as an outcome for the delivery's record
    (`bad_signature`, or `expired` for a Google Forms timestamp out of its window) and a sentence."""

    valid: bool
    outcome: str = "ok"
    reason: str = ""


VALID = Verdict(True)


def hmac_base64(secret: str, message: bytes) -> str:
    """The base64 HMAC-SHA256 of `message` keyed with `secret` (UTF-8)."""
    return base64.b64encode(hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()).decode()


def _same(expected: str, received: str) -> bool:
    return hmac.compare_digest(expected.encode("utf-8"), received.encode("utf-8"))


def _bad(reason: str) -> Verdict:
    return Verdict(False, "bad_signature", reason)


def verify_typeform(body: bytes, header: str | None, secret: str) -> Verdict:
    """The `Typeform-Signature` header against the raw body."""
    if not header:
        return _bad("The request has no Typeform-Signature header.")
    if not _same(f"sha256={hmac_base64(secret, body)}", header.strip()):
        return _bad("The Typeform-Signature does not match the body and the secret.")
    return VALID


def verify_tally(body: bytes, header: str | None, secret: str) -> Verdict:
    """The `Tally-Signature` header against the body as sent, or the payload as JSON.stringify writes it."""
    if not header:
        return _bad("The request has no Tally-Signature header.")
    received = header.strip()
    if _same(hmac_base64(secret, body), received):
        return VALID
    compact = js_json(body)
    if compact is not None and compact != body and _same(hmac_base64(secret, compact), received):
        return VALID
    return _bad("The Tally-Signature does not match the body and the secret.")


def verify_google_forms(
    body: bytes, timestamp: str | None, signature: str | None, secret: str, now: float
) -> Verdict:
    """`X-Pulse-Signature` against `X-Pulse-Timestamp` + "." + the body, then the timestamp against `now`
    (Unix seconds)."""
    if not timestamp or not signature:
        return _bad("The request has no X-Pulse-Timestamp or X-Pulse-Signature header.")
    stamp = timestamp.strip()
    if not stamp.isascii() or not stamp.isdigit():
        return _bad(f"X-Pulse-Timestamp {stamp[:40]!r} is not a Unix time in seconds.")
    if not _same(hmac_base64(secret, stamp.encode() + b"." + body), signature.strip()):
        return _bad("The X-Pulse-Signature does not match the timestamp, the body and the secret.")
    age = now - int(stamp)
    if age > MAX_AGE_S:
        return Verdict(
            False,
            "expired",
            f"The request was signed {age / 60:,.0f} minutes ago; Pulse takes requests up to "
            f"{MAX_AGE_S // 60} minutes old, so that a copied request cannot be sent again.",
        )
    if -age > MAX_SKEW_S:
        return Verdict(
            False,
            "expired",
            f"The request is stamped {-age:,.0f} seconds ahead of this machine's clock (at most {MAX_SKEW_S} "
            "are taken); check the clock of the machine that runs `pulse hooks serve`.",
        )
    return VALID


def js_json(body: bytes) -> bytes | None:
    """The JSON `body` written again as JavaScript's JSON.stringify writes it (no spaces, keys in order, text
    unescaped, whole numbers without a decimal point); None when it is not JSON."""
    try:
        value = json.loads(body, parse_float=_js_number)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _js_number(text: str) -> Any:
    number = float(text)
    return int(number) if math.isfinite(number) and number.is_integer() and abs(number) < 1e21 else number
