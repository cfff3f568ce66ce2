"""One reader for every import (survey exports, review exports, `pulse score`'s tables): a file, given as a path
or as the bytes of an upload, as rows of cells with their lines.

- CSV in any common encoding (a BOM; else UTF-8, checked over the whole file; else the code page that
  charset-normalizer finds, Windows-1252 first among equals) and delimiter (, ; tab or |: the one that splits the
  header and the first rows alike). A row's line is the physical line where it starts.
- XLSX: the first worksheet, cells with their types (numbers, datetimes). A row's line is its row number.
- JSON: a list of records, an object that holds one ("items", "responses", "reviews", "data", "results",
  "records"), a single object, or JSON Lines (one record per line). A record's line is where it starts in the
  file; nested objects are flattened with dots (`flatten`). A JSON line that is not JSON is `unreadable`, for
  the importer to reject with its line. JSON is read as a stream (collectors.json_stream): checked and its
  columns gathered once when the file is opened, its records read again as often as asked.

Every form is read as a stream, in memory that does not grow with the file, and a file is opened once
(collectors.file_input). Whole-file problems (too big, empty, binary, broken) raise InputError, saying what to do.
collectors.columns turns the rows into the frames importers convert (and reads a plain UTF-8 CSV as columns with
polars, several times faster, for large exports).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from collectors.file_input import SNIFF_BYTES, FileInput, Source, file_input
from collectors.json_stream import (
    MAX_JSON_DEPTH,
    TOO_DEEP,
    Entry,
    JsonRecord,
    NotJson,
    Shape,
    TooDeep,
    Unreadable,
    entries,
    scan,
    text_chunks,
)
from pulse.errors import InputError

if TYPE_CHECKING:
    from collectors.columns import CsvColumns, FrameCheck

JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
CSV_FIELD_CHARS = 16 * 2**20  # a cell longer than this (a stray quote swallowing the file) stops the reading
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")

Cells = list[Any]
Row = tuple[int, Cells]  # (line, cells): see the module's docstring for what a line is
T = TypeVar("T")
__all__ = [
    "MAX_JSON_DEPTH",
    "FileInput",
    "JsonRecord",
    "Source",
    "Unreadable",
    "file_input",
]  # read through here


class RowReader(Protocol):
    """Every row of a file with its line, as often as called. JSON Lines' lines that hold no JSON are not
    rows: they are appended to `skipped` (when given) as they are passed."""

    def __call__(self, skipped: list[Unreadable] | None = None) -> Iterator[Row]: ...


class Replayed(Generic[T]):
    """Items read again from the file each time they are iterated, their number known beforehand."""

    def __init__(self, items: Callable[[], Iterator[T]] | None = None, count: int = 0) -> None:
        self._items = items
        self._count = count

    def __iter__(self) -> Iterator[T]:
        return self._items() if self._items is not None else iter(())

    def __len__(self) -> int:
        return self._count


@dataclass
class Table:
    """A file as read: its rows (header rows included), how it was read, and for JSON its records."""

    file_name: str
    form: str  # csv, xlsx or json
    description: str  # how the file was read, in a sentence for the person importing
    rows: RowReader  # every row with its line, as often as asked
    encoding: str | None = None  # of a text file
    delimiter: str = ","
    records: Replayed[JsonRecord] = field(default_factory=Replayed)  # JSON
    unreadable: Replayed[Unreadable] = field(default_factory=Replayed)  # JSON Lines that are no JSON
    entries: Replayed[Entry] = field(default_factory=Replayed)  # JSON: both, in the file's order
    object_columns: list[str] = field(default_factory=list)  # JSON: the keys of the records that are objects
    one_object: bool = False  # JSON: a single object, not a list of records
    json_lines: bool = False  # JSON Lines: a row's line is its line, not its index
    source: FileInput | None = field(default=None, repr=False)

    @property
    def reads_as_columns(self) -> bool:
        """Whether polars may read the rows as columns (`csv_columns`): a UTF-8 CSV."""
        return self.form == "csv" and self.encoding in ("utf-8", "utf-8-sig") and self.source is not None

    def csv_columns(self, first_line: int, width: int, check: FrameCheck | None = None) -> CsvColumns | None:
        """The data rows of a UTF-8 CSV read as string columns by polars, a chunk at a time
        (`read_csv_columns`, which reads the whole file once to check it, showing each chunk to `check`);
        None for any other file, or one that polars might read differently from the rows."""
        if not self.reads_as_columns or self.source is None:
            return None
        from collectors.columns import read_csv_columns  # polars' reading beside the rows: collectors.columns

        return read_csv_columns(self.source, self.delimiter, first_line, width, check)


def read_file(
    source: Source,
    file_name: str | None = None,
    what: str = "file",
    refuse_controls: bool = True,
    sheet: str | None = None,
) -> Table:
    """A file (a path, or the bytes of an upload with its `file_name`) as a Table. `what` names what it holds
    ("survey", "reviews"), for the hints of errors. A text file with many control characters is refused as
    binary unless `refuse_controls` is False (its rows are then read, for the importer to reject). `sheet`
    names the worksheet of an Excel workbook to read (default: the one that holds the data)."""
    data = file_input(source, file_name, what)
    head = data.head()
    suffix = Path(data.file_name).suffix.casefold()
    if head.startswith(b"PK\x03\x04"):
        return _xlsx_table(data, sheet)
    if sheet is not None:
        raise InputError(
            f"{data.file_name} is not an Excel workbook, so it has no worksheet {sheet!r}.",
            hint="Leave out --sheet: it is for .xlsx files.",
        )
    if suffix == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(
            f"{data.file_name} is an old Excel (.xls) workbook, which Pulse cannot read.",
            hint="Open it in Excel or LibreOffice and save it as .xlsx or CSV.",
        )
    if suffix in (".xlsx", ".xlsm"):
        raise InputError(
            f"{data.file_name} is not a valid Excel workbook.", hint="Export it again as .xlsx or CSV."
        )
    if suffix in JSON_SUFFIXES or (suffix not in TEXT_SUFFIXES and _looks_like_json(head)):
        return _json_table(data, head, what)
    return _csv_table(data, head, what, refuse_controls)


def _looks_like_json(head: bytes) -> bool:
    return head.lstrip(codecs.BOM_UTF8 + b" \t\r\n")[:1] in (b"[", b"{")


def _not_text(name: str, why: str, what: str, form: str = "CSV") -> InputError:
    return InputError(
        f"{name} does not look like a text {form} file ({why}).",
        hint=f"Export the {what} as CSV (UTF-8 if you can choose), XLSX or JSON and import that file.",
    )


# --- text: encoding and delimiter ---------------------------------------------------------------------


def _detect_encoding(data: FileInput, head: bytes, what: str) -> tuple[str, str | None]:
    """BOM first, then UTF-8 (checked over the whole file), then charset-normalizer (preferring cp1252 among
    the code pages that fit equally well), weighed against Mac Roman (`_weigh_mac_roman`). With the encoding,
    a sentence when it is uncertain (None when it is not)."""
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32", None
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", None
    if head.count(0) > max(1, len(head) // 200):  # a stray NUL is tolerated (and dropped); many: binary
        return _bomless_utf16(data.file_name, head, what), None
    failure = _first_utf8_failure(data)
    if failure is None:
        return "utf-8", None
    from charset_normalizer import from_bytes

    with data.opener() as handle:
        handle.seek(max(0, failure - SNIFF_BYTES // 2))
        window = handle.read(SNIFF_BYTES)
    sample = head + b"\n" + window
    matches = from_bytes(sample)
    best = matches.best()
    if best is None:
        raise _not_text(data.file_name, "its bytes are not text in any common encoding", what)
    # a short sample fits many code pages equally well; Windows-1252 is by far the commonest of them, and
    # where no language is recognised at all (a few accented words), it is the likeliest reading
    if any(match.chaos <= best.chaos and "cp1252" in match.could_be_from_charset for match in matches):
        return _weigh_mac_roman("cp1252", sample)
    if not best.coherence and _decodes(window, "cp1252"):
        return _weigh_mac_roman("cp1252", sample)
    return _weigh_mac_roman(str(best.encoding), sample)


def _weigh_mac_roman(encoding: str, sample: bytes) -> tuple[str, str | None]:
    """`encoding` or Mac Roman (collectors.code_pages), with a sentence when the choice is uncertain."""
    from collectors.code_pages import weigh_mac_roman

    encoding, uncertain = weigh_mac_roman(encoding, sample)
    if not uncertain:
        return encoding, None
    return encoding, (
        f"The encoding is uncertain: read as {encoding_name(encoding)}. If accents or symbols such as € look "
        "wrong, save the file as CSV UTF-8 and import it again."
    )


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _bomless_utf16(name: str, head: bytes, what: str) -> str:
    even = head[0::2].count(0) / max(1, len(head[0::2]))
    odd = head[1::2].count(0) / max(1, len(head[1::2]))
    encoding = "utf-16-le" if odd > 0.9 > even else "utf-16-be" if even > 0.9 > odd else None
    if encoding is None:
        raise _not_text(name, "it holds NUL bytes, as binary files do", what)
    return encoding


def _first_utf8_failure(data: FileInput) -> int | None:
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


def _errors(encoding: str) -> str:
    """How undecodable bytes are met: an error in a file read as UTF (it said so), replaced in a code page."""
    return "strict" if encoding.startswith("utf") else "replace"


def _sample_text(data: FileInput, encoding: str, what: str, refuse_controls: bool) -> str:
    with data.opener() as handle:
        text = io.TextIOWrapper(handle, encoding=encoding, errors="replace", newline="").read(SNIFF_BYTES)
    controls = sum(1 for char in text if char < " " and char not in "\t\r\n")
    if (
        refuse_controls and controls > 8 + len(text) // 50
    ):  # binary decoded as text: about one character in nine
        raise _not_text(data.file_name, "it holds control characters, as binary files do", what)
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


def encoding_name(encoding: str) -> str:
    names = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (with BOM)", "utf-16": "UTF-16", "mac_roman": "Mac Roman"}
    return names.get(encoding, encoding)


DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "pipes"}


_SEP_LINE = re.compile(r'"?sep=(?P<delimiter>[^\r\n"])"?[ \t]*(?:\r\n|\r|\n|$)', re.IGNORECASE)


def _csv_table(data: FileInput, head: bytes, what: str, refuse_controls: bool) -> Table:
    encoding, doubt = _detect_encoding(data, head, what)
    sample = _sample_text(data, encoding, what, refuse_controls)
    sep_line = _SEP_LINE.match(sample.removeprefix("\ufeff"))  # Excel's "sep=;": the delimiter, then the rows
    if sep_line is not None:
        delimiter = sep_line["delimiter"]
        how = f"{DELIMITER_NAMES.get(delimiter, repr(delimiter))}, as its first line (sep={delimiter}) says"
    else:
        delimiter = _sniff_delimiter(sample, truncated=data.size > SNIFF_BYTES)
        how = DELIMITER_NAMES[delimiter]
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_CHARS))  # 131,072 characters by default

    def rows(skipped: list[Unreadable] | None = None) -> Iterator[Row]:
        with data.opener() as handle:
            text = io.TextIOWrapper(handle, encoding=encoding, errors=_errors(encoding), newline="")
            reader = csv.reader(text, delimiter=delimiter, strict=False)
            line = 1
            try:
                if sep_line is not None:
                    next(reader, None)
                    line = reader.line_num + 1
                for cells in reader:
                    yield line, cells
                    line = reader.line_num + 1
            except (csv.Error, UnicodeDecodeError) as error:
                raise InputError(
                    f"{data.file_name} cannot be read as CSV after line {line}: {error}.",
                    hint="Open the file in a spreadsheet and export it as CSV again.",
                ) from error

    description = f"Read as {encoding_name(encoding)} CSV separated by {how}." + (
        f" {doubt}" if doubt else ""
    )
    return Table(
        data.file_name,
        "csv",
        description,
        rows,
        encoding,
        delimiter,
        source=data,
    )


# --- XLSX ---------------------------------------------------------------------------------------------


def _xlsx_table(data: FileInput, wanted: str | None) -> Table:
    """The worksheet named `wanted`, else the one that holds the data (collectors.headers.data_sheet: a cover
    or notes sheet before it is passed over)."""
    from collectors.headers import data_sheet  # where the table is: collectors.headers

    def sheets(workbook: Any) -> tuple[list[str], str | None]:
        names = list(workbook.sheetnames)
        return names, data_sheet(workbook) if wanted is None and len(names) > 1 else None

    names, found = _xlsx_read(data, sheets)
    if wanted is not None:
        name = next((n for n in names if n == wanted), None) or next(
            (n for n in names if n.strip().casefold() == wanted.strip().casefold()), None
        )
        if name is None:
            shown = ", ".join(repr(n) for n in names)
            raise InputError(
                f"{data.file_name} has no worksheet {wanted!r}.", hint=f"Its worksheets: {shown}."
            )
        description = f"Read the worksheet {name!r} of an Excel workbook, as asked."
    elif found is not None:
        name = found
        others = ", ".join(repr(n) for n in names if n != name)
        description = (
            f"Read the worksheet {name!r} of an Excel workbook, the one with the most rows of data "
            f"(also there: {others}; choose another with --sheet NAME)."
        )
    else:
        name = names[0] if names else ""
        description = "Read the first worksheet of an Excel workbook."

    def rows(skipped: list[Unreadable] | None = None) -> Iterator[Row]:
        workbook = None
        try:
            with data.opener() as handle:
                workbook = _load_workbook(handle)
                sheet = workbook[name] if name else workbook.worksheets[0]
                start = sheet.min_row or 1
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=start):
                    yield number, list(values)
        except InputError:
            raise
        except Exception as error:  # openpyxl raises many kinds for a broken workbook
            raise _broken_workbook(data, error) from error
        finally:
            if workbook is not None:
                workbook.close()

    return Table(data.file_name, "xlsx", description, rows, source=data)


def _load_workbook(handle: IO[bytes]) -> Any:
    from openpyxl import load_workbook

    return load_workbook(handle, read_only=True, data_only=True)


def _xlsx_read(data: FileInput, read: Callable[[Any], Any]) -> Any:
    """What `read` finds in the workbook, opened read-only; InputError for a broken workbook."""
    try:
        with data.opener() as handle:
            workbook = _load_workbook(handle)
            try:
                return read(workbook)
            finally:
                workbook.close()
    except Exception as error:  # openpyxl raises many kinds for a broken workbook
        raise _broken_workbook(data, error) from error


def _broken_workbook(data: FileInput, error: Exception) -> InputError:
    return InputError(
        f"{data.file_name} cannot be read as an Excel workbook ({type(error).__name__}: {error}).",
        hint="Open it in Excel or LibreOffice and save it again as .xlsx, or export CSV.",
    )


# --- JSON ---------------------------------------------------------------------------------------------


def _json_table(data: FileInput, head: bytes, what: str) -> Table:
    encoding = _detect_encoding(data, head, what)[0] if not head.startswith(codecs.BOM_UTF8) else "utf-8-sig"

    def undecodable(reason: str, offset: int) -> InputError:
        return _not_text(data.file_name, f"{reason} at byte {offset}", what, "JSON")

    def chunks() -> Iterator[str]:
        return text_chunks(data.opener, encoding, _errors(encoding), undecodable)

    def scanned(by_lines: bool) -> tuple[Shape, _Seen]:
        seen = _Seen()
        where = "line" if by_lines else "index"
        return scan(
            chunks(), by_lines, lambda member, entry: seen.visit(member, _shallow(entry, where))
        ), seen

    by_lines = Path(data.file_name).suffix.casefold() in (".jsonl", ".ndjson")
    try:
        shape, seen = scanned(by_lines)
        if shape.form == "lines" and not by_lines:  # values one after another: JSON Lines named .json
            by_lines = True
            shape, seen = scanned(by_lines)
        if shape.form == "object":  # a single object: its one record, to gather its keys
            for entry in entries(chunks(), shape):
                seen.visit(-1, _shallow(entry, "index"))
    except TooDeep:
        raise _too_deep(data.file_name, what) from None
    except NotJson as error:
        raise InputError(
            f"{data.file_name} is not valid JSON: {error.message} at line {error.line}, column {error.column}.",
            hint=f"Export the {what} again; a file cut short or edited by hand often breaks JSON.",
        ) from None
    if shape.form not in ("list", "member", "object", "lines"):
        raise InputError(
            f"{data.file_name} holds JSON but not a list of records.",
            hint='Pulse reads a JSON list of records, an object with an "items", "responses", "reviews" or '
            '"data" list, or JSON Lines.',
        )
    found = seen.of(shape.member)
    kind = "JSON Lines" if by_lines else "JSON"
    where = "line" if by_lines else "index"
    columns = list(found.columns)

    def read_entries() -> Iterator[Entry]:
        return (_shallow(entry, where) for entry in entries(chunks(), shape))

    def records() -> Iterator[JsonRecord]:
        return (entry for entry in read_entries() if isinstance(entry, JsonRecord))

    def unreadable() -> Iterator[Unreadable]:
        return (entry for entry in read_entries() if isinstance(entry, Unreadable))

    def rows(skipped: list[Unreadable] | None = None) -> Iterator[Row]:
        """A header of every key of the flattened records, then each record's cells, at its line in JSON
        Lines and at its index (from 0) in a JSON list."""
        yield -1, list(columns)
        for entry in read_entries():
            if isinstance(entry, Unreadable):
                if skipped is not None:
                    skipped.append(entry)
                continue
            item = flatten(entry.value)
            yield getattr(entry, where), [item.get(column) for column in columns]

    return Table(
        data.file_name,
        "json",
        f"Read {found.records} records of {kind}.",
        rows,
        encoding,
        records=Replayed(records, found.records),
        unreadable=Replayed(unreadable, found.unreadable),
        entries=Replayed(read_entries, found.records + found.unreadable),
        object_columns=list(found.object_columns),
        one_object=shape.form == "object",
        json_lines=by_lines,
        source=data,
    )


def _shallow(entry: Entry, where: str) -> Entry:
    """The entry, or a record nested more than MAX_JSON_DEPTH levels deep as unreadable: rejected with its line
    (its index in a JSON list, as `where` says), shown by its start."""
    if not isinstance(entry, JsonRecord) or not _depth_over(entry.value, MAX_JSON_DEPTH):
        return entry
    return Unreadable(getattr(entry, where), TOO_DEEP, json.dumps(entry.value, ensure_ascii=False)[:200])


def _depth_over(value: Any, limit: int) -> bool:
    """Whether `value` nests lists and objects more than `limit` levels deep (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict | list):
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _too_deep(name: str, what: str) -> InputError:
    return InputError(
        f"{name} holds JSON nested more deeply than Pulse reads (a record may nest {MAX_JSON_DEPTH} levels).",
        hint=f"Export the {what} again as CSV or as a plain JSON list of records.",
    )


@dataclass
class _Found:
    """What the scan saw of one list of records: how many records and unreadable lines, and their keys."""

    records: int = 0
    unreadable: int = 0
    columns: dict[str, None] = field(default_factory=dict)  # every record's flattened keys, in order seen
    object_columns: dict[str, None] = field(default_factory=dict)  # those of the records that are objects


class _Seen:
    """The scan's findings for each list it passed (the document's, or each member's of the top object)."""

    def __init__(self) -> None:
        self._lists: dict[int, _Found] = {}

    def of(self, member: int) -> _Found:
        return self._lists.setdefault(member, _Found())

    def visit(self, member: int, entry: Entry) -> None:
        found = self.of(member)
        if isinstance(entry, Unreadable):
            found.unreadable += 1
            return
        found.records += 1
        keys = flatten(entry.value).keys()
        found.columns.update(dict.fromkeys(keys))
        if isinstance(entry.value, dict):
            found.object_columns.update(dict.fromkeys(keys))


def flatten(item: Any, prefix: str = "") -> dict[str, Any]:
    """A JSON record as one level of cells: {"reviewer": {"name": "A"}} -> {"reviewer.name": "A"}. Lists stay
    as they are; text is cleaned for the store (`clean`); a value that is not an object becomes {"value": it}."""
    if not isinstance(item, dict):
        return {prefix or "value": clean(item) if isinstance(item, str) else item}
    flat: dict[str, Any] = {}
    for key, value in item.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(flatten(value, name))
        else:
            flat[name] = clean(value) if isinstance(value, str) else value
    return flat


# --- cells --------------------------------------------------------------------------------------------


def clean(text: str) -> str:
    """Text the store accepts: no NUL characters, no lone surrogates."""
    if text.isascii():  # the common case, kept fast
        return text.replace("\x00", "") if "\x00" in text else text
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def plain(value: Any) -> str:
    """A cell as text: "" when empty, ISO 8601 for a date or time, JSON for a list or an object."""
    if value is None:
        return ""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def filled(value: Any) -> bool:
    return value is not None and (not isinstance(value, str) or bool(value.strip()))
