"""Sending the weekly digest by email: the standard library's smtplib and email.message, plain text with a
simple HTML alternative, over STARTTLS unless it is turned off. Every failure becomes a ConfigError (settings
missing) or a DeliveryError (the server could not be reached or refused), each with what to do next."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from analysis.digest import Digest
from pulse.errors import ConfigError, DeliveryError
from pulse.settings import Settings

TIMEOUT_SECONDS = 30
SETTINGS_HINT = (
    "See the README's configuration table; `pulse digest` without --send prints the digest instead."
)


def digest_message(digest: Digest, sender: str, recipients: Sequence[str]) -> EmailMessage:
    """The digest as an email: plain text, with the HTML version as an alternative."""
    message = EmailMessage()
    message["Subject"] = digest.subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(digest.text())
    message.add_alternative(digest.html(), subtype="html")
    return message


def send_digest(digest: Digest, settings: Settings, recipients: Sequence[str] = ()) -> list[str]:
    """Send the digest to `recipients` (PULSE_DIGEST_RECIPIENTS when empty); returns who it went to."""
    to = list(recipients) or settings.digest_recipients
    check_mail_settings(settings, to)
    assert settings.digest_sender is not None  # checked above
    send_message(digest_message(digest, settings.digest_sender, to), settings)
    return to


def check_mail_settings(settings: Settings, recipients: Sequence[str]) -> None:
    """A ConfigError naming the first missing setting."""
    if not settings.smtp_host:
        raise ConfigError(
            "No SMTP server is configured, so the digest cannot be sent.",
            hint=f"Set PULSE_SMTP_HOST (and PULSE_SMTP_PORT, PULSE_SMTP_USER, PULSE_SMTP_PASSWORD). {SETTINGS_HINT}",
        )
    if not settings.digest_sender:
        raise ConfigError(
            "No sender address is configured for the digest.",
            hint=f"Set PULSE_DIGEST_SENDER, e.g. pulse@example.com. {SETTINGS_HINT}",
        )
    if not recipients:
        raise ConfigError(
            "No one to send the digest to.",
            hint="Set PULSE_DIGEST_RECIPIENTS (comma-separated) or give --to ADDRESS.",
        )
    if settings.smtp_user and settings.smtp_password is None:
        raise ConfigError(
            f"PULSE_SMTP_USER is set ({settings.smtp_user}) but PULSE_SMTP_PASSWORD is not.",
            hint="Set PULSE_SMTP_PASSWORD in the environment (never in pulse.toml), or unset PULSE_SMTP_USER.",
        )


def send_message(message: EmailMessage, settings: Settings) -> None:
    """Deliver one message through the configured SMTP server."""
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        with smtplib.SMTP(settings.smtp_host or "", settings.smtp_port, timeout=TIMEOUT_SECONDS) as server:
            if settings.smtp_starttls:
                server.starttls(context=ssl.create_default_context())
            if settings.smtp_user and settings.smtp_password is not None:
                server.login(settings.smtp_user, settings.smtp_password.get_secret_value())
            server.send_message(message)
    except smtplib.SMTPException as error:
        raise refused(error, where) from error
    except (OSError, ssl.SSLError) as error:
        raise DeliveryError(
            f"Could not reach the SMTP server {where}: {error}.",
            hint="Check PULSE_SMTP_HOST and PULSE_SMTP_PORT, and that the server takes connections from here.",
        ) from error


def refused(error: smtplib.SMTPException, where: str) -> DeliveryError:
    """What the server's refusal means, and what to change."""
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return DeliveryError(
            f"The SMTP server {where} does not offer STARTTLS, so Pulse did not send the digest in the clear.",
            hint="Use the server's STARTTLS port (usually 587), or set PULSE_SMTP_STARTTLS=false for a relay "
            "on this machine or a trusted network.",
        )
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return DeliveryError(
            f"The SMTP server {where} refused the user name or password ({_reply(error.smtp_code, error.smtp_error)}).",
            hint="Check PULSE_SMTP_USER and PULSE_SMTP_PASSWORD (some providers want an app password).",
        )
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refused_to = ", ".join(f"{address} ({_reply(*reply)})" for address, reply in error.recipients.items())
        return DeliveryError(
            f"The SMTP server {where} refused the recipients {refused_to}.",
            hint="Check the addresses in PULSE_DIGEST_RECIPIENTS or --to.",
        )
    if isinstance(error, smtplib.SMTPSenderRefused):
        return DeliveryError(
            f"The SMTP server {where} refused the sender {error.sender} ({_reply(error.smtp_code, error.smtp_error)}).",
            hint="Set PULSE_DIGEST_SENDER to an address that this server lets you send from.",
        )
    return DeliveryError(
        f"The SMTP server {where} refused the digest: {error}.",
        hint="Check the SMTP settings; the server's reply above says what it objected to.",
    )


def _reply(code: int, text: bytes | str) -> str:
    """'550 No such user' from an SMTP reply."""
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {message}".strip()
