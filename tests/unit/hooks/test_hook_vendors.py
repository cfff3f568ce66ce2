"""Each vendor's documented webhook body as a response for the survey importer, and what makes a body
malformed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from collectors.surveys.plan import plan_survey_file
from hooks.vendors import (
    MalformedBody,
    OtherEvent,
    SurveyResponse,
    read_google_forms,
    read_tally,
    read_typeform,
)
from tests.webhook_requests import body


def payload(name: str) -> Any:
    return json.loads(body(name))


def response(reading: object) -> SurveyResponse:
    assert isinstance(reading, SurveyResponse)
    return reading


def rows(reading: SurveyResponse) -> list[dict[str, Any]]:
    data = json.loads(reading.data)
    return data["items"] if isinstance(data, dict) else data


def test_read_typeform__the_documented_example_is_its_form_response_with_the_definition() -> None:
    reading = response(read_typeform(payload("typeform_example.json")))
    assert (reading.event_id, reading.form_id, reading.response_id) == (
        "LtWXD3crgy",
        "lT4Z3j",
        "a3a12ec67a1365927098a606107fac15",
    )
    assert reading.identity == "form:lT4Z3j"
    assert rows(reading) == [payload("typeform_example.json")["form_response"]]


def test_read_typeform__a_partial_response_is_another_event() -> None:
    partial = {**payload("typeform_example.json"), "event_type": "form_response_partial"}
    assert read_typeform(partial) == OtherEvent("LtWXD3crgy", "form_response_partial")


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda event: event.pop("event_id"), "has no event_id"),
        (lambda event: event["form_response"].pop("token"), "form_response has no token"),
        (lambda event: event["form_response"].update(answers="none"), "no list of answers"),
        (lambda event: event.update(form_response=[]), "form_response is not a JSON object"),
    ],
)
def test_read_typeform__refuses_a_body_without_its_required_fields(change: Any, said: str) -> None:
    event = payload("typeform_example.json")
    change(event)
    with pytest.raises(MalformedBody, match=said):
        read_typeform(event)


def test_read_tally__fields_become_columns_named_by_their_labels_with_option_texts() -> None:
    reading = response(read_tally(payload("tally_example.json")))
    assert (reading.event_id, reading.form_id, reading.response_id) == (
        "a4cb511e-d513-4fa5-baee-b815d718dfd1",
        "VwbNEw",
        "2wgx4n",
    )
    [row] = rows(reading)
    assert row["Submission ID"] == "2wgx4n"
    assert row["Submitted at"] == "2023-06-28T15:00:21.000Z"
    assert row["Long text"] == "Hello world"
    assert row["Multiple choice"] == "In progress"
    assert row["Checkboxes"] == "Swimming, Skiing"
    assert row["Checkboxes (Swimming)"] is True
    assert row["Matrix"] == {"Quality": "Satisfied", "Speed": "Neutral"}
    assert row["Linear scale"] == 7


def test_read_tally__two_fields_with_one_label_keep_both() -> None:
    event = payload("tally_nps.json")
    event["data"]["fields"].append({"key": "q_again", "label": "Email", "type": "INPUT_TEXT", "value": "x"})
    [row] = rows(response(read_tally(event)))
    assert (row["Email"], row["Email (2)"]) == ("jo@example.com", "x")


def test_read_tally__refuses_a_body_without_fields_and_ignores_other_events() -> None:
    event = payload("tally_nps.json")
    event["data"].pop("fields")
    with pytest.raises(MalformedBody, match="no list of fields"):
        read_tally(event)
    assert isinstance(read_tally({**payload("tally_nps.json"), "eventType": "OTHER"}), OtherEvent)


def test_read_google_forms__a_row_as_a_google_forms_export_writes_it() -> None:
    reading = response(read_google_forms(payload("google_forms.json")))
    assert reading.event_id == reading.response_id == "2_ABaOnuc3xZ0fKs1Dq8aVv0Y7uH4eJmL9bWnR5tC2pQx"
    [row] = rows(reading)
    assert list(row)[:3] == ["Timestamp", "Response ID", "Email Address"]
    assert row["Which shop did you visit?"] == "Station Road"


def test_read_google_forms__joins_list_answers_and_leaves_out_a_missing_email() -> None:
    event = {**payload("google_forms.json"), "respondentEmail": None}
    event["answers"] = {"Which did you try?": ["Sourdough", "Rye"], "Grid": [["Good"], ["Poor"]]}
    [row] = rows(response(read_google_forms(event)))
    assert "Email Address" not in row
    assert (row["Which did you try?"], row["Grid"]) == ("Sourdough, Rye", "Good, Poor")


@pytest.mark.parametrize("missing", ["formId", "responseId", "timestamp", "answers"])
def test_read_google_forms__refuses_a_body_without_its_required_fields(missing: str) -> None:
    event = payload("google_forms.json")
    event.pop(missing)
    with pytest.raises(MalformedBody):
        read_google_forms(event)


def test_read_google_forms__refuses_an_id_too_long_to_be_one() -> None:
    with pytest.raises(MalformedBody, match="too long"):
        read_google_forms({**payload("google_forms.json"), "responseId": "x" * 500})


@pytest.mark.parametrize(
    ("name", "reader", "mapping"),
    [
        (
            "typeform_nps.json",
            read_typeform,
            {"nps": "recommend", "text": "reason", "location": "shop", "respondent": "contact"},
        ),
        (
            "tally_nps.json",
            read_tally,
            {
                "nps": "How likely are you to recommend Crumb & Kettle to a friend?",
                "text": "What is the main reason for your score?",
                "location": "Which shop did you visit?",
                "respondent": "Email",
                "response_id": "Submission ID",
                "created_at": "Submitted at",
            },
        ),
        (
            "google_forms.json",
            read_google_forms,
            {
                "nps": "How likely are you to recommend Crumb & Kettle to a friend?",
                "respondent": "Email Address",
            },
        ),
    ],
)
def test_survey_importer__maps_each_vendors_response_by_its_questions(
    name: str, reader: Any, mapping: dict[str, str]
) -> None:
    reading = response(reader(payload(name)))
    plan = plan_survey_file(reading.data, reading.file_name, timezone="Europe/London")
    assert mapping.items() <= plan.mapping.items()


def test_survey_importer__reads_typeform_webhook_questions_leaving_out_personal_ones() -> None:
    """The documented example's questions (its definition) say which answer is a first name: left out; its
    legal yes/no answer, whose question names a city, is not taken as a location."""
    reading = response(read_typeform(payload("typeform_example.json")))
    plan = plan_survey_file(reading.data, reading.file_name, timezone="Europe/London")
    assert plan.mapping == {
        "created_at": "submitted_at",
        "text": "DlXFaesGBpoF",
        "response_id": "response_id",
        "respondent": "SMEUb7VJz92Q",
    }
    assert "JwWggjAKtOkA" in plan.left_out  # "What is your first name?"
