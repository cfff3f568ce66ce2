"""Where the table is in a file: the worksheet of a workbook that holds the data (`data_sheet`: not a cover
page before it), and its header row (`find_header`).

The header is the first row that is not blank, unless, in an Excel workbook, that row is a title above the
table (a merged title cell, "Customer survey, Q1 2025"); the header is then the first row that looks like one:
at least two filled cells, all of them text (no numbers, no dates), and at least half as many as the widest of
the first rows, so that a title, a "Period: Q1" line or a data row is not taken for it. Text exports are
written header first: their first row that is not blank is the header (`--header-row` says otherwise)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from collectors.files import Cells, Row, filled
from collectors.values import looks_like_date
from pulse.errors import InputError

HEADER_SEARCH_ROWS = 30  # rows looked at for the header
SHEET_SCAN_ROWS = 200  # rows of each worksheet looked at to find the one that holds the data
_NUMBER = re.compile(r"[+-]?[\d\s.,]*\d%?")


def find_header(
    rows: Sequence[Row], titled: bool = True, known: Callable[[Cells], bool] = lambda cells: False
) -> int | None:
    """The position in `rows` (the first rows of a file) of its header row; None when every row is blank.
    Only where `titled` (an Excel workbook: text exports are written header first) may a title stand above
    the header. A first row that `known` recognises (a vendor's header) is the header, whatever the rows
    below."""
    filled_rows = [(index, _filled(cells)) for index, (_line, cells) in enumerate(rows)]
    first = next((index for index, count in filled_rows if count), None)
    if first is None:
        return None
    widest = max(count for _index, count in filled_rows)
    first_count = filled_rows[first][1]
    if not titled or known(rows[first][1]) or (first_count >= 2 and first_count * 2 >= widest):
        return first
    for index, count in filled_rows[first:]:
        if count >= 2 and count * 2 >= widest and all(_header_like(cell) for cell in rows[index][1]):
            return index
    return first


def header_at(rows: Sequence[Row], line: int, file_name: str) -> int:
    """The position in `rows` of the row at `line` (the row number a spreadsheet shows: `--header-row`)."""
    for index, (row_line, cells) in enumerate(rows):
        if row_line == line:
            if not any(filled(cell) for cell in cells):
                raise InputError(
                    f"Row {line} of {file_name} is blank, so it cannot be the header.",
                    hint="Give the number of the row that holds the column names (--header-row N).",
                )
            return index
    raise InputError(
        f"{file_name} has no row {line} among its first {len(rows)} rows.",
        hint=f"--header-row takes the number of the row that holds the column names, within the first "
        f"{HEADER_SEARCH_ROWS} rows.",
    )


def _filled(cells: Cells) -> int:
    return sum(1 for cell in cells if filled(cell))


def _header_like(cell: Any) -> bool:
    """A cell that may name a column: empty, or text that is neither a number nor a date."""
    if not filled(cell):
        return True
    if not isinstance(cell, str):  # a number, a date or a time in a workbook
        return False
    return not _NUMBER.fullmatch(cell.strip()) and not looks_like_date(cell)


def data_sheet(workbook: Any) -> str:
    """The worksheet that holds the data: the most cells in rows of two or more filled cells, over the first
    SHEET_SCAN_ROWS rows of each (a cover page or notes sheet has few); the first one among equals."""
    best, best_cells = workbook.sheetnames[0], -1
    for sheet in workbook.worksheets:
        cells = 0
        for values in sheet.iter_rows(max_row=SHEET_SCAN_ROWS, values_only=True):
            count = sum(1 for value in values if filled(value))
            cells += count if count >= 2 else 0
        if cells > best_cells:
            best, best_cells = sheet.title, cells
    return str(best)
