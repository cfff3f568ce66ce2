"""JSON and JSON Lines read as a stream of records, each with the line where it starts, in memory that does not
grow with the file: a list of records (the document itself, or the list that an object keeps under a usual key)
is read one element at a time, JSON Lines one line at a time; only a document that is a single object is parsed
whole (it is one record).

`scan` reads the file once: it checks that it is JSON, finds where its records are (the `Shape`) and shows each
record to the caller (to count them and gather their keys); `entries` reads the records again, as often as asked.
JSON Lines' lines that hold no JSON come, in their place, as `Unreadable`.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

LIST_KEYS = ("items", "responses", "reviews", "data", "results", "records")  # where an object keeps its list
TEXT_CHUNK_BYTES = 1 << 20
_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
MAX_JSON_DEPTH = 32  # levels of nesting in a record; a record nested deeper is rejected with its line
TOO_DEEP = f"nested more than {MAX_JSON_DEPTH} levels deep"
_NEAR_END = 32  # an error this close to the end of what was read may be a value cut short by the read


@dataclass(frozen=True)
class JsonRecord:
    """One record of a JSON file: where it starts, its position among the records, and its value as parsed."""

    line: int
    index: int
    value: Any


@dataclass(frozen=True)
class Unreadable:
    """A line of a JSON Lines file that holds no JSON."""

    line: int
    reason: str
    text: str


Entry = JsonRecord | Unreadable


@dataclass(frozen=True)
class Shape:
    """Where a JSON file keeps its records: `lines` (JSON Lines), `list` (the document is the list), `member`
    (the list is the value of the top-level object's member at position `member`) or `object`
    (the document is one object, one record)."""

    form: str
    member: int = -1


class NotJson(Exception):
    """The text is not valid JSON (json.JSONDecodeError's message and place, in the file's lines)."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


class TooDeep(NotJson):
    """A value nested more deeply than Python's parser goes."""


def text_chunks(
    opener: Callable[[], IO[bytes]], encoding: str, errors: str, on_error: Callable[[str, int], Exception]
) -> Iterator[str]:
    """The file decoded, a chunk at a time (a BOM left out); an undecodable byte raises on_error(reason, its
    offset in the file)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors)
    offset, first = 0, True
    with opener() as handle:
        while True:
            data = handle.read(TEXT_CHUNK_BYTES)
            try:
                text = decoder.decode(data, final=not data)
            except UnicodeDecodeError as error:
                raise on_error(str(error.reason), offset + max(error.start, 0)) from error
            if first and text:
                text, first = text.removeprefix("\ufeff"), False
            if text:
                yield text
            if not data:
                return
            offset += len(data)


class _Cursor:
    """A position in text read a chunk at a time, with its line and column; what lies before the position is
    let go of as the position moves on."""

    def __init__(self, chunks: Iterator[str]) -> None:
        self._chunks = chunks
        self.text = ""
        self.at = 0  # the position, in self.text
        self.ended = False
        self._line = 1  # the line of self.text[self._counted]
        self._counted = 0
        self._column = 0  # the column (from 0) of self.text[0]

    def more(self, wanted: int = 0) -> bool:
        """Read on (at least `wanted` characters, when the file has them); False at the end of the file."""
        if self.ended:
            return False
        if self.at > len(self.text) // 2:
            self._let_go()
        before = len(self.text)
        while len(self.text) < before + max(wanted, 1):
            chunk = next(self._chunks, None)
            if chunk is None:
                self.ended = True
                break
            self.text += chunk
        return len(self.text) > before

    def _let_go(self) -> None:
        gone = self.text[: self.at]
        self.line_of(self.at)
        newline = gone.rfind("\n")
        self._column = self.at - newline - 1 if newline >= 0 else self._column + self.at
        self.text = self.text[self.at :]
        self._counted -= self.at
        self.at = 0

    def line_of(self, index: int) -> int:
        """The line of self.text[index], for an index at or after every index asked before."""
        if index > self._counted:
            self._line += self.text.count("\n", self._counted, index)
            self._counted = index
        return self._line

    def column_of(self, index: int) -> int:
        newline = self.text.rfind("\n", 0, index)
        return index - newline if newline >= 0 else self._column + index + 1

    def skip_space(self) -> str:
        """Move past white space; the next character, "" at the end of the file."""
        while True:
            space = _SPACE.match(self.text, self.at)
            self.at = space.end() if space else self.at
            if self.at < len(self.text):
                return self.text[self.at]
            if not self.more():
                return ""

    def expect(self, wanted: str, message: str) -> None:
        if self.skip_space() != wanted:
            raise self.error(message, self.at)
        self.at += 1

    def value(self) -> Any:
        """The JSON value at the position (read on until it is whole), and move past it."""
        self.skip_space()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.at)
            except json.JSONDecodeError as error:
                cut_short = error.msg.startswith("Unterminated") or error.pos >= len(self.text) - _NEAR_END
                if cut_short and self.more(
                    len(self.text) - self.at
                ):  # doubling: a long value is read in few tries
                    continue
                raise self.error(error.msg, error.pos) from None
            except RecursionError:
                raise TooDeep("nested too deeply", self.line_of(self.at), self.column_of(self.at)) from None
            if end == len(self.text) and self.more():  # a number may go on in the next chunk
                continue
            self.at = end
            return value

    def error(self, message: str, index: int) -> NotJson:
        return NotJson(message, self.line_of(index), self.column_of(index))


def scan(chunks: Iterator[str], by_lines: bool, visit: Callable[[int, Entry], None]) -> Shape:
    """Check a whole JSON file and find where its records are, showing each to `visit` with the member of the
    top-level object whose list it is in (-1 for the document's own list and JSON Lines; every list under a
    usual key is shown, as which one holds the records is known only at the end). Raises NotJson; a document followed by more
    (a JSON Lines file named .json) is read as JSON Lines: `scan` then says so (Shape("lines")) without
    showing its lines, and the caller scans it again by lines."""
    if by_lines:
        for entry in _lines(chunks):
            visit(-1, entry)
        return Shape("lines")
    cursor = _Cursor(chunks)
    first = cursor.skip_space()
    start = cursor.at
    if first == "[":
        for record in _elements(cursor, start):
            visit(-1, record)
        shape = Shape("list")
    elif first == "{":
        shape = _scan_object(cursor, visit)
    else:
        cursor.value()  # a scalar, or not JSON at all
        shape = Shape("scalar")
    if cursor.skip_space():
        return Shape("lines")  # json.loads' "Extra data": one value after another
    return shape


def _scan_object(cursor: _Cursor, visit: Callable[[int, Entry], None]) -> Shape:
    """The members of the top-level object, the lists under usual keys shown to `visit` (the first usual key
    that holds a list wins, in LIST_KEYS' order; the last member of a name, as json.loads keeps it)."""
    lists: dict[str, int] = {}  # usual key -> the member that holds it
    members = 0
    for member, key in _members(cursor):
        members += 1
        if key in LIST_KEYS and cursor.skip_space() == "[":
            lists[key] = member
            for record in _elements(cursor, cursor.at):
                visit(member, record)
        else:
            lists.pop(key, None)
            cursor.value()
    for key in LIST_KEYS:
        if key in lists:
            return Shape("member", lists[key])
    return Shape("object") if members else Shape("empty")


def entries(chunks: Iterator[str], shape: Shape) -> Iterator[Entry]:
    """The records of a file scanned as `shape`, in order (JSON Lines' unreadable lines among them)."""
    if shape.form == "lines":
        yield from _lines(chunks)
        return
    cursor = _Cursor(chunks)
    cursor.skip_space()
    if shape.form == "list":
        yield from _elements(cursor, cursor.at)
    elif shape.form == "member":
        for member, _key in _members(cursor):
            if member == shape.member:
                cursor.skip_space()
                yield from _elements(cursor, cursor.at)
                return
            cursor.value()
    elif shape.form == "object":
        line = cursor.line_of(cursor.at)
        yield JsonRecord(line, 0, cursor.value())


def _elements(cursor: _Cursor, start: int) -> Iterator[JsonRecord]:
    """The elements of the array whose "[" is at `start`, each with the line where it starts."""
    cursor.at = start + 1
    if cursor.skip_space() == "]":
        cursor.at += 1
        return
    index = 0
    while True:
        cursor.skip_space()
        line = cursor.line_of(cursor.at)
        yield JsonRecord(line, index, cursor.value())
        index += 1
        following = cursor.skip_space()
        cursor.at += 1
        if following == "]":
            return
        if following != ",":
            raise cursor.error("Expecting ',' delimiter", cursor.at - 1)


def _members(cursor: _Cursor) -> Iterator[tuple[int, str]]:
    """The members of the object at the position: each one's position and name, the cursor before its value
    (which the caller reads or skips)."""
    cursor.at += 1
    if cursor.skip_space() == "}":
        cursor.at += 1
        return
    member = 0
    while True:
        if cursor.skip_space() != '"':
            raise cursor.error("Expecting property name enclosed in double quotes", cursor.at)
        key = cursor.value()
        cursor.expect(":", "Expecting ':' delimiter")
        yield member, key
        member += 1
        following = cursor.skip_space()
        cursor.at += 1
        if following == "}":
            return
        if following != ",":
            raise cursor.error("Expecting ',' delimiter", cursor.at - 1)


def _lines(chunks: Iterator[str]) -> Iterator[Entry]:
    """JSON Lines: each line that is not blank, as a record or as unreadable. Lines are counted as
    str.splitlines counts them in the whole text."""
    pending = ""
    number = index = 0
    for chunk in _with_end(chunks):
        pieces = (pending + (chunk or "")).splitlines(keepends=True)
        pending = ""
        if chunk is not None and pieces and (pieces[-1].endswith("\r") or not _ends_line(pieces[-1])):
            pending = pieces.pop()  # the line goes on in the next chunk (or its "\r\n" does)
        for piece in pieces:
            number += 1
            if not piece.strip():
                continue
            line = piece.splitlines()[0]
            try:
                yield JsonRecord(number, index, json.loads(line))
                index += 1
            except json.JSONDecodeError as error:
                yield Unreadable(number, f"not valid JSON: {error.msg}", line)
            except RecursionError:
                yield Unreadable(number, TOO_DEEP, line[:200])


def _ends_line(piece: str) -> bool:
    return piece.splitlines()[0] != piece


def _with_end(chunks: Iterator[str]) -> Iterator[str | None]:
    yield from chunks
    yield None
