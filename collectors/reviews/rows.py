"""The rows of a review export as read by collectors.files (CSV, XLSX, JSON, JSON Lines), each a dict keyed by
its column, with its line: the header's names for CSV and XLSX, the flattened keys for JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import chain, islice
from pathlib import Path
from typing import Any

from analysis.personal_data import mask_emails
from collectors.files import Table, filled, flatten, plain, read_file
from collectors.headers import HEADER_SEARCH_ROWS, find_header
from pulse.errors import InputError
from store.records import Rejected

Row = dict[str, Any]
MAX_RAW_CHARS = 4000


@dataclass
class FileRows:
    """The data rows of a file as (line, row), the columns seen, and rows unreadable as such (rejected)."""

    rows: list[tuple[int, Row]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    unreadable: list[Rejected] = field(default_factory=list)
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
    result = FileRows()
    header: list[str] | None = None
    rows = table.rows()
    first_rows = list(islice(rows, HEADER_SEARCH_ROWS))
    start = find_header(first_rows, table.form == "xlsx") or 0
    if start and any(filled(cell) for _line, cells in first_rows[:start] for cell in cells):
        result.notes.append(
            f"Header on row {first_rows[start][0]} (the rows above it are a title, left out)."
        )
    for line, cells in chain(first_rows[start:], rows):
        if not cells:
            continue  # a blank line is not a row
        if header is None:
            header = [plain(cell).strip() for cell in cells]
            result.columns = list(dict.fromkeys(column for column in header if column))
            continue
        if len(cells) > len(header):
            reason = f"{len(cells)} values but the header has {len(header)} columns"
            raw = mask_emails(table.delimiter.join(map(plain, cells)))[:MAX_RAW_CHARS]
            result.unreadable.append(Rejected(table.file_name, reason, raw, line))
            continue
        row: Row = {}
        for column, cell in zip(header, cells, strict=False):
            if column:
                row.setdefault(column, _cell(cell))
        result.rows.append((line, row))
    if header is None:
        raise InputError(
            f"{table.file_name} is empty.", hint="Export the reviews again, with the header row."
        )
    return result


def _cell(value: Any) -> Any:
    """A cell as a review keeps it: an XLSX date or time as ISO 8601 text, anything else as it is."""
    return value.isoformat() if isinstance(value, datetime | date | time) else value


def json_rows(table: Table) -> FileRows:
    result = FileRows()
    for record in table.records:
        if isinstance(record.value, dict):
            result.rows.append((record.line, flatten(record.value)))
        else:
            raw = mask_emails(json.dumps(record.value, ensure_ascii=False))[:MAX_RAW_CHARS]
            result.unreadable.append(Rejected(table.file_name, "not a JSON object", raw, record.line))
    for line in table.unreadable:
        raw = mask_emails(line.text)[:MAX_RAW_CHARS]
        result.unreadable.append(Rejected(table.file_name, line.reason, raw, line.line))
    seen: dict[str, None] = {}
    for _line, row in result.rows:
        seen.update(dict.fromkeys(row))
    result.columns = list(seen)
    return result
