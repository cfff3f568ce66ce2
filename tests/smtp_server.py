"""A small real SMTP server for tests, on a free localhost port: it speaks enough of RFC 5321 for smtplib
(EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and keeps every message it receives.

    with local_smtp_server(users={"pulse": "secret"}, refuse={"nobody@example.com"}) as server:
        ...  # send to 127.0.0.1:server.port, then read server.messages
"""

from __future__ import annotations

import base64
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]


@dataclass
class SmtpServer:
    port: int
    messages: list[Received] = field(default_factory=list)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 localhost test SMTP ready")
        sender, recipients, signed_in = "", [], not self.server.users
        while raw := self.rfile.readline():
            command, _, argument = raw.decode().rstrip("\r\n").partition(" ")
            verb = command.upper()
            if verb in ("EHLO", "HELO"):
                extensions = ["localhost", "8BITMIME", *(["AUTH PLAIN"] if self.server.users else [])]
                for index, extension in enumerate(extensions):
                    self.reply(f"250{' ' if index == len(extensions) - 1 else '-'}{extension}")
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
                self.server.received.messages.append(Received(sender, recipients, self.read_data()))
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


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, users: dict[str, str], refuse: set[str]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.users, self.refuse = users, refuse
        self.received = SmtpServer(self.server_address[1])


@contextmanager
def local_smtp_server(
    users: dict[str, str] | None = None, refuse: set[str] | None = None
) -> Iterator[SmtpServer]:
    """A running SMTP server on 127.0.0.1 and a free port; `users` require AUTH PLAIN, `refuse` are
    recipients it answers with 550."""
    server = _Server(users or {}, refuse or set())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
