"""One reader for every import: a file (a path, or the bytes of an upload) as rows of cells with their lines.
CSV in any common encoding and delimiter, XLSX (the first worksheet), JSON (a list of records)."""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import polars as pl

from pulse.errors import InputError

MAX_FILE_BYTES = 500 * 1024 * 1024  # refused before reading
MAX_JSON_BYTES = 100 * 1024 * 1024  # JSON is parsed whole, so its limit is lower
SNIFF_BYTES = 64 * 1024
CHUNK_BYTES = 16 * 2**20

Cells = list[Any]
Row = tuple[int, Cells]  # (line, cells): physical line in a CSV, row number in XLSX, index in JSON
Source = Path | str | bytes


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


def _clean(text: str) -> str:
    """Text the store accepts: no NUL characters, no lone surrogates."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def read_csv_columns(
    source: Path | bytes, delimiter: str, header_rows: int, first_line: int, width: int
) -> pl.DataFrame | None:
    """The data rows as string columns c0, c1... (None for an empty cell) and `line`, the physical line
    where each row starts; None when the file should be read row by row instead."""
    lines = _physical_lines(source)
    if lines is None:
        return None
    try:
        frame = pl.read_csv(
            source,
            has_header=False,
            separator=delimiter,
            skip_rows=header_rows,
            schema={f"c{index}": pl.String for index in range(width)},
        )
    except (pl.exceptions.PolarsError, UnicodeDecodeError):
        return None
    if frame.height == 0:
        return None
    newlines = pl.sum_horizontal(pl.col(frame.columns).str.count_matches("\n", literal=True).fill_null(0))
    frame = frame.with_columns(extra=newlines).with_columns(
        line=first_line + pl.int_range(pl.len()) + pl.col("extra").cum_sum() - pl.col("extra")
    )
    last = frame.select(pl.col("line").last() + pl.col("extra").last()).item()
    return frame.drop("extra") if last == lines else None


def _physical_lines(source: Path | bytes) -> int | None:
    """Lines as Python's csv module counts them, or None for a file with bare CR line ends."""
    newlines = returns = crlf = 0
    previous_end, last = b"", b""
    for chunk in _chunks(source):
        newlines += chunk.count(b"\n")
        chunk_returns = chunk.count(b"\r")
        returns += chunk_returns
        if chunk_returns or previous_end == b"\r":
            crlf += chunk.count(b"\r\n") + (previous_end == b"\r" and chunk[:1] == b"\n")
        previous_end = last = chunk[-1:]
    if returns != crlf:
        return None
    return newlines + (last not in (b"\n", b""))


def _chunks(source: Path | bytes) -> Iterator[bytes]:
    if isinstance(source, bytes):
        yield source
        return
    with source.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk
