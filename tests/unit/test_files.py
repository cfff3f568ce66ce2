"""One reader for every import (collectors.files): the same file is read the same way by surveys and reviews."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from collectors.files import flatten, read_file
from collectors.reviews import read_review_file
from collectors.surveys import plan_survey_file
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
