"""Frames kept on disk between the two passes of an import of a file read row by row (XLSX, JSON, a CSV in
another encoding than UTF-8), so that the file is parsed once: the first pass reads it, gathering what the
whole-file decisions need (collectors.surveys.plan) and writing each chunk of rows here; the second reads the
chunks back one at a time to convert them. Memory holds a chunk; the disk holds the rows, compressed, in a
private folder under the uploads' (pulse.uploads.import_folder: a crash's leftovers are deleted as an upload's,
and by `pulse forget`), until the plan that made them is let go of."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import polars as pl

from collectors.files import Unreadable
from pulse.uploads import import_folder

COMPRESSION: Literal["lz4"] = "lz4"  # fast to write and read back; survey text compresses about three times


class FrameSpool:
    """Chunks of a file's rows as frames, each with the JSON Lines' lines that hold no JSON met before it."""

    def __init__(self) -> None:
        self._folder = import_folder()
        self._skipped: list[list[Unreadable]] = []

    def add(self, frame: pl.DataFrame, skipped: list[Unreadable]) -> None:
        frame.write_ipc(self._path(len(self._skipped)), compression=COMPRESSION)
        self._skipped.append(skipped)

    def chunks(self) -> Iterator[tuple[pl.DataFrame, list[Unreadable]]]:
        for index, skipped in enumerate(self._skipped):
            yield pl.read_ipc(self._path(index).read_bytes()), skipped  # read, not mapped into memory

    def _path(self, index: int) -> Path:
        return Path(self._folder.name) / f"{index:06d}.arrow"
