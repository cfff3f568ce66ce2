"""Sending the weekly digest by email: the standard library's smtplib and email.message, plain text with a
simple HTML alternative, over STARTTLS, implicit TLS (SMTPS, `smtplib.SMTP_SSL`) or, for a trusted relay, no
encryption (PULSE_SMTP_SECURITY). Every failure becomes a ConfigError (settings missing) or a DeliveryError
(the server could not be reached, the TLS handshake failed, or the server refused), each with what to do next."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from pulse.errors import ConfigError, DeliveryError
from pulse.settings import Settings, SmtpSecurity
from reports.digest import Digest

TIMEOUT_SECONDS = 30
IMPLICIT_TLS_PORT = 465  # SMTPS: TLS from the first byte
SUBMISSION_PORT = 587  # plain at first, upgraded with STARTTLS
SECURITY_NAMES: dict[SmtpSecurity, str] = {
    "ssl": "implicit TLS",
    "starttls": "STARTTLS",
    "none": "no encryption",
}
# OpenSSL's reasons when a plain-text SMTP greeting is read as a TLS record
PLAIN_REPLY_REASONS = ("WRONG_VERSION_NUMBER", "PACKET_LENGTH_TOO_LONG", "RECORD_LAYER_FAILURE")
PORTS_HINT = (
    "Your provider's settings name the port and the encryption: port 465 with SSL/TLS is "
    "PULSE_SMTP_SECURITY=ssl, port 587 with STARTTLS is PULSE_SMTP_SECURITY=starttls."
)
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


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to connect, with the settings' defaults applied."""

    host: str
    port: int
    security: SmtpSecurity

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def describe(self) -> str:
        """'smtp.example.com:465 (implicit TLS)'."""
        return f"{self.address} ({SECURITY_NAMES[self.security]})"


def build_smtp_server(settings: Settings) -> SmtpServer:
    """The SMTP server of the settings: the encryption from PULSE_SMTP_SECURITY (or the older
    PULSE_SMTP_STARTTLS, or the port), and the port from PULSE_SMTP_PORT (or the encryption)."""
    security = smtp_security(settings)
    default_port = IMPLICIT_TLS_PORT if security == "ssl" else SUBMISSION_PORT
    return SmtpServer(settings.smtp_host or "", settings.smtp_port or default_port, security)


def smtp_security(settings: Settings) -> SmtpSecurity:
    """PULSE_SMTP_SECURITY when set; else PULSE_SMTP_STARTTLS when set (true: starttls, false: none); else
    implicit TLS on port 465, where providers expect it, and STARTTLS on any other port."""
    if settings.smtp_security is not None:
        return settings.smtp_security
    if settings.smtp_starttls is not None:
        return "starttls" if settings.smtp_starttls else "none"
    return "ssl" if settings.smtp_port == IMPLICIT_TLS_PORT else "starttls"


def send_digest(
    digest: Digest,
    settings: Settings,
    recipients: Sequence[str] = (),
    tls_context: ssl.SSLContext | None = None,
) -> list[str]:
    """Send the digest to `recipients` (PULSE_DIGEST_RECIPIENTS when empty); returns who it went to.
    `tls_context` replaces the default one (the system's certificate authorities), e.g. in tests."""
    to = list(recipients) or settings.digest_recipients
    check_mail_settings(settings, to)
    assert settings.digest_sender is not None  # checked above
    send_message(digest_message(digest, settings.digest_sender, to), settings, tls_context)
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
    check_smtp_login(settings)


def check_smtp_login(settings: Settings) -> None:
    """A ConfigError when the SMTP user name is set without its password (the digest's and the case
    notifications' check)."""
    if settings.smtp_user and settings.smtp_password is None:
        raise ConfigError(
            f"PULSE_SMTP_USER is set ({settings.smtp_user}) but PULSE_SMTP_PASSWORD is not.",
            hint="Set PULSE_SMTP_PASSWORD in the environment (never in pulse.toml), or unset PULSE_SMTP_USER.",
        )


def send_message(
    message: EmailMessage,
    settings: Settings,
    tls_context: ssl.SSLContext | None = None,
    what: str = "the digest",
) -> None:
    """Deliver one message through the configured SMTP server, encrypted as PULSE_SMTP_SECURITY says; the
    server's certificate is checked against `tls_context` (by default the system's certificate authorities).
    `what` names the message in errors ("the digest", "the case notification")."""
    server = build_smtp_server(settings)
    context = tls_context or ssl.create_default_context()
    try:
        with connect(server, context) as client:
            if server.security == "starttls":
                client.starttls(context=context)
            if settings.smtp_user and settings.smtp_password is not None:
                client.login(settings.smtp_user, settings.smtp_password.get_secret_value())
            client.send_message(message)
    except smtplib.SMTPException as error:
        raise refused(error, server, what) from error
    except ssl.SSLError as error:  # before OSError, of which it is one
        raise handshake_failed(error, server, what) from error
    except OSError as error:
        raise unreachable(error, server) from error


def connect(server: SmtpServer, context: ssl.SSLContext) -> smtplib.SMTP:
    """An open connection that has read the server's greeting: over TLS from the first byte for ssl."""
    if server.security == "ssl":
        return smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT_SECONDS, context=context)
    return smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)


def handshake_failed(error: ssl.SSLError, server: SmtpServer, what: str = "the digest") -> DeliveryError:
    """What a failed TLS handshake means: a certificate Pulse cannot trust, a port that does not speak TLS
    from the first byte, or a server whose TLS this machine will not use."""
    reason = getattr(error, "reason", None) or str(error)  # errors raised by ssl.py itself have no reason
    if isinstance(error, ssl.SSLCertVerificationError):
        return DeliveryError(
            f"Pulse could not verify the TLS certificate of the SMTP server {server.address} "
            f"({error.verify_message}), so it did not send {what}.",
            hint="Check that PULSE_SMTP_HOST is the host name your provider gives (the certificate names it; "
            "an IP address or another alias does not match), and that this machine's clock and CA "
            "certificates are current. A relay with a certificate of its own CA: point SSL_CERT_FILE at it.",
        )
    if server.security == "ssl" and reason in PLAIN_REPLY_REASONS:
        return DeliveryError(
            f"The TLS handshake with the SMTP server {server.address} failed ({reason}): PULSE_SMTP_SECURITY "
            "is ssl (implicit TLS), but the server answered in plain text, as on a STARTTLS or relay port.",
            hint="Check PULSE_SMTP_PORT and PULSE_SMTP_SECURITY against your provider's settings: implicit TLS "
            '("SSL/TLS") is usually on port 465; a server on port 587 or 25 wants PULSE_SMTP_SECURITY=starttls.',
        )
    after = " after STARTTLS" if server.security == "starttls" else ""
    return DeliveryError(
        f"The TLS handshake with the SMTP server {server.address} failed{after} ({reason}).",
        hint=f"Check PULSE_SMTP_PORT and PULSE_SMTP_SECURITY. {PORTS_HINT} Check too that this machine's "
        "OpenSSL and clock are current (a server that offers only TLS 1.0 or 1.1 is refused).",
    )


def unreachable(error: OSError, server: SmtpServer) -> DeliveryError:
    """The server could not be reached, or stopped answering."""
    hint = "Check PULSE_SMTP_HOST and PULSE_SMTP_PORT, and that the server takes connections from here."
    if isinstance(error, TimeoutError | ConnectionResetError):
        hint += " A server that expects another encryption can stop answering: " + PORTS_HINT
    return DeliveryError(f"Could not reach the SMTP server {server.address}: {error}.", hint=hint)


def refused(error: smtplib.SMTPException, server: SmtpServer, what: str = "the digest") -> DeliveryError:
    """What the server's refusal means, and what to change."""
    where = server.address
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return DeliveryError(
            f"The SMTP server {where} does not offer STARTTLS, so Pulse did not send {what} in the clear.",
            hint="Use the server's STARTTLS port (usually 587), set PULSE_SMTP_SECURITY=ssl for implicit TLS "
            "(usually port 465), or PULSE_SMTP_SECURITY=none for a relay on this machine or a trusted network.",
        )
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return DeliveryError(
            f"The SMTP server {where} closed the connection or stopped answering ({error}).",
            hint="Check PULSE_SMTP_PORT and PULSE_SMTP_SECURITY: a server that expects TLS from the first byte "
            "waits in silence for a plain connection. " + PORTS_HINT,
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
        f"The SMTP server {where} refused {what}: {error}.",
        hint="Check the SMTP settings; the server's reply above says what it objected to.",
    )


def _reply(code: int, text: bytes | str) -> str:
    """'550 No such user' from an SMTP reply."""
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {message}".strip()
