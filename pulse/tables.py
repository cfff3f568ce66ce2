"""Writing a frame for people: CSV, JSON or XLSX by the file's suffix, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import polars as pl

from pulse.errors import InputError

FORMATS = (".csv", ".json", ".xlsx")
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
    become "a; b" in CSV and XLSX; text cells are neutralised against formula injection there."""
    suffix = check_format(path)
    if suffix == ".json":
        path.write_text(json.dumps(frame.to_dicts(), ensure_ascii=False, indent=1, default=str), "utf-8")
        return
    rows = [[_cell(value) for value in row] for row in _flat(frame).iter_rows()]
    if suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(frame.columns)
            writer.writerows(rows)
    else:
        _write_xlsx(frame.columns, rows, path)


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    lists = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.List)]
    return frame.with_columns(pl.col(name).list.join("; ") for name in lists)


def _cell(value: Any) -> Any:
    """Numbers and flags as they are, text neutralised."""
    return value if value is None or isinstance(value, bool | int | float) else csv_safe(value)


def _write_xlsx(columns: list[str], rows: list[list[Any]], path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(columns)
    for row in rows:
        sheet.append(row)
    book.save(path)
