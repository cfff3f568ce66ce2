"""Reading any customer file as a table (collectors.surveys.read_table) and writing one (pulse.tables)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from collectors.surveys import read_table
from pulse.errors import InputError
from pulse.tables import csv_safe, undo_csv_safe, write_table


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+44 20 7946 0000 call me", "'+44 20 7946 0000 call me"),
        ("@handle", "'@handle"),
        ("\tTabbed", "'\tTabbed"),
        ("-3", "-3"),
        ("+0.5", "+0.5"),
        ("Lovely bread", "Lovely bread"),
        (None, ""),
        ("'90s menu", "'90s menu"),  # a quote of its own, before nothing risky: kept as it is
        ("'=quoted", "''=quoted"),  # one more quote, so that undoing gives the text back
        ("'-3", "'-3"),
    ],
)
def test_csv_safe__quotes_formulas_but_not_plain_numbers(value: str | None, written: str) -> None:
    assert csv_safe(value) == written
    assert undo_csv_safe(written) == ("" if value is None else value)


def test_undo_csv_safe__leaves_text_that_was_not_neutralised() -> None:
    assert [undo_csv_safe(text) for text in ("'90s", "'", "''", "Plain", "-3", "'-3")] == [
        "'90s",
        "'",
        "''",
        "Plain",
        "-3",
        "'-3",
    ]


def test_read_table__keeps_every_column_and_cell_of_a_semicolon_cp1252_file(tmp_path: Path) -> None:
    path = tmp_path / "comments.csv"
    path.write_bytes("id;comment;score\n1;Café was lovely;9\n2;Bot only;2;extra\n\n3;;5\n".encode("cp1252"))
    frame = read_table(path)
    assert frame.columns == ["id", "comment", "score", "Column 4"]
    assert frame.rows() == [
        ("1", "Café was lovely", "9", None),
        ("2", "Bot only", "2", "extra"),
        ("3", None, "5", None),
    ]


@pytest.mark.parametrize("suffix", [".csv", ".json", ".xlsx"])
def test_write_table__round_trips_through_read_table(tmp_path: Path, suffix: str) -> None:
    frame = pl.DataFrame(
        {
            "comment": ["=1+1", "Lovely", None],
            "sentiment_score": [-0.5, 0.25, 0.0],
            "impersonal": [True, False, False],
            "impersonal_cues": [["chatbot", "no human reachable"], [], []],
        }
    )
    path = tmp_path / f"scored{suffix}"
    write_table(frame, path)
    back = read_table(path)
    assert back.columns == frame.columns
    assert [float(score) for score in back["sentiment_score"]] == [-0.5, 0.25, 0.0]
    if suffix == ".json":
        assert json.loads(path.read_text("utf-8"))[0]["impersonal_cues"] == ["chatbot", "no human reachable"]
        assert back["comment"][0] == "=1+1"  # JSON is not opened by spreadsheets: kept as written
    else:
        assert back["comment"].to_list() == ["'=1+1", "Lovely", None]
        assert back["impersonal_cues"][0] == "chatbot; no human reachable"


def test_write_table__xlsx_keeps_numbers_as_numbers(tmp_path: Path) -> None:
    path = tmp_path / "scored.xlsx"
    write_table(pl.DataFrame({"sentiment_score": [-0.5], "impersonal": [True]}), path)
    sheet = load_workbook(path).active
    assert sheet is not None
    assert [cell.value for cell in sheet[2]] == [-0.5, True]


def test_write_table__an_unknown_format_says_which_it_writes(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\.csv, \.json, \.xlsx") as raised:
        write_table(pl.DataFrame({"a": [1]}), tmp_path / "scored.parquet")
    assert "--out" in (raised.value.hint or "")
