"""The rows of a review export as read by collectors.files (CSV, XLSX, JSON, JSON Lines), each a dict keyed by
its column, with its line: the header's names for CSV and XLSX, the flattened keys for JSON. Read as a stream, as
often as asked, so that a file of any size is read in memory that does not grow with it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import chain, islice
from pathlib import Path
from typing import Any

from analysis.personal_data import mask_emails
from collectors.files import Row as FileRow
from collectors.files import Table, Unreadable, filled, flatten, plain, read_file
from collectors.headers import HEADER_SEARCH_ROWS, find_header
from pulse.errors import InputError
from store.records import Rejected

Row = dict[str, Any]
MAX_RAW_CHARS = 4000
Read = tuple[int, Row] | Rejected  # a data row with its line, or one that cannot be read as a row


@dataclass
class FileRows:
    """A review file's columns and its data rows, each (line, row) or, where it cannot be read as a row (more
    cells than the header, a JSON value that is no object, a JSON line that is no JSON), a Rejected: in the
    file's order, read again on each call of `read`."""

    columns: list[str]
    read: Callable[[], Iterator[Read]]
    notes: list[str] = field(default_factory=list)


def read_rows(path: Path, sheet: str | None = None) -> FileRows:
    """The rows of a review export; `sheet` names an Excel workbook's worksheet (default: the data's)."""
    table = read_file(
        path, what="reviews", refuse_controls=False, sheet=sheet
    )  # such rows are rejected one by one
    result = json_rows(table) if table.form == "json" else grid_rows(table)
    result.notes.insert(0, table.description)
    if table.encoding and not table.encoding.startswith("utf"):
        result.notes.insert(
            1, "Not UTF-8: if accents look wrong, save the file as UTF-8 and import it again."
        )
    return result


def grid_rows(table: Table) -> FileRows:
    """Rows of a CSV or XLSX file keyed by the header (the first row that is not blank, unless it is a title
    above the table: collectors.headers)."""
    first_rows = list(islice(table.rows(), HEADER_SEARCH_ROWS))
    start = find_header(first_rows, table.form == "xlsx") or 0
    notes = []
    if start and any(filled(cell) for _line, cells in first_rows[:start] for cell in cells):
        notes.append(f"Header on row {first_rows[start][0]} (the rows above it are a title, left out).")
    header = next((cells for _line, cells in first_rows[start:] if cells), None)
    if header is None:
        raise InputError(
            f"{table.file_name} is empty.", hint="Export the reviews again, with the header row."
        )
    names = [plain(cell).strip() for cell in header]

    def data_rows() -> Iterator[FileRow]:
        rows = table.rows()
        first = list(islice(rows, HEADER_SEARCH_ROWS))  # the same rows as above, read again
        filled_rows = (row for row in chain(first[start:], rows) if row[1])  # a blank line is not a row
        next(filled_rows, None)  # the header
        return filled_rows

    def read() -> Iterator[Read]:
        for line, cells in data_rows():
            if len(cells) > len(names):
                reason = f"{len(cells)} values but the header has {len(names)} columns"
                raw = mask_emails(table.delimiter.join(map(plain, cells)))[:MAX_RAW_CHARS]
                yield Rejected(table.file_name, reason, raw, line)
                continue
            row: Row = {}
            for column, cell in zip(names, cells, strict=False):
                if column:
                    row.setdefault(column, _cell(cell))
            yield line, row

    return FileRows(list(dict.fromkeys(column for column in names if column)), read, notes)


def _cell(value: Any) -> Any:
    """A cell as a review keeps it: an XLSX date or time as ISO 8601 text, anything else as it is."""
    return value.isoformat() if isinstance(value, datetime | date | time) else value


def json_rows(table: Table) -> FileRows:
    """The records of a JSON file that are objects, flattened; the others, and JSON Lines that hold no JSON,
    rejected."""

    def read() -> Iterator[Read]:
        for entry in table.entries:
            if isinstance(entry, Unreadable):
                raw = mask_emails(entry.text)[:MAX_RAW_CHARS]
                yield Rejected(table.file_name, entry.reason, raw, entry.line)
            elif isinstance(entry.value, dict):
                yield entry.line, flatten(entry.value)
            else:
                raw = mask_emails(json.dumps(entry.value, ensure_ascii=False))[:MAX_RAW_CHARS]
                yield Rejected(table.file_name, "not a JSON object", raw, entry.line)

    return FileRows(list(table.object_columns), read)
