"""`pulse import` of vendors' export shapes (issue 17): where the table is (`--header-row`, `--sheet`), and no
success reported for a file that imports nothing useful. On a real store, SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from store.engine import build_engine
from store.schema import feedback

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "surveys"


@pytest.fixture
def pulse(pulse_cli):  # type: ignore[no-untyped-def]
    return pulse_cli


def test_import__xlsx_title_row_found_and_said(pulse, database_url: str) -> None:  # type: ignore[no-untyped-def]
    """A workbook laid out as a report, a merged title over the header on row 3 (make_workbooks.py): the NPS
    and CSAT are imported, and the output says which row was the header."""
    result = pulse("import", str(FIXTURES / "survey_title_row.xlsx"))
    assert result.exit_code == 0, result.output
    assert "Header on row 3 (the rows above it are a title, left out)." in result.stdout
    assert "Imported 5 new survey answers, 0 already there, 0 rejected." in result.stdout
    engine = build_engine(database_url)
    with engine.connect() as connection:
        scores = connection.execute(
            select(feedback.c.nps, feedback.c.csat).order_by(feedback.c.created_at)
        ).all()
    engine.dispose()
    assert scores == [(9, 5), (3, 2), (10, 5), (7, 4), (6, 3)]


def test_import__sheet_and_header_row_options(pulse) -> None:  # type: ignore[no-untyped-def]
    """A workbook with a cover sheet first (make_workbooks.py): the data sheet is found by itself and named
    in the notes; `--sheet Responses --header-row 1` says the same."""
    found = json.loads(pulse("import", str(FIXTURES / "survey_cover_sheet.xlsx"), "--json").stdout)
    assert found["imported"] == 5
    assert found["notes"][0].startswith("Read the worksheet 'Responses' of an Excel workbook")
    asked = pulse(
        "import",
        str(FIXTURES / "survey_cover_sheet.xlsx"),
        "--sheet",
        "Responses",
        "--header-row",
        "1",
        "--json",
    )
    assert asked.exit_code == 0, asked.output
    summary = json.loads(asked.stdout)
    assert (summary["imported"], summary["already_there"]) == (0, 5)
    assert "Header on row 1 (as asked)." in summary["notes"]


def test_import__no_score_and_no_comment_column_is_refused_with_the_columns(pulse, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Google Forms' CSV download of a form with only multiple-choice questions (which store, how the order
    was placed): neither a score nor a comment column, so nothing is imported, and the error names the columns
    seen and the options that help."""
    path = tmp_path / "responses.csv"
    path.write_text(
        '"Timestamp","Which store did you visit?","How did you order?"\r\n'
        '"2025/04/01 01:14:16 PM BST","High Street","Online"\r\n'
        '"2025/04/02 09:01:00 AM BST","Station Road","In store"\r\n',
        encoding="utf-8",
    )
    result = pulse("import", str(path))
    assert result.exit_code == 1
    assert (
        "has no NPS, CSAT, CES or comment column that Pulse can find; nothing was imported" in result.output
    )
    assert "'Timestamp', 'Which store did you visit?', 'How did you order?'" in result.output
    assert "--header-row N" in result.output and "--sheet NAME" in result.output
    assert "Imported" not in result.output


def test_import__header_only_file_says_it_has_no_answers(pulse) -> None:  # type: ignore[no-untyped-def]
    """Google Forms' CSV download of a form nobody has answered yet: the header row only."""
    result = pulse("import", str(FIXTURES / "google_forms_header_only.csv"))
    assert result.exit_code == 1
    assert "google_forms_header_only.csv has a header ('Timestamp', 'Email Address'," in result.output
    assert "but no answers; nothing was imported." in result.output
    assert "No NPS" not in result.output and "no NPS" not in result.output


def test_import__google_forms_bst_times_all_imported(pulse) -> None:  # type: ignore[no-untyped-def]
    """Google Forms' CSV download with "2025/04/01 01:14:16 PM BST" times: every row imported."""
    summary = json.loads(pulse("import", str(FIXTURES / "google_forms_bst.csv"), "--json").stdout)
    assert (summary["imported"], summary["rejected"]) == (6, 0)


def test_import__review_options_that_are_for_surveys_are_refused(pulse) -> None:  # type: ignore[no-untyped-def]
    result = pulse("import", str(FIXTURES / "survey_title_row.xlsx"), "--kind", "review", "--header-row", "3")
    assert result.exit_code == 1 and "--header-row" in result.output
