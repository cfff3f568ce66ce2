"""Review exports (CSV, XLSX, JSON or JSON Lines, read by collectors.files) from Google Business Profile,
Trustpilot, Yelp or any tool with a stars, date and text column. Every row is imported or rejected with its line
and reason; dates and stars are read by collectors.values, as survey answers are (numeric dates day-first or
month-first as the whole column shows); authors are kept only as a salted sha256 hash; a review's id is its
export id, else a hash of its content, so importing twice adds nothing."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from collectors.base import CollectContext, SourceBatch
from collectors.reviews.common import (
    content_id,
    hash_author,
    join_title,
    redacted_json,
)
from collectors.reviews.presets import (
    PRESETS,
    Preset,
    detect_preset,
    find_columns,
    missing_fields,
    resolve_mapping,
)
from collectors.reviews.rows import FileRows, Row, read_rows
from collectors.values import MAX_TEXT_CHARS, DateEvidence, decide_dayfirst, parse_moment, parse_stars
from pulse.errors import InputError
from pulse.identity import is_personal_column
from store.records import FeedbackFrame, FeedbackRecord, Rejected, SourceSpec


@dataclass
class ReviewImport:
    """What a review file held: records, rejects (line and reason), the column used for each field, the
    preset, and notes worth showing the person importing."""

    records: list[FeedbackRecord]
    rejects: list[Rejected]
    mapping: dict[str, str]
    preset: str
    notes: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # personal columns, stored nowhere

    @property
    def rows(self) -> int:
        return len(self.records) + len(self.rejects)


def read_review_file(
    path: Path | str,
    preset: str | None = None,
    timezone: str = "UTC",
    dayfirst: bool | None = None,
    author_salt: str = "",
) -> ReviewImport:
    """Read a review export, detecting its preset unless one is given ("google_business", "trustpilot",
    "yelp", "generic"). Dates without a zone are read in the preset's zone, else in `timezone`; numeric dates
    day-first or month-first as `dayfirst` says, else as the whole column shows. Authors are hashed with
    `author_salt` (the store's)."""
    path = Path(path)
    return review_import(path.name, read_rows(path), preset, timezone, dayfirst, author_salt)


def review_import(
    name: str,
    file_rows: FileRows,
    preset: str | None,
    timezone: str,
    dayfirst: bool | None,
    author_salt: str,
) -> ReviewImport:
    """The rows of a review file as records and rejects (see `read_review_file`)."""
    chosen = choose_preset(preset)
    if chosen is None:
        chosen = detect_preset(file_rows.columns)
    mapping = resolve_mapping(file_rows.columns, chosen)
    check_mapping(name, mapping, chosen, file_rows.columns, forced=preset is not None)
    zone = naive_zone(chosen, timezone)
    private = personal_columns(file_rows.columns, chosen)
    extras = [column for column in find_columns(file_rows.columns, chosen.extras) if column not in private]
    dayfirst, date_note = date_order(file_rows.rows, mapping["date"], dayfirst)
    records: list[FeedbackRecord] = []
    rejects = list(file_rows.unreadable)
    for line, row in file_rows.rows:
        try:
            records.append(row_record(row, mapping, chosen, zone, extras, dayfirst, author_salt))
        except ValueError as error:
            author = hash_author(row.get(mapping["author"]), author_salt) if "author" in mapping else None
            rejects.append(Rejected(name, str(error), redacted_row(row, private), line, author))
    rejects.sort(key=lambda reject: reject.line or 0)
    notes = [*file_rows.notes, *import_notes(chosen, mapping, records, zone, detected=preset is None)]
    notes += [date_note] if date_note else []
    left_out = [column for column in private if column not in mapping.values()]
    if left_out:
        shown = ", ".join(f"'{column}'" for column in left_out)
        notes.append(f"Left out as personal data (stored nowhere, not even in rejected rows): {shown}.")
    return ReviewImport(records, rejects, mapping, chosen.name, notes, left_out)


def date_order(
    rows: list[tuple[int, Row]], column: str, forced: bool | None
) -> tuple[bool | None, str | None]:
    """Day-first or month-first for the whole date column (collectors.values), with the sentence that says why.
    Where every numeric date could be either, those rows are rejected as ambiguous."""
    evidence = DateEvidence()
    for _line, row in rows:
        evidence.add(row.get(column))
    if forced is None and evidence.ambiguous and not (evidence.dayfirst or evidence.monthfirst):
        return None, (
            f"Every numeric date in '{column}' can be read day-first or month-first (e.g. "
            f"{evidence.ambiguous_example}), so those rows are rejected; ISO 8601 dates are read as they are."
        )
    return decide_dayfirst(evidence, forced, column, whole_column=True)


def personal_columns(columns: list[str], preset: Preset) -> list[str]:
    """The file's columns about a person: the preset's private ones, and any column the preset does not know
    that pulse.identity finds personal (an email, phone or address column). The author column is one of
    them: it is stored only as a hash."""
    private = set(find_columns(columns, preset.private))
    known = set(find_columns(columns, [*preset.extras, *(c for cs in preset.columns.values() for c in cs)]))
    return [
        column
        for column in columns
        if column in private or (column not in known and is_personal_column(column))
    ]


def choose_preset(name: str | None) -> Preset | None:
    if name is None:
        return None
    try:
        return PRESETS[name.strip().lower().replace("-", "_")]
    except KeyError:
        raise InputError(
            f"Unknown review preset {name!r}.",
            hint=f"Use one of: {', '.join(PRESETS)} (or none to detect it).",
        ) from None


def check_mapping(
    name: str, mapping: dict[str, str], preset: Preset, columns: list[str], forced: bool
) -> None:
    missing = missing_fields(mapping)
    if not missing:
        return
    expected = "; ".join(
        f"{wanted}: {' / '.join(preset.columns.get(wanted, ()))}"
        for wanted in ("date", "stars", "text")
        if wanted in preset.columns
    )
    how = f"the {preset.name} preset" if forced else "no known export (detected the generic columns)"
    raise InputError(
        f"{name} has no column for {' and '.join(missing)} ({how}). Its columns: {', '.join(columns) or 'none'}.",
        hint=f"Expected columns ({expected}). Rename the columns, or pick another --preset "
        f"({', '.join(PRESETS)}).",
    )


def naive_zone(preset: Preset, timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(preset.naive_zone or timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"Unknown time zone {timezone!r}.", hint="Use an IANA name such as Europe/London."
        ) from None


def row_record(
    row: Row,
    mapping: dict[str, str],
    preset: Preset,
    zone: ZoneInfo,
    extras: list[str],
    dayfirst: bool | None = None,
    salt: str = "",
) -> FeedbackRecord:
    """One export row as a review, its author hashed with `salt`; ValueError (the reject's reason) when it is
    not usable. A review without an id is keyed by a hash of its content, with its author's unsalted hash, so
    that the same review has the same id in every store."""

    def value(name: str) -> Any:
        found = row.get(mapping[name]) if name in mapping else None
        return found.strip() if isinstance(found, str) else found

    if not any(cell not in (None, "") for cell in row.values()):
        raise ValueError("the row is empty")
    stars = parse_stars(value("stars"))
    text = join_title(value("title"), value("text"))
    full_length = len(text) if text is not None and len(text) > MAX_TEXT_CHARS else None
    if text is not None and full_length:
        text = text[:MAX_TEXT_CHARS]
    if stars is None and text is None:
        raise ValueError("the review has neither stars nor text")
    created_at = parse_moment(value("date"), zone, dayfirst)
    review_id = value("review_id")
    external_id = str(review_id) if review_id not in (None, "") else None
    return FeedbackRecord(
        external_id=external_id
        or content_id(created_at.isoformat(), stars, text, hash_author(value("author"))),
        kind="review",
        created_at=created_at,
        text=text,
        stars=stars,
        author_hash=hash_author(value("author"), salt),
        url=plain_text(value("url")),
        location=plain_text(value("location")),
        raw={
            "preset": preset.name,
            **{column: row[column] for column in extras if row.get(column) not in (None, "")},
            **({"text_truncated_from_chars": full_length} if full_length else {}),
        },
    )


def plain_text(value: Any) -> str | None:
    """A cell as text, or None when blank (JSON numbers and lists become text)."""
    if value in (None, ""):
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def redacted_row(row: Row, private: list[str]) -> str:
    return redacted_json(row, *private)


def import_notes(
    preset: Preset, mapping: dict[str, str], records: list[FeedbackRecord], zone: ZoneInfo, detected: bool
) -> list[str]:
    notes = [f"{'Detected' if detected else 'Using'} the {preset.name} preset."]
    notes.append("Columns: " + ", ".join(f"{name} <- {column!r}" for name, column in mapping.items()) + ".")
    if "review_id" not in mapping:
        notes.append("No review id column: each review's id is a hash of its date, stars, text and author.")
    cut = sum(1 for record in records if record.raw and "text_truncated_from_chars" in record.raw)
    if cut:
        notes.append(
            f"{cut} {'review' if cut == 1 else 'reviews'} longer than {MAX_TEXT_CHARS:,} characters stored cut "
            "to that length; the raw data keeps the full length (text_truncated_from_chars)."
        )
    repeated = sum(count - 1 for count in Counter(record.external_id for record in records).values())
    if repeated:
        rows = "1 row repeats" if repeated == 1 else f"{repeated} rows repeat"
        notes.append(f"{rows} a review already in the file; each review is stored once.")
    notes.append(f"Dates without a time zone are read in {zone.key}.")
    return notes


@dataclass
class ReviewFileCollector:
    """A review export as a collector: one batch, under the preset's source ("Trustpilot reviews", ...) so
    that a newer export of the same place adds only the reviews not stored yet."""

    path: Path | str
    source_name: str | None = None
    preset: str | None = None
    timezone: str = "UTC"
    dayfirst: bool | None = None  # None: as the file's dates show
    sheet: str | None = None  # an Excel workbook's worksheet (default: the one that holds the data)
    imported: ReviewImport | None = field(default=None, init=False)  # the last read, for reporting
    file_rows: FileRows | None = field(default=None, init=False, repr=False)  # the file, read once

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        self.name = f"review-file:{self.path.name}"

    def read(self, author_salt: str = "") -> ReviewImport:
        """The file's records and rejects, authors hashed with `author_salt` (for a preview: none). The file is
        read once: an upload may be deleted once previewed, and its import converts the rows read then."""
        path = Path(self.path)
        if self.file_rows is None:
            self.file_rows = read_rows(path, self.sheet)
        self.imported = review_import(
            path.name, self.file_rows, self.preset, self.timezone, self.dayfirst, author_salt
        )
        return self.imported

    def source(self, imported: ReviewImport) -> SourceSpec:
        name = self.source_name or PRESETS[imported.preset].source_name
        return SourceSpec(name, "review", imported.preset)

    def collect(self, context: CollectContext) -> Iterator[SourceBatch]:
        imported = self.read(context.author_salt)  # authors hashed with the store's salt
        yield SourceBatch(self.source(imported), FeedbackFrame.of(imported.records), imported.rejects)
