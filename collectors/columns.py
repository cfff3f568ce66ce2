"""A file's data rows as the frame importers convert: text columns c0, c1..., each row's `line`, and what text
columns cannot show (`cells`, `over`). Rows read by collectors.files are put in columns a chunk at a time
(`rows_as_columns`); a plain UTF-8 CSV is read as columns by polars (`read_csv_columns`), several times faster,
where polars reads it as Python's csv module does."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import polars as pl

from collectors.files import CHUNK_BYTES, Row, filled, plain

FRAME_CHUNK_ROWS = 50_000


def rows_as_columns(rows: Iterable[Row], width: int) -> pl.DataFrame:
    """Rows as the frame an importer converts: text columns c0, c1... up to `width` (the cell as text, `plain`
    for a typed one; null when empty), `line`, `cells` (the row's cells as JSON, only where the text columns
    lose something: a cell that is not text, or cells beyond `width`) and `over` (the row's number of cells when
    it has more than `width` and the extra ones are not blank). Built a chunk of rows at a time."""
    iterator = iter(rows)
    frames = []
    while chunk := list(islice(iterator, FRAME_CHUNK_ROWS)):
        frames.append(_columns_of(chunk, width))
    if not frames:
        return pl.DataFrame(schema=_frame_schema(width))
    return pl.concat(frames, rechunk=True) if len(frames) > 1 else frames[0]


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


def read_csv_columns(
    source: Path | bytes, delimiter: str, header_rows: int, first_line: int, width: int
) -> pl.DataFrame | None:
    """The data rows as string columns c0, c1... (None for an empty cell) and `line`, the physical line
    where each row starts; None when the file should be read row by row instead (ragged rows, stray quotes,
    bare CR line ends, lines that do not add up: where polars might read otherwise than Python's csv module)."""
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
