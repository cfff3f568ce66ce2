"""Survey exports (CSV, XLSX, JSON) from Typeform, Google Forms, SurveyMonkey, Qualtrics or any other tool.

The columns are found by their names and their values (or given with `mapping_overrides`); every data row
becomes a FeedbackRecord or a Rejected with its line and reason. Whole-column decisions (day-first dates, the
CSAT and CES scales) are made on the whole file in a first pass; the second pass converts. A well-formed UTF-8 CSV is
read whole by polars and converted by columns (collectors/survey_columns.py, the fast lane for large exports);
other files are converted row by row, streaming. Both lanes give the same results. Nothing here imports
Streamlit: the dashboard's Sources page calls the same API.

    plan = plan_survey_file(path)            # mapping, notes, row count; raises InputError when unusable
    for item in plan.convert(): ...          # FeedbackRecord | Rejected, one per data row, row by row
    for records, rejects in plan.batches():  # the same in batches; records as a frame from the columnar lane
    result = read_survey_file(path)          # the same, all in memory: .records, .rejects, .mapping, .notes

Choices worth knowing:
- A CSAT column on another scale than 1-5 (1-7, 1-10, 0-10) is not mapped and not rescaled: the result says
  so in a note and the column stays in each item's raw data. `--map csat=COLUMN` forces it; rows whose
  value falls outside 1-5 are then rejected. The same holds for a Customer Effort Score column (`ces`) on
  another scale than 1-7, such as a 1-5 effort scale: stated, kept in the raw data, never rescaled.
- Emails are never stored: the respondent (email or customer id) becomes a salted SHA-256 `author_hash` (none
  for a placeholder such as "anonymous": pulse.identity), kept on rejected rows too. Personal columns (names,
  contact details, addresses, birth dates, IP addresses and coordinates, per-customer ids: pulse.identity,
  or a column of email addresses) are left out of `raw` and of rejected rows, are never mapped to segment,
  location, channel or text, and are listed in `left_out`; emails anywhere else in a kept row are masked.
- Times without a zone are read in the settings' time zone, except where the export says otherwise
  (Typeform's "(UTC)" columns, Qualtrics' ImportId row with its timeZone).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import math
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import cached_property
from itertools import islice
from pathlib import Path
from typing import IO, Any

import polars as pl

from analysis.personal_data import EMAIL, mask_emails
from collectors.base import CollectContext, SourceBatch, hash_author, prefetched
from collectors.survey_columns import (
    FIELD_LIMITS,
    MAX_EXTERNAL_ID,
    convert_columns,
    read_csv_columns,
    response_key,
)
from collectors.survey_keys import StoredResponses
from pulse.errors import InputError
from pulse.identity import is_personal_column
from store.feedback import FeedbackRecord, Rejected, SourceSpec, frame_to_records

MAX_FILE_BYTES = 500 * 1024 * 1024  # refused before reading
MAX_JSON_BYTES = 100 * 1024 * 1024  # JSON is parsed whole, so its limit is lower
DETECT_ROWS = 500  # data rows looked at to find the columns
BATCH_ROWS = 20_000  # rows per SourceBatch handed to the store
SNIFF_BYTES = 64 * 1024
MAX_RAW_CHARS = 10_000

FIELDS = (
    "created_at",
    "nps",
    "csat",
    "ces",
    "text",
    "response_id",
    "respondent",
    "segment",
    "location",
    "channel",
)
FIELD_HELP = (
    "created_at (the submission date; alias date), nps (0-10), csat (1-5), ces (Customer Effort Score, "
    "1-7), text (the comment; alias "
    "comment), response_id (alias id), respondent (email or customer id, stored hashed; alias email), "
    "segment, location, channel"
)
FIELD_ALIASES = {
    "date": "created_at",
    "submitted_at": "created_at",
    "timestamp": "created_at",
    "comment": "text",
    "id": "response_id",
    "email": "respondent",
    "author": "respondent",
}
PRESET_LABELS = {
    "typeform": "Typeform",
    "google_forms": "Google Forms",
    "surveymonkey": "SurveyMonkey",
    "qualtrics": "Qualtrics",
}
PRESETS = tuple(PRESET_LABELS)

Cells = list[Any]
Row = tuple[int, Cells]  # (line, cells): physical line in a CSV, row number in XLSX, index in JSON
Source = Path | str | bytes


# --- reading the file -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Input:
    file_name: str
    size: int
    opener: Callable[[], IO[bytes]]
    source: Path | bytes

    def head(self, size: int = SNIFF_BYTES) -> bytes:
        with self.opener() as handle:
            return handle.read(size)


def _input(source: Source, file_name: str | None) -> _Input:
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
        name = file_name or "upload"
        _check_size(name, len(data))
        return _Input(name, len(data), lambda: io.BytesIO(data), data)
    path = Path(source)
    if not path.is_file():
        raise InputError(f"There is no file {path}.", hint="Check the path, then try again.")
    size = path.stat().st_size
    _check_size(file_name or path.name, size)
    return _Input(file_name or path.name, size, lambda: path.open("rb"), path)


def _check_size(name: str, size: int, limit: int | None = None) -> None:
    limit = MAX_FILE_BYTES if limit is None else limit
    if size > limit:
        raise InputError(
            f"{name} is {size / 2**20:,.0f} MB; Pulse imports survey files of up to {limit / 2**20:,.0f} MB.",
            hint="Split the export into smaller files (by date range) and import each.",
        )
    if size == 0:
        raise InputError(f"{name} is empty.", hint="Export the survey responses again and import that file.")


@dataclass
class _Table:
    """Rows of a file, header rows included, readable more than once."""

    file_name: str
    form: str  # csv, xlsx or json
    rows: Callable[[], Iterator[Row]]
    description: str
    delimiter: str = ","
    preset: str | None = None  # a shape that names its vendor (Typeform's responses API)
    hints: dict[str, str] = field(default_factory=dict)  # column -> extra words for matching
    # (header rows, first data line, width) -> the data rows as columns, for the columnar lane; None when
    # the file must be read row by row
    columns: Callable[[int, int, int], pl.DataFrame | None] = lambda *_: None


def _open_table(data: _Input) -> _Table:
    head = data.head()
    suffix = Path(data.file_name).suffix.casefold()
    if head.startswith(b"PK\x03\x04"):
        return _xlsx_table(data)
    if suffix == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(
            f"{data.file_name} is an old Excel (.xls) workbook, which Pulse cannot read.",
            hint="Open it in Excel or LibreOffice and save it as .xlsx or CSV.",
        )
    if suffix in (".xlsx", ".xlsm"):
        raise InputError(
            f"{data.file_name} is not a valid Excel workbook.", hint="Export it again as .xlsx or CSV."
        )
    if suffix == ".json" or (suffix not in (".csv", ".tsv", ".txt") and _looks_like_json(head)):
        return _json_table(data)
    return _csv_table(data, head)


def _looks_like_json(head: bytes) -> bool:
    return head.lstrip(codecs.BOM_UTF8 + b" \t\r\n")[:1] in (b"[", b"{")


def _not_text(name: str, why: str) -> InputError:
    return InputError(
        f"{name} does not look like a text CSV file ({why}).",
        hint="Export the survey as CSV (UTF-8 if you can choose), XLSX or JSON and import that file.",
    )


def _detect_encoding(data: _Input, head: bytes) -> str:
    """BOM first, then UTF-8 (checked over the whole file), then charset-normalizer (preferring cp1252 among
    the code pages that fit equally well)."""
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.count(0) > max(1, len(head) // 200):  # a stray NUL is tolerated (and dropped); many: binary
        return _bomless_utf16(data.file_name, head)
    failure = _first_utf8_failure(data)
    if failure is None:
        return "utf-8"
    from charset_normalizer import from_bytes

    with data.opener() as handle:
        handle.seek(max(0, failure - SNIFF_BYTES // 2))
        window = handle.read(SNIFF_BYTES)
    matches = from_bytes(head + b"\n" + window)
    best = matches.best()
    if best is None:
        raise _not_text(data.file_name, "its bytes are not text in any common encoding")
    # a short sample fits many code pages equally well; Windows-1252 is by far the commonest of them
    if any(match.chaos <= best.chaos and "cp1252" in match.could_be_from_charset for match in matches):
        return "cp1252"
    return str(best.encoding)


def _bomless_utf16(name: str, head: bytes) -> str:
    even = head[0::2].count(0) / max(1, len(head[0::2]))
    odd = head[1::2].count(0) / max(1, len(head[1::2]))
    encoding = "utf-16-le" if odd > 0.9 > even else "utf-16-be" if even > 0.9 > odd else None
    if encoding is None:
        raise _not_text(name, "it holds NUL bytes, as binary files do")
    return encoding


def _first_utf8_failure(data: _Input) -> int | None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with data.opener() as handle:
        while chunk := handle.read(1 << 20):
            try:
                decoder.decode(chunk, final=False)
            except UnicodeDecodeError as error:
                return offset + error.start
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return offset
    return None


def _sample_text(data: _Input, encoding: str) -> str:
    with data.opener() as handle:
        text = io.TextIOWrapper(handle, encoding=encoding, errors="replace", newline="").read(SNIFF_BYTES)
    controls = sum(1 for char in text if char < " " and char not in "\t\r\n")
    if controls > 8 + len(text) // 50:  # binary decoded as text: about one character in nine
        raise _not_text(data.file_name, "it holds control characters, as binary files do")
    return text


def _sniff_delimiter(sample: str, truncated: bool) -> str:
    """The delimiter among , ; tab | that splits the header into several columns and the most of the first
    rows into as many (exports always have a header of several columns; comments may hold any delimiter)."""
    best, best_key = ",", (False, 0.0, 0)
    for delimiter in (",", ";", "\t", "|"):
        try:
            rows = [row for row in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter) if row]
        except csv.Error:
            continue
        rows = rows[:-1] if truncated and len(rows) > 2 else rows
        if not rows:
            continue
        width = len(rows[0])
        consistency = sum(1 for row in rows[:50] if len(row) == width) / len(rows[:50])
        key = (width > 1, consistency, width)
        if key > best_key:
            best, best_key = delimiter, key
    return best if best_key[0] else ","  # a one-column header shows no delimiter: take the usual one


def _csv_table(data: _Input, head: bytes) -> _Table:
    encoding = _detect_encoding(data, head)
    sample = _sample_text(data, encoding)
    delimiter = _sniff_delimiter(sample, truncated=data.size > SNIFF_BYTES)
    errors = "strict" if encoding.startswith("utf") else "replace"

    def rows() -> Iterator[Row]:
        with data.opener() as handle:
            text = io.TextIOWrapper(handle, encoding=encoding, errors=errors, newline="")
            reader = csv.reader(text, delimiter=delimiter, strict=False)
            line = 1
            try:
                for cells in reader:
                    yield line, cells
                    line = reader.line_num + 1
            except (csv.Error, UnicodeDecodeError) as error:
                raise InputError(
                    f"{data.file_name} cannot be read as CSV after line {line}: {error}.",
                    hint="Open the file in a spreadsheet and export it as CSV again.",
                ) from error

    names = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "pipes"}
    description = f"Read as {_encoding_name(encoding)} CSV separated by {names[delimiter]}."

    def columns(header_rows: int, first_line: int, width: int) -> pl.DataFrame | None:
        if encoding not in ("utf-8", "utf-8-sig"):
            return None
        return read_csv_columns(data.source, delimiter, header_rows, first_line, width)

    return _Table(data.file_name, "csv", rows, description, delimiter=delimiter, columns=columns)


def _encoding_name(encoding: str) -> str:
    return {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (with BOM)", "utf-16": "UTF-16"}.get(encoding, encoding)


def _xlsx_table(data: _Input) -> _Table:
    from openpyxl import load_workbook

    def rows() -> Iterator[Row]:
        try:
            with data.opener() as handle:
                workbook = load_workbook(handle, read_only=True, data_only=True)
                try:
                    sheet = workbook.worksheets[0]
                    start = sheet.min_row or 1
                    for number, values in enumerate(sheet.iter_rows(values_only=True), start=start):
                        yield number, list(values)
                finally:
                    workbook.close()
        except InputError:
            raise
        except Exception as error:  # openpyxl raises many kinds for a broken workbook
            raise InputError(
                f"{data.file_name} cannot be read as an Excel workbook ({type(error).__name__}: {error}).",
                hint="Open it in Excel or LibreOffice and save it again as .xlsx, or export CSV.",
            ) from error

    return _Table(data.file_name, "xlsx", rows, "Read the first worksheet of an Excel workbook.")


def _json_table(data: _Input) -> _Table:
    _check_size(data.file_name, data.size, MAX_JSON_BYTES)
    with data.opener() as handle:
        try:
            document = json.loads(handle.read())
        except (ValueError, UnicodeDecodeError) as error:
            raise InputError(
                f"{data.file_name} is not valid JSON ({error}).",
                hint="Export the responses again; Pulse reads a JSON list of responses.",
            ) from error
    items = _json_items(data.file_name, document)
    typeform = any(isinstance(item, dict) and isinstance(item.get("answers"), list) for item in items)
    hints: dict[str, str] = {}
    flat = [_typeform_item(item, hints) if typeform else _flatten(item) for item in items]
    columns = list(dict.fromkeys(key for item in flat for key in item))

    def rows() -> Iterator[Row]:
        yield -1, list(columns)
        for index, item in enumerate(flat):
            yield index, [item.get(column) for column in columns]

    kind = "Typeform responses" if typeform else "JSON records"
    description = f"Read {len(flat)} {kind} (lines of rejects are item indexes, from 0)."
    return _Table(
        data.file_name, "json", rows, description, preset="typeform" if typeform else None, hints=hints
    )


def _json_items(name: str, document: Any) -> list[Any]:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in ("items", "responses", "data", "results"):
            if isinstance(document.get(key), list):
                return list(document[key])
    raise InputError(
        f"{name} holds JSON but not a list of responses.",
        hint='Pulse reads a JSON list of records, or an object with an "items", "responses" or "data" list.',
    )


def _flatten(item: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(item, dict):
        return {prefix or "value": item}
    flat: dict[str, Any] = {}
    for key, value in item.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(_flatten(value, name))
        elif isinstance(value, list):
            flat[name] = json.dumps(value, ensure_ascii=False)
        else:
            flat[name] = _clean(value) if isinstance(value, str) else value
    return flat


TYPEFORM_TYPE_WORDS = {
    "nps": "nps",
    "long_text": "comment",
    "short_text": "comment",
    "email": "email",
    "phone_number": "phone",
    "rating": "rating",
    "opinion_scale": "rating",
}


def _typeform_item(item: Any, hints: dict[str, str]) -> dict[str, Any]:
    """A Typeform responses-API item as a flat record: ids, dates, hidden fields, one column per answer."""
    if not isinstance(item, dict):
        return _flatten(item)
    flat: dict[str, Any] = {
        "response_id": item.get("response_id") or item.get("token"),
        "submitted_at": item.get("submitted_at"),
        "landed_at": item.get("landed_at"),
    }
    for group in ("hidden", "metadata", "variables"):
        if isinstance(item.get(group), dict):
            flat.update(_flatten(item[group], group))
    for answer in item.get("answers") or []:
        if not isinstance(answer, dict):
            continue
        question: dict[str, Any] = answer["field"] if isinstance(answer.get("field"), dict) else {}
        column = str(question.get("ref") or question.get("id") or f"answer {len(flat)}")
        value = _typeform_value(answer)
        flat[column] = _clean(value) if isinstance(value, str) else value
        words = TYPEFORM_TYPE_WORDS.get(str(question.get("type")), "")
        words = words or TYPEFORM_TYPE_WORDS.get(str(answer.get("type")), "")
        if words:
            hints[column] = words
    return flat


def _typeform_value(answer: dict[str, Any]) -> Any:
    value = answer.get(str(answer.get("type")))
    if isinstance(value, dict):
        if "label" in value:
            return value["label"]
        if isinstance(value.get("labels"), list):
            return ", ".join(str(label) for label in value["labels"])
        return json.dumps(value, ensure_ascii=False)
    return value


# --- header layout and presets ------------------------------------------------------------------------


def _norm(text: Any) -> str:
    """Lower case, letters and digits only (and '#', Typeform's id column)."""
    return re.sub(r"[^0-9a-z#]+", "", str(text).casefold()) if text is not None else ""


def _filled(value: Any) -> bool:
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


@dataclass(frozen=True)
class _Layout:
    preset: str | None
    skip: int  # rows before the first data row (leading blank rows and the header rows)
    header_rows: int
    columns: list[str]
    labels: list[str]  # normalised names, question texts and hints, for matching
    zones: list[tzinfo | None]  # a column's own time zone, when the export states it
    personal: list[bool]  # whether the header says the column holds personal data (pulse.identity)


def _detect_preset(first: Cells) -> str | None:
    names = {_norm(cell) for cell in first}
    leading = _norm(next((cell for cell in first if _filled(cell)), ""))
    if "responseid" in names and names & {"startdate", "recordeddate"}:
        return "qualtrics"
    if {"respondentid", "collectorid"} <= names:
        return "surveymonkey"
    if leading == "#" and names & {"networkid", "submitdateutc", "submittedat"}:
        return "typeform"
    if leading == "timestamp":
        return "google_forms"
    return None


def _layout(table: _Table, preset: str | None) -> _Layout:
    blank = 0
    head: list[Cells] = []
    for _line, cells in table.rows():
        if not head and not any(_filled(cell) for cell in cells):
            blank += 1
            continue
        head.append(cells)
        if len(head) == 3:
            break
    if not head:
        raise InputError(f"{table.file_name} holds no rows.", hint="Export the survey responses again.")
    found = table.preset or _detect_preset(head[0])
    chosen = preset or found
    first = [str(cell).strip() if cell is not None else "" for cell in head[0]]
    second = [str(cell).strip() if cell is not None else "" for cell in head[1]] if len(head) > 1 else []
    third = [str(cell).strip() if cell is not None else "" for cell in head[2]] if len(head) > 2 else []
    texts = [""] * len(first)
    zones: list[tzinfo | None] = [None] * len(first)
    header_rows = 1
    if chosen == "surveymonkey" and {"response", "openendedresponse"} & {_norm(cell) for cell in second}:
        header_rows = 2
        first = _surveymonkey_names(first, second)
    elif chosen == "qualtrics" and len(head) > 1 and found == "qualtrics":
        header_rows = 3 if any(cell.startswith('{"ImportId"') for cell in third) else 2
        texts = [*second, *[""] * len(first)][: len(first)]
        if header_rows == 3:
            zones = [_qualtrics_zone(cell) for cell in [*third, *[""] * len(first)][: len(first)]]
    columns = _unique([name or f"Column {index + 1}" for index, name in enumerate(first)])
    zones = [zone or _zone_from_header(name, chosen) for zone, name in zip(zones, columns, strict=True)]
    labels = [
        f"{_norm(name)} {_norm(text)} {table.hints.get(name, '')}".strip()
        for name, text in zip(columns, texts, strict=True)
    ]
    personal = [
        is_personal_column(name, text, table.hints.get(name, ""))
        for name, text in zip(columns, texts, strict=True)
    ]
    return _Layout(chosen, blank + header_rows, header_rows, columns, labels, zones, personal)


def _surveymonkey_names(first: list[str], second: list[str]) -> list[str]:
    """Row 1 holds the question (blank over the later options of a question), row 2 the option."""
    names, question = [], ""
    for index, top in enumerate(first):
        option = second[index] if index < len(second) else ""
        question = top or question
        plain = _norm(option) in ("", "response", "openendedresponse")
        names.append(top if top and plain else f"{question} - {option}" if option else question)
    return names


def _qualtrics_zone(cell: str) -> tzinfo | None:
    try:
        meta = json.loads(cell)
        return _zone(str(meta["timeZone"])) if isinstance(meta, dict) and meta.get("timeZone") else None
    except (ValueError, KeyError, InputError):
        return None


def _zone_from_header(name: str, preset: str | None) -> tzinfo | None:
    label = _norm(name)
    if "utc" in label or "gmt" in label or (preset == "typeform" and label == "submittedat"):
        return UTC
    return None


def _unique(names: list[str]) -> list[str]:
    seen: Counter[str] = Counter()
    unique = []
    for name in names:
        seen[name] += 1
        unique.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return unique


def _zone(name: str) -> tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InputError(
            f"{name!r} is not a time zone.", hint="Use an IANA name such as Europe/London."
        ) from error


# --- dates --------------------------------------------------------------------------------------------

_ISO_START = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
_NUMERIC_DATE = re.compile(
    r"(?P<a>\d{1,4})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})"
    r"(?:(?:[T ]|,\s*)\s*(?P<hour>\d{1,2})[:.](?P<minute>\d{2})"
    r"(?:[:.](?P<second>\d{2})(?:[.,](?P<fraction>\d{1,9}))?)?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?"
    r"\s*(?P<zone>Z|(?:UTC|GMT)(?:\s*[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{2}:?\d{2})?"
)
_ZONE_OFFSET = re.compile(r"(?:UTC|GMT)?\s*(?P<sign>[+-])(?P<hours>\d{1,2}):?(?P<minutes>\d{2})?")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_EXCEL_EPOCH = datetime(1899, 12, 30)


def _zone_of(text: str | None) -> tzinfo | None:
    if not text:
        return None
    if text in ("Z", "UTC", "GMT"):
        return UTC
    match = _ZONE_OFFSET.fullmatch(text)
    if match is None:
        return None
    offset = timedelta(hours=int(match["hours"]), minutes=int(match["minutes"] or 0))
    return timezone(-offset if match["sign"] == "-" else offset)


def _date_order(text: str) -> str | None:
    """'dayfirst' or 'monthfirst' when a numeric date shows its order, 'ambiguous' when it cannot."""
    match = _NUMERIC_DATE.fullmatch(text)
    if match is None or len(match["a"]) > 2:
        return None
    first, second = int(match["a"]), int(match["b"])
    if first > 12 >= second:
        return "dayfirst"
    if second > 12 >= first:
        return "monthfirst"
    return "ambiguous" if first != second and first <= 12 and second <= 12 else None


def _numeric_date(match: re.Match[str], dayfirst: bool | None) -> datetime:
    a, b, c = match["a"], match["b"], match["c"]
    if len(a) == 4:
        year, month, day = int(a), int(b), int(c)
    elif len(c) in (2, 4):
        first, second = int(a), int(b)
        if dayfirst is None:
            if first != second and first <= 12 and second <= 12:
                raise ValueError(f"ambiguous date {match.string!r} (day-first or month-first?)")
            dayfirst = first > 12
        day, month = (first, second) if dayfirst else (second, first)
        year = int(c) if len(c) == 4 else 2000 + int(c) if int(c) < 70 else 1900 + int(c)
    else:
        raise ValueError(f"unparseable date {match.string!r}")
    hour = int(match["hour"] or 0)
    if match["ampm"]:
        pm = match["ampm"][0] in "Pp"
        if hour > 12 or hour == 0:
            raise ValueError(f"unparseable date {match.string!r}")
        hour = hour % 12 + (12 if pm else 0)
    fraction = (match["fraction"] or "").ljust(6, "0")[:6]
    return datetime(
        year,
        month,
        day,
        hour,
        int(match["minute"] or 0),
        int(match["second"] or 0),
        int(fraction),
        tzinfo=_zone_of(match["zone"]),
    )


def _excel_serial(number: float) -> datetime:
    if not 1 <= number < 2_958_466:  # day 1 to the year 9999
        raise ValueError(f"unparseable date {number!r} (not an Excel date serial number)")
    return _EXCEL_EPOCH + timedelta(seconds=round(number * 86_400))


def parse_moment(value: Any, zone: tzinfo, dayfirst: bool | None = None) -> datetime:
    """A time-zone aware datetime from a cell: ISO 8601, numeric dates (day-first when `dayfirst`), Excel
    serial numbers, or an XLSX datetime. Naive values are read in `zone`. Raises ValueError with a reason."""
    if type(value) is str and value[4:5] == "-":  # ISO 8601, the common case, kept fast
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = _parse_date_text(value.strip(), dayfirst)
    elif isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment = _excel_serial(float(value))
    else:
        moment = _parse_date_text(str(value).strip(), dayfirst)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _parse_date_text(text: str, dayfirst: bool | None) -> datetime:
    if not text:
        raise ValueError("no date")
    if _ISO_START.match(text):
        try:
            return datetime.fromisoformat(re.sub(r"\s*(UTC|GMT)$", "+00:00", text))
        except ValueError:
            pass
    match = _NUMERIC_DATE.fullmatch(text)
    if match is not None:
        try:
            return _numeric_date(match, dayfirst)
        except ValueError as error:
            reason = str(error)
            raise ValueError(
                reason
                if reason.startswith(("ambiguous", "unparseable"))
                else f"unparseable date {text[:60]!r} ({reason})"
            ) from None
    if _NUMBER.fullmatch(text):
        return _excel_serial(float(text.replace(",", ".")))
    raise ValueError(f"unparseable date {text[:60]!r}")


def _looks_like_date(value: Any) -> bool:
    if isinstance(value, datetime | date):
        return True
    if not isinstance(value, str):
        return False
    text = value.strip()
    return bool(_ISO_START.match(text) or _NUMERIC_DATE.fullmatch(text))


@dataclass
class _DateEvidence:
    dayfirst: int = 0
    monthfirst: int = 0
    ambiguous: int = 0
    dayfirst_example: str = ""
    monthfirst_example: str = ""
    ambiguous_example: str = ""

    def add(self, value: Any, count: int = 1) -> None:
        if not isinstance(value, str) or value[:4].isdigit():
            return
        order = _date_order(value.strip())
        if order == "dayfirst":
            self.dayfirst += count
            self.dayfirst_example = self.dayfirst_example or value.strip()
        elif order == "monthfirst":
            self.monthfirst += count
            self.monthfirst_example = self.monthfirst_example or value.strip()
        elif order == "ambiguous":
            self.ambiguous += count
            self.ambiguous_example = self.ambiguous_example or value.strip()


def _decide_dayfirst(
    evidence: _DateEvidence, forced: bool | None, column: str, whole_column: bool
) -> tuple[bool | None, str | None]:
    """Day-first or month-first for the whole column, with the sentence that says why."""
    if forced is not None:
        return forced, f"Dates read {'day' if forced else 'month'}-first, as asked."
    if evidence.dayfirst and evidence.monthfirst:
        dayfirst = evidence.dayfirst >= evidence.monthfirst
        return dayfirst, (
            f"Column '{column}' mixes day-first dates ({evidence.dayfirst_example}, {evidence.dayfirst} rows) "
            f"and month-first dates ({evidence.monthfirst_example}, {evidence.monthfirst} rows); read "
            f"{'day' if dayfirst else 'month'}-first, so rows that only fit the other order are rejected."
        )
    if evidence.dayfirst:
        return True, f"Dates read day-first ({evidence.dayfirst_example} seen)."
    if evidence.monthfirst:
        return False, f"Dates read month-first ({evidence.monthfirst_example} seen)."
    if evidence.ambiguous and whole_column:
        raise InputError(
            f"Every date in column '{column}' can be read day-first or month-first "
            f"(e.g. {evidence.ambiguous_example}), so Pulse cannot tell which is meant.",
            hint="Say how to read them: add --dayfirst (31/01/2026) or --monthfirst (01/31/2026).",
        )
    if evidence.ambiguous:
        return None, (
            f"The first rows' dates in '{column}' can be read day-first or month-first "
            f"(e.g. {evidence.ambiguous_example}); the whole file decides, or choose with --dayfirst/--monthfirst."
        )
    return None, None


# --- scores -------------------------------------------------------------------------------------------

CSAT_LABELS = {
    "verysatisfied": 5,
    "extremelysatisfied": 5,
    "satisfied": 4,
    "somewhatsatisfied": 4,
    "neutral": 3,
    "neithersatisfiednordissatisfied": 3,
    "somewhatdissatisfied": 2,
    "dissatisfied": 2,
    "verydissatisfied": 1,
    "extremelydissatisfied": 1,
}
CES_LABELS = {  # CES 2.0: "The company made it easy for me to handle my issue", 1-7 agreement
    "stronglyagree": 7,
    "agree": 6,
    "somewhatagree": 5,
    "neitheragreenordisagree": 4,
    "somewhatdisagree": 3,
    "disagree": 2,
    "stronglydisagree": 1,
}
_SCORE_TEXT = re.compile(r"(?P<number>[+-]?\d+(?:[.,]\d+)?)(?:\s*(?:[-–:=(/]|\s).*)?", re.DOTALL)


def parse_score(
    value: Any, name: str, low: int, high: int, labels: Mapping[str, int] | None = None
) -> int | None:
    """A whole score in [low, high], None for an empty cell; ValueError with a reason otherwise. Reads
    '9', '9.0', '10 - Extremely likely' and, with `labels`, words such as 'Very satisfied'."""
    if type(value) is str and value.isdigit() and value.isascii():  # the common case, kept fast
        score = int(value)
        if low <= score <= high:
            return score
        raise ValueError(f"{name} {score} is out of range {low}-{high}")
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{name} {value!r} is not a number")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip()
        if not text:
            return None
        if text.isascii() and text.isdigit():
            number = float(text)
        elif labels and _norm(text) in labels:
            return labels[_norm(text)]
        else:
            match = _SCORE_TEXT.fullmatch(text)
            if match is None:
                raise ValueError(f"{name} {text[:40]!r} is not a number")
            number = float(match["number"].replace(",", "."))
    if math.isnan(number):
        return None
    if not number.is_integer():
        raise ValueError(f"{name} {number:g} is not a whole number")
    score = int(number)
    if not low <= score <= high:
        raise ValueError(f"{name} {score} is out of range {low}-{high}")
    return score


def _score_or_none(value: Any, labels: Mapping[str, int] | None = None) -> int | None:
    try:
        return parse_score(value, "score", -1_000_000, 1_000_000, labels)
    except ValueError:
        return None


@dataclass(frozen=True)
class ScoreScale:
    """A score field that Pulse counts on one scale and never rescales."""

    field_name: str
    label: str
    low: int
    high: int
    labels: Mapping[str, int]

    @property
    def span(self) -> str:
        return f"{self.low}-{self.high}"

    def parse(self, value: Any) -> int | None:
        return parse_score(value, self.field_name, self.low, self.high, self.labels)


CSAT_SCALE = ScoreScale("csat", "CSAT", 1, 5, CSAT_LABELS)
CES_SCALE = ScoreScale("ces", "CES", 1, 7, CES_LABELS)
SCALED_FIELDS = (CSAT_SCALE, CES_SCALE)


@dataclass
class _ScaleEvidence:
    labels: Mapping[str, int]
    low: int | None = None
    high: int | None = None

    def add(self, value: Any) -> None:
        score = _score_or_none(value, self.labels)
        if score is not None:
            self.low = score if self.low is None else min(self.low, score)
            self.high = score if self.high is None else max(self.high, score)

    def scale(self, expected: str) -> str:
        if self.low is None or self.high is None:
            return expected
        low = 0 if self.low <= 0 else 1
        high = next((top for top in (5, 7, 10) if self.high <= top), self.high)
        return f"{low}-{high}"


# --- finding the columns ------------------------------------------------------------------------------

# Per field: words looked for in a column's normalised name (earlier ones win), and words that rule it out.
HEADER_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "response_id": (
        ("responseid", "respondentid", "submissionid", "responsetoken", "#", "id", "token", "uuid"),
        ("collector", "network", "external"),
    ),
    "created_at": (
        (
            "submitdate",
            "submittedat",
            "submissiondate",
            "submitted",
            "recordeddate",
            "completedat",
            "completed",
            "timestamp",
            "enddate",
            "createdat",
            "created",
            "responsedate",
            "date",
            "time",
        ),
        ("birth", "dob", "duration"),
    ),
    "nps": (
        ("nps", "netpromoter", "likelytorecommend", "recommend", "howlikely"),
        ("group", "category", "why", "reason", "comment", "text", "explain"),
    ),
    "csat": (
        ("csat", "satisf"),
        ("why", "reason", "comment", "text", "explain"),
    ),
    "ces": (
        (
            "customereffort",
            "effortscore",
            "cesscore",
            "ces",
            "howeasy",
            "madeiteasy",
            "easytohandle",
            "effort",
        ),
        ("why", "reason", "comment", "text", "explain"),
    ),
    "respondent": (
        (
            "email",
            "customerid",
            "userid",
            "clientid",
            "memberid",
            "externalreference",
            "respondent",
            "customer",
            "username",
        ),
        ("respondentid",),
    ),
    "text": (
        (
            "comment",
            "feedback",
            "why",
            "reason",
            "tellus",
            "anythingelse",
            "suggest",
            "improve",
            "openended",
            "remark",
            "verbatim",
            "describe",
            "explain",
            "message",
            "review",
            "opinion",
            "thoughts",
            "text",
        ),
        ("email",),
    ),
    "segment": (
        ("segment", "customertype", "tier", "plan", "membership", "cohort", "loyalty"),
        ("explain", "why"),
    ),
    "location": (
        ("location", "store", "branch", "shop", "outlet", "venue", "site", "city", "region"),
        ("latitude", "longitude", "ipaddress", "url", "website"),
    ),
    "channel": (
        ("channel", "touchpoint", "ordertype", "medium", "source", "via"),
        ("distributionchannel", "collector", "utm"),
    ),
}
PRESET_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "typeform": {"created_at": ("submitdateutc", "submittedat"), "response_id": ("#",)},
    "google_forms": {"created_at": ("timestamp",), "respondent": ("emailaddress", "username")},
    "surveymonkey": {
        "created_at": ("enddate",),
        "response_id": ("respondentid",),
        "respondent": ("emailaddress",),
    },
    "qualtrics": {
        "created_at": ("recordeddate", "enddate"),
        "response_id": ("responseid",),
        "respondent": ("recipientemail", "externalreference"),
    },
}
DESCRIPTIVE_FIELDS = ("segment", "location", "channel")  # never a personal column
REMOVED = "[removed]"  # a personal cell in a rejected row


@dataclass
class _Profile:
    """One column as seen in the first rows."""

    index: int
    name: str
    label: str
    values: list[Any]

    @cached_property
    def texts(self) -> list[str]:
        return [str(value).strip() for value in self.values]

    def share(self, test: Callable[[Any], bool]) -> float:
        return sum(1 for value in self.values if test(value)) / len(self.values) if self.values else 0.0

    @cached_property
    def date_share(self) -> float:
        return self.share(_looks_like_date)

    @cached_property
    def number_share(self) -> float:
        return self.share(lambda value: _score_or_none(value) is not None)

    @cached_property
    def email_share(self) -> float:
        return self.share(lambda value: isinstance(value, str) and bool(EMAIL.fullmatch(value.strip())))

    @cached_property
    def mean_length(self) -> float:
        return sum(len(text) for text in self.texts) / len(self.texts) if self.texts else 0.0

    @cached_property
    def distinct_share(self) -> float:
        return len(set(self.texts)) / len(self.texts) if self.texts else 0.0


WHOLE_NAMES_ONLY = ("ces",)  # besides words of 2 letters or fewer: "ces" is in "services" and "prices"


def _header_rank(label: str, field_name: str) -> int | None:
    words, excluded = HEADER_WORDS[field_name]
    if any(word in label for word in excluded):
        return None
    names = label.split(" ")
    for rank, word in enumerate(words):
        if word in names or (len(word) > 2 and word not in WHOLE_NAMES_ONLY and word in label):
            return rank
    return None


def _fits(profile: _Profile, field_name: str) -> bool:
    """Whether the column's first values fit the field (an empty column fits nothing)."""
    if not profile.values:
        return False
    if field_name == "created_at":
        return profile.share(lambda v: _looks_like_date(v) or isinstance(v, int | float)) >= 0.8
    if field_name == "nps":  # a matching header is strong evidence: half the values suffice
        return profile.share(lambda v: _in_range(v, 0, 10)) >= 0.5
    scale = next((scale for scale in SCALED_FIELDS if scale.field_name == field_name), None)
    if scale is not None:  # a number or one of its labels; the scale itself is judged later (_scale_notes)
        labels = scale.labels
        return profile.share(lambda v: _score_or_none(v, labels) is not None) >= 0.5
    if field_name == "response_id":
        return profile.distinct_share >= 0.95
    if field_name == "text":
        return profile.number_share < 0.5 and profile.date_share < 0.5 and profile.email_share < 0.5
    if field_name in ("segment", "location", "channel"):
        return profile.mean_length <= 80 and profile.email_share < 0.5
    return True


def _in_range(value: Any, low: int, high: int) -> bool:
    score = _score_or_none(value)
    return score is not None and low <= score <= high


def _guess_mapping(
    profiles: list[_Profile], preset: str | None, taken: dict[str, int], personal: set[int]
) -> dict[str, int]:
    """field -> column index for the fields not given, by preset names, then header words, then values.
    A personal column may be the respondent (hashed), never the text or a descriptive field."""
    mapping = dict(taken)
    used = set(mapping.values())
    free = [profile for profile in profiles if profile.index not in used]

    def impersonal() -> list[_Profile]:
        return [profile for profile in free if profile.index not in personal]

    def take(field_name: str, profile: _Profile | None) -> None:
        if profile is not None:
            mapping[field_name] = profile.index
            free.remove(profile)

    for field_name, names in PRESET_COLUMNS.get(preset or "", {}).items():
        if field_name not in mapping:
            by_name = {_norm(profile.name): profile for profile in free}
            take(field_name, next((by_name[name] for name in names if name in by_name), None))
    for field_name in ("response_id", "created_at", "nps", "csat", "ces", "respondent", "text"):
        if field_name not in mapping:
            take(field_name, _best_by_header(impersonal() if field_name == "text" else free, field_name))
    if "created_at" not in mapping:
        take("created_at", _best(free, key=lambda p: p.date_share, threshold=0.9))
    if "respondent" not in mapping:
        take("respondent", _best(free, key=lambda p: p.email_share, threshold=0.8))
    if "text" not in mapping:
        texts = [p for p in impersonal() if _fits(p, "text") and p.mean_length >= 15]
        take("text", _best(texts, key=lambda p: p.mean_length))
    for field_name in DESCRIPTIVE_FIELDS:
        if field_name not in mapping:
            take(field_name, _best_by_header(impersonal(), field_name))
    return mapping


def _best_by_header(profiles: list[_Profile], field_name: str) -> _Profile | None:
    ranked = [
        (rank, -profile.mean_length if field_name == "text" else profile.index, profile)
        for profile in profiles
        if (rank := _header_rank(profile.label, field_name)) is not None and _fits(profile, field_name)
    ]
    return min(ranked, key=lambda item: item[:2])[2] if ranked else None


def _best(
    profiles: Iterable[_Profile],
    key: Callable[[_Profile], float],
    threshold: float = 0.0,
) -> _Profile | None:
    """The profile with the highest `key`, if that reaches `threshold`."""
    best, best_value = None, threshold
    for profile in profiles:
        value = key(profile)
        if value >= best_value and (best is None or value > best_value):
            best, best_value = profile, value
    return best


# --- the plan: mapping, whole-column decisions, conversion --------------------------------------------


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
    _table: _Table = field(repr=False)
    _layout: _Layout = field(repr=False)
    _indexes: dict[str, int] = field(repr=False)
    _zone: tzinfo = field(repr=False)
    _columns: pl.DataFrame | None = field(default=None, repr=False)  # the whole file, for the columnar lane
    _personal: set[int] = field(default_factory=set, repr=False)  # column indexes holding personal data

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

    def convert(self) -> Iterator[FeedbackRecord | Rejected]:
        """Each data row as a record, or as a reject with its line and reason, row by row."""
        converter = _RowConverter(self)
        for line, cells in self.rows():
            yield converter(line, cells)

    def batches(
        self, size: int = BATCH_ROWS
    ) -> Iterator[tuple[list[FeedbackRecord] | pl.DataFrame, list[Rejected]]]:
        """The data rows, `size` at a time, as (records, rejects): the same as `convert`, but records come
        as a feedback frame from the columnar lane when the whole file was read as columns."""
        if self._columns is not None:
            yield from convert_columns(self._columns, _RowConverter(self), size)
            return
        items = self.convert()
        while chunk := list(islice(items, size)):
            records = [item for item in chunk if isinstance(item, FeedbackRecord)]
            yield records, [item for item in chunk if isinstance(item, Rejected)]

    def preview(self, n: int = 10) -> list[dict[str, Any]]:
        """The first `n` data rows as they would be imported: fields, or the reason of the reject."""
        return [_preview_row(item) for item in islice(self.convert(), n)]


def _preview_row(item: FeedbackRecord | Rejected) -> dict[str, Any]:
    if isinstance(item, Rejected):
        return {"line": item.line, "rejected": item.reason, "raw": item.raw}
    return {
        "created_at": item.created_at,
        "nps": item.nps,
        "csat": item.csat,
        "ces": item.ces,
        "text": item.text,
        "segment": item.segment,
        "location": item.location,
        "channel": item.channel,
    }


def detect_mapping(
    source: Source,
    file_name: str | None = None,
    mapping_overrides: Mapping[str, str] | None = None,
    preset: str | None = None,
    dayfirst: bool | None = None,
    timezone: str | None = None,
    sample_rows: int = DETECT_ROWS,
) -> SurveyPlan:
    """A plan from the first `sample_rows` rows only: quick, for a preview before importing."""
    return _plan(source, file_name, mapping_overrides, preset, dayfirst, timezone, sample_rows, False)


def plan_survey_file(
    source: Source,
    file_name: str | None = None,
    mapping_overrides: Mapping[str, str] | None = None,
    preset: str | None = None,
    dayfirst: bool | None = None,
    timezone: str | None = None,
) -> SurveyPlan:
    """A plan checked against the whole file: rows counted, date order and the CSAT and CES scales decided on
    every row."""
    return _plan(source, file_name, mapping_overrides, preset, dayfirst, timezone, DETECT_ROWS, True)


def _plan(
    source: Source,
    file_name: str | None,
    overrides: Mapping[str, str] | None,
    preset: str | None,
    dayfirst: bool | None,
    zone_name: str | None,
    sample_rows: int,
    whole_file: bool,
) -> SurveyPlan:
    if preset is not None and preset not in PRESETS:
        raise InputError(f"There is no preset {preset!r}.", hint=f"Presets: {', '.join(PRESETS)}.")
    zone = _zone(zone_name or _settings_timezone())
    table = _open_table(_input(source, file_name))
    layout = _layout(table, preset)
    given = _resolve_overrides(overrides or {}, layout, table.file_name)
    sample = _sample(table, layout, sample_rows)
    profiles = [
        _Profile(index, name, layout.labels[index], [row[index] for row in sample if index < len(row)])
        for index, name in enumerate(layout.columns)
    ]
    for profile in profiles:
        profile.values = [value for value in profile.values if _filled(value)]
    personal = {p.index for p in profiles if layout.personal[p.index] or p.email_share >= 0.5}
    _refuse_personal_fields(given, personal, layout)
    taken = {k: v for k, v in given.items() if v is not None}
    indexes = _guess_mapping(profiles, layout.preset, taken, personal)
    for field_name, index in given.items():
        if index is None:
            indexes.pop(field_name, None)
    notes = [table.description]
    if layout.preset:
        how = "chosen" if preset else "detected from the headers"
        rows = "1 header row" if layout.header_rows == 1 else f"{layout.header_rows} header rows"
        notes.append(f"Preset {PRESET_LABELS[layout.preset]} ({how}; {rows}).")
    columns = _whole_file_columns(table, layout) if whole_file else None
    date_evidence, scales, data_rows = (
        _scan(table, layout, indexes, sample, whole_file)
        if columns is None
        else _scan_columns(columns, indexes)
    )
    date_column = layout.columns[indexes["created_at"]] if "created_at" in indexes else ""
    decided, note = _decide_dayfirst(date_evidence, dayfirst, date_column, whole_file)
    notes += [note] if note else []
    for scale in SCALED_FIELDS:
        notes += _scale_notes(scale, indexes, scales[scale.field_name], layout, scale.field_name in given)
    notes += _mapping_notes(indexes, layout, zone, profiles)
    left_out = [layout.columns[index] for index in sorted(personal - set(indexes.values()))]
    notes += [_left_out_note(left_out)] if left_out else []
    mapping = {name: layout.columns[indexes[name]] for name in FIELDS if name in indexes}
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
        _columns=columns,
        _personal=personal,
    )


def _settings_timezone() -> str:
    from pulse.settings import build_settings

    return build_settings().timezone


def _sample(table: _Table, layout: _Layout, size: int) -> list[Cells]:
    rows = islice(table.rows(), layout.skip, None)
    filled = (cells for _line, cells in rows if any(_filled(cell) for cell in cells))
    return list(islice(filled, size))


Scales = dict[str, _ScaleEvidence]  # per scaled field (SCALED_FIELDS): the values seen


def _scale_evidence() -> Scales:
    return {scale.field_name: _ScaleEvidence(scale.labels) for scale in SCALED_FIELDS}


def _scan(
    table: _Table, layout: _Layout, indexes: dict[str, int], sample: list[Cells], whole_file: bool
) -> tuple[_DateEvidence, Scales, int | None]:
    """The first pass: date order evidence and the CSAT and CES scales, over the whole file or the sample."""
    dates, scales = _DateEvidence(), _scale_evidence()
    date_index = indexes.get("created_at")
    scale_indexes = [(scales[name], indexes[name]) for name in scales if name in indexes]
    rows: Iterable[Cells] = (cells for _line, cells in islice(table.rows(), layout.skip, None))
    count = 0
    for cells in rows if whole_file else sample:
        count += 1
        width = len(cells)
        if date_index is not None and date_index < width:
            dates.add(cells[date_index])
        for evidence, index in scale_indexes:
            if index < width:
                evidence.add(cells[index])
    return dates, scales, count if whole_file else None


def _whole_file_columns(table: _Table, layout: _Layout) -> pl.DataFrame | None:
    """The data rows as columns, when the file can be read so (a preview never reads the whole file)."""
    first_row = next(islice(table.rows(), layout.skip, None), None)
    return table.columns(layout.skip, first_row[0], len(layout.columns)) if first_row else None


def _scan_columns(columns: pl.DataFrame, indexes: dict[str, int]) -> tuple[_DateEvidence, Scales, int]:
    """`_scan` on the whole file read as columns: each distinct value looked at once, with its count."""
    dates, scales = _DateEvidence(), _scale_evidence()
    if "created_at" in indexes:
        values = columns.select(date=pl.col(f"c{indexes['created_at']}")).filter(
            pl.col("date").is_not_null() & ~pl.col("date").str.contains(r"^\d{4}")  # ISO: no evidence
        )
        for value, count in values.group_by("date", maintain_order=True).len().iter_rows():
            dates.add(value, count)
    for name, evidence in scales.items():
        if name in indexes:
            for value in columns[f"c{indexes[name]}"].drop_nulls().unique():
                evidence.add(value)
    return dates, scales, columns.height


def _scale_notes(
    scale: ScoreScale, indexes: dict[str, int], evidence: _ScaleEvidence, layout: _Layout, given: bool
) -> list[str]:
    """What was done with a score column on another scale than Pulse's: with `--map` it is used as it is
    (never rescaled); otherwise it is left out of the mapping (and kept in the raw data)."""
    seen_scale = evidence.scale(scale.span)
    if scale.field_name not in indexes or seen_scale == scale.span:
        return []
    column = layout.columns[indexes[scale.field_name]]
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
    indexes: dict[str, int], layout: _Layout, zone: tzinfo, profiles: list[_Profile]
) -> list[str]:
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
        what = "emails" if column.email_share >= 0.5 or "email" in column.label else "respondent ids"
        notes.append(f"Column '{column.name}' holds {what}: stored only as a SHA-256 hash.")
    return notes


def _refuse_personal_fields(given: dict[str, int | None], personal: set[int], layout: _Layout) -> None:
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


def _resolve_overrides(
    overrides: Mapping[str, str], layout: _Layout, file_name: str
) -> dict[str, int | None]:
    """field -> column index (None: leave the field unmapped) from the user's `field=column` pairs."""
    resolved: dict[str, int | None] = {}
    for raw_field, column in overrides.items():
        field_name = FIELD_ALIASES.get(raw_field.strip().casefold(), raw_field.strip().casefold())
        if field_name not in FIELDS:
            raise InputError(f"There is no field {raw_field!r} to map.", hint=f"Fields: {FIELD_HELP}.")
        if column.strip().casefold() in ("", "-", "none"):
            resolved[field_name] = None
            continue
        resolved[field_name] = _find_column(column, layout, file_name)
    return resolved


def _find_column(column: str, layout: _Layout, file_name: str) -> int:
    if column in layout.columns:
        return layout.columns.index(column)
    wanted = _norm(column)
    for index, name in enumerate(layout.columns):
        if _norm(name) == wanted or (wanted and wanted in layout.labels[index].split(" ")):
            return index
    shown = ", ".join(repr(name) for name in layout.columns[:40])
    raise InputError(f"{file_name} has no column {column!r}.", hint=f"Its columns: {shown}.")


class _RowConverter:
    """Turns one data row into a FeedbackRecord, or a Rejected with the reason. Rows are padded to the
    header's width plus one empty cell, where unmapped fields point, so each field is one index away."""

    def __init__(self, plan: SurveyPlan) -> None:
        layout, indexes = plan._layout, plan._indexes
        self.file_name = plan.file_name
        self.form = plan._table.form
        self.delimiter = plan._table.delimiter
        self.columns = layout.columns
        self.width = len(layout.columns)
        self.padded = self.width + 1
        empty = self.width  # the padding cell, always None
        self.has_date = "created_at" in indexes
        self.date = indexes.get("created_at", empty)
        self.dayfirst = plan.dayfirst
        self.zone = (layout.zones[self.date] if self.has_date else None) or plan._zone
        self.nps, self.csat = indexes.get("nps", empty), indexes.get("csat", empty)
        self.ces = indexes.get("ces", empty)
        self.text = indexes.get("text", empty)
        self.response_id = indexes.get("response_id", empty)
        self.respondent = indexes.get("respondent", empty)
        self.segment, self.location = indexes.get("segment", empty), indexes.get("location", empty)
        self.channel = indexes.get("channel", empty)
        mapped = set(indexes.values())
        self.raw_columns = [
            (index, name)
            for index, name in enumerate(layout.columns)
            if index not in mapped and index not in plan._personal
        ]
        self.hidden = plan._personal | ({indexes["respondent"]} if "respondent" in indexes else set())

    def __call__(self, line: int, cells: Cells) -> FeedbackRecord | Rejected:
        try:
            return self.record(cells)
        except ValueError as error:
            respondent = cells[self.respondent] if self.respondent < len(cells) else None
            return Rejected(
                origin=self.file_name,
                reason=str(error),
                raw=self.row_text(cells),
                line=line,
                author_hash=self.author_hash(respondent),
            )

    def record(self, cells: Cells) -> FeedbackRecord:
        if len(cells) == self.width:
            cells.append(None)  # rows are fresh lists from the reader: padding in place is safe
        else:
            cells = self.pad(cells)
        if _is_empty_row(cells):
            raise ValueError("empty row")
        if not self.has_date:
            raise ValueError("no date column")
        created_at = self.created_at(cells[self.date])
        nps = self.nps_score(cells[self.nps])
        csat = self.csat_score(cells[self.csat])
        ces = self.ces_score(cells[self.ces])
        text = _text(cells[self.text])
        if nps is None and csat is None and ces is None and text is None:
            raise ValueError("no score and no comment")
        return FeedbackRecord(
            external_id=self.external_id(cells, created_at),
            kind="survey",
            created_at=created_at,
            text=text,
            nps=nps,
            csat=csat,
            ces=ces,
            author_hash=self.author_hash(cells[self.respondent]),
            location=_short(cells[self.location], "location"),
            channel=_short(cells[self.channel], "channel"),
            segment=_short(cells[self.segment], "segment"),
            raw=self.raw(cells),
        )

    def created_at(self, value: Any) -> datetime:
        return parse_moment(value, self.zone, self.dayfirst)

    def nps_score(self, value: Any) -> int | None:
        return parse_score(value, "nps", 0, 10)

    def csat_score(self, value: Any) -> int | None:
        return CSAT_SCALE.parse(value)

    def ces_score(self, value: Any) -> int | None:
        return CES_SCALE.parse(value)

    def author_hash(self, value: Any) -> str | None:
        return _hash(value)

    def pad(self, cells: Cells) -> Cells:
        if len(cells) > self.width and not _is_empty_row(cells[self.width :]):
            raise ValueError(f"the row has {len(_trimmed(cells))} cells but the header {self.width} columns")
        return [*cells[: self.width], *[None] * (self.padded - min(len(cells), self.width))]

    def external_id(self, cells: Cells, created_at: datetime) -> str:
        response_id = _text(cells[self.response_id])
        if response_id:
            key = response_key(response_id, created_at)
            if len(key) <= MAX_EXTERNAL_ID:
                return key
        content = "\x1f".join(_plain(cell).strip() for cell in _trimmed(cells))
        return "sha256:" + hashlib.sha256(content.encode("utf-8")).hexdigest()

    def raw(self, cells: Cells) -> dict[str, Any] | None:
        raw = {name: _raw_value(cells[index]) for index, name in self.raw_columns if _filled(cells[index])}
        return raw or None

    def row_text(self, cells: Cells) -> str:
        """A rejected row as read, without its personal cells (the respondent's included) and with emails
        masked: a CSV line (personal cells as [removed]), or a JSON object without the personal keys."""
        if self.form == "json":
            pairs = zip(self.columns, cells, strict=False)
            text = json.dumps(
                {
                    name: _raw_value(value)
                    for index, (name, value) in enumerate(pairs)
                    if value is not None and index not in self.hidden
                }
            )
        else:
            buffer = io.StringIO()
            writer = csv.writer(buffer, delimiter=self.delimiter, lineterminator="")
            writer.writerow(
                [
                    REMOVED if index in self.hidden and _filled(cell) else _plain(cell)
                    for index, cell in enumerate(_trimmed(cells))
                ]
            )
            text = buffer.getvalue()
        return mask_emails(text)[:MAX_RAW_CHARS]


def _is_empty_row(cells: Cells) -> bool:
    return not any(cell.strip() if type(cell) is str else cell is not None for cell in cells)


def _trimmed(cells: Cells) -> Cells:
    end = len(cells)
    while end and not _filled(cells[end - 1]):
        end -= 1
    return cells[:end]


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _clean(text: str) -> str:
    """Text the store accepts: no NUL characters, no lone surrogates."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _text(value: Any) -> str | None:
    if type(value) is str:  # the common case, kept fast
        value = value.strip()
        return (value if "\x00" not in value else value.replace("\x00", "")) or None
    if not _filled(value):
        return None
    return _clean(_plain(value).strip())


def _short(value: Any, name: str) -> str | None:
    text = _text(value)
    return text[: FIELD_LIMITS[name]] if text else None


def _hash(value: Any) -> str | None:
    text = _text(value)
    return hash_author(text.casefold()) if text else None  # emails compare case-insensitively


def _raw_value(value: Any) -> Any:
    if isinstance(value, bool | int) or (isinstance(value, float) and math.isfinite(value)):
        return value
    text = value if type(value) is str else _plain(value)
    if "\x00" in text:
        text = text.replace("\x00", "")
    return mask_emails(text)


# --- reading a whole file -----------------------------------------------------------------------------


@dataclass
class SurveyImport:
    """Everything read from one survey file."""

    file_name: str
    preset: str | None
    columns: list[str]
    mapping: dict[str, str]
    notes: list[str]
    dayfirst: bool | None
    records: list[FeedbackRecord]
    rejects: list[Rejected]
    left_out: list[str] = field(default_factory=list)  # personal columns, stored nowhere

    def preview(self, n: int = 10) -> list[dict[str, Any]]:
        """The first `n` imported records as plain dicts."""
        return [_preview_row(record) for record in self.records[:n]]


def read_table(source: Source, file_name: str | None = None) -> pl.DataFrame:
    """Any export this module reads (CSV in any common encoding and delimiter, XLSX, JSON) as a frame of all
    its columns, every value as text (null when empty), under the header that the importer finds. Blank rows
    are left out; cells beyond the header get columns of their own ("Column 7"), so nothing is lost."""
    table = _open_table(_input(source, file_name))
    layout = _layout(table, None)
    rows = [
        [_cell_text(cell) for cell in cells]
        for _line, cells in islice(table.rows(), layout.skip, None)
        if any(_filled(cell) for cell in cells)
    ]
    width = max([len(layout.columns), *map(len, rows)])
    names = _unique(
        [*layout.columns, *(f"Column {index + 1}" for index in range(len(layout.columns), width))]
    )
    padded = [row + [None] * (width - len(row)) for row in rows]
    return pl.DataFrame(padded, schema=dict.fromkeys(names, pl.String), orient="row")


def _cell_text(cell: Any) -> str | None:
    if cell is None or cell == "":
        return None
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime | date | time):
        return cell.isoformat()
    return cell if isinstance(cell, str) else json.dumps(cell) if isinstance(cell, dict | list) else str(cell)


def read_survey_file(
    source: Source,
    file_name: str | None = None,
    mapping_overrides: Mapping[str, str] | None = None,
    preset: str | None = None,
    dayfirst: bool | None = None,
    timezone: str | None = None,
) -> SurveyImport:
    """Read a survey export (a path, or the bytes of an upload with its `file_name`) into records and
    rejects. Raises InputError when the file cannot be used at all."""
    plan = plan_survey_file(source, file_name, mapping_overrides, preset, dayfirst, timezone)
    records: list[FeedbackRecord] = []
    rejects: list[Rejected] = []
    for batch, batch_rejects in plan.batches():
        records += frame_to_records(batch) if isinstance(batch, pl.DataFrame) else batch
        rejects += batch_rejects
    return SurveyImport(
        file_name=plan.file_name,
        preset=plan.preset,
        columns=plan.columns,
        mapping=plan.mapping,
        notes=plan.notes,
        dayfirst=plan.dayfirst,
        records=records,
        rejects=rejects,
        left_out=plan.left_out,
    )


def parse_map_options(pairs: Sequence[str]) -> dict[str, str]:
    """`field=column` pairs (the CLI's --map) as a dict."""
    mapping = {}
    for pair in pairs:
        name, separator, column = pair.partition("=")
        if not separator or not name.strip():
            raise InputError(
                f"--map {pair!r} is not field=column.", hint=f"e.g. --map nps=Q1. Fields: {FIELD_HELP}."
            )
        mapping[name.strip()] = column.strip()
    return mapping


def read_mapping_file(path: Path) -> dict[str, str]:
    """A {field: column} mapping from a JSON or TOML file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        loaded = json.loads(text) if path.suffix.casefold() == ".json" else tomllib.loads(text)
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise InputError(
            f"The mapping file {path} cannot be read ({error}).",
            hint='Write it as JSON {"nps": "Q1", "text": "Q2"} or TOML nps = "Q1".',
        ) from error
    if not isinstance(loaded, dict) or not all(isinstance(value, str) for value in loaded.values()):
        raise InputError(
            f"The mapping file {path} is not a table of field = column names.",
            hint='Write it as JSON {"nps": "Q1", "text": "Q2"} or TOML nps = "Q1".',
        )
    return {str(key): value for key, value in loaded.items()}


# --- the collector ------------------------------------------------------------------------------------


@dataclass
class SurveyFileCollector:
    """A survey export file as a Collector. `plan` (computed on first use) reads the file once to decide
    the mapping; `collect` streams the rows to the store in batches. The first rejects are kept for a report.
    The source is named after the file unless given (or chosen by collectors.survey_sources, which recognises
    the survey: `store_in`). Rows whose response id is stored in the source under a differently written time
    count as already there (collectors.survey_keys)."""

    path: Path
    source_name: str | None = None
    mapping_overrides: Mapping[str, str] | None = None
    preset: str | None = None
    dayfirst: bool | None = None
    timezone: str | None = None
    batch_rows: int = BATCH_ROWS
    keep_rejects: int = 20
    identities: tuple[str, ...] = ()  # what identifies the survey, remembered by its source
    columns: tuple[str, ...] = ()
    name: str = field(init=False, default="")
    first_rejects: list[Rejected] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        self.store_in(self.source_name or f"Survey: {self.path.name}", self.identities, self.columns)

    def store_in(self, source_name: str, identities: Sequence[str] = (), columns: Sequence[str] = ()) -> None:
        """Store the rows in the source `source_name`, which remembers these identities of the survey."""
        self.source_name, self.identities, self.columns = source_name, tuple(identities), tuple(columns)
        self.name = f"survey-file:{source_name}"

    @cached_property
    def plan(self) -> SurveyPlan:
        return plan_survey_file(
            self.path, None, self.mapping_overrides, self.preset, self.dayfirst, self.timezone
        )

    @property
    def source(self) -> SourceSpec:
        return SourceSpec(str(self.source_name), "survey", self.plan.platform, self.identities, self.columns)

    def collect(self, context: CollectContext) -> Iterator[SourceBatch]:
        source = self.source
        stored = StoredResponses(context.stored_ids(source) if "response_id" in self.plan.mapping else [])
        batches = (
            (context.prepare(stored.align(records)), rejects)
            for records, rejects in self.plan.batches(self.batch_rows)
        )
        for records, rejects in prefetched(batches):  # converted and prepared in the background
            room = self.keep_rejects - len(self.first_rejects)
            self.first_rejects += rejects[: max(room, 0)]
            yield SourceBatch(source, records, rejects)
