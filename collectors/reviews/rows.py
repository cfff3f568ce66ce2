"""Rows of an export file, each with its line: CSV (any common encoding and delimiter), JSON (a list, an
object holding a list, or JSON Lines). Nested JSON objects are flattened with dots."""

from __future__ import annotations

import codecs
import csv
import io
import json
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import charset_normalizer

from analysis.personal_data import mask_emails
from pulse.errors import InputError
from store.feedback import Rejected

Row = dict[str, Any]
DELIMITERS = ",;\t|"
LIST_KEYS = ("reviews", "data", "items", "results", "records")
_DECODER = json.JSONDecoder()
_SPACE = " \t\r\n"


@dataclass
class FileRows:
    """The data rows of a file as (line, row), the columns seen, and rows unreadable as such (rejected)."""

    rows: list[tuple[int, Row]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    unreadable: list[Rejected] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_rows(path: Path) -> FileRows:
    if not path.is_file():
        raise InputError(f"{path} is not a file.", hint="Check the path of the review export.")
    text, encoding = decode(path.read_bytes(), path.name)
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        result = json_lines_rows(text, path.name)
    elif is_json(path, text):
        result = json_rows(text, path.name)
    else:
        result = csv_rows(text, path.name)
    if encoding not in ("utf-8", "utf-16"):
        result.notes.insert(
            0, f"Read as {encoding}, not UTF-8: if accents look wrong, save the file as UTF-8."
        )
    return result


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Text of a file and its encoding: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252
    (what Excel writes in Western Europe; detectors misread short texts in it), else the detected one."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise InputError(f"{name} is not text in any encoding Pulse recognises.", hint="Save it as UTF-8.")
    return str(best), best.encoding


def is_json(path: Path, text: str) -> bool:
    suffix = path.suffix.lower()
    if suffix in (".json", ".jsonl", ".ndjson"):
        return True
    if suffix in (".csv", ".tsv", ".txt"):
        return False
    return text.lstrip()[:1] in ("{", "[")


def csv_rows(text: str, name: str) -> FileRows:
    """Rows of a CSV file keyed by the header; the line is where the row starts."""
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    result = FileRows()
    header: list[str] | None = None
    previous_end = 0
    for cells in reader:
        line, previous_end = previous_end + 1, reader.line_num
        if not cells:
            continue  # a blank line is not a row
        if header is None:
            header = [cell.strip() for cell in cells]
            result.columns = list(dict.fromkeys(column for column in header if column))
            continue
        if len(cells) > len(header):
            reason = f"{len(cells)} values but the header has {len(header)} columns"
            result.unreadable.append(Rejected(name, reason, mask_emails(delimiter.join(cells))[:4000], line))
            continue
        row: Row = {}
        for column, cell in zip(header, cells, strict=False):
            if column:
                row.setdefault(column, cell)
        result.rows.append((line, row))
    if header is None:
        raise InputError(f"{name} is empty.", hint="Export the reviews again, with the header row.")
    if delimiter != ",":
        result.notes.append(f"Columns are separated by {delimiter!r}.")
    return result


def sniff_delimiter(text: str) -> str:
    """The delimiter found most in the header line (column names seldom hold one), else a comma."""
    header = text.split("\n", 1)[0]
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def json_rows(text: str, name: str) -> FileRows:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        if error.msg == "Extra data":
            return json_lines_rows(text, name)
        raise InputError(
            f"{name} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}.",
            hint="Export the file again; a file cut short or edited by hand often breaks JSON.",
        ) from error
    items = located_items(text, document, name)
    lines = LineFinder(text)
    result = FileRows()
    for offset, item in items:
        add_item(result, lines.line(offset), item, name)
    result.columns = columns_of(result.rows)
    return result


def json_lines_rows(text: str, name: str) -> FileRows:
    result = FileRows(notes=["Read as JSON Lines (one review per line)."])
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            reason = f"not valid JSON: {error.msg}"
            result.unreadable.append(Rejected(name, reason, mask_emails(line)[:4000], number))
            continue
        add_item(result, number, item, name)
    result.columns = columns_of(result.rows)
    return result


def add_item(result: FileRows, line: int, item: Any, name: str) -> None:
    if isinstance(item, dict):
        result.rows.append((line, flatten(item)))
    else:
        raw = mask_emails(json.dumps(item, ensure_ascii=False))[:4000]
        result.unreadable.append(Rejected(name, "not a JSON object", raw, line))


def located_items(text: str, document: Any, name: str) -> list[tuple[int, Any]]:
    """The review items of a JSON document with their character offsets: the document itself when it is a
    list, else its first list under a usual key ("reviews", "data", ...), else the one object."""
    start = skip_space(text, 0)
    if isinstance(document, list):
        return array_items(text, start)
    if isinstance(document, dict):
        for key in LIST_KEYS:
            if isinstance(document.get(key), list):
                return array_items(text, member_offsets(text, start)[key])
        if document:
            return [(start, document)]
    raise InputError(
        f"{name} holds no reviews.",
        hint="Expected a JSON list of reviews, an object with a 'reviews' list, or JSON Lines.",
    )


def skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in _SPACE:
        index += 1
    return index


def array_items(text: str, start: int) -> list[tuple[int, Any]]:
    """(offset, value) of each element of the JSON array that starts at `start` (valid JSON)."""
    items: list[tuple[int, Any]] = []
    index = skip_space(text, start + 1)
    while text[index] != "]":
        value, end = _DECODER.raw_decode(text, index)
        items.append((index, value))
        index = skip_space(text, end)
        if text[index] == ",":
            index = skip_space(text, index + 1)
    return items


def member_offsets(text: str, start: int) -> dict[str, int]:
    """Offset of each member's value in the JSON object that starts at `start` (valid JSON)."""
    offsets: dict[str, int] = {}
    index = skip_space(text, start + 1)
    while text[index] != "}":
        key, end = _DECODER.raw_decode(text, index)
        index = skip_space(text, skip_space(text, end) + 1)  # past the colon
        offsets.setdefault(key, index)
        _value, end = _DECODER.raw_decode(text, index)
        index = skip_space(text, end)
        if text[index] == ",":
            index = skip_space(text, index + 1)
    return offsets


class LineFinder:
    def __init__(self, text: str) -> None:
        self._newlines = [index for index, char in enumerate(text) if char == "\n"]

    def line(self, offset: int) -> int:
        return bisect_left(self._newlines, offset) + 1


def flatten(item: dict[str, Any], prefix: str = "") -> Row:
    """{"reviewer": {"displayName": "A"}} -> {"reviewer.displayName": "A"}; lists stay as they are."""
    flat: Row = {}
    for key, value in item.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def columns_of(rows: list[tuple[int, Row]]) -> list[str]:
    seen: dict[str, None] = {}
    for _line, row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)
