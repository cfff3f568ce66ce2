"""Which SMTP connection the settings ask for: the encryption and the port, old configurations included."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from pulse.errors import ConfigError
from pulse.settings import build_settings
from reports.mail import SmtpServer, build_smtp_server, handshake_failed


@pytest.fixture(autouse=True)
def no_outside_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only what a test sets: no PULSE_SMTP_* variables and no pulse.toml from outside."""
    monkeypatch.chdir(tmp_path)
    for name in ("PORT", "SECURITY", "STARTTLS"):
        monkeypatch.delenv(f"PULSE_SMTP_{name}", raising=False)


@pytest.mark.parametrize(
    ("settings", "port", "security"),
    [
        ({}, 587, "starttls"),  # nothing set: STARTTLS on the submission port
        ({"smtp_port": 465}, 465, "ssl"),  # port 465 and nothing else: implicit TLS
        ({"smtp_security": "ssl"}, 465, "ssl"),  # implicit TLS: its port
        ({"smtp_security": "ssl", "smtp_port": 2465}, 2465, "ssl"),
        ({"smtp_security": "starttls", "smtp_port": 465}, 465, "starttls"),  # said outright, kept
        ({"smtp_security": "none", "smtp_port": 25}, 25, "none"),
        ({"smtp_starttls": False}, 587, "none"),  # the older switch still works
        ({"smtp_starttls": False, "smtp_port": 25}, 25, "none"),
        ({"smtp_starttls": True}, 587, "starttls"),
        ({"smtp_starttls": True, "smtp_port": 465}, 465, "starttls"),  # set, so not guessed from the port
        ({"smtp_security": "ssl", "smtp_starttls": False}, 465, "ssl"),  # the new setting wins
        ({"smtp_security": "none", "smtp_starttls": True}, 587, "none"),
    ],
)
def test_build_smtp_server__encryption_and_port_from_the_settings(
    settings: dict[str, object], port: int, security: str
) -> None:
    server = build_smtp_server(build_settings(smtp_host="smtp.example.com", **settings))
    assert (server.host, server.port, server.security) == ("smtp.example.com", port, security)


def test_build_smtp_server__reads_the_environment_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULSE_SMTP_SECURITY", " SSL ")
    monkeypatch.setenv("PULSE_SMTP_STARTTLS", "false")
    server = build_smtp_server(build_settings(smtp_host="smtp.example.com"))
    assert server.describe() == "smtp.example.com:465 (implicit TLS)"
    monkeypatch.setenv("PULSE_SMTP_SECURITY", "")  # set but empty: as if unset
    assert build_smtp_server(build_settings()).describe() == ":587 (no encryption)"


def test_build_settings__unknown_security_names_the_variable_and_the_choices(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PULSE_SMTP_SECURITY", "tls")  # ambiguous: STARTTLS or implicit TLS?
    with pytest.raises(ConfigError) as raised:
        build_settings()
    assert "PULSE_SMTP_SECURITY" in raised.value.message
    assert "'starttls', 'ssl' or 'none'" in raised.value.message


def test_handshake_failed__any_other_tls_failure_names_the_settings_to_check() -> None:
    error = ssl.SSLError(1, "[SSL: UNSUPPORTED_PROTOCOL] unsupported protocol")
    failed = handshake_failed(error, SmtpServer("smtp.example.com", 587, "starttls"))
    assert failed.message == (
        "The TLS handshake with the SMTP server smtp.example.com:587 failed after STARTTLS "
        "([SSL: UNSUPPORTED_PROTOCOL] unsupported protocol)."
    )
    assert failed.hint.startswith("Check PULSE_SMTP_PORT and PULSE_SMTP_SECURITY. Your provider's settings")
    assert "TLS 1.0 or 1.1" in failed.hint
