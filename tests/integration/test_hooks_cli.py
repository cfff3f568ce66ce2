"""`pulse hooks serve` and `pulse hooks deliveries` on a store of each kind."""

from __future__ import annotations

import json
from typing import Any

import pytest
import uvicorn
from click.testing import Result
from starlette.applications import Starlette
from starlette.testclient import TestClient

from tests.webhook_requests import SECRETS, body, signed


def test_pulse_hooks_serve__serves_the_receiver_on_the_settings_port(
    pulse_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.update(app=app, **options))
    monkeypatch.setenv("PULSE_HOOKS_TALLY_SECRET", SECRETS["tally"])
    result: Result = pulse_cli("hooks", "serve")
    assert result.exit_code == 0, result.output
    assert (served["host"], served["port"]) == ("127.0.0.1", 8502)
    assert isinstance(served["app"], Starlette)
    assert "POST /hooks/tally  (on)" in result.output
    assert "refused until PULSE_HOOKS_TYPEFORM_SECRET is set" in result.output
    with TestClient(served["app"]) as client:  # the app it serves stores into the store it was given
        content = body("tally_nps.json")
        assert (
            client.post("/hooks/tally", content=content, headers=signed("tally", content)).status_code == 200
        )

    listed = pulse_cli("hooks", "deliveries", "--json")
    assert listed.exit_code == 0, listed.output
    [delivery] = json.loads(listed.output)
    assert (delivery["vendor"], delivery["status_code"], delivery["outcome"]) == ("tally", 200, "stored")
    assert "body_sha256" not in delivery
    text = pulse_cli("hooks", "deliveries")
    assert "tally" in text.output and "stored" in text.output and "feedback #1" in text.output


def test_pulse_hooks_serve__takes_host_and_port(pulse_cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    served: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.update(options))
    assert pulse_cli("hooks", "serve", "--host", "0.0.0.0", "--port", "9100").exit_code == 0
    assert (served["host"], served["port"]) == ("0.0.0.0", 9100)


def test_pulse_hooks_deliveries__says_when_there_are_none(pulse_cli: Any) -> None:
    result = pulse_cli("hooks", "deliveries")
    assert result.exit_code == 0
    assert "No deliveries yet" in result.output
