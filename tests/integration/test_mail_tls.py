"""Sending through a real SMTP server on localhost over implicit TLS and STARTTLS, with the test certificate
trusted through the context that `send_message` can be given, and checked by default."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from pulse.errors import DeliveryError
from pulse.settings import Settings, SmtpSecurity, build_settings
from reports.mail import send_message
from tests.smtp_server import Tls, client_tls_context, local_smtp_server


@pytest.fixture(autouse=True)
def no_outside_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("PORT", "SECURITY", "STARTTLS", "USER", "PASSWORD"):
        monkeypatch.delenv(f"PULSE_SMTP_{name}", raising=False)


def note() -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = "Weekly pulse"
    message["From"], message["To"] = "pulse@example.com", "owner@example.com"
    message.set_content("NPS +42 this week.")
    return message


def settings_for(port: int, **settings: object) -> Settings:
    return build_settings(
        smtp_host="127.0.0.1", smtp_port=port, smtp_user="pulse", smtp_password="s3cret", **settings
    )


def test_send_message__implicit_tls_from_the_first_byte() -> None:
    with local_smtp_server(users={"pulse": "s3cret"}, tls="implicit") as server:
        send_message(note(), settings_for(server.port, smtp_security="ssl"), client_tls_context())
    [received] = server.messages
    assert received.encrypted and received.recipients == ["owner@example.com"]
    assert received.message["Subject"] == "Weekly pulse"


def test_send_message__starttls_by_default_upgrades_before_signing_in() -> None:
    with local_smtp_server(users={"pulse": "s3cret"}, tls="starttls") as server:
        send_message(note(), settings_for(server.port), client_tls_context())
    [received] = server.messages
    assert received.encrypted


@pytest.mark.parametrize(("tls", "security"), [("implicit", "ssl"), ("starttls", "starttls")])
def test_send_message__checks_the_certificate_against_the_system_authorities_by_default(
    tls: Tls, security: SmtpSecurity
) -> None:
    with (
        local_smtp_server(users={"pulse": "s3cret"}, tls=tls) as server,
        pytest.raises(DeliveryError) as raised,
    ):
        send_message(note(), settings_for(server.port, smtp_security=security))
    assert server.messages == []
    assert raised.value.message == (
        f"Pulse could not verify the TLS certificate of the SMTP server 127.0.0.1:{server.port} "
        "(self-signed certificate), so it did not send the digest."
    )
    assert raised.value.hint.startswith("Check that PULSE_SMTP_HOST is the host name your provider gives")
