"""Column presets of review exports: which column holds each field, and how to recognise the export.

Column names are matched without regard to case or repeated spaces; nested JSON is flattened with dots
("reviewer.displayName"). The first candidate present wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

FIELDS = ("review_id", "stars", "date", "title", "text", "author", "url", "location")
FIELD_LABELS = {  # each field in words, for people: the Sources page's preview
    "review_id": "Review ID",
    "stars": "Stars (1-5)",
    "date": "Date posted",
    "title": "Title",
    "text": "Review",
    "author": "Reviewer",
    "url": "Link",
    "location": "Location",
}


@dataclass(frozen=True)
class Preset:
    name: str  # also the source's platform
    source_name: str  # default name of the source the reviews are stored under
    columns: Mapping[str, tuple[str, ...]]  # field -> candidate columns, best first
    signatures: tuple[frozenset[str], ...] = ()  # any one of these column sets present: this export
    private: tuple[str, ...] = ()  # columns about the author, never kept (only hashed)
    extras: tuple[str, ...] = ()  # columns kept in the record's raw payload
    naive_zone: str | None = None  # zone of dates without one; None: the caller's


def normalize(column: str) -> str:
    return " ".join(column.split()).casefold()


def _signature(*columns: str) -> frozenset[str]:
    return frozenset(normalize(column) for column in columns)


GOOGLE_BUSINESS = Preset(
    name="google_business",
    source_name="Google Business Profile reviews",
    columns={
        "review_id": ("reviewId", "name"),
        "stars": ("starRating",),
        "date": ("createTime", "updateTime"),
        "text": ("comment",),
        "author": ("reviewer.displayName",),
    },
    signatures=(_signature("starRating"),),
    private=("reviewer.displayName", "reviewer.profilePhotoUrl"),
    extras=("updateTime", "reviewReply.comment", "reviewReply.updateTime", "reviewer.isAnonymous"),
)

TRUSTPILOT = Preset(
    name="trustpilot",
    source_name="Trustpilot reviews",
    columns={
        "review_id": ("Review Id", "Review ID"),
        "stars": ("Review Stars",),
        "date": ("Review Created (UTC)",),
        "title": ("Review Title",),
        "text": ("Review Content",),
        "author": ("Review Consumer User Id", "Review Username", "Reviewer Name"),
        "url": ("Review Url", "Review URL"),
        "location": ("Location Name",),
    },
    signatures=(_signature("Review Stars", "Review Created (UTC)"), _signature("Review Stars", "Review Id")),
    private=(
        "Review Consumer User Id",
        "Review Username",
        "Reviewer Name",
        "Review User Email",
        "Review Consumer Email",
        "Reference Id",
    ),
    extras=(
        "Source Of Review",
        "Review Language",
        "Company Response",
        "Company Reply Date (UTC)",
        "Business Reply Date (UTC)",
        "Domain URL",
    ),
    naive_zone="UTC",  # the export says "(UTC)"
)

YELP = Preset(
    name="yelp",
    source_name="Yelp reviews",
    columns={
        "review_id": ("review_id", "id"),
        "stars": ("stars", "rating"),
        "date": ("date", "time_created"),
        "text": ("text",),
        "author": ("user_id", "user.id"),
        "url": ("url",),
    },
    signatures=(_signature("review_id", "stars"), _signature("rating", "time_created")),
    private=("user_id", "user.id", "user.name", "user.profile_url", "user.image_url"),
    extras=("business_id", "useful", "funny", "cool"),
)

GENERIC = Preset(
    name="generic",
    source_name="Imported reviews",
    columns={
        "review_id": ("review_id", "review id", "reviewid", "id"),
        "stars": ("stars", "rating", "star_rating", "star rating", "score"),
        "date": ("date", "created_at", "created", "published_at", "review_date", "review date", "time"),
        "title": ("title", "review_title", "review title", "subject"),
        "text": ("text", "review", "comment", "content", "body", "review_text", "review text"),
        "author": ("author", "author_name", "reviewer", "reviewer_name", "user", "username", "name"),
        "url": ("url", "link", "review_url", "review url"),
        "location": ("location", "branch", "store"),
    },
    private=("author", "author_name", "reviewer", "reviewer_name", "user", "username", "name", "email"),
)

PRESETS: dict[str, Preset] = {preset.name: preset for preset in (GOOGLE_BUSINESS, TRUSTPILOT, YELP, GENERIC)}


def detect_preset(columns: Iterable[str]) -> Preset:
    """The first vendor preset whose signature columns are all present, else the generic one."""
    present = {normalize(column) for column in columns}
    for preset in PRESETS.values():
        if any(signature <= present for signature in preset.signatures):
            return preset
    return GENERIC


def resolve_mapping(columns: Iterable[str], preset: Preset) -> dict[str, str]:
    """field -> the file's own column name, for the fields the file has."""
    by_normal: dict[str, str] = {}
    for column in columns:
        by_normal.setdefault(normalize(column), column)
    mapping: dict[str, str] = {}
    for name in FIELDS:
        found = next(
            (by_normal[normalize(c)] for c in preset.columns.get(name, ()) if normalize(c) in by_normal), None
        )
        if found is not None:
            mapping[name] = found
    return mapping


def find_columns(columns: Iterable[str], wanted: Iterable[str]) -> list[str]:
    """The file's own names of the `wanted` columns that it has."""
    targets = {normalize(column) for column in wanted}
    return [column for column in columns if normalize(column) in targets]


def missing_fields(mapping: Mapping[str, str]) -> list[str]:
    """What a review file must have: a date, and stars or text."""
    missing = [] if "date" in mapping else ["date"]
    if not {"stars", "text"} & set(mapping):
        missing.append("stars or text")
    return missing
