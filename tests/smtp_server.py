"""A small real SMTP server for tests, on a free localhost port: it speaks enough of RFC 5321 for smtplib
(EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and keeps every message it receives. With
`tls="implicit"` it speaks TLS from the first byte (SMTPS, as on port 465); with `tls="starttls"` it offers
STARTTLS (RFC 3207). Its certificate is a self-signed one for localhost and 127.0.0.1, made by the openssl
command once per test session (no key is kept in the repository); a client trusts it through
`client_tls_context()` or SSL_CERT_FILE=`self_signed_certificate()[0]`.

    with local_smtp_server(users={"pulse": "secret"}, refuse={"nobody@example.com"}) as server:
        ...  # send to 127.0.0.1:server.port, then read server.messages
"""

from __future__ import annotations

import base64
import socket
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

Tls = Literal["none", "implicit", "starttls"]
OPENSSL_REQUEST = (
    "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -days 2 -subj /CN=localhost "
    "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -addext basicConstraints=critical,CA:TRUE "
    "-addext keyUsage=critical,digitalSignature,keyCertSign -addext extendedKeyUsage=serverAuth"
)


@lru_cache(maxsize=1)
def self_signed_certificate() -> tuple[Path, Path]:
    """(certificate, key) files of a new self-signed certificate for localhost and 127.0.0.1."""
    folder = Path(tempfile.mkdtemp(prefix="pulse-test-tls-"))
    certificate, key = folder / "localhost.pem", folder / "localhost.key"
    command = ["openssl", *OPENSSL_REQUEST.split(), "-keyout", str(key), "-out", str(certificate)]
    subprocess.run(command, check=True, capture_output=True)
    return certificate, key


def server_tls_context() -> ssl.SSLContext:
    """The test server's side of TLS, with the test certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed_certificate())
    return context


def client_tls_context() -> ssl.SSLContext:
    """A client context as strict as ssl.create_default_context(), that trusts the test certificate only."""
    return ssl.create_default_context(cafile=str(self_signed_certificate()[0]))


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes
    encrypted: bool = False  # whether it came over TLS

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]


@dataclass
class SmtpServer:
    port: int
    messages: list[Received] = field(default_factory=list)
    failed_handshakes: list[str] = field(default_factory=list)  # why each TLS handshake failed, server side


class _Handler(socketserver.StreamRequestHandler):
    server: _Server
    timeout = 30  # seconds of silence before the server gives up on a client

    def reply(self, line: str) -> None:
        self.connection.sendall(f"{line}\r\n".encode())

    @property
    def encrypted(self) -> bool:
        return isinstance(self.connection, ssl.SSLSocket)

    def handshake(self) -> bool:
        """Finish the TLS handshake on this connection; False (and the reason kept) when it fails."""
        assert isinstance(self.connection, ssl.SSLSocket)
        try:
            self.connection.do_handshake()
        except OSError as error:  # ssl.SSLError, or the client closing or timing out
            self.server.received.failed_handshakes.append(str(error))
            return False
        return True

    def start_tls(self) -> bool:
        """Switch this connection to TLS after STARTTLS (the client then starts over with EHLO)."""
        self.reply("220 2.0.0 Ready to start TLS")
        assert self.server.tls is not None  # STARTTLS is offered in "starttls" mode only
        self.connection = self.server.tls.wrap_socket(
            self.connection, server_side=True, do_handshake_on_connect=False
        )
        if not self.handshake():
            return False
        self.rfile.close()  # nothing is buffered: the client waited for the reply above
        self.rfile = self.connection.makefile("rb")
        return True

    def extensions(self) -> list[str]:
        offers_starttls = self.server.tls_mode == "starttls" and not self.encrypted
        return [
            "localhost",
            "8BITMIME",
            *(["STARTTLS"] if offers_starttls else []),
            *(["AUTH PLAIN"] if self.server.users else []),
        ]

    def handle(self) -> None:
        if self.encrypted and not self.handshake():
            return
        self.reply("220 localhost test SMTP ready")
        sender, recipients, signed_in = "", [], not self.server.users
        while raw := self.rfile.readline():
            command, _, argument = raw.decode(errors="replace").rstrip("\r\n").partition(" ")
            verb = command.upper()
            if verb in ("EHLO", "HELO"):
                extensions = self.extensions()
                for index, extension in enumerate(extensions):
                    self.reply(f"250{' ' if index == len(extensions) - 1 else '-'}{extension}")
            elif verb == "STARTTLS" and "STARTTLS" in self.extensions():
                if not self.start_tls():
                    return
                sender, recipients, signed_in = "", [], not self.server.users
            elif verb == "AUTH":
                signed_in = self.check_plain(argument)
                self.reply("235 2.7.0 Accepted" if signed_in else "535 5.7.8 Bad credentials")
            elif verb == "MAIL":
                if not signed_in:
                    self.reply("530 5.7.0 Authentication required")
                    continue
                sender, recipients = argument.partition(":")[2].split()[0].strip("<>"), []
                self.reply("250 OK")
            elif verb == "RCPT":
                address = argument.partition(":")[2].strip().strip("<>")
                if address in self.server.refuse:
                    self.reply("550 5.1.1 No such user here")
                else:
                    recipients.append(address)
                    self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                received = Received(sender, recipients, self.read_data(), self.encrypted)
                self.server.received.messages.append(received)
                self.reply("250 OK: queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 5.5.2 Command not implemented")

    def check_plain(self, argument: str) -> bool:
        mechanism, _, encoded = argument.partition(" ")
        if mechanism.upper() != "PLAIN":
            return False
        _, user, password = base64.b64decode(encoded).decode().split("\0")
        return self.server.users.get(user) == password

    def read_data(self) -> bytes:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)  # undo dot-stuffing
        return b"".join(lines)

    def finish(self) -> None:
        super().finish()
        if self.connection is not self.request:  # the TLS socket that STARTTLS made
            self.connection.close()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, users: dict[str, str], refuse: set[str], tls_mode: Tls) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.users, self.refuse, self.tls_mode = users, refuse, tls_mode
        self.tls = server_tls_context() if tls_mode != "none" else None  # no certificate made for plain SMTP
        self.received = SmtpServer(self.server_address[1])

    def get_request(self) -> tuple[socket.socket, object]:
        connection, address = super().get_request()
        if self.tls is not None and self.tls_mode == "implicit":  # the handshake ends in the handler's thread
            connection = self.tls.wrap_socket(connection, server_side=True, do_handshake_on_connect=False)
        return connection, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # a client that hung up is no error of the server's
            super().handle_error(request, client_address)


@contextmanager
def local_smtp_server(
    users: dict[str, str] | None = None, refuse: set[str] | None = None, tls: Tls = "none"
) -> Iterator[SmtpServer]:
    """A running SMTP server on 127.0.0.1 and a free port; `users` require AUTH PLAIN, `refuse` are
    recipients it answers with 550; `tls` is "none" (plain SMTP), "implicit" (SMTPS) or "starttls"."""
    server = _Server(users or {}, refuse or set(), tls)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
