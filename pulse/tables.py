"""Writing a frame for people: CSV, JSON or XLSX by the file's suffix, safe to open in a spreadsheet: in CSV and
XLSX no header or cell can start a formula, and an XLSX cell is always written as the text it holds."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any, BinaryIO, Literal

import polars as pl

from pulse.errors import InputError

FORMATS = (".csv", ".json", ".xlsx")
# Excel's limits (Microsoft's "Excel specifications and limits"): characters in a cell, and rows in a sheet.
# A longer cell makes Excel call the whole file damaged; more rows are left out when it opens the file.
XLSX_CELL_CHARS = 32_767
XLSX_ROWS = 1_048_576
CUT_NOTE = " … [cut: Excel holds at most 32,767 characters in a cell]"
# Characters that XML 1.0, and so XLSX, cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE): the C0 controls but
# tab, line feed and carriage return (FileMaker exports a line break within a field as a vertical tab).
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def csv_safe(value: object) -> str:
    """Neutralise spreadsheet formula injection (OWASP): text that starts with = + - @, a tab or a carriage
    return gets a leading quote, unless it is a plain number such as -3 or +0.5. Text that starts with quotes
    before such a character gets one more, so that `undo_csv_safe` gives back exactly the text."""
    text = "" if value is None else str(value)
    return "'" + text if _risky(text.lstrip("'")) else text


def undo_csv_safe(text: str) -> str:
    """The text that `csv_safe` was given: the quote it added taken off; any other text as it is (a name that
    really starts with a quote keeps it)."""
    return text[1:] if text.startswith("'") and _risky(text.lstrip("'")) else text


def _risky(text: str) -> bool:
    return text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.fullmatch(text)


def check_format(path: Path) -> str:
    """The suffix of `path` when Pulse can write that format; else an InputError that says which it can."""
    suffix = path.suffix.casefold()
    if suffix not in FORMATS:
        raise InputError(
            f"Pulse cannot write {path.name}: it writes {', '.join(FORMATS)} files.",
            hint="Give --out a name ending in .csv, .json or .xlsx.",
        )
    return suffix


def write_table(frame: pl.DataFrame, path: Path) -> None:
    """Write `frame` to `path` as CSV, JSON (a list of records) or XLSX, chosen by the suffix. List columns
    become "a; b" in CSV and XLSX; there, column names and text cells are neutralised against formula
    injection (`csv_safe`). JSON is data for programs, not spreadsheets: written as it is."""
    suffix = check_format(path)
    if suffix == ".json":
        path.write_text(json.dumps(frame.to_dicts(), ensure_ascii=False, indent=1, default=str), "utf-8")
        return
    _check_fits(frame, suffix, path.name)
    with path.open("wb") as handle:
        _write_sheet(frame, suffix, handle)


def table_bytes(frame: pl.DataFrame, suffix: Literal[".csv", ".xlsx"], name: str = "the file") -> bytes:
    """`frame` as the bytes of a .csv or .xlsx file, neutralised as `write_table` writes it: for a download."""
    _check_fits(frame, suffix, name)
    buffer = io.BytesIO()
    _write_sheet(frame, suffix, buffer)
    return buffer.getvalue()


def _check_fits(frame: pl.DataFrame, suffix: str, name: str) -> None:
    if suffix == ".xlsx" and frame.height >= XLSX_ROWS:
        raise InputError(
            f"{frame.height:,} rows do not fit in an Excel sheet ({XLSX_ROWS - 1:,} rows and a header at most).",
            hint=f"Write a .csv file instead of {name}.",
        )


def _write_sheet(frame: pl.DataFrame, suffix: str, handle: BinaryIO) -> None:
    """`frame` as CSV (UTF-8) or XLSX into `handle`, column names and text cells neutralised."""
    header = [csv_safe(name) for name in frame.columns]
    rows = [[_cell(value) for value in row] for row in _flat(frame).iter_rows()]
    if suffix == ".xlsx":
        _write_xlsx(header, rows, handle)
        return
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    text.flush()
    text.detach()  # the handle stays open for its owner


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    lists = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.List)]
    return frame.with_columns(pl.col(name).list.join("; ") for name in lists)


def _cell(value: Any) -> Any:
    """Numbers and flags as they are, text neutralised."""
    return value if value is None or isinstance(value, bool | int | float) else csv_safe(value)


def _write_xlsx(header: list[str], rows: list[list[Any]], handle: BinaryIO) -> None:
    """The sheet, every text a string cell: openpyxl would make a formula of text that starts with "=" and an
    error value of "#N/A", and refuses control characters that XML cannot hold."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([_text_cell(sheet, name) for name in header])
    for row in rows:
        sheet.append([_text_cell(sheet, value) if isinstance(value, str) else value for value in row])
    book.save(handle)


def _text_cell(sheet: Any, text: str) -> Any:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=xlsx_text(text))
    cell.data_type = "s"  # not "f" (formula) for "=...", nor "e" (error) for "#N/A"
    return cell


def xlsx_text(text: str) -> str:
    """`text` as an XLSX cell can hold it: characters XML cannot hold as U+FFFD (�), and at most
    XLSX_CELL_CHARS characters, the cut said at the end of the cell."""
    text = _XML_ILLEGAL.sub("\ufffd", text)
    if len(text) <= XLSX_CELL_CHARS:
        return text
    return text[: XLSX_CELL_CHARS - len(CUT_NOTE)] + CUT_NOTE
