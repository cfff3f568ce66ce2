"""Small parsers shared by the review sources: stars, timestamps, author hashes, stable ids, joined text."""

from __future__ import annotations

import hashlib
import json
import math
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from analysis.personal_data import mask_emails
from collectors.base import hash_author as base_hash_author

STAR_WORDS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}  # Google Business Profile's starRating


def parse_stars(value: object) -> int | None:
    """A 1-5 star rating from 4, "4", "4.0" or "FOUR"; None when blank; ValueError when it is not one."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"stars must be a whole number from 1 to 5, not {value!r}")
    if isinstance(value, str) and value.strip().upper() in STAR_WORDS:
        return STAR_WORDS[value.strip().upper()]
    try:
        number = float(value) if isinstance(value, int | float) else float(str(value).strip())
    except ValueError:
        raise ValueError(f"stars must be a whole number from 1 to 5, not {value!r}") from None
    if not math.isfinite(number) or not number.is_integer() or not 1 <= number <= 5:
        raise ValueError(f"stars must be a whole number from 1 to 5, not {value!r}")
    return int(number)


def parse_timestamp(value: object, naive_zone: tzinfo | None = None) -> datetime:
    """An ISO 8601 date or time ("2024-05-01", "2024-05-01 10:00:00", "...Z", "...-07:00") as an aware
    datetime; a time without a zone is read in `naive_zone` (UTC when not given)."""
    text = str(value).strip() if value is not None else ""
    if not text:
        raise ValueError("the date is missing")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"unrecognised date {text!r}; expected ISO 8601 such as 2024-05-01 or 2024-05-01T10:00:00Z"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=naive_zone or ZoneInfo("UTC"))
    return moment


def hash_author(author: object) -> str | None:
    """The sha256 of an author's name or id (never the name itself); None when there is none."""
    return base_hash_author(None if author is None else str(author))


def content_id(*parts: object) -> str:
    """A stable id for a review that has none: a hash of what it says, when and by whom."""
    joined = "\x1f".join("" if part is None else str(part).strip() for part in parts)
    return "sha256:" + hashlib.sha256(joined.encode("utf-8")).hexdigest()[:32]


def join_title(title: object, body: object) -> str | None:
    """A review's title and body as one text ("Title. Body"), either alone when the other is blank."""
    head = str(title).strip() if title is not None else ""
    tail = str(body).strip() if body is not None else ""
    if head and tail:
        separator = " " if head[-1] in ".!?…" else ". "
        return f"{head}{separator}{tail}"
    return head or tail or None


def redacted_json(item: dict[str, Any], *private: str, limit: int = 4000) -> str:
    """An input item as JSON for the rejects table, without its `private` fields (the author's, and any other
    personal ones) and with emails masked; the reject keeps the author's salted hash instead."""
    shown = {key: value for key, value in item.items() if key not in private}
    return mask_emails(json.dumps(shown, ensure_ascii=False, default=str))[:limit]
