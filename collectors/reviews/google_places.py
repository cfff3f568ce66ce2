"""Google Places API (New): the reviews in a place's details. Google returns at most five reviews per place
(its choice of the most relevant), with no pagination and no way to ask for older ones."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from collectors.base import CollectContext, SourceBatch
from collectors.reviews.common import hash_author, redacted_json
from collectors.reviews.http import HttpClient, HttpStatusError
from collectors.values import parse_moment, parse_stars
from pulse.errors import SourceError
from store.records import FeedbackFrame, FeedbackRecord, Rejected, SourceSpec

PLATFORM = "google_places"
FIELD_MASK = "reviews,displayName,googleMapsUri"
KEY_HINT = (
    "Check PULSE_GOOGLE_PLACES_API_KEY: the key must exist, have the Places API (New) enabled in its Google "
    "Cloud project (with billing), and allow requests from this machine."
)
PLACE_HINT = (
    "Check PULSE_GOOGLE_PLACES_PLACE_ID: it is a place id such as ChIJN1t_tDeuEmsRUsoyG83frY4 (find yours "
    "with Google's Place ID Finder)."
)


def place_url(base_url: str, place_id: str) -> str:
    return f"{base_url.rstrip('/')}/v1/places/{place_id}"


def _text(value: Any) -> str | None:
    return value.get("text") if isinstance(value, dict) else None


def author_hash_of(review: Any, salt: str = "") -> str | None:
    """The hash of a review's author (their profile link, else their name) salted with `salt` (the store's);
    None when there is none."""
    author = review.get("authorAttribution") if isinstance(review, dict) else None
    if not isinstance(author, dict):
        return None
    return hash_author(author.get("uri") or author.get("displayName"), salt)


def review_record(review: dict[str, Any], place: dict[str, Any], salt: str = "") -> FeedbackRecord:
    """One review of a Place Details answer as a record; KeyError / ValueError when it is not usable."""
    text = _text(review.get("text")) or _text(review.get("originalText"))
    return FeedbackRecord(
        external_id=review["name"],
        kind="review",
        created_at=parse_moment(review["publishTime"], UTC),
        text=text,
        stars=parse_stars(review.get("rating")),
        author_hash=author_hash_of(review, salt),
        url=review.get("googleMapsUri") or place.get("googleMapsUri"),
        raw={
            "language": (review.get("text") or {}).get("languageCode"),
            "original_language": (review.get("originalText") or {}).get("languageCode"),
            "original_text": _text(review.get("originalText")) if review.get("originalText") else None,
            "relative_time": review.get("relativePublishTimeDescription"),
            "place": _text(place.get("displayName")),
        },
    )


def place_reviews(
    payload: dict[str, Any], origin: str, stored: set[str], salt: str = ""
) -> tuple[list[FeedbackRecord], list[Rejected]]:
    """The reviews not stored yet (by review name), and the ones that could not be read."""
    records: list[FeedbackRecord] = []
    rejects: list[Rejected] = []
    for position, review in enumerate(payload.get("reviews") or [], start=1):
        try:
            record = review_record(review, payload, salt)
        except (KeyError, ValueError, TypeError, AttributeError) as error:
            reason = f"missing field {error}" if isinstance(error, KeyError) else str(error)
            raw = redacted_json(review, "authorAttribution")
            rejects.append(Rejected(origin, reason, raw, position, author_hash_of(review, salt)))
            continue
        if record.external_id not in stored:
            records.append(record)
    return records, rejects


def places_error(error: HttpStatusError, place_id: str) -> SourceError:
    """Google's {"error": {"code", "message", "status"}} as a message with a hint about the key or place."""
    detail = error.payload.get("error", {}) if isinstance(error.payload, dict) else {}
    status = detail.get("status") or str(error.status)
    message = f"Google Places refused the request for place {place_id!r}: {status}"
    if detail.get("message"):
        message += f" ({detail['message']})"
    about_key = error.status in (401, 403) or status in ("PERMISSION_DENIED", "UNAUTHENTICATED")
    about_key = about_key or "API key" in str(detail.get("message", ""))
    return SourceError(message + ".", hint=KEY_HINT if about_key else PLACE_HINT)


@dataclass
class GooglePlacesCollector:
    """Collect the (at most five) reviews that Google Places shows for a place; run again, it adds only
    reviews it has not stored (by review name)."""

    place_id: str
    api_key: str = field(repr=False)  # never shown
    base_url: str = "https://places.googleapis.com"
    http: HttpClient = field(default_factory=HttpClient)

    def __post_init__(self) -> None:
        self.name = f"google-places:{self.place_id}"
        self.source = SourceSpec(f"Google reviews (place {self.place_id})", "review", PLATFORM)

    def collect(self, context: CollectContext) -> Iterator[SourceBatch]:
        url = place_url(self.base_url, self.place_id)
        headers = {"X-Goog-Api-Key": self.api_key, "X-Goog-FieldMask": FIELD_MASK}
        try:
            payload = self.http.get_json(url, headers=headers, what="Google Places details")
        except HttpStatusError as error:
            raise places_error(error, self.place_id) from error
        if not isinstance(payload, dict):
            raise SourceError("Google Places details: the answer is not a JSON object.", hint=PLACE_HINT)
        stored = set(context.stored_ids(self.source))
        records, rejects = place_reviews(payload, url, stored, context.author_salt)
        yield SourceBatch(self.source, FeedbackFrame.of(records), rejects)
