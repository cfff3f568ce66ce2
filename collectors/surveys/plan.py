"""The plan of a survey import: the mapping, the whole-column decisions (day-first dates, the CSAT and CES
scales) made on the whole file, the notes, and the conversion in batches.

The file is read in two passes, so that memory depends on the chunk, not on the file: the first reads it whole
a chunk at a time, keeping only what the decisions need (date order evidence, the scores seen, the rows
counted); the second converts it a chunk at a time. A UTF-8 CSV is read by polars in both (collectors.columns);
any other file is parsed once, its chunks kept on disk for the second pass (collectors.spool)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from itertools import islice
from typing import Any, Protocol, TypeVar

import polars as pl

from analysis.personal_data import mask_emails
from collectors.columns import CsvColumns, FrameCheck, row_frames, rows_as_columns
from collectors.files import Cells, Row, Source, Unreadable, filled
from collectors.spool import FrameSpool
from collectors.surveys.conversion import CONTACT_SCHEMA, MAX_RAW_CHARS, Conversion, Converter, convert_rows
from collectors.surveys.layout import Layout, SurveyFile, open_survey, read_layout
from collectors.surveys.mapping import (
    DESCRIPTIVE_FIELDS,
    FIELD_LABELS,
    FIELDS,
    PRESET_LABELS,
    PRESETS,
    Profile,
    guess_mapping,
    resolve_overrides,
)
from collectors.values import (
    MAX_TEXT_CHARS,
    SCALED_FIELDS,
    DateEvidence,
    ScaleEvidence,
    ScoreScale,
    decide_dayfirst,
    time_zone,
)
from pulse.errors import InputError
from store.records import FeedbackFrame, Rejected

DETECT_ROWS = 500  # data rows looked at to find the columns
BATCH_ROWS = 20_000  # rows per SourceBatch handed to the store


class Chunks(Protocol):
    """A file's data rows read again, a chunk at a time: collectors.columns.CsvColumns or a FrameSpool."""

    def chunks(self) -> Iterator[tuple[pl.DataFrame, list[Unreadable]]]: ...


@dataclass
class SurveyPlan:
    """How a file will be read: the columns, the field -> column mapping, and what was noticed."""

    file_name: str
    form: str
    preset: str | None
    columns: list[str]
    mapping: dict[str, str]
    notes: list[str]
    dayfirst: bool | None
    data_rows: int | None  # counted over the whole file; None when planned on the first rows only
    left_out: list[str]  # personal columns, stored nowhere (neither in raw nor in rejected rows)
    _table: SurveyFile = field(repr=False)
    _layout: Layout = field(repr=False)
    _indexes: dict[str, int] = field(repr=False)
    _zone: tzinfo = field(repr=False)
    _rows: Chunks | None = field(
        default=None, repr=False
    )  # the data rows, read again (None: planned on a sample)
    _personal: set[int] = field(default_factory=set, repr=False)  # column indexes holding personal data
    # the respondent column holds email addresses: the respondents' contact details, kept when there is a key
    respondent_emails: bool = False

    @property
    def platform(self) -> str:
        return self.preset or "file"

    @property
    def labels(self) -> list[str]:
        """Each column's normalised name with its question text (Qualtrics) and hints: what identifies it."""
        return list(self._layout.labels)

    def rows(self) -> Iterator[Row]:
        """The data rows with their lines (header rows skipped)."""
        return islice(self._table.rows(), self._layout.skip, None)

    def conversion(self) -> Conversion:
        """What converting the rows needs of this plan (collectors.surveys.conversion)."""
        layout, indexes = self._layout, self._indexes
        zone = (layout.zones[indexes["created_at"]] if "created_at" in indexes else None) or self._zone
        return Conversion(
            self.file_name,
            self.form,
            self._table.delimiter,
            list(layout.columns),
            dict(indexes),
            zone,
            self.dayfirst,
            frozenset(self._personal),
        )

    def batches(
        self, size: int = BATCH_ROWS, author_salt: str = ""
    ) -> Iterator[tuple[FeedbackFrame, list[Rejected]]]:
        """Every data row, `size` at a time, as (records, rejects): the records in file order, respondents
        hashed with `author_salt` (the store's: CollectContext.author_salt), the rejects with their lines and
        reasons."""
        for records, rejects, _contacts in self.batches_with_contacts(size, author_salt, keep_contacts=False):
            yield records, rejects

    def batches_with_contacts(
        self, size: int = BATCH_ROWS, author_salt: str = "", keep_contacts: bool = True
    ) -> Iterator[tuple[FeedbackFrame, list[Rejected], pl.DataFrame]]:
        """As `batches`, with the respondents' email addresses of each batch's records (CONTACT_SCHEMA: author
        hash and address, one per person, each person once per file) when `keep_contacts` and the respondent
        column holds addresses (`respondent_emails`); else an empty frame. The addresses are in clear: the
        caller encrypts them (collectors.surveys.collector) and stores nothing else of them."""
        converter = Converter(self.conversion(), author_salt, keep_contacts and self.respondent_emails)
        chunks = self._rows if self._rows is not None else read_chunks(self._table, self._layout)
        none = pl.DataFrame(schema=CONTACT_SCHEMA)
        for frame, skipped in chunks.chunks():
            unreadable = [  # JSON Lines that hold no JSON, met before the chunk's rows
                Rejected(self.file_name, line.reason, mask_emails(line.text)[:MAX_RAW_CHARS], line.line)
                for line in skipped
            ]
            for offset in range(0, frame.height, size):
                records, rejects = converter.convert(frame.slice(offset, size))
                yield FeedbackFrame(records), [*unreadable, *rejects], converter.new_contacts(records)
                unreadable = []
            if unreadable:
                yield FeedbackFrame.empty(), unreadable, none

    def preview(self, n: int = 10) -> list[dict[str, Any]]:
        """The first `n` data rows as they would be imported: fields, or the reason of the reject."""
        frame = _data_frame(self._table, self._layout, limit=n)
        rows: list[tuple[int, dict[str, Any]]] = []
        for records, rejects in convert_rows(frame, self.conversion(), max(n, 1), ""):
            rows += [(record.pop("line"), record) for record in records.select(*PREVIEW, "line").to_dicts()]
            rows += [(r.line or 0, {"line": r.line, "rejected": r.reason, "raw": r.raw}) for r in rejects]
        return [row for _line, row in sorted(rows, key=lambda item: item[0])]


PREVIEW = ("created_at", "nps", "csat", "ces", "text", "segment", "location", "channel")
PREVIEW_LABELS = {  # the preview's columns in words: the fields', then a rejected row's line, reason and cells
    **{name: FIELD_LABELS[name] for name in PREVIEW},
    "line": "Line",
    "rejected": "Not imported because",
    "raw": "Row as read",
}


def detect_mapping(
    source: Source,
    file_name: str | None = None,
    mapping_overrides: Mapping[str, str] | None = None,
    preset: str | None = None,
    dayfirst: bool | None = None,
    timezone: str | None = None,
    sample_rows: int = DETECT_ROWS,
    header_row: int | None = None,
    sheet: str | None = None,
) -> SurveyPlan:
    """A plan from the first `sample_rows` rows only: quick, for a preview before importing."""
    where = Where(header_row, sheet)
    return _plan(source, file_name, mapping_overrides, preset, dayfirst, timezone, sample_rows, False, where)


def plan_survey_file(
    source: Source,
    file_name: str | None = None,
    mapping_overrides: Mapping[str, str] | None = None,
    preset: str | None = None,
    dayfirst: bool | None = None,
    timezone: str | None = None,
    header_row: int | None = None,
    sheet: str | None = None,
) -> SurveyPlan:
    """A plan checked against the whole file: rows counted, date order and the CSAT and CES scales decided on
    every row. `header_row` (the row number of the header) and `sheet` (an Excel worksheet's name) say where
    the table is when Pulse should not find it itself."""
    where = Where(header_row, sheet)
    return _plan(source, file_name, mapping_overrides, preset, dayfirst, timezone, DETECT_ROWS, True, where)


@dataclass(frozen=True)
class Where:
    """Where the table is, when the user says so: its header's row number and its worksheet."""

    header_row: int | None = None
    sheet: str | None = None


def _plan(
    source: Source,
    file_name: str | None,
    overrides: Mapping[str, str] | None,
    preset: str | None,
    dayfirst: bool | None,
    zone_name: str | None,
    sample_rows: int,
    whole_file: bool,
    where: Where = Where(),
) -> SurveyPlan:
    if preset is not None and preset not in PRESETS:
        raise InputError(f"There is no preset {preset!r}.", hint=f"Presets: {', '.join(PRESETS)}.")
    zone = time_zone(zone_name or _settings_timezone())
    table = open_survey(source, file_name, where.sheet)
    layout = read_layout(table, preset, where.header_row)
    given = resolve_overrides(overrides or {}, layout, table.file_name)
    sample = _sample(table, layout, sample_rows)
    profiles = [
        Profile(index, name, layout.labels[index], [row[index] for row in sample if index < len(row)])
        for index, name in enumerate(layout.columns)
    ]
    for profile in profiles:  # no answers at all: the header alone says which column is which
        profile.unseen = not sample
    for profile in profiles:
        profile.values = [value for value in profile.values if filled(value)]
    personal = {p.index for p in profiles if layout.personal[p.index] or p.email_share >= 0.5}
    _refuse_personal_fields(given, personal, layout)
    taken = {k: v for k, v in given.items() if v is not None}
    indexes = guess_mapping(profiles, layout.preset, taken, personal)
    for field_name, index in given.items():
        if index is None:
            indexes.pop(field_name, None)
    notes = [table.description]
    if layout.header_line is not None:
        how = "as asked" if where.header_row is not None else "the rows above it are a title, left out"
        notes.append(f"Header on row {layout.header_line} ({how}).")
    if layout.preset:
        how = "chosen" if preset else "detected from the headers"
        rows = "1 header row" if layout.header_rows == 1 else f"{layout.header_rows} header rows"
        notes.append(f"Preset {PRESET_LABELS[layout.preset]} ({how}; {rows}).")
    width = len(layout.columns)
    if whole_file:
        data, evidence = first_pass(table, layout, lambda: _Evidence(indexes))
    else:
        data, evidence = None, _Evidence(indexes)
        evidence.add(rows_as_columns(((0, cells) for cells in sample), width))
    date_evidence, scales = evidence.dates, evidence.scales
    data_rows = evidence.rows + evidence.unreadable if whole_file else None
    notes += _long_text_notes(evidence) if whole_file else []
    date_column = layout.columns[indexes["created_at"]] if "created_at" in indexes else ""
    decided, note = decide_dayfirst(date_evidence, dayfirst, date_column, whole_file)
    notes += [note] if note else []
    for scale in SCALED_FIELDS:
        notes += _scale_notes(scale, indexes, scales[scale.field_name], layout, scale.field_name in given)
    notes += _mapping_notes(indexes, layout, zone, profiles, answered=bool(sample))
    left_out = [layout.columns[index] for index in sorted(personal - set(indexes.values()))]
    notes += [_left_out_note(left_out)] if left_out else []
    mapping = {name: layout.columns[indexes[name]] for name in FIELDS if name in indexes}
    respondent_emails = "respondent" in indexes and _holds_emails(profiles[indexes["respondent"]])
    return SurveyPlan(
        file_name=table.file_name,
        form=table.form,
        preset=layout.preset,
        columns=list(layout.columns),
        mapping=mapping,
        notes=notes,
        dayfirst=decided,
        data_rows=data_rows,
        left_out=left_out,
        _table=table,
        _layout=layout,
        _indexes=indexes,
        _zone=zone,
        _rows=data,
        _personal=personal,
        respondent_emails=respondent_emails,
    )


def check_importable(plan: SurveyPlan) -> None:
    """Refuse (InputError) a file that would import nothing useful: no answers at all, no date column, or
    neither a score nor a comment column (its rows would all be rejected, or stored without what Pulse
    counts). `pulse import` and the Sources page call it before importing."""
    columns = ", ".join(repr(column) for column in plan.columns[:30])
    if not plan.data_rows:
        raise InputError(
            f"{plan.file_name} has a header ({columns}) but no answers; nothing was imported.",
            hint="Export the survey again once it has responses, or check the export's date range or filters.",
        )
    if "created_at" not in plan.mapping:
        raise InputError(
            f"{plan.file_name} has no submission date column that Pulse can find; nothing was imported.",
            hint=f"Name it with --map created_at=COLUMN. Its columns: {columns}.",
        )
    if not {"nps", "csat", "ces", "text"} & set(plan.mapping):
        raise InputError(
            f"{plan.file_name} has no NPS, CSAT, CES or comment column that Pulse can find; nothing was "
            f"imported. Its columns: {columns}.",
            hint="Name one with --map nps=COLUMN (or csat, ces, text); if the header is not the first row, "
            "give its row with --header-row N, or the worksheet with --sheet NAME.",
        )


def _settings_timezone() -> str:
    from pulse.settings import build_settings

    return build_settings().timezone


def _sample(table: SurveyFile, layout: Layout, size: int) -> list[Cells]:
    rows = islice(table.rows(), layout.skip, None)
    answered = (cells for _line, cells in rows if any(filled(cell) for cell in cells))
    return list(islice(answered, size))


Scales = dict[str, ScaleEvidence]  # per scaled field (SCALED_FIELDS): the values seen


def _scale_evidence() -> Scales:
    return {scale.field_name: ScaleEvidence(scale.labels) for scale in SCALED_FIELDS}


def _data_frame(table: SurveyFile, layout: Layout, limit: int) -> pl.DataFrame:
    """The first `limit` data rows as the frame the conversion reads."""
    return rows_as_columns(islice(table.rows(), layout.skip, layout.skip + limit), len(layout.columns))


@dataclass
class _Evidence:
    """What the first pass keeps of the rows: date order evidence, the CSAT and CES scores seen, the count."""

    indexes: dict[str, int]
    dates: DateEvidence = field(default_factory=DateEvidence)
    scales: Scales = field(default_factory=_scale_evidence)
    rows: int = 0
    unreadable: int = 0  # JSON Lines that hold no JSON
    long_text_lines: list[int] = field(default_factory=list)  # of comments over MAX_TEXT_CHARS

    def add(self, frame: pl.DataFrame) -> None:
        _scan(frame, self.indexes, self.dates, self.scales)
        self.rows += frame.height
        if "text" in self.indexes:
            long = pl.col(f"c{self.indexes['text']}").str.len_chars() > MAX_TEXT_CHARS
            self.long_text_lines += frame.filter(long)["line"].to_list()


class FrameEvidence(Protocol):
    """What a first pass keeps of the rows (the survey plan's _Evidence, the orders plan's)."""

    unreadable: int

    def add(self, frame: pl.DataFrame) -> None: ...


E = TypeVar("E", bound=FrameEvidence)


def first_pass(table: SurveyFile, layout: Layout, evidence_of: Callable[[], E]) -> tuple[Chunks, E]:
    """The whole file read once, a chunk at a time, for the evidence (a new one from `evidence_of`): a UTF-8
    CSV by polars where it can be (read again to convert), any other file from its rows, kept on disk to
    convert (FrameSpool). Shared with the orders importer (collectors.orders)."""
    evidence = evidence_of()
    columns = _polars_columns(table, layout, evidence.add)
    if columns is not None:
        return columns, evidence
    evidence = evidence_of()  # what polars saw, if anything, is not what the rows hold
    spool = FrameSpool()
    for frame, skipped in _RowChunks(table, layout).chunks():
        evidence.add(frame)
        evidence.unreadable += len(skipped)
        spool.add(frame, skipped)
    return spool, evidence


def read_chunks(table: SurveyFile, layout: Layout) -> Chunks:
    """A plan made on the first rows converts the file as it reads it (by polars where it can be)."""
    columns = _polars_columns(table, layout)
    return columns if columns is not None else _RowChunks(table, layout)


def _polars_columns(table: SurveyFile, layout: Layout, check: FrameCheck | None = None) -> CsvColumns | None:
    """The data rows read by polars (collectors.columns), each chunk shown to `check`; None where the file is
    to be read row by row (any file but a UTF-8 CSV is, without being opened again here)."""
    if not table.table.reads_as_columns:
        return None
    first_row = next(islice(table.rows(), layout.skip, None), None)
    return table.columns(first_row[0], len(layout.columns), check) if first_row is not None else None


@dataclass
class _RowChunks:
    """The data rows read by collectors.files, in frames of FRAME_CHUNK_ROWS rows, as they are read."""

    table: SurveyFile
    layout: Layout

    def chunks(self) -> Iterator[tuple[pl.DataFrame, list[Unreadable]]]:
        skipped: list[Unreadable] = []
        rows = islice(self.table.rows(skipped), self.layout.skip, None)
        for frame in row_frames(rows, len(self.layout.columns)):
            yield frame, list(skipped)
            skipped.clear()
        if skipped:
            yield rows_as_columns([], len(self.layout.columns)), list(skipped)


def _scan(frame: pl.DataFrame, indexes: dict[str, int], dates: DateEvidence, scales: Scales) -> None:
    """The first pass, a chunk at a time: date order evidence and the CSAT and CES scales, each distinct value
    of the chunk looked at once."""
    if "created_at" in indexes:
        values = frame.select(date=pl.col(f"c{indexes['created_at']}")).filter(
            pl.col("date").is_not_null() & ~pl.col("date").str.contains(r"^\d{4}")  # ISO: no evidence
        )
        for value, count in values.group_by("date", maintain_order=True).len().iter_rows():
            dates.add(value, count)
    for name, evidence in scales.items():
        if name in indexes:
            values = frame.select(value=pl.col(f"c{indexes[name]}")).drop_nulls()
            for value, count in values.group_by("value").len().iter_rows():
                evidence.add(value, count)


def _scale_notes(
    scale: ScoreScale, indexes: dict[str, int], evidence: ScaleEvidence, layout: Layout, given: bool
) -> list[str]:
    """What was done with a score column on another scale than Pulse's: with `--map` it is used as it is
    (never rescaled); otherwise it is left out of the mapping (and kept in the raw data)."""
    seen_scale = evidence.scale(scale.span)
    if scale.field_name not in indexes:
        return []
    column = layout.columns[indexes[scale.field_name]]
    if seen_scale == scale.span:
        odd = evidence.outside(scale.low, scale.high)
        if not odd:
            return []
        shown = ", ".join(
            f"{value} ({count} rows)" if count > 1 else str(value) for value, count in odd.items()
        )
        answers = sum(odd.values())
        return [
            f"Column '{column}' is on the {scale.span} scale (the bulk of its answers); "
            f"{answers} {'answer' if answers == 1 else 'answers'} outside it ({shown}) "
            f"{'is' if answers == 1 else 'are'} rejected with {'its line' if answers == 1 else 'their lines'}."
        ]
    seen = f"values {evidence.low} to {evidence.high} seen"
    if given:
        return [
            f"Column '{column}' looks like a {seen_scale} scale ({seen}); mapped to {scale.label} as asked, "
            f"so rows outside {scale.span} are rejected and the others are stored as they are, not rescaled."
        ]
    del indexes[scale.field_name]
    return [
        f"Column '{column}' looks like a {seen_scale} scale ({seen}); not used as {scale.label}, which Pulse "
        f"counts on {scale.span} and never rescales. It is kept in each item's raw data; "
        f"`--map {scale.field_name}=COLUMN` forces it (rows outside {scale.span} are then rejected)."
    ]


def _mapping_notes(
    indexes: dict[str, int], layout: Layout, zone: tzinfo, profiles: list[Profile], answered: bool = True
) -> list[str]:
    if not answered:
        return [
            "The file has a header but no answers (no data rows): nothing to import. Export the survey again "
            "once it has responses, or check the export's date range."
        ]
    notes = []
    if "created_at" not in indexes:
        notes.append(
            "No submission date column found: every row is rejected. Map one with --map created_at=COLUMN."
        )
    else:
        column_zone = layout.zones[indexes["created_at"]]
        notes.append(f"Times without a zone are read as {column_zone or zone}.")
    if not {"nps", "csat", "ces", "text"} & set(indexes):
        notes.append(
            "No NPS, CSAT, CES or comment column found; map one with --map nps=COLUMN (or csat, ces, text)."
        )
    if "respondent" in indexes:
        column = profiles[indexes["respondent"]]
        what = "emails" if _holds_emails(column) else "respondent ids"
        notes.append(f"Column '{column.name}' holds {what}: stored as a salted SHA-256 hash, never in clear.")
    return notes


def _holds_emails(column: Profile) -> bool:
    return column.email_share >= 0.5 or "email" in column.label


def contact_note(plan: SurveyPlan, key_set: bool) -> str | None:
    """What an import does with the respondents' addresses (None when the respondent column holds none):
    kept encrypted as contact details when PULSE_CONTACT_KEY is set, else not kept, and why."""
    if not plan.respondent_emails:
        return None
    column = plan.mapping["respondent"]
    if key_set:
        return (
            f"The addresses in '{column}' are also kept as the respondents' contact details, encrypted with "
            "PULSE_CONTACT_KEY, so that an unhappy customer can be followed up."
        )
    return (
        f"Contact details not kept: PULSE_CONTACT_KEY is unset, so the addresses in '{column}' are stored only "
        "as hashes and unhappy customers cannot be followed up from Pulse (`pulse contacts key` makes a key)."
    )


def _long_text_notes(evidence: _Evidence) -> list[str]:
    """Comments longer than MAX_TEXT_CHARS: stored cut (conversion), said here with their lines."""
    long = evidence.long_text_lines
    if not long:
        return []
    lines = ", ".join(str(line) for line in long[:5]) + (" ..." if len(long) > 5 else "")
    count = "1 comment" if len(long) == 1 else f"{len(long)} comments"
    return [
        f"{count} longer than {MAX_TEXT_CHARS:,} characters (line {lines}) stored cut to the first "
        f"{MAX_TEXT_CHARS:,}; the item's raw data keeps the full length (text_truncated_from_chars)."
    ]


def _refuse_personal_fields(given: dict[str, int | None], personal: set[int], layout: Layout) -> None:
    """A personal column asked for as segment, location or channel (`--map`) is refused: those are stored
    in clear and shown as filters."""
    for field_name in DESCRIPTIVE_FIELDS:
        index = given.get(field_name)
        if index is not None and index in personal:
            raise InputError(
                f"Column '{layout.columns[index]}' holds personal data; Pulse never stores it as {field_name}.",
                hint=f"Map another column with --map {field_name}=COLUMN, or none with --map {field_name}=.",
            )


def _left_out_note(columns: list[str]) -> str:
    shown = ", ".join(f"'{column}'" for column in columns)
    return f"Left out as personal data (stored nowhere, not even in rejected rows): {shown}."
