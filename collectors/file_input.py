"""A file to import, given as a path or as the bytes of an upload, opened once and read as often as asked: every
pass over it (collectors.files reads a file twice, in memory that does not grow with it) reads the same file,
even if it is replaced or deleted meanwhile (an upload deleted once previewed). Files over MAX_FILE_BYTES, and
empty ones, are refused before reading, whatever their form and whichever importer reads them."""

from __future__ import annotations

import io
import os
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pulse.errors import InputError

MAX_FILE_BYTES = 500 * 1024 * 1024  # refused before reading, whatever the form and the importer
SNIFF_BYTES = 64 * 1024
Source = Path | str | bytes


class _OpenFile:
    """A file opened once and read by any number of readers, each at its own position (os.preadv), closed when
    no longer referenced."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_RDONLY)
        weakref.finalize(self, os.close, self.fd)

    def reader(self) -> IO[bytes]:
        return io.BufferedReader(_PositionalReader(self))


class _PositionalReader(io.RawIOBase):
    def __init__(self, file: _OpenFile) -> None:
        self._file = file  # kept open while a reader is
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = os.preadv(self._file.fd, [memoryview(buffer).cast("B")], self._position)
        self._position += count
        return count

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position}.get(whence)
        self._position = (os.fstat(self._file.fd).st_size if base is None else base) + offset
        return self._position

    def tell(self) -> int:
        return self._position


@dataclass(frozen=True)
class FileInput:
    """The bytes of a file or an upload, readable more than once."""

    file_name: str
    size: int
    opener: Callable[[], IO[bytes]]
    source: Path | bytes

    def head(self, size: int = SNIFF_BYTES) -> bytes:
        with self.opener() as handle:
            return handle.read(size)

    def read(self) -> bytes:
        with self.opener() as handle:
            return handle.read()


def file_input(source: Source, file_name: str | None = None, what: str = "file") -> FileInput:
    if isinstance(source, bytes | bytearray):
        content = bytes(source)
        name = file_name or "upload"
        _check_size(name, len(content), what)
        return FileInput(name, len(content), lambda: io.BytesIO(content), content)
    path = Path(source)
    if not path.is_file():
        raise InputError(f"There is no file {path}.", hint="Check the path, then try again.")
    size = path.stat().st_size
    _check_size(file_name or path.name, size, what)
    if not hasattr(os, "preadv"):  # no positional reads here (Windows): the path is opened for each pass
        return FileInput(file_name or path.name, size, lambda: path.open("rb"), path)
    return FileInput(file_name or path.name, size, _OpenFile(path).reader, path)


def _check_size(name: str, size: int, what: str) -> None:
    limit = MAX_FILE_BYTES
    if size > limit:
        raise InputError(
            f"{name} is {size / 2**20:,.0f} MB; Pulse imports files of up to {limit / 2**20:,.0f} MB.",
            hint="Split the export into smaller files (by date range) and import each.",
        )
    if size == 0:
        raise InputError(f"{name} is empty.", hint=f"Export the {what} again and import that file.")
