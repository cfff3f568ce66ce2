"""Personal data in imports: personal columns left out of what is stored (feedback and rejects alike) and never
used as a segment; placeholder respondents ("anonymous") get no hash; every reject keeps its author's hash."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from collectors.reviews import read_review_file
from pulse.errors import InputError
from tests.survey_imports import imported

HEADER = (
    "Timestamp,Email,Name,Your name,Home address,Date of birth,Custom Data 1,Loyalty card number,Phone,"
    "IP Address,How likely are you to recommend us?,Comment,Which location?"
)
ROWS = [
    "2026-11-16 09:00:00,Ann@Example.com,Ann Smith,Ann,1 Mill Lane,1980-02-03,CRM-77,LC-4471-0093,07700 900123,"
    "203.0.113.9,9,Lovely bread,High Street",
    "2026-11-17 10:00:00,bob@example.com,Bob Jones,Bob,2 Mill Lane,1975-06-07,CRM-78,LC-4471-0094,07700 900124,"
    "203.0.113.10,eleven,Slow queue,Station Road",
]
PERSONAL = [
    "Email", "Name", "Your name", "Home address", "Date of birth", "Custom Data 1", "Loyalty card number", "Phone",
    "IP Address",
]  # fmt: skip
SECRETS = ["Smith", "Jones", "Mill Lane", "1975-06-07", "CRM-78", "LC-4471", "07700", "203.0.113", "bob@"]


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _as_json(csv_text: str) -> bytes:
    header, *rows = csv_text.splitlines()
    names = header.split(",")
    return json.dumps([dict(zip(names, row.split(","), strict=True)) for row in rows]).encode()


@pytest.mark.parametrize("form", ["csv", "json"])  # read as columns by polars, and row by row
def test_plan_survey_file__personal_columns_are_left_out_of_raw_and_rejects_and_said(form: str) -> None:
    text = "\n".join([HEADER, *ROWS]) + "\n"
    data = text.encode() if form == "csv" else _as_json(text)
    result = imported(data, f"answers.{form}", timezone="Europe/London")
    assert result.mapping["respondent"] == "Email"
    assert result.mapping["location"] == "Which location?"  # the branch: Pulse's own location still works
    assert "segment" not in result.mapping  # "Loyalty card number" is no segment
    assert result.left_out == [column for column in PERSONAL if column != "Email"]
    assert any(
        note.startswith("Left out as personal data") and "'Date of birth'" in note for note in result.notes
    )
    [record] = result.records
    assert record.raw is None or not set(record.raw) & set(PERSONAL)
    assert (record.location, record.segment) == ("High Street", None)
    [reject] = result.rejects
    assert not [secret for secret in SECRETS if secret in reject.raw], reject.raw
    assert "Slow queue" in reject.raw and "Station Road" in reject.raw  # what is not personal stays readable
    assert reject.author_hash == sha("bob@example.com")  # so that `pulse forget --email` finds it


def test_plan_survey_file__a_personal_column_is_never_detected_as_segment_location_or_channel() -> None:
    text = (
        "Submitted At,NPS,Customer loyalty card number,Home location coordinates,Contact phone channel\n"
        "2026-11-16 09:00:00,9,LC-1,51.5 -0.1,07700 900123\n"
    )
    result = imported(text.encode(), "x.csv", timezone="Europe/London")
    assert not {"segment", "location", "channel"} & set(result.mapping)
    assert result.records[0].raw is None


@pytest.mark.parametrize("field", ["segment", "location", "channel"])
def test_plan_survey_file__a_personal_column_mapped_as_segment_is_refused(field: str) -> None:
    text = "\n".join([HEADER, *ROWS]) + "\n"
    with pytest.raises(InputError, match="holds personal data") as raised:
        imported(text.encode(), "x.csv", {field: "Loyalty card number"}, timezone="Europe/London")
    assert f"--map {field}=" in raised.value.hint


def test_plan_survey_file__placeholder_respondents_are_no_one() -> None:
    rows = [
        f"{index},2026-11-16 09:{index:02d}:00,{email},{name},9,ok"
        for index, (email, name) in enumerate(
            [
                ("anonymous", ""),
                ("Anonymous", ""),
                ("n/a", "-"),
                ("-", ""),
                ("", ""),
                ("ann@example.com", "Ann"),
            ]
        )
    ]
    rows.append("7,2026-11-16 10:00:00,anonymous,,11,a score out of range")
    text = "\n".join(["ID,Start time,Email,Name,How likely are you to recommend us?,Comment", *rows]) + "\n"
    result = imported(text.encode(), "forms.csv", timezone="Europe/London")  # Microsoft Forms' shape
    assert [record.author_hash for record in result.records] == [None] * 5 + [sha("ann@example.com")]
    assert [reject.author_hash for reject in result.rejects] == [None]
    assert result.left_out == ["Name"]


# --- review files -------------------------------------------------------------------------------------

REVIEWS = (
    "date,rating,review,author,email,phone,note\n"
    "2024-05-01,5,Lovely,Nadia B.,nadia@example.com,07700 900125,first visit\n"
    "2024-05-02,9,Six stars,Al,al@example.com,07700 900126,mail me at al.k@example.org\n"
    "2024-05-03,4,Fine,Ivan,ivan@example.com,07700 900127,a note,one value too many\n"
)


def test_read_review_file__rejects_keep_the_authors_hash_and_no_personal_data(tmp_path: Path) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text(REVIEWS, encoding="utf-8")
    imported = read_review_file(path)
    assert imported.left_out == ["email", "phone"]  # the author column is stored only as its hash
    assert any(note.startswith("Left out as personal data") for note in imported.notes)
    bad_stars, unreadable = imported.rejects
    assert bad_stars.author_hash == sha("Al")
    assert bad_stars.raw == json.dumps(
        {"date": "2024-05-02", "rating": "9", "review": "Six stars", "note": "mail me at [email removed]"}
    )
    assert "values but the header has" in unreadable.reason
    assert "ivan@" not in unreadable.raw and "[email removed]" in unreadable.raw
    assert imported.records[0].raw == {"preset": "generic"}
