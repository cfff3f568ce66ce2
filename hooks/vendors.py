"""What each vendor's webhook body says (pure functions): the delivery's event id, the form, the response, and the
response as a one-response JSON file for the survey importer (collectors.surveys), which finds its columns and
maps them as it maps any export. Nothing here reads the answers' meaning: that is the importer's.

- Typeform (https://www.typeform.com/developers/webhooks/example-payload/): `form_response` is a responses-API
  item with the form's `definition` beside it, handed over as it is (collectors.surveys.layout reads both).
- Tally (https://tally.so/help/webhooks): `data.fields` become one column per field, named by its label; a
  choice's option ids are written as the options' texts, a matrix as {row: column}.
- Google Forms: the JSON that Pulse's Apps Script sends (docs/google-forms-webhook.gs): the response's id,
  time, respondent's email (when the form collects it) and each question's title with its answer, as the
  columns of a Google Forms export (Timestamp, Email Address, then the questions).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pulse.errors import InputError

MAX_ID_CHARS = 200  # a form id, a response id or an event id longer than this is not one


class MalformedBody(InputError):
    """A body that is not the vendor's webhook JSON (answered 400)."""


@dataclass(frozen=True)
class SurveyResponse:
    """One survey response from a delivery: where it goes, its ids, and itself as a file for the importer."""

    vendor: str  # typeform / tally / google_forms
    event_id: str  # the vendor's id of the delivery (the Apps Script's: the response's id)
    form_id: str
    response_id: str
    data: bytes  # a JSON list of one record, read by collectors.surveys like any export
    file_name: str  # shown in the importer's messages and as the origin of a rejected row

    @property
    def identity(self) -> str:
        """The source identity of the form (collectors.surveys.sources): `form:<id>`."""
        return f"form:{self.form_id}"


@dataclass(frozen=True)
class OtherEvent:
    """A delivery that holds no submitted response (a Typeform partial response): answered 200, stored nowhere."""

    event_id: str | None
    event_type: str


Reading = SurveyResponse | OtherEvent


def read_typeform(payload: Any) -> Reading:
    """A Typeform webhook body: `event_id`, `event_type` and `form_response` (form_id, token, submitted_at,
    answers, definition)."""
    hint = HINTS["typeform"]
    event = _object(payload, "The body", hint)
    event_id = _id(event, "event_id", "The body", hint)
    event_type = event.get("event_type")
    if event_type != "form_response":
        return OtherEvent(event_id, str(event_type))
    response = _object(event.get("form_response"), "form_response", hint)
    form_id = _id(response, "form_id", "form_response", hint)
    token = _id(response, "token", "form_response", hint)
    _text(response, "submitted_at", "form_response", hint)
    if not isinstance(response.get("answers"), list):
        raise MalformedBody("form_response has no list of answers.", hint=hint)
    data = json.dumps({"items": [response]}, ensure_ascii=False).encode("utf-8")
    return SurveyResponse("typeform", event_id, form_id, token, data, f"typeform-{token}.json")


def read_tally(payload: Any) -> Reading:
    """A Tally webhook body: `eventId`, `eventType` and `data` (responseId, formId, createdAt, fields)."""
    hint = HINTS["tally"]
    event = _object(payload, "The body", hint)
    event_id = _id(event, "eventId", "The body", hint)
    event_type = event.get("eventType")
    if event_type != "FORM_RESPONSE":
        return OtherEvent(event_id, str(event_type))
    data = _object(event.get("data"), "data", hint)
    form_id = _id(data, "formId", "data", hint)
    response_id = _id(data, "responseId", "data", hint)
    fields = data.get("fields")
    if not isinstance(fields, list) or not all(isinstance(field, dict) for field in fields):
        raise MalformedBody("data has no list of fields.", hint=hint)
    created_at = _text(data, "createdAt", "data", hint)
    row: dict[str, Any] = {"Submission ID": response_id, "Submitted at": created_at}
    for field in fields:
        name = str(field.get("label") or field.get("key") or f"Field {len(row) - 1}")
        row[_free(name, row)] = tally_value(field)
    return SurveyResponse("tally", event_id, form_id, response_id, _one_row(row), f"tally-{response_id}.json")


def read_google_forms(payload: Any) -> Reading:
    """The Apps Script's body: `formId`, `responseId`, `timestamp` (ISO 8601), `answers` ({question: answer})
    and `respondentEmail` (null when the form does not collect emails)."""
    hint = HINTS["google_forms"]
    body = _object(payload, "The body", hint)
    form_id = _id(body, "formId", "The body", hint)
    response_id = _id(body, "responseId", "The body", hint)
    answers = body.get("answers")
    if not isinstance(answers, dict):
        raise MalformedBody("The body has no answers object.", hint=hint)
    row: dict[str, Any] = {
        "Timestamp": _text(body, "timestamp", "The body", hint),
        "Response ID": response_id,
    }
    email = body.get("respondentEmail")
    if isinstance(email, str) and email.strip():
        row["Email Address"] = email
    for question, answer in answers.items():
        row[_free(str(question), row)] = _joined(answer)
    return SurveyResponse(
        "google_forms", response_id, form_id, response_id, _one_row(row), f"google-forms-{response_id}.json"
    )


READERS: Mapping[str, Callable[[Any], Reading]] = {
    "typeform": read_typeform,
    "tally": read_tally,
    "google_forms": read_google_forms,
}


def tally_value(field: Mapping[str, Any]) -> Any:
    """A Tally field's answer as a cell: option ids as the options' texts (joined by ", "), a matrix as
    {row text: column texts}, anything else as sent."""
    value = field.get("value")
    options = _texts(field.get("options"))
    if isinstance(value, list) and options:
        return ", ".join(options.get(str(item), str(item)) for item in value)
    if isinstance(value, dict) and (field.get("rows") or field.get("columns")):
        rows, columns = _texts(field.get("rows")), _texts(field.get("columns"))
        return {
            rows.get(str(key), str(key)): _joined([columns.get(str(item), str(item)) for item in chosen])
            if isinstance(chosen, list)
            else chosen
            for key, chosen in value.items()
        }
    return value


def _texts(choices: Any) -> dict[str, str]:
    """id -> text of Tally's options, rows or columns."""
    if not isinstance(choices, list):
        return {}
    return {
        str(choice["id"]): str(choice.get("text", choice["id"]))
        for choice in choices
        if isinstance(choice, dict) and "id" in choice
    }


def _joined(answer: Any) -> Any:
    """A list answer (checkboxes, a grid's rows) as text joined by ", "; anything else as it is."""
    if isinstance(answer, list):
        return ", ".join(str(_joined(item)) for item in answer if item is not None)
    return answer


def _one_row(row: dict[str, Any]) -> bytes:
    return json.dumps([row], ensure_ascii=False).encode("utf-8")


def _free(name: str, row: Mapping[str, Any]) -> str:
    """`name`, or `name (2)`... when the row has a column of that name already (two questions alike)."""
    candidate, number = name, 1
    while candidate in row:
        number += 1
        candidate = f"{name} ({number})"
    return candidate


HINTS = {  # what a malformed body suggests
    "typeform": "Is this Typeform's webhook? It sends form_response events as JSON to /hooks/typeform.",
    "tally": "Is this Tally's webhook? It sends FORM_RESPONSE events as JSON to /hooks/tally.",
    "google_forms": "Send Google Forms responses with Pulse's Apps Script (docs/google-forms-webhook.gs), as it "
    "is, to /hooks/google-forms.",
}


def _object(value: Any, what: str, hint: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedBody(f"{what} is not a JSON object.", hint=hint)
    return value


def _text(container: Mapping[str, Any], key: str, what: str, hint: str) -> str:
    value = container.get(key)
    if not isinstance(value, str) or not value.strip():
        raise MalformedBody(f"{what} has no {key}.", hint=hint)
    return value.strip()


def _id(container: Mapping[str, Any], key: str, what: str, hint: str) -> str:
    value = _text(container, key, what, hint)
    if len(value) > MAX_ID_CHARS:
        raise MalformedBody(
            f"{what}'s {key} is {len(value):,} characters long, too long for an id.", hint=hint
        )
    return value
