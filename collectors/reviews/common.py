"""Small helpers shared by the review sources: author hashes, stable ids, joined text, redacted rejects. Stars and
times are read by collectors.values, as every import reads them."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from analysis.personal_data import mask_emails
from collectors.base import hash_author as base_hash_author


def hash_author(author: object, salt: str = "") -> str | None:
    """The sha256 of an author's name or id salted with `salt` (the store's; never the name itself); None when
    there is none."""
    return base_hash_author(None if author is None else str(author), salt)


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
