"""One small HTTP helper for the review APIs: time-outs, retries with capped exponential backoff and jitter
(honouring Retry-After) on 429, 5xx, connection errors and time-outs, and JSON that must parse."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from pulse.errors import SourceError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RESUME_HINT = "Run the collection again later: it resumes where it stopped and keeps what it already stored."
USER_AGENT = "pulse-feedback/0.1 (read-only review collector)"


class HttpStatusError(SourceError):
    """The server answered with an error status that a retry will not fix (most 4xx)."""

    def __init__(self, message: str, hint: str, status: int, payload: Any) -> None:
        super().__init__(message, hint)
        self.status = status
        self.payload = payload  # the error body, parsed as JSON when it is JSON


@dataclass
class HttpClient:
    """GET JSON with retries. `sleep` and `jitter` are injectable so that tests run without waiting."""

    session: requests.Session = field(default_factory=requests.Session)
    timeout: float = 20.0  # seconds, for connecting and for each read
    max_attempts: int = 4
    backoff: float = 1.0  # seconds before the first retry; doubled each time
    max_delay: float = 30.0  # cap of one wait, backoff or Retry-After
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random  # 0..1, scaled by `backoff`

    def get_json(self, url: str, *, headers: Mapping[str, str] | None = None, what: str = "") -> Any:
        """The JSON body of GET `url`; a SourceError when it cannot be had after `max_attempts`."""
        label = what or url
        for attempt in range(1, self.max_attempts + 1):
            last = attempt == self.max_attempts
            try:
                response = self.session.get(
                    url, headers={"User-Agent": USER_AGENT, **(headers or {})}, timeout=self.timeout
                )
            except (requests.ConnectionError, requests.Timeout) as error:
                if last:
                    raise SourceError(
                        f"{label}: no answer after {attempt} attempts ({type(error).__name__}).",
                        hint="Check the network connection. " + RESUME_HINT,
                    ) from error
                self.sleep(self._backoff(attempt))
                continue
            if response.status_code in RETRY_STATUSES:
                if last:
                    raise SourceError(
                        f"{label}: the server answered {response.status_code} {response.reason} "
                        f"{attempt} times.",
                        hint=RESUME_HINT,
                    )
                self.sleep(self._wait(response, attempt, label))
                continue
            return _json_of(response, label)
        raise AssertionError("unreachable: max_attempts must be at least 1")

    def _backoff(self, attempt: int) -> float:
        return min(self.max_delay, self.backoff * 2 ** (attempt - 1) + self.backoff * self.jitter())

    def _wait(self, response: requests.Response, attempt: int, label: str) -> float:
        asked = retry_after_seconds(response.headers.get("Retry-After"))
        if asked is None:
            return self._backoff(attempt)
        if asked > self.max_delay:
            raise SourceError(
                f"{label}: the server asked to wait {asked:.0f} s before trying again (HTTP "
                f"{response.status_code}).",
                hint=RESUME_HINT,
            )
        return asked


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (a number of seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _json_of(response: requests.Response, label: str) -> Any:
    try:
        payload = response.json()
    except ValueError:
        payload = None
        malformed = True
    else:
        malformed = False
    if not response.ok:
        raise HttpStatusError(
            f"{label}: the server answered {response.status_code} {response.reason}.",
            hint="Check the source's settings.",
            status=response.status_code,
            payload=payload,
        )
    if malformed:
        raise SourceError(
            f"{label}: the answer is not valid JSON (HTTP {response.status_code}, "
            f"{len(response.content)} bytes); the run stopped here.",
            hint=RESUME_HINT,
        )
    return payload
