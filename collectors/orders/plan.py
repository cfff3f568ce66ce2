"""The plan of an orders import: the mapping, the date order decided on the whole file, the notes, and the
conversion in batches. The file is read as survey files are (collectors.surveys: `open_survey`, `read_layout`,
`first_pass`, one pass for the evidence and one to convert, a chunk at a time)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from itertools import islice

import polars as pl

from analysis.personal_data import mask_emails
from collectors.files import Source, filled
from collectors.orders.conversion import OrderChunks, OrderConverter
from collectors.orders.fields import (
    FIELD_ALIASES,
    FIELD_HELP,
    FIELDS,
    PRESET_CHANNELS,
    PRESET_LABELS,
    PRESETS,
    detect_preset,
    guess_mapping,
)
from collectors.surveys.conversion import MAX_RAW_CHARS, Conversion
from collectors.surveys.layout import Layout, SurveyFile, open_survey, read_layout
from collectors.surveys.mapping import Profile, resolve_overrides
from collectors.surveys.plan import Chunks, Where, first_pass
from collectors.values import DateEvidence, decide_dayfirst, time_zone
from pulse.errors import InputError
from store.records import Rejected

DETECT_ROWS = 500  # data rows looked at to find the columns


@dataclass
class OrderPlan:
    """How an orders file will be read: the columns, the field -> column mapping, and what was noticed."""

    file_name: str
    preset: str | None
    columns: list[str]
    mapping: dict[str, str]
    notes: list[str]
    dayfirst: bool | None
    data_rows: int
    left_out: list[str]  # personal columns, stored nowhere (neither in raw nor in rejected rows)
    _table: SurveyFile = field(repr=False)
    _indexes: dict[str, int] = field(repr=False)
    _zone: tzinfo = field(repr=False)
    _rows: Chunks = field(repr=False)
    _personal: set[int] = field(default_factory=set, repr=False)

    @property
    def platform(self) -> str:
        return self.preset or "file"

    def conversion(self) -> Conversion:
        """What the survey Converter needs: the customer's column counts as personal (never in raw or in a
        rejected row's text), the order id's does not (Shopify's "Name" is the order's, not a person's)."""
        hidden = (
            (self._personal | {self._indexes["customer"]}) if "customer" in self._indexes else self._personal
        )
        hidden = hidden - {self._indexes.get("order_id", -1)}
        table = self._table
        return Conversion(
            self.file_name,
            table.form,
            table.delimiter,
            list(self.columns),
            dict(self._indexes),
            self._zone,
            self.dayfirst,
            frozenset(hidden),
        )

    def batches(self, author_salt: str = "") -> Iterator[tuple[pl.DataFrame, list[Rejected], int]]:
        """Every data row, a chunk at a time, as (orders, rejects, rows merged into an order): the orders
        (store.orders.ORDER_RECORD_SCHEMA) in file order, customers hashed with `author_salt` (the store's)."""
        channels = PRESET_CHANNELS if self.preset else None
        converter = OrderConverter(self.conversion(), author_salt, channels)
        id_column = f"c{self._indexes['order_id']}" if "order_id" in self._indexes else None
        for frame, skipped in OrderChunks(self._rows.chunks(), id_column):
            unreadable = [  # JSON Lines that hold no JSON, met before the chunk's rows
                Rejected(self.file_name, line.reason, mask_emails(line.text)[:MAX_RAW_CHARS], line.line)
                for line in skipped
            ]
            converted = converter.convert(frame)
            yield converted.records, [*unreadable, *converted.rejects], converted.merged


def plan_order_file(
    source: Source,
    file_name: str | None = None,
    mapping_overrides: Mapping[str, str] | None = None,
    preset: str | None = None,
    dayfirst: bool | None = None,
    timezone: str | None = None,
    header_row: int | None = None,
    sheet: str | None = None,
) -> OrderPlan:
    """A plan checked against the whole file: rows counted and the date order decided on every row. `preset`
    is shopify, square, woocommerce or generic (no preset); detected from the header when not given."""
    if preset is not None and preset not in PRESETS:
        raise InputError(f"There is no orders preset {preset!r}.", hint=f"Presets: {', '.join(PRESETS)}.")
    where = Where(header_row, sheet)
    zone = time_zone(timezone or _settings_timezone())
    table = open_survey(source, file_name, where.sheet)
    layout = read_layout(table, None, where.header_row)
    chosen = None if preset == "generic" else preset or detect_preset(layout.columns)
    given = resolve_overrides(
        mapping_overrides or {}, layout, table.file_name, FIELDS, FIELD_ALIASES, FIELD_HELP
    )
    rows = (cells for _line, cells in islice(table.rows(), layout.skip, None) if any(map(filled, cells)))
    sample = list(islice(rows, DETECT_ROWS))
    profiles = [
        Profile(index, name, layout.labels[index], [row[index] for row in sample if index < len(row)])
        for index, name in enumerate(layout.columns)
    ]
    for profile in profiles:
        profile.unseen = not sample
        profile.values = [value for value in profile.values if filled(value)]
    personal = {p.index for p in profiles if layout.personal[p.index] or p.email_share >= 0.5}
    taken = {name: index for name, index in given.items() if index is not None}
    indexes = guess_mapping(profiles, chosen, taken, personal)
    for field_name, index in given.items():
        if index is None:
            indexes.pop(field_name, None)
    data, evidence = first_pass(table, layout, lambda: _Evidence(indexes.get("ordered_at")))
    date_column = layout.columns[indexes["ordered_at"]] if "ordered_at" in indexes else ""
    decided, date_note = decide_dayfirst(evidence.dates, dayfirst, date_column, True)
    column_zone = layout.zones[indexes["ordered_at"]] if "ordered_at" in indexes else None
    notes = [table.description]
    if chosen:
        how = "chosen" if preset else "detected from the headers"
        notes.append(f"Preset {PRESET_LABELS[chosen]} ({how}).")
    notes += [date_note] if date_note else []
    notes += _mapping_notes(indexes, layout, column_zone or zone, chosen)
    left_out = [layout.columns[index] for index in sorted(personal - set(indexes.values()))]
    if left_out:
        shown = ", ".join(f"'{column}'" for column in left_out)
        notes.append(f"Left out as personal data (stored nowhere, not even in rejected rows): {shown}.")
    return OrderPlan(
        file_name=table.file_name,
        preset=chosen,
        columns=list(layout.columns),
        mapping={name: layout.columns[indexes[name]] for name in FIELDS if name in indexes},
        notes=notes,
        dayfirst=decided,
        data_rows=evidence.rows + evidence.unreadable,
        left_out=left_out,
        _table=table,
        _indexes=indexes,
        _zone=column_zone or zone,
        _rows=data,
        _personal=personal,
    )


def check_importable(plan: OrderPlan) -> None:
    """Refuse (InputError) a file that would import nothing: no rows, or no date column."""
    columns = ", ".join(repr(column) for column in plan.columns[:30])
    if not plan.data_rows:
        raise InputError(
            f"{plan.file_name} has a header ({columns}) but no orders; nothing was imported.",
            hint="Export the orders again, or check the export's date range or filters.",
        )
    if "ordered_at" not in plan.mapping:
        raise InputError(
            f"{plan.file_name} has no order date column that Pulse can find; nothing was imported.",
            hint=f"Name it with --map ordered_at=COLUMN. Its columns: {columns}.",
        )


def _settings_timezone() -> str:
    from pulse.settings import build_settings

    return build_settings().timezone


@dataclass
class _Evidence:
    """What the first pass keeps of the rows: date order evidence and the count."""

    date_index: int | None
    dates: DateEvidence = field(default_factory=DateEvidence)
    rows: int = 0
    unreadable: int = 0

    def add(self, frame: pl.DataFrame) -> None:
        self.rows += frame.height
        if self.date_index is None:
            return
        values = frame.select(date=pl.col(f"c{self.date_index}")).filter(
            pl.col("date").is_not_null() & ~pl.col("date").str.contains(r"^\d{4}")  # ISO: no evidence
        )
        for value, count in values.group_by("date").len().iter_rows():
            self.dates.add(value, count)


def _mapping_notes(indexes: dict[str, int], layout: Layout, zone: tzinfo, preset: str | None) -> list[str]:
    notes = []
    if "ordered_at" not in indexes:
        notes.append("No order date column found: map one with --map ordered_at=COLUMN.")
    else:
        notes.append(f"Times without a zone are read as {zone}.")
    if "time" in indexes:
        notes.append(f"Column '{layout.columns[indexes['time']]}' holds the time of day, read with the date.")
    if "order_id" not in indexes:
        notes.append(
            "No order id column found: each row is one order, known by a hash of its cells (a later export "
            "of the same rows adds nothing). Map one with --map order_id=COLUMN."
        )
    if "amount" not in indexes:
        notes.append(
            "No amount column found: orders are stored without their value. Map one with --map amount=COLUMN."
        )
    if "customer" in indexes:
        notes.append(
            f"Column '{layout.columns[indexes['customer']]}' names the customer: stored only as the salted hash "
            "that a survey respondent with the same id or email gets."
        )
    else:
        notes.append(
            "No customer column found: orders are stored without a customer. Map one with --map customer=COLUMN."
        )
    if preset == "shopify":
        notes.append(
            "Shopify lists one row per line item: its rows are one order, with the first row's Total."
        )
    return notes
