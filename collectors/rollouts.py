"""A rollouts file (`pulse rollouts import`, the demo's rollouts.csv) read by the one reader (collectors.files):
any common encoding (Excel's Windows-1252 "CSV (Comma delimited)" as well as UTF-8) and delimiter, or an XLSX
workbook, then checked and added by store.rollouts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from collectors.files import Row, plain, read_file
from pulse.errors import InputError
from store.engine import Engine
from store.rollouts import CSV_COLUMNS, Rollout, add_new_rollouts, parse_rollout_rows


def read_rollouts_file(path: Path) -> list[Rollout]:
    """The rollouts of a CSV or XLSX file with the columns of store.rollouts.CSV_COLUMNS; any bad row fails the
    whole file (InputError, with the lines)."""
    table = read_file(path, what="rollouts")
    if table.form == "json":
        raise InputError(
            f"{path.name} is JSON; rollouts are imported from a CSV or XLSX file.",
            hint=f"Give a CSV file with the header: {','.join(CSV_COLUMNS)} (`pulse rollouts export` writes one).",
        )
    return parse_rollout_rows(_text_rows(table.rows()), origin=str(path))


def import_rollouts(engine: Engine, path: Path, by: str) -> tuple[int, int]:
    """Add the rollouts of a file that are not on the timeline yet; returns (added, already present)."""
    return add_new_rollouts(engine, read_rollouts_file(path), by)


def _text_rows(rows: Iterator[Row]) -> Iterator[tuple[int, list[str]]]:
    """The rows with every cell as text: a spreadsheet's dates as YYYY-MM-DD."""
    for line, cells in rows:
        yield line, [_text(cell) for cell in cells]


def _text(cell: Any) -> str:
    return cell.date().isoformat() if isinstance(cell, datetime) else plain(cell)
