"""A file's data rows as the frames importers convert: text columns c0, c1..., each row's `line`, and what text
columns cannot show (`cells`, `over`). Rows read by collectors.files are put in columns a chunk at a time
(`row_frames`); a plain UTF-8 CSV is read as columns by polars (`read_csv_columns`), several times faster,
where polars reads it as Python's csv module does, a chunk of whole rows at a time. Either way a file is read in
memory that depends on the chunk, not on the file."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Any

import polars as pl

from collectors.files import FileInput, Row, Unreadable, file_input, filled, plain
from pulse.errors import InputError

FRAME_CHUNK_ROWS = 20_000  # rows read by collectors.files put in columns at a time
CSV_CHUNK_BYTES = 2 * 2**20  # of a CSV read by polars at a time (about 18,000 survey rows)


def rows_as_columns(rows: Iterable[Row], width: int) -> pl.DataFrame:
    """Rows as the frame an importer converts: text columns c0, c1... up to `width` (the cell as text, `plain`
    for a typed one; null when empty), `line`, `cells` (the row's cells as JSON, only where the text columns
    lose something: a cell that is not text, or cells beyond `width`) and `over` (the row's number of cells when
    it has more than `width` and the extra ones are not blank). Built a chunk of rows at a time."""
    frames = list(row_frames(rows, width))
    if not frames:
        return pl.DataFrame(schema=_frame_schema(width))
    return pl.concat(frames, rechunk=True) if len(frames) > 1 else frames[0]


def row_frames(rows: Iterable[Row], width: int) -> Iterator[pl.DataFrame]:
    """The rows as frames (`rows_as_columns`) of FRAME_CHUNK_ROWS rows each, as they are read."""
    iterator = iter(rows)
    while chunk := list(islice(iterator, FRAME_CHUNK_ROWS)):
        yield _columns_of(chunk, width)


def _frame_schema(width: int) -> dict[str, Any]:
    return {
        **{f"c{index}": pl.String for index in range(width)},
        "line": pl.Int64,
        "cells": pl.String,
        "over": pl.Int64,
    }


def _columns_of(rows: list[Row], width: int) -> pl.DataFrame:
    columns: list[list[str | None]] = [[] for _ in range(width)]
    lines, exact, over = [], [], []
    for line, cells in rows:
        lines.append(line)
        count = len(cells)
        texts = True
        for index in range(width):
            cell = cells[index] if index < count else ""
            if type(cell) is str:
                columns[index].append(cell or None)
            else:
                columns[index].append(None if cell is None else plain(cell))
                texts = False
        if count > width:
            while count > width and not filled(cells[count - 1]):
                count -= 1
            texts = False
        over.append(count if count > width else None)
        exact.append(None if texts else json.dumps(cells, default=plain))
    return pl.DataFrame(
        {
            **{f"c{index}": column for index, column in enumerate(columns)},
            "line": lines,
            "cells": exact,
            "over": over,
        },
        schema=_frame_schema(width),
    )


FrameCheck = Callable[[pl.DataFrame], None]


@dataclass(frozen=True)
class CsvChunk:
    """Whole rows of a CSV file: `size` bytes from `start`, `rows` of them (as polars reads them), the first on
    physical line `first_line`."""

    start: int
    size: int
    first_line: int
    rows: int


class CsvColumns:
    """The data rows of a UTF-8 CSV as the frames importers convert (string columns c0, c1..., `line`, and
    `cells`/`over` all null), read by polars a chunk of whole rows at a time, as often as asked."""

    def __init__(self, data: FileInput, delimiter: str, width: int, parts: list[CsvChunk]) -> None:
        self.data, self.delimiter, self.width, self.parts = data, delimiter, width, parts

    def chunks(self) -> Iterator[tuple[pl.DataFrame, list[Unreadable]]]:
        """The frames, each with the lines that hold no JSON before it (none in a CSV), as FrameSpool has them."""
        return ((frame, []) for frame in self.frames())

    def frames(self) -> Iterator[pl.DataFrame]:
        with self.data.opener() as handle:
            for part in self.parts:
                handle.seek(part.start)
                frame = _chunk_frame(handle.read(part.size), self.delimiter, self.width, part.first_line)
                if frame is None or frame.height != part.rows:
                    raise InputError(
                        f"{self.data.file_name} changed while it was being imported.",
                        hint="Import it again once it is written in full.",
                    )
                yield frame


def read_csv_columns(
    source: FileInput | Path | bytes,
    delimiter: str,
    first_line: int,
    width: int,
    check: FrameCheck | None = None,
) -> CsvColumns | None:
    """The data rows, from physical line `first_line` on, as string columns read by polars (`CsvColumns`), each
    chunk shown to `check` as the whole file is read once; None when the file should be read row by row
    instead (ragged rows, stray quotes, bare CR line ends, lines that do not add up: where polars might read
    otherwise than Python's csv module), found in any chunk."""
    data = source if isinstance(source, FileInput) else file_input(source, "survey.csv")
    parts: list[CsvChunk] = []
    with data.opener() as handle:
        start = _data_start(handle, first_line)
        if start is None:
            return None
        line = first_line
        for offset, block in _whole_rows(handle, start, CSV_CHUNK_BYTES):
            if block.count(b"\r") != block.count(b"\r\n"):
                return None  # bare CR line ends, which the csv module counts as lines and polars does not
            frame = _chunk_frame(block, delimiter, width, line)
            lines = block.count(b"\n") + (not block.endswith(b"\n"))
            if frame is None or not frame.height or _last_line(frame) != line + lines - 1:
                return None  # rows polars reads otherwise (the lines do not add up), or none at all
            if check is not None:
                check(frame)
            parts.append(CsvChunk(offset, len(block), line, frame.height))
            line += lines
    return CsvColumns(data, delimiter, width, parts) if parts else None


def _data_start(handle: IO[bytes], first_line: int) -> int | None:
    """The offset of physical line `first_line`; None when the lines before it end in a bare CR."""
    offset = 0
    for _ in range(first_line - 1):
        line = handle.readline()
        if not line:
            return None
        if line.count(b"\r") != (1 if line.endswith(b"\r\n") else 0):
            return None
        offset += len(line)
    return offset


def _whole_rows(handle: IO[bytes], start: int, chunk_bytes: int) -> Iterator[tuple[int, bytes]]:
    """The file from `start` in blocks of about `chunk_bytes` that end where a row ends: after a line end
    outside quotes (an even number of quote characters before it)."""
    handle.seek(start)
    offset, rest = start, b""
    while True:
        read = handle.read(chunk_bytes)
        block = rest + read
        if not read:
            if block:
                yield offset, block
            return
        cut = _last_row_end(block)
        if cut == 0:  # no row ends in the block: read on
            rest = block
            continue
        yield offset, block[:cut]
        offset, rest = offset + cut, block[cut:]


def _last_row_end(block: bytes) -> int:
    """The offset just after the last line end outside quotes in `block` (which starts where a row starts);
    0 when there is none."""
    quotes = block.count(b'"')
    end = len(block)
    while (newline := block.rfind(b"\n", 0, end)) >= 0:
        quotes -= block.count(b'"', newline, end)
        if quotes % 2 == 0:
            return newline + 1
        end = newline
    return 0


def _chunk_frame(block: bytes, delimiter: str, width: int, first_line: int) -> pl.DataFrame | None:
    """Whole rows read by polars as string columns with each row's physical line; None when polars cannot."""
    try:
        frame = pl.read_csv(
            io.BytesIO(block),
            has_header=False,
            separator=delimiter,
            schema={f"c{index}": pl.String for index in range(width)},
        )
    except (pl.exceptions.PolarsError, UnicodeDecodeError):
        return None
    extra = _newline_counts(frame)
    return frame.with_columns(
        line=first_line + pl.int_range(pl.len(), dtype=pl.Int64) + extra.cum_sum() - extra,
        cells=pl.lit(None, pl.String),
        over=pl.lit(None, pl.Int64),
    )


def _newline_counts(frame: pl.DataFrame) -> pl.Series:
    """Per row, the line ends inside its cells."""
    texts = [name for name in frame.columns if name.startswith("c") and name[1:].isdigit()]
    counts = pl.sum_horizontal(pl.col(texts).str.count_matches("\n", literal=True).fill_null(0))
    return frame.select(counts.cast(pl.Int64)).to_series()


def _last_line(frame: pl.DataFrame) -> int:
    """The physical line where the frame's last row ends."""
    return int(frame["line"][-1]) + int(_newline_counts(frame[-1:])[0])
