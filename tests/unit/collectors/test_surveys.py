"""The survey-export importer: presets, column detection, dates, encodings, bad input, and two laws."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

import collectors.file_input as file_input
import collectors.surveys.plan as survey_plan
from collectors.surveys import (
    detect_mapping,
    parse_map_options,
    read_mapping_file,
)
from collectors.values import parse_moment, parse_score
from pulse.errors import InputError
from store.records import FeedbackRecord
from tests.survey_imports import Imported, imported

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "surveys"
LONDON = ZoneInfo("Europe/London")


def read(source: Path | bytes, file_name: str | None = None, **options: Any) -> Imported:
    return imported(source, file_name, timezone="Europe/London", **options)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


# --- presets ------------------------------------------------------------------------------------------


def test_plan_survey_file__typeform_csv_preset() -> None:
    result = read(FIXTURES / "typeform.csv")
    assert result.preset == "typeform"
    assert result.mapping["created_at"] == "Submit Date (UTC)"
    assert result.mapping["response_id"] == "#"
    assert result.mapping["nps"].startswith("How likely are you to recommend")
    assert result.mapping["csat"] == "How satisfied were you with your order today?"
    assert result.mapping["text"] == "What is the main reason for your score?"
    assert len(result.records) == 6 and not result.rejects
    first = result.records[0]
    assert first.created_at == utc(2026, 1, 5, 9, 1, 42)  # "(UTC)" columns are UTC, not London time
    assert (first.nps, first.csat, first.location) == (10, 5, "High Street")
    assert first.external_id == "x7k2p9q1m3n5b8v4c6z0|2026-01-05T09:01:42+00:00"
    assert "Network ID" not in (first.raw or {})


def test_plan_survey_file__google_forms_preset_dayfirst_and_hashed_email() -> None:
    result = read(FIXTURES / "google_forms.csv")
    assert result.preset == "google_forms"
    assert result.dayfirst is True
    assert "Dates read day-first (31/01/2026 09:15:02 seen)." in result.notes
    assert result.mapping["respondent"] == "Email Address"
    first = result.records[0]
    assert first.created_at == utc(2026, 1, 31, 9, 15, 2)  # London is UTC in winter
    assert first.author_hash == hashlib.sha256(b"sam.k@example.com").hexdigest()
    assert all("@" not in json.dumps(record.raw) for record in result.records)
    assert result.records[3].text == "蛋糕很好吃！"
    assert [(reject.line, reject.reason) for reject in result.rejects] == [
        (6, "nps 'eleven' is not a number")
    ]
    assert "ana@example.com" not in result.rejects[0].raw


def test_plan_survey_file__google_forms_satisfaction_on_ten_points_is_not_csat() -> None:
    result = read(FIXTURES / "google_forms.csv")
    assert "csat" not in result.mapping
    assert any("looks like a 1-10 scale" in note and "not used as CSAT" in note for note in result.notes)
    assert result.records[0].raw == {"Overall satisfaction with your visit": "5"}


def test_plan_survey_file__surveymonkey_two_header_rows() -> None:
    result = read(FIXTURES / "surveymonkey.csv")
    assert result.preset == "surveymonkey"
    assert result.mapping["created_at"] == "End Date"
    assert result.mapping["response_id"] == "Respondent ID"
    assert result.dayfirst is False
    assert "Which of these did you use? - Self-service kiosk" in result.columns
    assert [record.csat for record in result.records] == [5, 2, 4, 4, 1]  # labels read as 1-5
    assert result.records[1].created_at == utc(2026, 1, 13, 13, 19, 27)  # 01:19:27 PM
    assert result.records[1].author_hash == hashlib.sha256(b"kim@example.com").hexdigest()
    raw_keys = {key for record in result.records for key in (record.raw or {})}
    assert not raw_keys & {"IP Address", "Email Address", "First Name", "Last Name"}
    assert [(reject.line, reject.reason.split(" (")[0]) for reject in result.rejects] == [
        (8, "unparseable date '13/45/2026 12:05:00 PM'")
    ]


def test_plan_survey_file__qualtrics_three_header_rows_and_column_time_zone() -> None:
    result = read(FIXTURES / "qualtrics.csv")
    assert result.preset == "qualtrics"
    assert result.mapping == {
        "created_at": "RecordedDate",
        "nps": "Q1",
        "csat": "Q2",
        "text": "Q3",
        "response_id": "ResponseId",
        "respondent": "RecipientEmail",
        "location": "Q4",
    }
    assert "Times without a zone are read as America/Denver." in result.notes
    assert result.records[0].created_at == utc(2026, 2, 2, 15, 2, 14)  # 08:02:14 in Denver (UTC-7)
    assert [record.nps for record in result.records] == [9, 5, 10, 7]  # not the NPS group 1-3
    assert [(reject.line, reject.reason) for reject in result.rejects] == [(7, "nps 12 is out of range 0-10")]


def test_plan_survey_file__preset_forced_by_name() -> None:
    result = read(FIXTURES / "typeform.csv", preset="google_forms")
    assert result.preset == "google_forms"
    with pytest.raises(InputError, match="no preset 'monkey'"):
        read(FIXTURES / "typeform.csv", preset="monkey")


def test_plan_survey_file__typeform_responses_json() -> None:
    result = read(FIXTURES / "typeform_responses.json")
    assert result.preset == "typeform"
    assert result.mapping["nps"] == "nps_recommend"
    assert result.mapping["text"] == "reason"
    assert result.mapping["respondent"] == "contact_email"
    assert [record.nps for record in result.records] == [9, 2, 10]
    assert result.records[1].created_at == utc(2026, 3, 2, 9, 5)  # +01:00 kept
    assert result.records[0].channel == "in-store"
    assert result.records[0].external_id == "tok001|2026-03-01T09:02:10+00:00"
    assert [(reject.line, reject.reason) for reject in result.rejects] == [
        (3, "unparseable date 'not a date'")
    ]


@pytest.mark.parametrize("wrapper", ["items", "responses", "data", None])
def test_plan_survey_file__json_list_shapes(wrapper: str | None) -> None:
    items = [{"id": "a", "created": "2026-04-01T10:00:00Z", "nps": 9, "comment": "Fine"}]
    document = {wrapper: items} if wrapper else items
    result = read(json.dumps(document).encode(), "export.json")
    assert [(record.nps, record.text) for record in result.records] == [(9, "Fine")]


def test_plan_survey_file__json_that_is_not_a_list_is_refused() -> None:
    with pytest.raises(InputError, match="not a list of responses"):
        read(b'{"hello": 1}', "export.json")


# --- detection and overrides --------------------------------------------------------------------------


def test_detect_mapping__headers_matched_without_case_space_or_punctuation() -> None:
    text = "SUBMITTED-AT;  n.p.s. ;Your Comments!!;Customer E-mail;Store\n2026-01-02 10:00;9;Great;a@b.co;Leeds\n"
    plan = detect_mapping(text.encode(), "x.csv", timezone="UTC")
    assert plan.mapping == {
        "created_at": "SUBMITTED-AT",
        "nps": "n.p.s.",
        "text": "Your Comments!!",
        "respondent": "Customer E-mail",
        "location": "Store",
    }


def test_detect_mapping__columns_found_by_their_values_when_headers_say_nothing() -> None:
    rows = ["when,who,words"] + [
        f"2026-01-{day:02d} 10:00,person{day}@example.com,This is a long comment about the visit number {day}"
        for day in range(1, 8)
    ]
    plan = detect_mapping("\n".join(rows).encode(), "x.csv", timezone="UTC")
    assert plan.mapping == {"created_at": "when", "text": "words", "respondent": "who"}


def test_plan_survey_file__map_override_wins_and_can_unmap() -> None:
    result = read(FIXTURES / "csat_ten_scale.csv", mapping_overrides={"comment": "", "nps": "Satisfaction"})
    assert result.mapping["nps"] == "Satisfaction"
    assert "text" not in result.mapping
    assert [record.nps for record in result.records] == [9, 7, 2, 10]
    assert all(record.text is None for record in result.records)


def test_plan_survey_file__map_override_by_question_text_in_qualtrics() -> None:
    result = read(
        FIXTURES / "qualtrics.csv", mapping_overrides={"location": "Which shop do you usually visit?"}
    )
    assert result.mapping["location"] == "Q4"


def test_plan_survey_file__forced_csat_on_another_scale_rejects_out_of_range_rows() -> None:
    result = read(FIXTURES / "csat_ten_scale.csv", mapping_overrides={"csat": "Satisfaction"})
    assert result.mapping["csat"] == "Satisfaction"
    assert sorted(reject.reason for reject in result.rejects) == [
        "csat 10 is out of range 1-5",
        "csat 7 is out of range 1-5",
        "csat 9 is out of range 1-5",
    ]
    assert any("mapped to CSAT as asked" in note for note in result.notes)


@pytest.mark.parametrize(
    ("values", "scale"), [("1 2 7 6", "1-7"), ("0 3 10", "0-10"), ("1 9 10", "1-10"), ("1 2 5", None)]
)
def test_plan_survey_file__csat_scale_detected_and_stated(values: str, scale: str | None) -> None:
    rows = ["Date,CSAT"] + [f"2026-01-0{day + 1},{value}" for day, value in enumerate(values.split())]
    result = read("\n".join(rows).encode(), "x.csv")
    if scale is None:
        assert result.mapping["csat"] == "CSAT"
    else:
        assert "csat" not in result.mapping
        assert any(f"looks like a {scale} scale" in note for note in result.notes)


def test_plan_survey_file__ces_column_found_by_its_question_on_seven_points() -> None:
    result = read(FIXTURES / "ces.csv")
    assert result.mapping["ces"].startswith("How easy was it to get what you needed?")
    assert [record.ces for record in result.records] == [7, 6, 5, 2, None, 4, 1]
    assert not result.rejects and not any("scale" in note for note in result.notes)


@pytest.mark.parametrize("header", ["Customer Effort Score", "CES", "Effort", "How easy was it to order?"])
def test_plan_survey_file__ces_headers_are_detected(header: str) -> None:
    rows = [f"Date,{header},Which services did you use"] + [
        f"2026-01-0{day},{day},{day}" for day in range(1, 8)
    ]
    result = read("\n".join(rows).encode(), "x.csv")
    assert result.mapping["ces"] == header
    assert [record.ces for record in result.records] == list(range(1, 8))
    assert "Which services did you use" not in result.mapping.values()  # "ces" only as a whole name


def test_plan_survey_file__ces_agreement_labels_read_as_one_to_seven() -> None:
    rows = [
        "Date,CES",
        "2026-01-01,Strongly agree",
        "2026-01-02,Somewhat disagree",
        "2026-01-03,Strongly disagree",
    ]
    assert [record.ces for record in read("\n".join(rows).encode(), "x.csv").records] == [7, 3, 1]


@pytest.mark.parametrize(
    ("header", "labels", "mapped"),
    [
        ("CSAT", ["Very satisfied", "Dissatisfied", "Neutral"], [5, 2, 3]),
        ("CES", ["Strongly agree", "Somewhat disagree", "Agree"], [7, 3, 6]),
        ("CSAT", ["Strongly agree", "Somewhat disagree", "Agree"], None),  # another scale's words
        ("CES", ["Very satisfied", "Dissatisfied", "Neutral"], None),
    ],
)
def test_plan_survey_file__score_labels_fit_only_their_own_scale(
    header: str, labels: list[str], mapped: list[int] | None
) -> None:
    rows = [f"Date,{header}", *[f"2026-01-0{day},{label}" for day, label in enumerate(labels, start=1)]]
    result = read("\n".join(rows).encode(), "x.csv")
    field_name = header.lower()
    assert (field_name in result.mapping) == (mapped is not None)
    if mapped is not None:
        assert [getattr(record, field_name) for record in result.records] == mapped


def test_plan_survey_file__ces_on_a_five_point_effort_scale_is_stated_and_not_rescaled() -> None:
    rows = ["Date,NPS,Customer Effort Score"] + [f"2026-01-0{day},9,{day}" for day in range(1, 6)]
    data = "\n".join(rows).encode()
    result = read(data, "x.csv")
    assert "ces" not in result.mapping
    assert any(
        "looks like a 1-5 scale (values 1 to 5 seen); not used as CES, which Pulse counts on 1-7" in note
        for note in result.notes
    )
    assert result.records[0].raw == {"Customer Effort Score": "1"}
    forced = read(data, "x.csv", mapping_overrides={"ces": "Customer Effort Score"})
    assert [record.ces for record in forced.records] == [1, 2, 3, 4, 5]  # as given: never rescaled
    assert any("mapped to CES as asked" in note and "not rescaled" in note for note in forced.notes)


def test_plan_survey_file__forced_ces_rejects_values_outside_one_to_seven() -> None:
    rows = ["Date,Ease", "2026-01-01,7", "2026-01-02,9", "2026-01-03,0"]
    result = read("\n".join(rows).encode(), "x.csv", mapping_overrides={"ces": "Ease"})
    assert [record.ces for record in result.records] == [7]
    assert sorted(reject.reason for reject in result.rejects) == [
        "ces 0 is out of range 1-7",
        "ces 9 is out of range 1-7",
    ]


def test_plan_survey_file__unknown_field_or_column_is_an_input_error_with_hint() -> None:
    with pytest.raises(InputError, match="no field 'score'") as field_error:
        read(FIXTURES / "typeform.csv", mapping_overrides={"score": "#"})
    assert "csat" in field_error.value.hint
    with pytest.raises(InputError, match="no column 'Nope'") as column_error:
        read(FIXTURES / "typeform.csv", mapping_overrides={"nps": "Nope"})
    assert "Submit Date (UTC)" in column_error.value.hint


def test_parse_map_options__pairs_and_bad_pairs() -> None:
    assert parse_map_options(["nps=Q1", "text = Why = really"]) == {"nps": "Q1", "text": "Why = really"}
    with pytest.raises(InputError, match="not field=column"):
        parse_map_options(["nps"])


@pytest.mark.parametrize(
    ("name", "text"), [("map.json", '{"nps": "Q1", "text": "Q3"}'), ("map.toml", 'nps = "Q1"\ntext = "Q3"\n')]
)
def test_read_mapping_file__json_and_toml(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert read_mapping_file(path) == {"nps": "Q1", "text": "Q3"}


def test_read_mapping_file__not_a_table_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "map.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(InputError, match="not a table"):
        read_mapping_file(path)


def test_detect_mapping__preview_shows_rows_as_imported() -> None:
    plan = detect_mapping(FIXTURES / "qualtrics.csv", timezone="UTC", sample_rows=3)
    assert plan.data_rows is None
    preview = plan.preview(4)
    assert [row.get("nps") for row in preview[:3]] == [9, 5, 10]
    assert preview[3]["rejected"] == "nps 12 is out of range 0-10"


def test_survey_plan_preview__first_records_as_dicts() -> None:
    result = read(FIXTURES / "typeform.csv")
    assert [row["nps"] for row in result.preview(2)] == [10, 9]


# --- dates --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-31", datetime(2026, 1, 31, tzinfo=LONDON)),
        ("2026-07-31 14:05", datetime(2026, 7, 31, 14, 5, tzinfo=LONDON)),
        ("2026-01-31T14:05:09Z", utc(2026, 1, 31, 14, 5, 9)),
        ("2026-01-31T14:05:09+01:00", utc(2026, 1, 31, 13, 5, 9)),
        ("2026-01-31T14:05:09.250-05:00", datetime(2026, 1, 31, 19, 5, 9, 250000, tzinfo=UTC)),
        ("2026-01-31 14:05:09 UTC", utc(2026, 1, 31, 14, 5, 9)),
        ("2026/01/31 2:05:09 PM GMT+1", utc(2026, 1, 31, 13, 5, 9)),
        ("31/01/2026", datetime(2026, 1, 31, tzinfo=LONDON)),
        ("31.01.2026 14:05", datetime(2026, 1, 31, 14, 5, tzinfo=LONDON)),
        ("3/4/18 14:05", datetime(2018, 4, 3, 14, 5, tzinfo=LONDON)),
        ("03/04/2018 14:05:59", datetime(2018, 4, 3, 14, 5, 59, tzinfo=LONDON)),
        ("45678.5", datetime(2025, 1, 21, 12, 0, tzinfo=LONDON)),
        (45678, datetime(2025, 1, 21, tzinfo=LONDON)),
        (datetime(2026, 6, 1, 9, 30), datetime(2026, 6, 1, 9, 30, tzinfo=LONDON)),
    ],
)
def test_parse_moment__every_date_form(value: object, expected: datetime) -> None:
    assert parse_moment(value, LONDON, dayfirst=True) == expected


def test_parse_moment__month_first_reading() -> None:
    assert parse_moment("03/04/2018 2:05 pm", LONDON, dayfirst=False) == datetime(
        2018, 3, 4, 14, 5, tzinfo=LONDON
    )


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "31/02/2026", "", "12:00"])
def test_parse_moment__unparseable_dates_raise_value_error(value: str) -> None:
    with pytest.raises(ValueError, match="date"):
        parse_moment(value, LONDON, dayfirst=True)


def test_plan_survey_file__dayfirst_decided_from_the_whole_column() -> None:
    rows = ["Date,NPS"] + [f"0{month}/0{month + 1}/2026,9" for month in range(1, 9)] + ["25/01/2026,9"]
    result = read("\n".join(rows).encode(), "x.csv")
    assert result.dayfirst is True
    assert result.records[0].created_at == datetime(2026, 2, 1, tzinfo=LONDON).astimezone(UTC)


def test_plan_survey_file__monthfirst_decided_from_a_late_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(survey_plan, "DETECT_ROWS", 5)
    rows = ["Date,NPS"] + ["01/02/2026,9"] * 20 + ["01/25/2026,9"]
    result = read("\n".join(rows).encode(), "x.csv")
    assert result.dayfirst is False
    assert "Dates read month-first (01/25/2026 seen)." in result.notes


def test_plan_survey_file__ambiguous_dates_ask_for_dayfirst_or_monthfirst() -> None:
    with pytest.raises(InputError, match="day-first or month-first") as error:
        read(FIXTURES / "ambiguous_dates.csv")
    assert "--dayfirst" in error.value.hint and "--monthfirst" in error.value.hint
    assert read(FIXTURES / "ambiguous_dates.csv", dayfirst=False).records[0].created_at.month == 3


def test_plan_survey_file__naive_times_read_in_the_settings_time_zone() -> None:
    data = b"Date,NPS\n2026-07-01 12:00,9\n"
    assert imported(data, "x.csv", timezone="Europe/London").records[0].created_at == utc(2026, 7, 1, 11)
    assert imported(data, "x.csv", timezone="Asia/Tokyo").records[0].created_at == utc(2026, 7, 1, 3)


# --- encodings and delimiters -------------------------------------------------------------------------

COMMENT = "Café – très bon, 5€ well spent ’"
SAMPLE = 'Date{d}NPS{d}Comment\n2026-01-02{d}9{d}"{c}"\n2026-01-03{d}3{d}Nope\n'


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16", b""), ("cp1252", b""), ("latin-1", b"")],
)
def test_plan_survey_file__encodings(tmp_path: Path, encoding: str, bom: bytes) -> None:
    comment = (
        COMMENT.replace("–", "-").replace("€", "E").replace("’", "'") if encoding == "latin-1" else COMMENT
    )
    path = tmp_path / "export.csv"
    path.write_bytes(bom + SAMPLE.format(d=",", c=comment).encode(encoding))
    result = read(path)
    assert result.records[0].text == comment
    assert result.mapping["text"] == "Comment"  # a BOM does not stick to the first header


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_plan_survey_file__delimiters_sniffed(delimiter: str) -> None:
    result = read(SAMPLE.format(d=delimiter, c="Café, très bon; 5€ | ok").encode(), "export.csv")
    assert result.columns == ["Date", "NPS", "Comment"]
    assert [record.nps for record in result.records] == [9, 3]


def test_plan_survey_file__quoted_newlines_keep_physical_line_numbers() -> None:
    text = 'Date,NPS,Comment\n2026-01-02,9,"two\nlines"\n2026-01-03,99,bad\n'
    result = read(text.encode(), "x.csv")
    assert result.records[0].text == "two\nlines"
    assert [(reject.line, reject.reason) for reject in result.rejects] == [(4, "nps 99 is out of range 0-10")]


# --- XLSX ---------------------------------------------------------------------------------------------


def test_plan_survey_file__xlsx_with_datetimes_numbers_and_row_numbers(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Submitted At", "NPS", "CSAT", "Comment"])
    sheet.append([datetime(2026, 1, 5, 9, 30), 9, 5, "Lovely"])
    sheet.append([45678.25, 7.0, 4, None])
    sheet.append([datetime(2026, 1, 6), 11, 3, "Too high"])
    sheet.append([None, None, None, None])
    path = tmp_path / "export.xlsx"
    workbook.save(path)
    result = read(path)
    assert [(record.created_at, record.nps, record.csat, record.text) for record in result.records] == [
        (utc(2026, 1, 5, 9, 30), 9, 5, "Lovely"),
        (utc(2025, 1, 21, 6), 7, 4, None),
    ]
    assert [(reject.line, reject.reason) for reject in result.rejects] == [
        (4, "nps 11 is out of range 0-10"),
        (5, "empty row"),
    ]


def test_plan_survey_file__broken_xlsx_is_an_input_error() -> None:
    with pytest.raises(InputError, match="Excel workbook"):
        read(b"PK\x03\x04not really a zip", "export.xlsx")


# --- bad input ----------------------------------------------------------------------------------------


def test_plan_survey_file__binary_file_named_csv_is_refused() -> None:
    with pytest.raises(InputError, match="does not look like a text CSV") as error:
        read(FIXTURES / "binary.csv")
    assert "Export the survey as CSV" in error.value.hint


def test_plan_survey_file__undecodable_bytes_are_refused() -> None:
    noise = bytes(range(1, 32)) * 300
    with pytest.raises(InputError, match="does not look like a text CSV"):
        read(noise, "export.csv")


def test_plan_survey_file__oversize_file_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.csv"
    path.write_text("Date,NPS\n" + "2026-01-01,9\n" * 100, encoding="utf-8")
    monkeypatch.setattr(file_input, "MAX_FILE_BYTES", 1000)
    monkeypatch.setattr(file_input, "_OpenFile", lambda *_args: pytest.fail("opened an oversize file"))
    monkeypatch.setattr(Path, "open", lambda *_args, **_kwargs: pytest.fail("read an oversize file"))
    with pytest.raises(InputError, match="up to 0 MB") as error:
        read(path)
    assert "Split the export" in error.value.hint


def test_plan_survey_file__empty_file_is_an_input_error() -> None:
    with pytest.raises(InputError, match="is empty"):
        read(b"", "export.csv")


def test_plan_survey_file__no_date_column_rejects_every_row() -> None:
    result = read(FIXTURES / "no_date.csv")
    assert not result.records
    assert [(reject.line, reject.reason) for reject in result.rejects] == [
        (2, "no date column"),
        (3, "no date column"),
    ]
    assert any("No submission date column" in note for note in result.notes)


def test_plan_survey_file__html_emoji_and_scripts_kept_as_text() -> None:
    text = (
        "Date,NPS,Comment\n"
        "2026-01-02,9,\"<script>alert('x')</script> <b>bold</b>\"\n"
        "2026-01-03,8,Great 🥐🥐 спасибо مرحبا\n"
    )
    result = read(text.encode(), "x.csv")
    assert [record.text for record in result.records] == [
        "<script>alert('x')</script> <b>bold</b>",
        "Great 🥐🥐 спасибо مرحبا",
    ]


def test_plan_survey_file__every_bad_row_has_its_reason_and_line() -> None:
    text = (
        "Date,NPS,CSAT,Comment\n"
        "2026-01-02,9,,\n"  # 2: a score without a comment is fine
        ",,,\n"  # 3
        "\n"  # 4
        "not a date,9,4,x\n"  # 5
        "2026-01-03,-1,4,x\n"  # 6
        "2026-01-03,7.5,4,x\n"  # 7
        "2026-01-03,9,6,x\n"  # 8
        "2026-01-03,,,\n"  # 9
        "2026-01-03,9,4,x,extra\n"  # 10
        ",9,4,x\n"  # 11
    )
    result = read(text.encode(), "x.csv", mapping_overrides={"csat": "CSAT"})
    assert [(record.nps, record.text) for record in result.records] == [(9, None)]
    assert [(reject.line, reject.reason) for reject in result.rejects] == [
        (3, "empty row"),
        (4, "empty row"),
        (5, "unparseable date 'not a date'"),
        (6, "nps -1 is out of range 0-10"),
        (7, "nps 7.5 is not a whole number"),
        (8, "csat 6 is out of range 1-5"),
        (9, "no score and no comment"),
        (10, "the row has 5 cells but the header 4 columns"),
        (11, "no date"),
    ]
    assert all(reject.origin == "x.csv" for reject in result.rejects)
    assert result.rejects[2].raw == "not a date,9,4,x"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("9", 9),
        (" 10 ", 10),
        ("9.0", 9),
        ("10 - Extremely likely", 10),
        (7, 7),
        (8.0, 8),
        ("", None),
        (None, None),
    ],
)
def test_parse_score__accepted_forms(value: object, expected: int | None) -> None:
    assert parse_score(value, "nps", 0, 10) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("abc", "is not a number"),
        ("11", "out of range"),
        ("8.5", "not a whole number"),
        (True, "not a number"),
    ],
)
def test_parse_score__rejected_forms(value: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_score(value, "nps", 0, 10)


def test_plan_survey_file__same_content_gives_the_same_external_ids() -> None:
    first = read(FIXTURES / "google_forms.csv")
    second = read((FIXTURES / "google_forms.csv").read_bytes(), "google_forms.csv")
    assert [record.external_id for record in first.records] == [
        record.external_id for record in second.records
    ]
    assert all(record.external_id.startswith("sha256:") for record in first.records)


# --- the laws (the collector's, which open a store, are in tests/integration/test_survey_collector.py) ---


CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", " ", "9", "10", "11", "-1", "4.5", "n/a", "Very satisfied", "a@b.co"]),
    st.sampled_from(
        ["2026-01-02", "2026-01-02T10:00:00Z", "31/01/2026 10:00", "01/31/2026", "3/4/18", "45678.5"]
    ),
    st.integers(-5, 20).map(str),
)
HEADER = st.sampled_from(
    [
        "Date",
        "Timestamp",
        "NPS",
        "How likely to recommend?",
        "CSAT",
        "Satisfaction",
        "Comment",
        "Email",
        "Store",
        "#",
    ]
) | st.text(
    "abcdefghijklmnopqrstuvwxyzé0123456789 ?()", min_size=1, max_size=12
)  # header names hold no delimiter


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[bytes, int]:
    width = draw(st.integers(1, 6))
    # a header row of blank names is a blank line, which the importer skips before the header by design
    header = draw(
        st.lists(HEADER, min_size=width, max_size=width).filter(lambda names: any(map(str.strip, names)))
    )
    rows = draw(st.lists(st.lists(CELL, min_size=0, max_size=width + 1), min_size=0, max_size=25))
    # A one-column export shows no delimiter (its reader takes a comma), so it is written with one.
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"])) if width > 1 else ","
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row or [""])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
    return buffer.getvalue().encode(encoding), len(rows)


@settings(max_examples=150, deadline=None)
@given(csv_files())
def test_plan_survey_file__every_row_imported_or_rejected(file: tuple[bytes, int]) -> None:
    data, data_rows = file
    try:
        result = imported(data, "random.csv", dayfirst=True, timezone="Europe/London")
    except InputError as error:  # only whole-file problems may stop an import
        assert "header" in error.message or "no rows" in error.message or "not look like" in error.message
        return
    assert len(result.records) + len(result.rejects) == data_rows
    assert all(isinstance(record, FeedbackRecord) for record in result.records)
    assert all(reject.line is not None and reject.line >= 2 for reject in result.rejects)


def test_parse_moment__fixed_offset_zone_object_accepted() -> None:
    zone = timezone(timedelta(hours=2))
    assert parse_moment("2026-01-02 12:00", zone) == utc(2026, 1, 2, 10)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000), st.sampled_from(["random.csv", "random.json", "random.xlsx"]))
def test_plan_survey_file__random_bytes_are_imported_rejected_or_refused_with_a_message(
    data: bytes, name: str
) -> None:
    try:
        result = imported(data, name, dayfirst=True, timezone="Europe/London")
    except InputError as error:  # a whole file that cannot be read is refused, saying why
        assert error.message
        return
    assert all(isinstance(record, FeedbackRecord) for record in result.records)
    assert all(reject.reason for reject in result.rejects)
