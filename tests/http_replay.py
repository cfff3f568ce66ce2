"""A local HTTP server that replays recorded or hand-shaped responses, for collector tests (no network).

    with ReplayServer({"GET /v1/places/abc": [Reply(429), Reply(200, body)]}) as server:
        fetch(server.url + "/v1/places/abc")
        assert server.requests[0].path == "/v1/places/abc"

Routes are "METHOD /path" (the query string is not part of the match; see `requests` for it). Each route's
replies are served in order, the last one again for every later request. Unknown routes answer 404.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | dict[str, Any] | list[Any] = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (to provoke client time-outs)


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


Routes = dict[str, list[Reply]]


class ReplayServer:
    def __init__(self, routes: Routes | Callable[[Seen], Reply]) -> None:
        self.routes = routes
        self.requests: list[Seen] = []
        self._served: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _reply_for(self, seen: Seen) -> Reply:
        if callable(self.routes):
            return self.routes(seen)
        key = f"{seen.method} {seen.path}"
        with self._lock:
            replies = self.routes.get(key)
            if not replies:
                return Reply(404, {"error": f"no recorded reply for {key}"})
            index = self._served.get(key, 0)
            self._served[key] = index + 1
        return replies[min(index, len(replies) - 1)]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers={key.lower(): value for key, value in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                with server._lock:
                    server.requests.append(seen)
                reply = server._reply_for(seen)
                if reply.delay:
                    time.sleep(reply.delay)
                body = reply.body
                if isinstance(body, dict | list):
                    body = json.dumps(body).encode()
                    headers = {"Content-Type": "application/json", **reply.headers}
                else:
                    headers = dict(reply.headers)
                payload = body.encode() if isinstance(body, str) else body
                try:
                    self.send_response(reply.status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a time-out test)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

            def log_message(self, *_args: Any) -> None:
                pass

        return Handler
