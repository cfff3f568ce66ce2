"""The webhook receiver as an ASGI app (Starlette), served by `pulse hooks serve` beside the dashboard.

    POST /hooks/typeform       Typeform's webhook (Typeform-Signature)
    POST /hooks/tally          Tally's webhook (Tally-Signature)
    POST /hooks/google-forms   Pulse's Apps Script for Google Forms (X-Pulse-Timestamp, X-Pulse-Signature)
    GET  /health               {"status": "ok", "vendors": {vendor: whether its secret is set}}
    POST /w/WORKSPACE/hooks/...  the same, into the workspace WORKSPACE (404 unknown_workspace when there is
                               none of that name); one receiver serves an agency's every client

Every request to a vendor's address is answered, in this order of checks, and recorded in webhook_deliveries
(store/webhooks.py) with its body's sha256, never the body:

    405 wrong_method     not a POST
    403 not_configured   the vendor's secret is not set: nothing is taken unsigned
    413 too_large        a body over MAX_BODY_BYTES
    401 bad_signature    no signature, or one that does not match the body and the secret
    401 expired          Google Forms: signed more than 5 minutes ago (or ahead of this clock): replayed
    400 malformed        not JSON, or not the vendor's webhook (its required fields missing)
    200 ignored          a valid event that holds no submitted response (a Typeform partial response)
    409 replay           this event id was received and its response stored already: stored once
    200 stored           the response is new feedback; `on_stored` is called with its id, after the answer
    200 already_stored   the source held the response already (sent again under another event id)
    422 rejected         the response has nothing Pulse counts: kept as a rejected row, with the reason
    503 / 500 error      the store could not be used (the vendor sends it again later) / an unexpected error

The response is stored through the survey importer (hooks/receiver.py); the work on the store runs in a worker
thread, so that a slow write never holds the server's loop."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hooks.receiver import store_response
from hooks.signatures import Verdict, verify_google_forms, verify_tally, verify_typeform
from hooks.vendors import READERS, MalformedBody, OtherEvent
from pulse.errors import PulseError
from pulse.settings import Settings
from store.engine import Engine
from store.webhooks import event_seen, record_delivery

MAX_BODY_BYTES = 1024 * 1024  # a survey response is a few kilobytes; Typeform's and Tally's are under 100 kB
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
log = logging.getLogger("pulse.hooks")
OnStored = Callable[[Engine, list[int]], None]  # the store it went to, and the new feedback's ids
EngineOf = Callable[[str], Engine]  # a workspace's engine by its name; PulseError when there is none
Verifier = Callable[[bytes, Mapping[str, str], str], Verdict]


@dataclass(frozen=True)
class Vendor:
    """A survey tool whose webhooks Pulse takes: its address, its secret's setting, how it signs."""

    name: str  # as recorded: typeform, tally, google_forms
    label: str
    path: str
    setting: str  # the Settings field of its secret
    verify: Verifier

    @property
    def variable(self) -> str:
        return f"PULSE_{self.setting.upper()}"

    def secret(self, settings: Settings) -> str:
        """The vendor's secret in `settings`; "" when unset."""
        value = getattr(settings, self.setting)
        return value.get_secret_value().strip() if value is not None else ""


VENDORS = (
    Vendor(
        "typeform",
        "Typeform",
        "/hooks/typeform",
        "hooks_typeform_secret",
        lambda body, headers, secret: verify_typeform(body, headers.get("typeform-signature"), secret),
    ),
    Vendor(
        "tally",
        "Tally",
        "/hooks/tally",
        "hooks_tally_secret",
        lambda body, headers, secret: verify_tally(body, headers.get("tally-signature"), secret),
    ),
    Vendor(
        "google_forms",
        "Google Forms",
        "/hooks/google-forms",
        "hooks_google_forms_secret",
        lambda body, headers, secret: verify_google_forms(
            body, headers.get("x-pulse-timestamp"), headers.get("x-pulse-signature"), secret, time.time()
        ),
    ),
)


@dataclass(frozen=True)
class Answer:
    """How a delivery is answered and recorded."""

    status_code: int
    outcome: str
    message: str
    event_id: str | None = None
    feedback_id: int | None = None
    new_ids: tuple[int, ...] = ()


def build_app(
    engine: Engine,
    settings: Settings,
    on_stored: OnStored | None = None,
    workspace_engine: EngineOf | None = None,
) -> Starlette:
    """The receiver of `settings`' vendors (a vendor without its secret is refused, 403), storing into
    `engine`, and with `workspace_engine` also into any workspace at /w/NAME/hooks/...; `on_stored(engine,
    feedback_ids)` is called with the store and the ids of newly stored feedback, once the vendor has its answer
    (never for a replay or a response stored already)."""

    def receiver(vendor: Vendor) -> Callable[[Request], Any]:
        async def receive(request: Request) -> JSONResponse:
            body, too_large = await _read_body(request)
            workspace = request.path_params.get("workspace")
            if workspace is None or workspace_engine is None:
                store = engine
            else:
                try:
                    store = await run_in_threadpool(workspace_engine, workspace)
                except PulseError as error:  # no store to record it in: answered, and logged
                    log.warning("%s delivery to workspace %r: %s", vendor.label, workspace, error.message)
                    return JSONResponse({"outcome": "unknown_workspace", "message": error.message}, 404)
            try:
                answer = await _answer(vendor, store, request, body, too_large)
            except Exception as error:  # answered and recorded all the same
                log.exception("%s delivery failed", vendor.label)
                answer = Answer(500, "error", f"{type(error).__name__}: {error}")
            digest = hashlib.sha256(body).hexdigest()
            try:
                await run_in_threadpool(
                    record_delivery,
                    store,
                    vendor.name,
                    answer.status_code,
                    answer.outcome,
                    digest,
                    answer.event_id,
                    answer.message,
                    answer.feedback_id,
                )
            except Exception:  # the answer stands; the server's log keeps what the store could not
                log.exception("%s delivery (%s) could not be recorded", vendor.label, answer.outcome)
            content: dict[str, Any] = {"outcome": answer.outcome, "message": answer.message}
            if answer.feedback_id is not None:
                content["feedback_id"] = answer.feedback_id
            headers = {"Allow": "POST"} if answer.status_code == 405 else None
            background = (
                BackgroundTask(_call, on_stored, store, list(answer.new_ids)) if answer.new_ids else None
            )
            return JSONResponse(content, answer.status_code, headers, background=background)

        return receive

    async def _answer(
        vendor: Vendor, engine: Engine, request: Request, body: bytes, too_large: bool
    ) -> Answer:
        if request.method != "POST":
            return Answer(405, "wrong_method", f"{request.method} is not taken here; survey tools POST.")
        secret = vendor.secret(settings)
        if not secret:
            return Answer(
                403,
                "not_configured",
                f"{vendor.label} deliveries are refused: set {vendor.variable} to the webhook's secret "
                "and restart `pulse hooks serve`.",
            )
        if too_large:
            return Answer(413, "too_large", f"The body is over {MAX_BODY_BYTES // 1024:,} kB; refused.")
        verdict = vendor.verify(body, request.headers, secret)
        if not verdict.valid:
            return Answer(401, verdict.outcome, verdict.reason)
        try:
            reading = READERS[vendor.name](json.loads(body))
        except MalformedBody as error:
            return Answer(400, "malformed", f"{error.message} {error.hint}".strip())
        except (ValueError, UnicodeDecodeError) as error:
            return Answer(400, "malformed", f"The body is not JSON ({error}).")
        except RecursionError:
            return Answer(400, "malformed", "The body nests JSON more deeply than any survey response does.")
        if isinstance(reading, OtherEvent):
            return Answer(
                200,
                "ignored",
                f"A {reading.event_type} event holds no submitted response; nothing stored.",
                reading.event_id,
            )
        event_id = reading.event_id
        try:
            if await run_in_threadpool(event_seen, engine, vendor.name, event_id):
                return Answer(409, "replay", f"Event {event_id} was already received and stored.", event_id)
            stored = await run_in_threadpool(
                store_response, engine, reading, settings.timezone, settings.contact_key
            )
        except PulseError as error:  # the store cannot be used now: the vendor sends it again later
            log.error("%s delivery %s: %s", vendor.label, event_id, error)
            return Answer(503, "error", error.message, event_id)
        except Exception as error:  # logged with its traceback, answered 500 and recorded
            log.exception("%s delivery %s failed", vendor.label, event_id)
            return Answer(500, "error", f"{type(error).__name__}: {error}", event_id)
        status = 422 if stored.outcome == "rejected" else 200
        return Answer(
            status, stored.outcome, stored.message, event_id, stored.feedback_id, tuple(stored.new_ids)
        )

    async def health(_request: Request) -> JSONResponse:
        vendors = {vendor.name: bool(vendor.secret(settings)) for vendor in VENDORS}
        return JSONResponse({"status": "ok", "vendors": vendors})

    routes = [Route(vendor.path, receiver(vendor), methods=METHODS) for vendor in VENDORS]
    if workspace_engine is not None:
        routes += [
            Route(f"/w/{{workspace}}{vendor.path}", receiver(vendor), methods=METHODS) for vendor in VENDORS
        ]
    return Starlette(routes=[*routes, Route("/health", health, methods=["GET"])])


async def _read_body(request: Request) -> tuple[bytes, bool]:
    """The body, read up to MAX_BODY_BYTES; whether it is longer (then only its start is read)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return b"", True
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return b"".join(chunks)[: MAX_BODY_BYTES + 1], True
    return b"".join(chunks), False


def _call(on_stored: OnStored | None, engine: Engine, feedback_ids: list[int]) -> None:
    """`on_stored(engine, feedback_ids)` after the answer has gone; a failure is logged (the feedback is
    stored)."""
    if on_stored is None:
        return
    try:
        on_stored(engine, feedback_ids)
    except Exception:
        log.exception("Making the cases of feedback %s failed", feedback_ids)
