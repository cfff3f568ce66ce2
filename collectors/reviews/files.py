"""Review exports (CSV, XLSX, JSON or JSON Lines, read by collectors.files) from Google Business Profile,
Trustpilot, Yelp or any tool with a stars, date and text column. Every row is imported or rejected with its line
and reason; dates and stars are read by collectors.values, as survey answers are (numeric dates day-first or
month-first as the whole column shows); authors are kept only as a salted sha256 hash; a review's id is its
export id, else a hash of its content, so importing twice adds nothing.

A file is read in two passes, in memory that does not grow with it (the same size limit as surveys: the one
reader's): the first (`plan_reviews`) counts the rows and gathers the date column's evidence, the second
converts the rows a batch at a time (`ReviewPlan.convert`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

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

BATCH_ROWS = 5_000  # reviews per SourceBatch handed to the store
PREVIEW_ROWS = 100  # rows converted for a preview (ReviewFileCollector.read)


@dataclass
class ReviewImport:
    """What a review file held: records, rejects (line and reason), the column used for each field, the
    preset, notes worth showing the person importing, and the number of data rows. `read_review_file` holds
    every record and reject; a collector's preview (`ReviewFileCollector.read`), those of the first rows."""

    records: list[FeedbackRecord]
    rejects: list[Rejected]
    mapping: dict[str, str]
    preset: str
    notes: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # personal columns, stored nowhere
    rows: int = 0  # the file's data rows, each a record or a reject


@dataclass
class ReviewPlan:
    """How a review file will be read, decided in a first pass over it: the preset, the column of each field,
    the time zone of naive dates, the date order, the columns kept in `raw` and those left out as personal,
    the notes, and the number of data rows."""

    name: str
    file_rows: FileRows
    preset: Preset
    mapping: dict[str, str]
    zone: ZoneInfo
    dayfirst: bool | None
    extras: list[str]
    private: list[str]
    notes: list[str]
    left_out: list[str]
    rows: int

    def convert(
        self, author_salt: str, size: int = BATCH_ROWS, tally: Tally | None = None
    ) -> Iterator[tuple[list[FeedbackRecord], list[Rejected]]]:
        """Every data row, about `size` at a time, as records (authors hashed with `author_salt`) and rejects,
        in the file's order; `tally` counts the reviews that the file holds more than once and the texts cut."""
        records: list[FeedbackRecord] = []
        rejects: list[Rejected] = []
        for read in self.file_rows.read():
            if isinstance(read, Rejected):
                rejects.append(read)
            else:
                line, row = read
                try:
                    records.append(
                        row_record(
                            row, self.mapping, self.preset, self.zone, self.extras, self.dayfirst, author_salt
                        )
                    )
                except ValueError as error:
                    rejects.append(self.reject(line, row, str(error), author_salt))
            if len(records) + len(rejects) >= size:
                if tally is not None:
                    tally.add(records)
                yield records, rejects
                records, rejects = [], []
        if tally is not None:
            tally.add(records)
        if records or rejects:
            yield records, rejects

    def reject(self, line: int, row: Row, reason: str, author_salt: str) -> Rejected:
        author = (
            hash_author(row.get(self.mapping["author"]), author_salt) if "author" in self.mapping else None
        )
        return Rejected(self.name, reason, redacted_row(row, self.private), line, author)


class Tally:
    """What an import learns as it converts: the reviews a file holds more than once, counted by a 64-bit hash
    of each id (8 bytes a review), and the texts stored cut to MAX_TEXT_CHARS."""

    def __init__(self) -> None:
        self._hashes: list[pl.Series] = []
        self.cut = 0

    def add(self, records: list[FeedbackRecord]) -> None:
        if records:
            self._hashes.append(pl.Series([record.external_id for record in records], dtype=pl.String).hash())
        self.cut += sum(1 for record in records if record.raw and "text_truncated_from_chars" in record.raw)

    @property
    def count(self) -> int:
        if not self._hashes:
            return 0
        hashes = pl.concat(self._hashes)
        return hashes.len() - hashes.n_unique()

    def note(self) -> list[str]:
        notes = []
        if self.cut:
            notes.append(
                f"{self.cut} {'review' if self.cut == 1 else 'reviews'} longer than {MAX_TEXT_CHARS:,} characters "
                "stored cut to that length; the raw data keeps the full length (text_truncated_from_chars)."
            )
        if self.count:
            rows = "1 row repeats" if self.count == 1 else f"{self.count} rows repeat"
            notes.append(f"{rows} a review already in the file; each review is stored once.")
        return notes


def read_review_file(
    path: Path | str,
    preset: str | None = None,
    timezone: str = "UTC",
    dayfirst: bool | None = None,
    author_salt: str = "",
    sheet: str | None = None,
) -> ReviewImport:
    """Read a review export, detecting its preset unless one is given ("google_business", "trustpilot",
    "yelp", "generic"). Dates without a zone are read in the preset's zone, else in `timezone`; numeric dates
    day-first or month-first as `dayfirst` says, else as the whole column shows. Authors are hashed with
    `author_salt` (the store's). `sheet` names an Excel workbook's worksheet (default: the data's)."""
    path = Path(path)
    plan = plan_reviews(path.name, read_rows(path, sheet), preset, timezone, dayfirst)
    records: list[FeedbackRecord] = []
    rejects: list[Rejected] = []
    tally = Tally()
    for batch_records, batch_rejects in plan.convert(author_salt, tally=tally):
        records += batch_records
        rejects += batch_rejects
    notes = [*plan.notes, *tally.note()]
    return ReviewImport(records, rejects, plan.mapping, plan.preset.name, notes, plan.left_out, plan.rows)


def plan_reviews(
    name: str, file_rows: FileRows, preset: str | None, timezone: str, dayfirst: bool | None
) -> ReviewPlan:
    """How to read the rows of a review file (see `read_review_file`), from its columns and a first pass over
    its rows (the date order, the rows counted)."""
    chosen = choose_preset(preset)
    if chosen is None:
        chosen = detect_preset(file_rows.columns)
    mapping = resolve_mapping(file_rows.columns, chosen)
    check_mapping(name, mapping, chosen, file_rows.columns, forced=preset is not None)
    zone = naive_zone(chosen, timezone)
    private = personal_columns(file_rows.columns, chosen)
    extras = [column for column in find_columns(file_rows.columns, chosen.extras) if column not in private]
    evidence, rows = DateEvidence(), 0
    for read in file_rows.read():
        rows += 1
        if not isinstance(read, Rejected):
            evidence.add(read[1].get(mapping["date"]))
    dayfirst, date_note = date_order(evidence, mapping["date"], dayfirst)
    notes = [*file_rows.notes, *import_notes(chosen, mapping, zone, detected=preset is None)]
    notes += [date_note] if date_note else []
    left_out = [column for column in private if column not in mapping.values()]
    if left_out:
        shown = ", ".join(f"'{column}'" for column in left_out)
        notes.append(f"Left out as personal data (stored nowhere, not even in rejected rows): {shown}.")
    return ReviewPlan(
        name, file_rows, chosen, mapping, zone, dayfirst, extras, private, notes, left_out, rows
    )


def date_order(evidence: DateEvidence, column: str, forced: bool | None) -> tuple[bool | None, str | None]:
    """Day-first or month-first for the whole date column (collectors.values), from the evidence of its every
    value, with the sentence that says why. Where every numeric date could be either, those rows are rejected
    as ambiguous."""
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


def import_notes(preset: Preset, mapping: dict[str, str], zone: ZoneInfo, detected: bool) -> list[str]:
    notes = [f"{'Detected' if detected else 'Using'} the {preset.name} preset."]
    notes.append("Columns: " + ", ".join(f"{name} <- {column!r}" for name, column in mapping.items()) + ".")
    if "review_id" not in mapping:
        notes.append("No review id column: each review's id is a hash of its date, stars, text and author.")
    notes.append(f"Dates without a time zone are read in {zone.key}.")
    return notes


@dataclass
class ReviewFileCollector:
    """A review export as a collector, under the preset's source ("Trustpilot reviews", ...) so that a newer
    export of the same place adds only the reviews not stored yet. The file is opened once, when first read
    (`read`, a preview, or `collect`): an upload may be deleted once previewed, and its import reads the file
    opened then. Batches of BATCH_ROWS rows; the first rejects and the notes learnt while importing (reviews
    the file repeats) are kept for a report."""

    path: Path | str
    source_name: str | None = None
    preset: str | None = None
    timezone: str = "UTC"
    dayfirst: bool | None = None  # None: as the file's dates show
    sheet: str | None = None  # an Excel workbook's worksheet (default: the one that holds the data)
    keep_rejects: int = 20
    imported: ReviewImport | None = field(default=None, init=False)  # the preview, for reporting
    first_rejects: list[Rejected] = field(default_factory=list, init=False)
    notes: list[str] = field(default_factory=list, init=False)  # the plan's, and those of the import

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        self.name = f"review-file:{self.path.name}"

    @cached_property
    def plan(self) -> ReviewPlan:
        path = Path(self.path)
        return plan_reviews(path.name, read_rows(path, self.sheet), self.preset, self.timezone, self.dayfirst)

    def read(self, author_salt: str = "") -> ReviewImport:
        """The plan and the first PREVIEW_ROWS rows converted, authors hashed with `author_salt` (for a
        preview: none); `rows` counts the whole file's."""
        plan = self.plan
        records, rejects = next(plan.convert(author_salt, PREVIEW_ROWS), ([], []))
        self.notes = list(plan.notes)
        self.imported = ReviewImport(
            records, rejects, plan.mapping, plan.preset.name, list(plan.notes), plan.left_out, plan.rows
        )
        return self.imported

    def source(self, imported: ReviewImport | ReviewPlan) -> SourceSpec:
        preset = imported.preset if isinstance(imported, ReviewImport) else imported.preset.name
        name = self.source_name or PRESETS[preset].source_name
        return SourceSpec(name, "review", preset)

    def collect(self, context: CollectContext) -> Iterator[SourceBatch]:
        plan = self.plan
        source = self.source(plan)
        tally = Tally()
        self.first_rejects, batches = [], 0
        for records, rejects in plan.convert(context.author_salt, tally=tally):  # the store's salt
            self.first_rejects += rejects[: max(self.keep_rejects - len(self.first_rejects), 0)]
            batches += 1
            yield SourceBatch(source, FeedbackFrame.of(records), rejects)
        if not batches:  # a file without rows still makes its source
            yield SourceBatch(source)
        self.notes = [*plan.notes, *tally.note()]
