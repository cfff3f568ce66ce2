"""Issue 17, "read right, not rejected": vendors' real export shapes read as they mean, each fixture shaped like
the vendor's own file (its docstring says where the shape comes from)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from collectors.files import MAX_JSON_DEPTH, read_file
from collectors.reviews import read_review_file
from collectors.surveys import detect_mapping, plan_survey_file, read_table
from collectors.values import MAX_TEXT_CHARS, parse_moment
from collectors.zones import zone_of
from pulse.errors import InputError
from tests.survey_imports import Imported
from tests.survey_imports import imported as survey_import

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "surveys"
LONDON = ZoneInfo("Europe/London")


def imported(source: Path | bytes, file_name: str | None = None, **options: Any) -> Imported:
    """The file imported (tests.survey_imports) with times read in Europe/London unless said."""
    return survey_import(source, file_name, **{"timezone": "Europe/London", **options})


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


# --- time zones ---------------------------------------------------------------------------------------


def test_plan_survey_file__google_forms_times_with_bst_and_gmt() -> None:
    """Google Forms' "Download responses (.csv)": every field quoted, CRLF, "Timestamp" first, times written
    "2025/04/01 01:14:16 PM BST" in the form owner's zone (GMT in winter, BST in summer). The file spans both
    clock changes of 2025, where only the abbreviation tells 01:20 BST from 01:20 GMT."""
    result = imported(FIXTURES / "google_forms_bst.csv")
    assert result.plan.preset == "google_forms"
    assert not result.rejects
    assert [record.created_at for record in result.records] == [
        utc(2025, 3, 29, 11, 2, 45),
        utc(2025, 3, 30, 0, 30, 0),
        utc(2025, 3, 30, 1, 15, 10),  # 02:15 BST, just after the clocks went forward
        utc(2025, 4, 1, 12, 14, 16),
        utc(2025, 10, 26, 0, 20, 0),  # 01:20 BST ...
        utc(2025, 10, 26, 1, 20, 0),  # ... and the same wall time an hour later, in GMT
    ]


def test_plan_survey_file__google_forms_times_with_us_zones() -> None:
    """Google Forms' CSV download of a form owned in the US: "2025/01/14 9:05:33 AM EST", EDT in summer, and
    the zone of whoever owns the form (PDT, MST)."""
    result = imported(FIXTURES / "google_forms_est.csv")
    assert not result.rejects
    assert [record.created_at for record in result.records] == [
        utc(2025, 1, 14, 14, 5, 33),
        utc(2025, 7, 4, 20, 45),
        utc(2025, 7, 4, 20, 45),
        utc(2025, 1, 14, 14, 5, 33),
    ]


@pytest.mark.parametrize(
    ("written", "business", "offset"),
    [
        ("IST", "Asia/Kolkata", timedelta(hours=5, minutes=30)),  # India Standard Time
        ("IST", "Europe/Dublin", timedelta(hours=1)),  # Irish Standard Time (summer)
        ("IST", "Asia/Jerusalem", timedelta(hours=2)),  # Israel Standard Time
        ("IST", "Europe/London", timedelta(hours=1)),  # no reading in London itself: Europe's
        ("IST", "America/New_York", timedelta(hours=5, minutes=30)),  # none in America: the commonest
        ("CST", "America/Chicago", timedelta(hours=-6)),
        ("CST", "Asia/Shanghai", timedelta(hours=8)),
        ("CST", "America/Havana", timedelta(hours=-5)),  # Cuba, although it is in America too
        ("BST", "Asia/Dhaka", timedelta(hours=6)),
        ("AEST", "Europe/London", timedelta(hours=10)),
        ("CEST", "Europe/Paris", timedelta(hours=2)),
        ("+0100", "Europe/London", timedelta(hours=1)),
        ("+01:00", "Europe/London", timedelta(hours=1)),
        ("UTC+1", "Europe/London", timedelta(hours=1)),
        ("GMT-05:30", "Europe/London", timedelta(hours=-5, minutes=-30)),
    ],
)
def test_zone_of__abbreviations_read_in_the_business_zone(
    written: str, business: str, offset: timedelta
) -> None:
    moment = datetime(2025, 4, 1, 12, 0)
    assert zone_of(written, ZoneInfo(business)).utcoffset(moment) == offset


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2025/04/01 01:14:16 PM BST", utc(2025, 4, 1, 12, 14, 16)),
        ("01/04/2025 13:14 CEST", utc(2025, 4, 1, 11, 14)),
        ("2025-04-01 13:14:16 +0100", utc(2025, 4, 1, 12, 14, 16)),
        ("2025-04-01 13:14 UTC+1", utc(2025, 4, 1, 12, 14)),
        ("2025-04-01 13:14 (AEST)", utc(2025, 4, 1, 3, 14)),
        ("2025-07-01 10:00 PT", utc(2025, 7, 1, 17, 0)),  # Pacific time, summer: PDT
        ("2025-01-01 10:00 PT", utc(2025, 1, 1, 18, 0)),  # winter: PST
    ],
)
def test_parse_moment__zone_abbreviations_and_offsets(written: str, expected: datetime) -> None:
    assert parse_moment(written, LONDON, dayfirst=True) == expected


def test_parse_moment__an_unknown_abbreviation_is_a_reason_not_a_guess() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'XYZ'"):
        parse_moment("2025/04/01 01:14:16 PM XYZ", LONDON)


# --- Microsoft Forms, Delighted, month names, Unix times ----------------------------------------------


def test_plan_survey_file__microsoft_forms_takes_the_completion_time() -> None:
    """Microsoft Forms' "Open results in Excel" workbook (make_workbooks.py): "ID", "Start time", "Completion
    time", "Email", "Name", "Last modified time", then the questions. The answer is sent at "Completion
    time", 1 to 30 minutes after the form was opened (and, for the third row, on the next day)."""
    result = imported(FIXTURES / "microsoft_forms.xlsx")
    assert result.plan.preset == "microsoft_forms"
    assert result.plan.mapping["created_at"] == "Completion time"
    assert result.plan.mapping["response_id"] == "ID"
    assert not result.rejects
    assert [record.created_at for record in result.records] == [
        utc(2025, 4, 1, 8, 14, 40),
        utc(2025, 4, 1, 12, 20, 1),
        utc(2025, 4, 1, 23, 3, 30),
        utc(2025, 4, 2, 7, 1, 15),
    ]
    assert [record.nps for record in result.records] == [9, 4, 10, 7]
    assert "Name" in result.plan.left_out


def test_plan_survey_file__delighted_json_score_as_nps_and_unix_times() -> None:
    """Delighted's survey responses JSON (its API's GET /v1/survey_responses.json, as its docs show): `id`,
    `person`, `survey_type`, `score`, `comment`, `permalink`, `created_at` and `updated_at` as Unix times,
    `person_properties`, `notes`, `tags`, `additional_answers`."""
    result = imported(FIXTURES / "delighted_responses.json")
    assert result.plan.preset == "delighted"
    assert result.plan.mapping["nps"] == "score"
    assert result.plan.mapping["created_at"] == "created_at"
    assert not result.rejects
    assert [(record.created_at, record.nps, record.text) for record in result.records] == [
        (utc(2026, 2, 16, 15, 4), 9, "Fast delivery and the parcel was well packed."),
        (utc(2026, 2, 17, 15, 4, 5), 3, "Support never answered my email."),
        (utc(2026, 2, 18, 15, 4, 5), 10, None),
    ]
    assert all(record.author_hash for record in result.records)  # `person` is hashed


def test_plan_survey_file__delighted_csat_survey_score_is_csat() -> None:
    """Delighted's CSAT surveys export the same shape, with survey_type "csat" and a 1-5 score."""
    responses = json.loads((FIXTURES / "delighted_responses.json").read_text(encoding="utf-8"))
    for response, score in zip(responses, (5, 2, 4), strict=True):
        response.update(survey_type="csat", score=score)
    result = imported(json.dumps(responses).encode(), "delighted.json")
    assert "nps" not in result.plan.mapping and result.plan.mapping["csat"] == "score"
    assert [record.csat for record in result.records] == [5, 2, 4]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (1771254240, utc(2026, 2, 16, 15, 4)),  # Unix seconds, a JSON number
        ("1771254240", utc(2026, 2, 16, 15, 4)),  # ... or text
        (1771254240123, utc(2026, 2, 16, 15, 4, 0) + timedelta(milliseconds=123)),  # milliseconds
        (45443.4375, utc(2024, 5, 31, 9, 30)),  # still an Excel serial day, in the business's zone
    ],
)
def test_parse_moment__unix_times_in_seconds_and_milliseconds(written: Any, expected: datetime) -> None:
    assert parse_moment(written, LONDON) == expected


def test_plan_survey_file__month_name_dates() -> None:
    """A spreadsheet's CSV whose date column is formatted with month names, as Excel's "mmm d yyyy",
    "d mmmm yyyy", "mmmm d, yyyy h:mm AM/PM", RFC 2822 and "d-mmm-yyyy" formats write them."""
    result = imported(FIXTURES / "month_names.csv")
    assert result.plan.mapping["created_at"] == "Response date"
    assert not result.rejects
    assert [record.created_at for record in result.records] == [
        utc(2026, 2, 16),
        utc(2026, 2, 16),
        utc(2026, 2, 16, 15, 4),
        utc(2026, 2, 16, 15, 4, 5),
        utc(2026, 2, 17),
    ]


# --- where the table is: title rows, cover sheets ----------------------------------------------------


def test_plan_survey_file__xlsx_with_a_merged_title_row_finds_the_header() -> None:
    """A workbook laid out as a report (make_workbooks.py): a merged title cell on row 1, a blank row, the
    header on row 3."""
    result = imported(FIXTURES / "survey_title_row.xlsx")
    assert result.plan.mapping["nps"] == "How likely are you to recommend us?"
    assert result.plan.mapping["csat"] == "Overall satisfaction (1-5)"
    assert "Header on row 3 (the rows above it are a title, left out)." in result.plan.notes
    assert [(record.nps, record.csat) for record in result.records] == [
        (9, 5),
        (3, 2),
        (10, 5),
        (7, 4),
        (6, 3),
    ]
    assert not result.rejects


def test_plan_survey_file__xlsx_with_a_cover_sheet_reads_the_data_sheet() -> None:
    """A workbook whose first sheet is a cover page (title, who exported it and when) and whose second,
    "Responses", holds the table (make_workbooks.py)."""
    result = imported(FIXTURES / "survey_cover_sheet.xlsx")
    assert result.plan.notes[0].startswith("Read the worksheet 'Responses' of an Excel workbook")
    assert [record.nps for record in result.records] == [9, 3, 10, 7, 6]


def test_plan_survey_file__header_row_and_sheet_as_asked() -> None:
    cover = imported(FIXTURES / "survey_cover_sheet.xlsx", sheet="cover", header_row=3)
    assert cover.plan.columns == ["Exported by", "Reports team"]
    assert "Header on row 3 (as asked)." in cover.plan.notes
    with pytest.raises(InputError, match="no worksheet 'Answers'") as error:
        plan_survey_file(FIXTURES / "survey_cover_sheet.xlsx", sheet="Answers", timezone="UTC")
    assert "'Cover', 'Responses'" in error.value.hint
    with pytest.raises(InputError, match="no row 40"):
        plan_survey_file(FIXTURES / "survey_title_row.xlsx", header_row=40, timezone="UTC")


def test_read_review_file__xlsx_with_a_title_row_and_a_cover_sheet(tmp_path: Path) -> None:
    """The same report layout holding reviews: the review importer finds the same sheet and header."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "About"
    workbook.active["A1"] = "Reviews export"
    sheet = workbook.create_sheet("Reviews")
    sheet["A1"] = "All reviews, 2025"
    sheet.merge_cells("A1:C1")
    for row in (["date", "stars", "text"], ["2025-01-02", 5, "Lovely"], ["2025-01-03", 2, "Slow"]):
        sheet.append(row)
    workbook.save(tmp_path / "reviews.xlsx")
    result = read_review_file(tmp_path / "reviews.xlsx")
    assert [(record.stars, record.text) for record in result.records] == [(5, "Lovely"), (2, "Slow")]
    assert "Header on row 2 (the rows above it are a title, left out)." in result.notes


# --- scales, long comments ----------------------------------------------------------------------------


def test_plan_survey_file__one_odd_csat_answer_does_not_change_the_scale() -> None:
    """A survey CSV (Typeform-like "Submitted At") with 66 CSAT answers on 1-5 and one 0 (line 31)."""
    result = imported(FIXTURES / "csat_one_zero.csv")
    assert result.plan.mapping["csat"] == "How satisfied were you with your visit? (1-5)"
    assert len(result.records) == 66
    assert [(reject.line, reject.reason) for reject in result.rejects] == [(31, "csat 0 is out of range 1-5")]
    assert any("1 answer outside it (0) is rejected" in note for note in result.plan.notes)


def test_plan_survey_file__a_real_other_scale_is_still_said_and_left_out() -> None:
    result = imported(FIXTURES / "csat_ten_scale.csv")
    assert "csat" not in result.plan.mapping
    assert any("looks like a 1-10 scale" in note for note in result.plan.notes)


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_plan_survey_file__a_comment_over_the_csv_field_limit_is_stored_cut(
    tmp_path: Path, encoding: str
) -> None:
    """A survey CSV where one respondent pasted a 168,000-character text (Python's csv module stops at
    131,072 characters a field); in UTF-8 (read by polars) and in Windows-1252 (read row by row)."""
    long = "The room was lovely. " * 8_000
    path = tmp_path / "answers.csv"
    path.write_bytes(
        (
            "Submitted At,NPS,Comment\n"
            "2026-01-05 10:00,9,Fine\n"
            f'2026-01-06 11:00,3,"{long}é"\n'
            "2026-01-07 12:00,8,Good\n"
        ).encode(encoding)
    )
    result = imported(path)
    assert [record.nps for record in result.records] == [9, 3, 8] and not result.rejects
    cut = result.records[1]
    assert cut.text == long[:MAX_TEXT_CHARS]
    assert cut.raw == {"text_truncated_from_chars": len(long) + 1}
    assert any(
        note.startswith("1 comment longer than 100,000 characters (line 3)") for note in result.plan.notes
    )


def test_read_review_file__a_review_over_the_csv_field_limit_is_stored_cut(tmp_path: Path) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text(f'date,stars,text\n2026-01-05,5,Fine\n2026-01-06,2,"{"x" * 150_000}"\n', encoding="utf-8")
    result = read_review_file(path)
    assert [len(record.text or "") for record in result.records] == [4, MAX_TEXT_CHARS]
    assert result.records[1].raw == {"preset": "generic", "text_truncated_from_chars": 150_000}


# --- delimiters and encodings -------------------------------------------------------------------------


def test_plan_survey_file__excel_sep_line_gives_the_delimiter() -> None:
    """A CSV written for Excel in a semicolon locale: a first line "sep=;" (Excel's own hint), then the header
    and rows separated by semicolons."""
    result = imported(FIXTURES / "excel_sep_line.csv", dayfirst=True)
    assert result.plan.columns == ["Date", "NPS", "Commentaire", "Magasin"]
    assert (
        result.plan.notes[0] == "Read as UTF-8 CSV separated by semicolons, as its first line (sep=;) says."
    )
    assert [(record.nps, record.text) for record in result.records] == [
        (9, "Très bon accueil"),
        (4, "Trop d'attente, 20 minutes"),
        (10, None),
        (7, "Correct"),
    ]
    assert not result.rejects


def test_read_file__excel_sep_line_is_skipped_and_lines_stay_physical() -> None:
    table = read_file(b"sep=|\nDate|NPS\n2026-01-05|9\n", "export.csv")
    assert table.delimiter == "|"
    assert list(table.rows()) == [(2, ["Date", "NPS"]), (3, ["2026-01-05", "9"])]


def test_plan_survey_file__mac_roman_csv_keeps_the_euro_sign() -> None:
    """Excel for Mac's "CSV (Macintosh)": Mac Roman bytes (é 0x8E, è 0x8F, € 0xDB, curly quotes 0xD2-0xD5)
    and bare CR line ends."""
    result = imported(FIXTURES / "mac_roman.csv")
    assert result.plan.notes[0] == "Read as Mac Roman CSV separated by commas."
    assert [record.text for record in result.records] == [
        "Café très bon – menu à 12€",
        "“Décevant”: l’attente était longue",
        "Crème brûlée parfaite",
        "Service sympa, 5€ le café",
    ]


def test_read_file__windows_1252_is_not_taken_for_mac_roman() -> None:
    text = "Date,Comment\n2026-01-05,Crème brûlée – 5€ “top”\n2026-01-06,Très bien\n"
    table = read_file(text.encode("cp1252"), "export.csv")
    assert table.encoding == "cp1252"
    assert list(table.rows())[1][1][1] == "Crème brûlée – 5€ “top”"


def test_read_file__a_euro_sign_after_a_price_is_read_as_mac_roman() -> None:
    """Byte 0xDB after a digit: Mac Roman's €, Windows-1252's Û, Windows-1250's Ř."""
    table = read_file(b"Date,Price\n2026-01-05,5\xdb\n", "export.csv")
    assert table.encoding == "mac_roman" and list(table.rows())[1][1][1] == "5€"


def test_read_file__a_code_page_that_cannot_be_told_is_said_to_be_uncertain() -> None:
    """Byte 0xC9 starting a word: Windows-1252's É ("École") or Mac Roman's … ("…cole"), both plausible."""
    table = read_file(b"Date,Comment\n2026-01-05,\xc9cole\n", "export.csv")
    assert table.encoding == "cp1252" and list(table.rows())[1][1][1] == "École"
    assert "The encoding is uncertain: read as cp1252." in table.description


# --- JSON: lines and depth ----------------------------------------------------------------------------


def _deep(levels: int) -> str:
    return '{"a": ' * levels + "1" + "}" * levels


def test_survey_and_review_files__json_lines_agree(tmp_path: Path) -> None:
    """One JSON Lines export (one record a line, as Yelp's dataset and most APIs' bulk exports write them) read
    by both importers: the same records, and the same lines rejected for the same reasons (one line not JSON,
    one nested too deeply)."""
    lines = [
        '{"id": "r1", "date": "2026-01-05 10:00:00", "stars": 5, "nps": 9, "comment": "Great"}',
        "not json",
        '{"id": "r2", "date": "2026-01-06 10:00:00", "stars": 2, "nps": 3, "comment": ' + _deep(40) + "}",
        '{"id": "r3", "date": "2026-01-07 10:00:00", "stars": 4, "nps": 8, "comment": "Fine"}',
    ]
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    survey = imported(path)
    reviews = read_review_file(path)
    assert [record.text for record in survey.records] == [record.text for record in reviews.records]
    assert [record.text for record in reviews.records] == ["Great", "Fine"]
    reasons = [(2, "not valid JSON"), (3, f"nested more than {MAX_JSON_DEPTH} levels deep")]
    assert [(reject.line, reject.reason.split(":")[0]) for reject in survey.rejects] == reasons
    assert [(reject.line, reject.reason.split(":")[0]) for reject in reviews.rejects] == reasons


@pytest.mark.parametrize("levels", [100, 50_000])
def test_importers__deeply_nested_json_is_rejected_not_a_crash(tmp_path: Path, levels: int) -> None:
    """A JSON list whose second record nests 100 (parsed, then rejected) or 50,000 levels deep (more than
    Python's parser goes, even after PyMC's import raised the recursion limit to 10,000: the file is refused with
    a message), for `pulse import`, `--kind review` and `pulse score` (read_table)."""
    path = tmp_path / "export.json"
    path.write_text(
        '[{"date": "2026-01-05", "stars": 5, "nps": 9, "text": "Fine"},\n'
        f'{{"date": "2026-01-06", "stars": 1, "nps": 1, "text": {_deep(levels)}}}]\n',
        encoding="utf-8",
    )
    if levels > 1_000:
        for read in (lambda: imported(path), lambda: read_review_file(path), lambda: read_table(path)):
            with pytest.raises(InputError, match="nested more deeply than Pulse reads"):
                read()
        return
    survey = imported(path)
    assert [record.text for record in survey.records] == ["Fine"]
    assert [(reject.line, reject.reason) for reject in survey.rejects] == [
        (1, "nested more than 32 levels deep")
    ]
    reviews = read_review_file(path)
    assert [record.text for record in reviews.records] == ["Fine"] and len(reviews.rejects) == 1
    assert read_table(path)["text"].to_list() == ["Fine"]


# --- a header and nothing else ------------------------------------------------------------------------


def test_plan_survey_file__header_only_says_no_answers_and_maps_by_the_header() -> None:
    """Google Forms' CSV download of a form nobody has answered yet: the header row only."""
    plan = plan_survey_file(FIXTURES / "google_forms_header_only.csv", timezone="UTC")
    assert plan.data_rows == 0
    assert plan.mapping["nps"] == "How likely are you to recommend us to a friend or colleague?"
    assert plan.mapping["text"] == "Anything else you'd like to tell us?"
    assert any(note.startswith("The file has a header but no answers") for note in plan.notes)
    assert not any("No NPS, CSAT, CES or comment column found" in note for note in plan.notes)
    preview = detect_mapping(FIXTURES / "google_forms_header_only.csv", timezone="UTC")
    assert any(note.startswith("The file has a header but no answers") for note in preview.notes)


def test_zone_of__fixed_offsets_are_timezones() -> None:
    assert zone_of("+05:30") == timezone(timedelta(hours=5, minutes=30))
    assert zone_of("UTC") is UTC
