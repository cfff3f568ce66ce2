"""A case's notification in words and payloads (reports.notifications), as data: Slack's Block Kit, Teams'
Adaptive Card and the email, with hostile customer text that must stay text."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from pulse.errors import DeliveryError
from reports.notifications import (
    QUOTE_LIMIT,
    case_email,
    case_message,
    quote_words,
    reason_words,
    retry_after_seconds,
    slack_escape,
    slack_payload,
    teams_payload,
)

DUE = datetime(2026, 11, 17, 14, 0, tzinfo=UTC)  # a Tuesday, 14:00 in London (GMT)
HOSTILE = (
    "<!channel> <@U024BE7LH> <https://evil.example|click me> *bold* _it_ ~gone~ `code` [link](https://x.example) "
    "**strong** & {{DATE(2017-02-14T06:00:00Z, SHORT)}} write to jo@example.com or call 07700 900123"
)


def case_row(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "notification_id": 7,
        "notification_channel": "slack",
        "target": "PULSE_NOTIFY_SLACK_URL",
        "attempts": 0,
        "case_id": 12,
        "reason": "detractor",
        "status": "new",
        "assignee": "sam",
        "due_at": DUE,
        "kind": "survey",
        "source": "Customer survey",
        "channel": "online",
        "location": "High Street",
        "created_at": datetime(2026, 11, 16, 9, tzinfo=UTC),
        "text": "The chatbot kept looping and I could not reach a person.",
        "nps": 3,
        "csat": 2,
        "stars": None,
    }
    return row | changes


def message(**changes: Any):  # type: ignore[no-untyped-def]
    return case_message(case_row(**changes), "Europe/London", "https://pulse.example.com/", "Crumb & Kettle")


def texts(payload: Any) -> list[str]:
    """Every string value in a payload, however deep."""
    if isinstance(payload, dict):
        return [text for value in payload.values() for text in texts(value)]
    if isinstance(payload, list):
        return [text for value in payload for text in texts(value)]
    return [payload] if isinstance(payload, str) else []


def test_case_message__says_why_where_and_when_with_the_words_and_a_link() -> None:
    words = message()
    assert words.subject == "New follow-up case 12: Detractor (NPS 3)"
    assert words.summary == (
        "Detractor (NPS 3) · survey answer from Customer survey, online, High Street · "
        "first contact due Tue 17 Nov, 14:00"
    )
    assert words.quote == "The chatbot kept looping and I could not reach a person."
    assert words.scores == "NPS 3, CSAT 2 of 5"
    assert words.assigned == "Assigned to sam"
    assert words.link == "https://pulse.example.com/follow-up?case=12"


def test_case_message__due_time_in_the_business_time_zone() -> None:
    summer = case_message(case_row(due_at=datetime(2026, 7, 14, 13, 0, tzinfo=UTC)), "Europe/London", None)
    assert summer.summary.endswith("first contact due Tue 14 Jul, 14:00")  # BST


def test_case_message__without_dashboard_url_or_assignee_or_text() -> None:
    words = case_message(
        case_row(assignee=None, text="  ", reason="low_stars", stars=2, nps=None), "UTC", None
    )
    assert (words.link, words.quote, words.assigned) == (None, None, "Not assigned yet")
    assert words.subject == "New follow-up case 12: 2-star review"
    assert "Find case 12 on Pulse's Follow-up page." in words.text()
    assert "actions" not in json.dumps(slack_payload(words))
    assert "actions" not in teams_payload(words)["attachments"][0]["content"]


@pytest.mark.parametrize(
    ("reason", "nps", "stars", "words"),
    [
        ("detractor", 0, None, "Detractor (NPS 0)"),
        ("detractor", None, None, "Detractor"),
        ("low_stars", None, 1, "1-star review"),
        ("impersonal", 9, None, "Complaint of impersonal service"),
        ("contact_request", None, None, "Asks to be contacted"),
        ("new_rule", None, None, "New rule"),
    ],
)
def test_reason_words__each_rule(reason: str, nps: int | None, stars: int | None, words: str) -> None:
    assert reason_words(reason, nps, stars) == words


def test_quote_words__redacts_contact_details_and_trims_at_a_word() -> None:
    assert (
        quote_words("Mail me at jo@example.com\nor ring 07700 900123") == "Mail me at [email] or ring [phone]"
    )
    long = quote_words("word " * 200)
    assert long is not None and long.endswith("word…") and len(long) <= QUOTE_LIMIT


def test_slack_escape__control_characters_become_entities() -> None:
    assert slack_escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"


def test_slack_payload__blocks_with_plain_text_fallback_and_a_button() -> None:
    payload = slack_payload(message())
    assert [block["type"] for block in payload["blocks"]] == [
        "header",
        "section",
        "section",
        "context",
        "actions",
    ]
    assert payload["blocks"][0]["text"] == {
        "type": "plain_text",
        "text": "New follow-up case 12: Detractor (NPS 3)",
        "emoji": False,
    }
    assert (
        payload["blocks"][2]["text"]["text"] == "“The chatbot kept looping and I could not reach a person.”"
    )
    button = payload["blocks"][-1]["elements"][0]
    assert button["type"] == "button" and button["url"] == "https://pulse.example.com/follow-up?case=12"
    assert payload["text"].startswith("New follow-up case 12: Detractor (NPS 3) · ")


def test_slack_payload__hostile_customer_text_is_no_markup_mention_or_link() -> None:
    payload = slack_payload(message(text=HOSTILE, location="<!here> & Co", channel="<@U1|boss>"))
    every_text = texts(payload)
    assert not any(character in text for text in every_text for character in "<>")
    quote = payload["blocks"][2]["text"]
    assert quote["type"] == "plain_text"  # no *bold*, _italic_, ~strike~ or `code` in plain text
    assert quote["text"].startswith(
        "“&lt;!channel&gt; &lt;[handle]&gt; &lt;https://evil.example|click me&gt;"
    )
    assert "&amp; {{DATE" in quote["text"] and "[email]" in quote["text"] and "[phone]" in quote["text"]
    assert "jo@example.com" not in json.dumps(payload)
    assert all(
        text["type"] == "plain_text"
        for block in payload["blocks"]
        for text in [block.get("text"), *block.get("elements", [])]
        if isinstance(text, dict) and "type" in text and text["type"] != "button"
    )
    assert "&lt;!here&gt; &amp; Co" in payload["blocks"][1]["text"]["text"]
    assert "&lt;!here&gt; &amp; Co" in payload["text"]


def test_teams_payload__adaptive_card_in_the_workflows_envelope() -> None:
    payload = teams_payload(message())
    assert payload["type"] == "message"
    (attachment,) = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["contentUrl"] is None
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert card["actions"] == [
        {
            "type": "Action.OpenUrl",
            "title": "Open case 12",
            "url": "https://pulse.example.com/follow-up?case=12",
        }
    ]
    runs = [inline for block in card["body"] for inline in block["inlines"]]
    assert {block["type"] for block in card["body"]} == {"RichTextBlock"}
    assert runs[0]["text"] == "New follow-up case 12: Detractor (NPS 3)" and runs[0]["weight"] == "Bolder"
    assert runs[2] == {
        "type": "TextRun",
        "text": "“The chatbot kept looping and I could not reach a person.”",
        "italic": True,
    }


def test_teams_payload__hostile_customer_text_only_in_text_runs() -> None:
    card = teams_payload(message(text=HOSTILE))["attachments"][0]["content"]
    quote = card["body"][2]["inlines"][0]
    assert quote["type"] == "TextRun"  # a TextRun is never read as Markdown, unlike a TextBlock
    assert "**strong**" in quote["text"] and "[link](https://x.example)" in quote["text"]
    assert not any(block["type"] == "TextBlock" for block in card["body"])
    assert "jo@example.com" not in json.dumps(card)


def test_case_email__plain_text_to_one_recipient() -> None:
    email = case_email(message(text=HOSTILE), "pulse@crumb.example", "owner@crumb.example")
    assert email["Subject"] == "New follow-up case 12: Detractor (NPS 3)"
    assert (email["From"], email["To"]) == ("pulse@crumb.example", "owner@crumb.example")
    assert email.get_content_type() == "text/plain"
    body = email.get_content()
    assert "Detractor (NPS 3) · survey answer from Customer survey" in body
    assert "“<!channel> <[handle]> <https://evil.example|click me>" in body  # plain text: as typed, redacted
    assert "jo@example.com" not in body and "[email]" in body
    assert "Open case 12: https://pulse.example.com/follow-up?case=12" in body
    assert "Sent by Pulse for Crumb & Kettle" in body


def test_case_message__line_breaks_in_names_stay_out_of_headers() -> None:
    words = message(location="High Street\r\nBcc: all@example.com")
    assert "\n" not in words.summary
    email = case_email(words, "pulse@crumb.example", "owner@crumb.example")
    assert "Bcc" not in {key for key, _ in email.items()}


def test_retry_after_seconds__seconds_dates_and_nonsense() -> None:
    now = datetime(2026, 11, 17, 14, 0, tzinfo=UTC)
    assert retry_after_seconds("30") == 30
    assert retry_after_seconds("Tue, 17 Nov 2026 14:02:00 GMT", now) == 120
    assert retry_after_seconds("Tue, 17 Nov 2026 13:00:00 GMT", now) == 0
    assert retry_after_seconds("9999999") == 24 * 3600
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_case_email__a_recipient_that_is_no_address_is_a_delivery_error() -> None:
    with pytest.raises(DeliveryError) as raised:
        case_email(message(), "pulse@crumb.example", "sam@crumb.example\r\nBcc: all@example.com")
    assert "is not an email address" in raised.value.message
