"""One reader for every import (collectors.files): the same file is read the same way by surveys and reviews."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from collectors.files import flatten, read_file
from collectors.reviews import read_review_file
from collectors.surveys import plan_survey_file
from collectors.values import parse_score, parse_stars
from pulse.errors import InputError


def test_read_file__json_records_keep_the_line_where_each_starts() -> None:
    text = '{"data": [\n  {"a": 1},\n\n  {"a": {"b": [2, 3]}}\n]}\n'
    table = read_file(text.encode(), "export.json")
    assert [(record.line, record.index) for record in table.records] == [(2, 0), (4, 1)]
    assert list(table.rows()) == [(-1, ["a", "a.b"]), (0, [1, None]), (1, [None, [2, 3]])]


def test_read_file__json_lines_keep_their_lines_and_the_lines_that_are_no_json() -> None:
    table = read_file(b'{"a": 1}\n\n{"a": \n{"a": 2}\n', "export.jsonl")
    assert table.json_lines
    assert [(record.line, record.value) for record in table.records] == [(1, {"a": 1}), (4, {"a": 2})]
    assert [(line.line, line.reason.split(":")[0]) for line in table.unreadable] == [(3, "not valid JSON")]


def test_read_file__a_json_object_without_a_list_is_one_record() -> None:
    table = read_file(b'{"a": 1}', "export.json")
    assert table.one_object and [record.value for record in table.records] == [{"a": 1}]
    with pytest.raises(InputError, match="not a list of records"):
        read_file(b"5", "export.json")


def test_flatten__nested_objects_with_dots_lists_kept_text_cleaned() -> None:
    assert flatten({"a": {"b": "x\x00y", "c": [1]}, "d": None}) == {"a.b": "xy", "a.c": [1], "d": None}
    assert flatten("plain") == {"value": "plain"}


def test_read_file__a_short_western_text_in_a_code_page_is_read_as_windows_1252(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("date,rating,review\n2024-05-01,5,Crème brûlée was perfect\n".encode("latin-1"))
    table = read_file(path)
    assert table.encoding == "cp1252"
    assert list(table.rows())[1][1][2] == "Crème brûlée was perfect"


def test_plan_survey_file__reads_json_lines_with_their_lines() -> None:
    data = (
        b'{"id": "a", "created": "2026-04-01T10:00:00Z", "nps": 9, "comment": "Fine"}\n'
        b"not json\n"
        b'{"id": "b", "created": "2026-04-02T10:00:00Z", "nps": 11, "comment": "Hm"}\n'
    )
    plan = plan_survey_file(data, "export.jsonl", timezone="UTC")
    assert plan.data_rows == 3
    batches = list(plan.batches())
    rejects = [reject for _records, batch_rejects in batches for reject in batch_rejects]
    assert sum(len(records) for records, _rejects in batches) == 1
    assert sorted((reject.line, reject.reason.split(":")[0]) for reject in rejects) == [
        (2, "not valid JSON"),
        (3, "nps 11 is out of range 0-10"),
    ]


def test_read_review_file__reads_an_excel_workbook(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["date", "rating", "review", "author"])
    sheet.append([datetime(2024, 5, 1, 10, 30), 5, "Lovely", "Ann"])
    sheet.append([datetime(2024, 5, 2), 9, "Too many", "Bo"])
    path = tmp_path / "reviews.xlsx"
    workbook.save(path)
    imported = read_review_file(path, timezone="UTC")
    assert [(record.stars, record.text, record.created_at.day) for record in imported.records] == [
        (5, "Lovely", 1)
    ]
    assert [reject.line for reject in imported.rejects] == [3]
    assert json.loads(imported.rejects[0].raw)["date"] == "2024-05-02T00:00:00"


# --- one set of value parsers: a survey and a review file read the same value the same way -----------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2024-05-01T10:30:00z", datetime(2024, 5, 1, 10, 30, tzinfo=UTC)),
        ("31/05/2024 10:30", datetime(2024, 5, 31, 9, 30, tzinfo=UTC)),  # day-first, as the column shows
        ("05/31/2024 10:30 AM", datetime(2024, 5, 31, 9, 30, tzinfo=UTC)),  # month-first, as it shows
        ("31.05.2024", datetime(2024, 5, 30, 23, 0, tzinfo=UTC)),
        ("45443.4375", datetime(2024, 5, 31, 9, 30, tzinfo=UTC)),  # an Excel serial number
    ],
)
def test_survey_and_review_files__read_a_date_the_same_way(written: str, expected: datetime) -> None:
    data = f"Date,NPS\n{written},9\n".encode()
    survey = plan_survey_file(data, "answers.csv", {"created_at": "Date"}, timezone="Europe/London")
    [(records, rejects)] = list(survey.batches())
    assert not rejects and records.frame["created_at"].to_list() == [expected]
    path = Path(tempfile.mkdtemp()) / "reviews.csv"
    path.write_text(f"date,stars,text\n{written},4,Fine\n", encoding="utf-8")
    [review] = read_review_file(path, timezone="Europe/London").records
    assert review.created_at == expected


def test_read_review_file__dates_that_could_be_either_order_are_rejected_as_ambiguous(tmp_path: Path) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text("date,stars\n01/02/2024,4\n03/04/2024,5\n2024-05-01,3\n", encoding="utf-8")
    imported = read_review_file(path)
    assert [record.stars for record in imported.records] == [3]
    assert [reject.reason for reject in imported.rejects] == [
        "ambiguous date '01/02/2024' (day-first or month-first?)",
        "ambiguous date '03/04/2024' (day-first or month-first?)",
    ]
    assert any(note.startswith("Every numeric date in 'date' can be read") for note in imported.notes)
    assert read_review_file(path, dayfirst=True).records[0].created_at == datetime(2024, 2, 1, tzinfo=UTC)


@pytest.mark.parametrize(("written", "stars"), [("4", 4), ("4 stars", 4), ("4/5", 4), ("4,0", 4)])
def test_parse_stars__reads_what_a_survey_score_reads(written: str, stars: int) -> None:
    assert parse_stars(written) == stars == parse_score(written, "csat", 1, 5)
