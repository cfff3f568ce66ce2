"""Apple App Store customer reviews, from the public RSS feed as JSON (no key): the newest reviews of one
app in one country, at most 10 pages of 50, with no developer replies."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from collectors.base import CollectContext, SourceBatch
from collectors.reviews.common import (
    hash_author,
    join_title,
    redacted_json,
)
from collectors.reviews.http import HttpClient, HttpStatusError
from collectors.values import parse_moment, parse_stars
from pulse.errors import SourceError
from store.records import FeedbackFrame, FeedbackRecord, Rejected, SourceSpec

PLATFORM = "app_store"
MAX_PAGES = 10  # Apple serves at most 10 pages of 50 reviews
SETTINGS_HINT = (
    "Check PULSE_APP_STORE_APP_ID (the number after 'id' in the app's App Store link) and "
    "PULSE_APP_STORE_COUNTRY (two letters, such as gb); run again later to resume."
)


def feed_url(base_url: str, country: str, app_id: str, page: int) -> str:
    return (
        f"{base_url.rstrip('/')}/{country}/rss/customerreviews/page={page}/id={app_id}/sortby=mostrecent/json"
    )


def _label(entry: dict[str, Any], key: str) -> Any:
    value = entry.get(key)
    return value.get("label") if isinstance(value, dict) else None


def feed_entries(payload: Any) -> list[dict[str, Any]]:
    """The review entries of one feed page: a single entry may come as an object; entries without a rating
    (the app's own metadata, first on page 1 of older feeds) are left out."""
    feed = payload.get("feed") if isinstance(payload, dict) else None
    if not isinstance(feed, dict):
        raise ValueError("the page has no 'feed' object")
    entries = feed.get("entry") or []
    if isinstance(entries, dict):
        entries = [entries]
    return [entry for entry in entries if isinstance(entry, dict) and "im:rating" in entry]


def last_page(payload: Any) -> int | None:
    """The page number of the feed's rel="last" link, when it has one."""
    links = payload.get("feed", {}).get("link", []) if isinstance(payload, dict) else []
    for link in [links] if isinstance(links, dict) else links:
        attributes = link.get("attributes", {}) if isinstance(link, dict) else {}
        if attributes.get("rel") == "last":
            found = re.search(r"/page=(\d+)/", attributes.get("href", ""))
            return int(found.group(1)) if found else None
    return None


def _is_last(page: int, payload: Any) -> bool:
    last = last_page(payload)
    return last is not None and page >= last


def author_hash_of(entry: Any, salt: str = "") -> str | None:
    """The hash of an entry's author (their link, else their name) salted with `salt` (the store's); None when
    there is none."""
    author = entry.get("author") if isinstance(entry, dict) else None
    if not isinstance(author, dict):
        return None
    return hash_author(_label(author, "uri") or _label(author, "name"), salt)


def entry_record(entry: dict[str, Any], country: str, salt: str = "") -> FeedbackRecord:
    """One feed entry as a review; KeyError / ValueError when it lacks what a review needs."""
    review_id = _label(entry, "id")
    if not review_id:
        raise ValueError("the entry has no id")
    link = entry.get("link") or {}
    attributes = link.get("attributes", {}) if isinstance(link, dict) else {}
    return FeedbackRecord(
        external_id=str(review_id),
        kind="review",
        created_at=parse_moment(_label(entry, "updated"), UTC),
        text=join_title(_label(entry, "title"), _label(entry, "content")),
        stars=parse_stars(_label(entry, "im:rating")),
        author_hash=author_hash_of(entry, salt),
        url=attributes.get("href"),
        raw={
            "version": _label(entry, "im:version"),
            "vote_sum": _label(entry, "im:voteSum"),
            "vote_count": _label(entry, "im:voteCount"),
            "country": country,
        },
    )


def parse_cursor(cursor: str | None) -> datetime | None:
    """The watermark of the last complete run: every review updated before it is stored."""
    if not cursor:
        return None
    try:
        return parse_moment(cursor, UTC)
    except ValueError:
        return None


@dataclass
class PageReading:
    records: list[FeedbackRecord] = field(default_factory=list)
    rejects: list[Rejected] = field(default_factory=list)
    newest: datetime | None = None
    reached_seen: bool = False  # met a review older than the watermark: the rest is stored


def read_page(
    entries: list[dict[str, Any]],
    origin: str,
    country: str,
    watermark: datetime | None,
    stored: set[str],
    salt: str = "",
) -> PageReading:
    """Sort a page's entries into new records and rejects, stopping at the first one older than the
    watermark; reviews already stored (a failed run's first pages) are skipped."""
    reading = PageReading()
    for position, entry in enumerate(entries, start=1):
        try:
            record = entry_record(entry, country, salt)
        except (KeyError, ValueError, TypeError, AttributeError) as error:
            raw = redacted_json(entry, "author")
            reading.rejects.append(Rejected(origin, str(error), raw, position, author_hash_of(entry, salt)))
            continue
        if watermark is not None and record.created_at < watermark:
            reading.reached_seen = True
            break
        if reading.newest is None or record.created_at > reading.newest:
            reading.newest = record.created_at
        if record.external_id not in stored:
            reading.records.append(record)
    return reading


@dataclass
class AppStoreCollector:
    """Collect an app's newest App Store reviews in one country. Incremental: a run walks the feed, newest
    first, until it meets a review older than the last complete run's newest (the saved cursor)."""

    app_id: str
    country: str = "gb"
    base_url: str = "https://itunes.apple.com"
    http: HttpClient = field(default_factory=HttpClient)
    max_pages: int = MAX_PAGES

    def __post_init__(self) -> None:
        self.country = self.country.lower()
        self.name = f"app-store:{self.country}:{self.app_id}"
        self.source = SourceSpec(
            f"App Store reviews ({self.country.upper()}, app {self.app_id})", "review", PLATFORM
        )

    def collect(self, context: CollectContext) -> Iterator[SourceBatch]:
        watermark = parse_cursor(context.cursor)
        stored = set(context.stored_ids(self.source))
        newest = watermark
        for page in range(1, self.max_pages + 1):
            url = feed_url(self.base_url, self.country, self.app_id, page)
            payload = self._fetch(url, page)
            try:
                entries = feed_entries(payload)
            except ValueError as error:
                raise SourceError(f"App Store reviews, page {page}: {error}.", hint=SETTINGS_HINT) from error
            reading = read_page(entries, url, self.country, watermark, stored, context.author_salt)
            if reading.newest is not None and (newest is None or reading.newest > newest):
                newest = reading.newest
            stored.update(record.external_id for record in reading.records)
            # no cursor yet: the watermark moves only when the walk is complete, so that a run that fails
            # on page 2 is resumed from page 1 next time and no review between is skipped
            yield SourceBatch(self.source, FeedbackFrame.of(reading.records), reading.rejects)
            if reading.reached_seen or not entries or _is_last(page, payload):
                break
        if newest is not None and newest != watermark:
            yield SourceBatch(self.source, cursor=newest.astimezone(UTC).isoformat())

    def _fetch(self, url: str, page: int) -> Any:
        try:
            return self.http.get_json(url, what=f"App Store reviews, page {page}")
        except HttpStatusError as error:
            raise SourceError(error.message, hint=SETTINGS_HINT) from error
