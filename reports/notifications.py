"""A new follow-up case in words, and delivered: one short line of why ("Detractor (NPS 3) · online, High
Street · first contact due Tue 17 Nov, 14:00"), the customer's words quoted (personal details redacted,
trimmed), and a link to the case on the Follow-up page; as an email (reports.mail's SMTP), a Slack
incoming-webhook message (Block Kit) or a Microsoft Teams webhook message (an Adaptive Card).

What people typed never becomes markup: in Slack every text that holds it is a `plain_text` object (no
formatting, links or mentions) with &, < and > escaped as Slack asks of all text; in Teams it is a RichTextBlock's
TextRun, which no client reads as Markdown (a TextBlock would); an email is plain text.

Teams: the card goes in the `attachments` envelope that Teams' Workflows webhooks ("When a Teams webhook request
is received", the replacement of the retired Office 365 connectors) accept, and that the older incoming
webhooks accept too; Workflows take Adaptive Cards only, not the connectors' MessageCard."""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from analysis.personal_data import redact
from pulse.errors import ConfigError, DeliveryError
from pulse.formatting import local_moment
from pulse.settings import EMAIL_ADDRESS, Settings
from reports.mail import check_smtp_login, send_message

QUOTE_LIMIT = 300  # characters of the customer's words in a message
WEBHOOK_TIMEOUT_SECONDS = 15
BODY_EXCERPT = 200  # characters of a refusing server's answer kept with the error
LONGEST_RETRY_AFTER_SECONDS = 24 * 3600
WEBHOOK_SETTINGS = {"slack": "notify_slack_url", "teams": "notify_teams_url"}
SERVICES = {"email": "Email", "slack": "Slack", "teams": "Microsoft Teams"}
WHAT = "the case notification"  # in reports.mail's errors
REASONS = {
    "impersonal": "Complaint of impersonal service",
    "contact_request": "Asks to be contacted",
}
KINDS = {"survey": "survey answer", "review": "review", "mention": "mention", "staff": "staff observation"}


def webhook_target(channel: str) -> str:
    """What a webhook notification's row names as its target: the setting that holds the URL
    ("PULSE_NOTIFY_SLACK_URL"), never the URL, which is a secret."""
    return f"PULSE_{WEBHOOK_SETTINGS[channel].upper()}"


@dataclass(frozen=True)
class CaseMessage:
    """A new case in words, for every channel."""

    case_id: int
    subject: str  # "New follow-up case 12: Detractor (NPS 3)"
    summary: str  # the line of why: what, where and when first contact is due
    quote: str | None  # the customer's words, redacted and trimmed, without quotation marks
    scores: str | None  # "NPS 3, CSAT 2 of 5"
    assigned: str  # "Assigned to sam" or "Not assigned yet"
    link: str | None  # the case on the Follow-up page; None without PULSE_DASHBOARD_URL
    business_name: str

    @property
    def link_words(self) -> str:
        return f"Open case {self.case_id}"

    def text(self) -> str:
        """The plain-text message (the email's body)."""
        lines = [self.summary, ""]
        if self.quote:
            lines += [f"“{self.quote}”", ""]
        if self.scores:
            lines.append(f"Scores: {self.scores}")
        lines.append(f"{self.assigned}.")
        if self.link:
            lines.append(f"{self.link_words}: {self.link}")
        else:
            lines.append(f"Find case {self.case_id} on Pulse's Follow-up page.")
        lines += ["", f"Sent by Pulse for {self.business_name}: a new case to follow up."]
        return "\n".join(lines) + "\n"


def case_message(
    case: Mapping[str, Any], timezone: str, dashboard_url: str | None, business_name: str = "Pulse"
) -> CaseMessage:
    """The message of a case: `case` is a row of store.notifications.read_due_notifications (the case, its
    feedback's kind, source, channel, location, text and scores)."""
    headline = one_line(reason_words(case["reason"], case.get("nps"), case.get("stars")))
    where = ", ".join(
        one_line(value) for value in (case.get("source"), case.get("channel"), case.get("location")) if value
    )
    kind = KINDS.get(case.get("kind") or "", "")
    details = [headline, f"{kind} from {where}" if kind and where else where or kind]
    if case.get("due_at") is not None:
        details.append(f"first contact due {due_words(case['due_at'], timezone)}")
    assignee = one_line(case.get("assignee") or "")
    return CaseMessage(
        case_id=int(case["case_id"]),
        subject=f"New follow-up case {case['case_id']}: {headline}",
        summary=" · ".join(detail for detail in details if detail),
        quote=quote_words(case.get("text")),
        scores=score_words(case.get("nps"), case.get("csat"), case.get("stars")),
        assigned=f"Assigned to {assignee}" if assignee else "Not assigned yet",
        link=case_link(dashboard_url, int(case["case_id"])),
        business_name=business_name,
    )


def reason_words(reason: str, nps: int | None = None, stars: int | None = None) -> str:
    """Why the case was made: 'Detractor (NPS 3)', '2-star review', 'Complaint of impersonal service',
    'Asks to be contacted'."""
    if reason == "detractor":
        return "Detractor" if nps is None else f"Detractor (NPS {nps})"
    if reason == "low_stars":
        return "Low-star review" if stars is None else f"{stars}-star review"
    return REASONS.get(reason, reason.replace("_", " ").capitalize())


def score_words(nps: int | None, csat: int | None, stars: int | None) -> str | None:
    """'NPS 3, CSAT 2 of 5, 1 star'; None without scores."""
    parts = [
        *([f"NPS {nps}"] if nps is not None else []),
        *([f"CSAT {csat} of 5"] if csat is not None else []),
        *([f"{stars} star{'' if stars == 1 else 's'}"] if stars is not None else []),
    ]
    return ", ".join(parts) or None


def due_words(due_at: datetime, timezone: str) -> str:
    """'Tue 17 Nov, 14:00' in the business's time zone."""
    local = local_moment(due_at, timezone)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def one_line(text: str) -> str:
    """`text` on one line: every run of white space (line breaks included) one space."""
    return " ".join(str(text).split())


def quote_words(text: str | None, limit: int = QUOTE_LIMIT) -> str | None:
    """The customer's words for a message: emails, phone and card numbers and @handles redacted
    (analysis.personal_data), on one line, cut at a word before `limit` characters with '…'; None when empty."""
    if not text or not text.strip():
        return None
    words = one_line(redact(text))
    if len(words) <= limit:
        return words
    cut = words[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,.;:") + "…"


def case_link(dashboard_url: str | None, case_id: int) -> str | None:
    """The case on the dashboard's Follow-up page; None without PULSE_DASHBOARD_URL."""
    if not dashboard_url:
        return None
    return f"{dashboard_url.rstrip('/')}/follow-up?case={case_id}"


# Slack


def slack_escape(text: str) -> str:
    """`text` as Slack shows it as typed: &, < and >, its control characters, as entities, so that no
    <!channel>, <@U123> or <https://...|link> comes of it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": slack_escape(text), "emoji": False}


SLACK_HEADER_LIMIT = 150  # characters of a header block's text


def slack_payload(message: CaseMessage) -> dict[str, Any]:
    """The Slack incoming-webhook message: Block Kit blocks (a header, the line of why, the quote, who has it,
    and a button to the case), and `text` for notifications and clients without blocks. Every text that holds
    what people typed is plain_text, escaped."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _slack_plain(message.subject[:SLACK_HEADER_LIMIT])},
        {"type": "section", "text": _slack_plain(message.summary)},
    ]
    if message.quote:
        blocks.append({"type": "section", "text": _slack_plain(f"“{message.quote}”")})
    context = [message.assigned, *([message.scores] if message.scores else [])]
    blocks.append({"type": "context", "elements": [_slack_plain(part) for part in context]})
    if message.link:
        button = {"type": "button", "text": _slack_plain(message.link_words), "url": message.link}
        blocks.append({"type": "actions", "elements": [button]})
    return {"text": slack_escape(f"{message.subject} · {message.summary}"), "blocks": blocks}


# Microsoft Teams


def _text_run(text: str, **style: Any) -> dict[str, Any]:
    """A RichTextBlock holding `text` as typed (a TextRun is never read as Markdown)."""
    return {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": text, **style}]}


def teams_payload(message: CaseMessage) -> dict[str, Any]:
    """The Teams webhook message: an Adaptive Card (version 1.4) in the `attachments` envelope of Workflows
    webhooks, with a button to the case."""
    body = [_text_run(message.subject, weight="Bolder", size="Medium"), _text_run(message.summary)]
    if message.quote:
        body.append(_text_run(f"“{message.quote}”", italic=True))
    body.append(
        _text_run(
            " · ".join([message.assigned, *([message.scores] if message.scores else [])]), isSubtle=True
        )
    )
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "fallbackText": message.subject,
        "body": body,
    }
    if message.link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": message.link_words, "url": message.link}]
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }


# Email


def case_email(message: CaseMessage, sender: str, recipient: str) -> EmailMessage:
    """The case as a plain-text email to one recipient (a DeliveryError when that is no address)."""
    if not EMAIL_ADDRESS.fullmatch(recipient):
        raise DeliveryError(
            f"{one_line(recipient)!r} is not an email address, so case {message.case_id} was not emailed to it.",
            hint="Correct the address in PULSE_NOTIFY_EMAIL or the assignee's account.",
        )
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = sender
    email["To"] = recipient
    email["Date"] = formatdate(localtime=True)
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    email.set_content(message.text())
    return email


def check_notification_mail_settings(settings: Settings) -> str:
    """The sender's address, or a ConfigError naming the first missing setting for emailing a case."""
    if not settings.smtp_host:
        raise ConfigError(
            "No SMTP server is configured, so case notifications cannot be emailed.",
            hint="Set PULSE_SMTP_HOST (and PULSE_SMTP_PORT, PULSE_SMTP_USER, PULSE_SMTP_PASSWORD), or stop "
            "emailing cases: unset PULSE_NOTIFY_EMAIL and set PULSE_NOTIFY_ASSIGNEE_EMAIL=false.",
        )
    if not settings.digest_sender:
        raise ConfigError(
            "No sender address is configured for case notifications.",
            hint="Set PULSE_DIGEST_SENDER, e.g. pulse@example.com (the digest's sender sends them too).",
        )
    check_smtp_login(settings)
    return settings.digest_sender


# Delivery


class WebhookError(DeliveryError):
    """A webhook that could not be reached or refused the message: `status` is the HTTP status (None when no
    answer came), `retry_after` the seconds a 429 or 503 asked to wait (None when it did not say)."""

    def __init__(
        self, message: str, hint: str = "", status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, hint)
        self.status = status
        self.retry_after = retry_after


def deliver(case: Mapping[str, Any], settings: Settings, tls_context: ssl.SSLContext | None = None) -> None:
    """Send one notification (a row of read_due_notifications) as its channel says; a ConfigError,
    DeliveryError or WebhookError says why it did not go."""
    message = case_message(case, settings.timezone, settings.dashboard_url, settings.business_name)
    channel = case["notification_channel"]
    if channel == "email":
        sender = check_notification_mail_settings(settings)
        send_message(case_email(message, sender, case["target"]), settings, tls_context, WHAT)
        return
    if channel not in WEBHOOK_SETTINGS:
        raise ConfigError(
            f"Pulse does not send notifications by {channel!r}.", hint="Queue email, slack or teams."
        )
    url = getattr(settings, WEBHOOK_SETTINGS[channel])
    if url is None:
        raise ConfigError(
            f"{webhook_target(channel)} is not set any more, so this {SERVICES[channel]} notification cannot go.",
            hint=f"Set {webhook_target(channel)} in the environment again; the notification is tried again later.",
        )
    payload = slack_payload(message) if channel == "slack" else teams_payload(message)
    post_webhook(url.get_secret_value(), payload, SERVICES[channel], "ok" if channel == "slack" else None)


def post_webhook(
    url: str,
    payload: Mapping[str, Any],
    service: str,
    expect_body: str | None = None,
    timeout: float = WEBHOOK_TIMEOUT_SECONDS,
) -> None:
    """POST `payload` as JSON to an incoming webhook; a WebhookError unless it answers 2xx (and, when given,
    with `expect_body`: Slack answers "ok"). Errors name the host, never the URL: its path is the secret."""
    import requests  # here, as collectors do: the command line's start-up stays light

    host = urlsplit(url).hostname or "the webhook"
    try:
        response = requests.post(
            url,
            json=payload,
            timeout=timeout,
            allow_redirects=False,  # a redirect would turn the POST into a GET: a failure, said so
            headers={"User-Agent": "pulse-notifications"},
        )
    except requests.Timeout as error:
        raise WebhookError(
            f"{service} at {host} did not answer within {timeout:g} s ({type(error).__name__}).",
            hint="Pulse tries again later; check this machine's connection if it keeps happening.",
        ) from None
    except requests.RequestException as error:  # the message would carry the URL: its kind only
        raise WebhookError(
            f"Could not reach {service} at {host} ({type(error).__name__}).",
            hint=f"Check the webhook URL setting for {service} and this machine's connection to {host}.",
        ) from None
    excerpt = one_line(response.text)[:BODY_EXCERPT]
    if not 200 <= response.status_code < 300:
        raise WebhookError(
            f"{service} at {host} answered {response.status_code} {response.reason or ''}".rstrip()
            + (f": {excerpt}" if excerpt else "."),
            hint=_refusal_hint(service, response.status_code),
            status=response.status_code,
            retry_after=retry_after_seconds(response.headers.get("Retry-After")),
        )
    if expect_body is not None and response.text.strip() != expect_body:
        raise WebhookError(
            f"{service} at {host} answered {response.status_code} but not {expect_body!r}: {excerpt or '(nothing)'}.",
            hint=f"Check that the URL setting for {service} is an incoming webhook's.",
            status=response.status_code,
        )


def _refusal_hint(service: str, status: int) -> str:
    if status == 429:
        return f"{service} asked Pulse to slow down; it tries again when asked."
    if status >= 500:
        return f"{service} had a problem of its own; Pulse tries again later."
    if status in (401, 403, 404, 410):
        return (
            f"{service} no longer takes this webhook (removed, disabled or its channel archived): make a new one "
            "and set its URL in the environment."
        )
    return f"Check that the URL setting for {service} is that of an incoming webhook."


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """A Retry-After header's wait in seconds (a number of seconds, or an HTTP date), at most a day; None when
    absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = (moment - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), LONGEST_RETRY_AFTER_SECONDS)
