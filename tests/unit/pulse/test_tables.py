"""Reading any customer file as a table (collectors.surveys.read_table) and writing one (pulse.tables)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from collectors.surveys import read_table
from pulse.errors import InputError
from pulse.tables import csv_safe, table_bytes, undo_csv_safe, write_table


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


# A survey export whose question was typed as a formula (Google Forms and Typeform write each question's text as
# its column name) and answers that a spreadsheet would run: OWASP's "CSV Injection" starting characters.
RISKY_HEADER = "=1+1"
RISKY_CELLS = ['=HYPERLINK("http://evil.example","Click")', "@SUM(A1:A2)", "-1+1", "\tTabbed", "\r=1+1"]


def risky_frame() -> pl.DataFrame:
    return pl.DataFrame({RISKY_HEADER: [*RISKY_CELLS, "+1"], "score": [1, 2, 3, 4, 5, 6]})


def test_write_table__csv_header_and_cells_start_no_formula(tmp_path: Path) -> None:
    path = tmp_path / "scored.csv"
    write_table(risky_frame(), path)
    with path.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    assert header == ["'=1+1", "score"]
    texts = [row[0] for row in rows]
    assert all(text.startswith("'") for text in texts[:-1])
    assert [undo_csv_safe(text) for text in [header[0], *texts]] == [RISKY_HEADER, *RISKY_CELLS, "+1"]


def test_write_table__xlsx_header_and_cells_are_text_not_formulas(tmp_path: Path) -> None:
    path = tmp_path / "scored.xlsx"
    write_table(risky_frame(), path)
    sheet = load_workbook(path).active
    assert sheet is not None
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [cell.data_type for cell in cells if cell.column == 1] == ["s"] * 7  # not "f": no formula
    header, *texts = [cell.value for cell in cells if cell.column == 1]
    assert header == "'=1+1"
    # each as typed after the quote; XML reads a carriage return as a line feed
    assert texts == ["'" + text.replace("\r", "\n") for text in RISKY_CELLS] + ["+1"]
    assert [cell.value for cell in cells if cell.column == 2] == ["score", 1, 2, 3, 4, 5, 6]


def test_write_table__xlsx_keeps_error_codes_control_characters_and_long_texts_as_text(
    tmp_path: Path,
) -> None:
    path = tmp_path / "scored.xlsx"
    long_comment = "Lovely bread. " * 3000  # 42,000 characters: more than Excel holds in a cell
    frame = pl.DataFrame({"comment": ["#N/A", "line one\x0bline two", long_comment]})
    write_table(frame, path)  # a vertical tab (FileMaker exports line breaks so) raised IllegalCharacterError
    sheet = load_workbook(path).active
    assert sheet is not None
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [cell.data_type for cell in cells] == ["s", "s", "s"]  # "#N/A" is not Excel's error value
    assert [cell.value for cell in cells[:2]] == ["#N/A", "line one\ufffdline two"]
    cut = str(cells[2].value)
    assert (
        len(cut) == 32_767
        and cut.startswith(long_comment[:1000])
        and cut.endswith("32,767 characters in a cell]")
    )


def test_write_table__more_rows_than_an_excel_sheet_holds_is_refused_with_a_hint(tmp_path: Path) -> None:
    frame = pl.DataFrame({"id": range(1_048_576)})  # and a header: one row more than a sheet has
    with pytest.raises(InputError, match="do not fit in an Excel sheet") as raised:
        write_table(frame, tmp_path / "scored.xlsx")
    assert ".csv" in (raised.value.hint or "")
    assert not (tmp_path / "scored.xlsx").exists()


def test_table_bytes__an_xlsx_download_is_the_file_write_table_writes(tmp_path: Path) -> None:
    path = tmp_path / "scored.xlsx"
    write_table(risky_frame(), path)
    downloaded = tmp_path / "downloaded.xlsx"
    downloaded.write_bytes(table_bytes(risky_frame(), ".xlsx"))
    rows = [[cell.value for cell in row] for row in load_workbook(downloaded).active.iter_rows()]  # type: ignore[union-attr]
    assert rows == [[cell.value for cell in row] for row in load_workbook(path).active.iter_rows()]  # type: ignore[union-attr]
    assert rows[0] == ["'=1+1", "score"]
