"""End to end: the receiver served by uvicorn on 127.0.0.1 (a free port, in a thread), as `pulse hooks serve` serves
it, taking a signed Tally delivery over real HTTP into the store."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from hooks.app import build_app
from pulse.settings import build_settings
from store.engine import Engine
from store.feedback import read_feedback
from store.webhooks import read_deliveries
from tests.webhook_requests import SECRET_SETTINGS, body, signed


@pytest.fixture
def served(sqlite_engine: Engine) -> Iterator[tuple[str, list[list[int]]]]:
    stored: list[list[int]] = []
    app = build_app(
        sqlite_engine, build_settings(**SECRET_SETTINGS), on_stored=lambda _store, ids: stored.append(ids)
    )
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", stored
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        listener.close()


def send(url: str, content: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=content, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_pulse_hooks_serve__takes_a_signed_delivery_over_http(
    sqlite_engine: Engine, served: tuple[str, list[list[int]]]
) -> None:
    base, stored = served
    with urllib.request.urlopen(f"{base}/health", timeout=10) as reply:
        assert json.loads(reply.read())["status"] == "ok"
    content = body("tally_nps.json")
    status, answer = send(f"{base}/hooks/tally", content, signed("tally", content))
    assert (status, answer["outcome"]) == (200, "stored")
    [row] = read_feedback(sqlite_engine, ("id", "nps", "source")).to_dicts()
    assert row == {"id": answer["feedback_id"], "nps": 10, "source": "tally:mOkE3b"}
    deadline = time.monotonic() + 10  # on_stored runs once the answer has gone
    while not stored and time.monotonic() < deadline:
        time.sleep(0.02)
    assert stored == [[row["id"]]]
    status, answer = send(f"{base}/hooks/tally", content, signed("tally", content))
    assert (status, answer["outcome"]) == (409, "replay")
    status, _ = send(f"{base}/hooks/tally", content, signed("tally", content, "wrong"))
    assert status == 401
    assert read_deliveries(sqlite_engine)["status_code"].to_list() == [401, 409, 200]
