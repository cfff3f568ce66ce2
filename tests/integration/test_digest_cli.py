"""`pulse digest` end to end: printed from a real store, and sent through a real SMTP server on localhost."""

from __future__ import annotations

import os
import socket
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner, Result

from cli.main import main
from reports import mail
from store.engine import build_engine
from store.explorer import correct_label
from store.feedback import read_feedback, upsert_feedback
from store.migrate import upgrade
from store.records import FeedbackFrame, FeedbackRecord, SourceSpec
from tests.smtp_server import local_smtp_server, self_signed_certificate

FIRST_WEEK = date(2026, 9, 7)  # a Monday; nine weeks of answers, the last one starting on 2 November
LATEST = FIRST_WEEK + timedelta(weeks=8)
# 40 answers a week: 24 promoters, 12 passives, 4 detractors (NPS +50), then 4, 12, 24 (NPS -50)
GOOD, BAD = [10] * 24 + [8] * 12 + [3] * 4, [10] * 4 + [8] * 12 + [3] * 24
NPS_ALERT = "NPS fell to -50 this week from 50 over the 8 weeks before (-100 points, 99% CI"


def week_of_answers(week: int, scores: list[int]) -> list[FeedbackRecord]:
    start = datetime.combine(FIRST_WEEK, datetime.min.time(), tzinfo=UTC) + timedelta(weeks=week, hours=9)
    return [
        FeedbackRecord(f"W{week}-{index}", "survey", start + timedelta(hours=4 * index), nps=score, csat=4)
        for index, score in enumerate(scores)
    ]


@pytest.fixture
def pulse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'pulse.db'}"
    engine = build_engine(url)
    upgrade(engine)
    records = [record for week in range(8) for record in week_of_answers(week, GOOD)]
    upsert_feedback(
        engine, SourceSpec("Survey", "survey", "csv"), FeedbackFrame.of([*records, *week_of_answers(8, BAD)])
    )
    engine.dispose()
    for name, value in {
        "DATABASE_URL": url,
        "TIMEZONE": "UTC",
        "BUSINESS_NAME": "Hardware Hut",
        "SMTP_STARTTLS": "false",  # the test server speaks plain SMTP on localhost
        "DIGEST_SENDER": "pulse@hardwarehut.example",
        "DIGEST_RECIPIENTS": "owner@hardwarehut.example, manager@hardwarehut.example",
    }.items():
        monkeypatch.setenv(f"PULSE_{name}", value)

    def invoke(*arguments: str) -> Result:
        return CliRunner().invoke(main, list(arguments), catch_exceptions=False)

    return invoke


def use_server(monkeypatch: pytest.MonkeyPatch, port: int, **settings: str) -> None:
    monkeypatch.setenv("PULSE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PULSE_SMTP_PORT", str(port))
    for name, value in settings.items():
        monkeypatch.setenv(f"PULSE_{name.upper()}", value)


def test_digest__prints_the_week_against_the_last_with_intervals_and_alerts(pulse) -> None:  # type: ignore[no-untyped-def]
    result = pulse("digest")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Hardware Hut: weekly pulse, 2–8 Nov 2026"
    assert "- Against 26 Oct – 1 Nov 2026." in lines
    nps = next(line for line in lines if line.startswith("- NPS:"))
    assert nps.startswith("- NPS: -50 (-100 pts against last week; 95% CI -")
    assert "- Responses: 40 (+0 against last week)" in lines
    assert any(line.startswith(f"- {NPS_ALERT}") for line in lines)
    assert "- No themes yet: run `pulse themes update` after `pulse analyze`." in lines


def test_digest__says_how_many_labels_the_team_corrected(pulse) -> None:  # type: ignore[no-untyped-def]
    engine = build_engine(os.environ["PULSE_DATABASE_URL"])
    latest = read_feedback(engine, ("id", "external_id")).filter(pl.col("external_id").str.starts_with("W8-"))
    correct_label(engine, int(latest["id"][0]), "impersonal", "true", by="editor")
    correct_label(engine, int(latest["id"][1]), "sentiment", "negative", by="editor")
    engine.dispose()
    lines = pulse("digest").output.splitlines()
    corrected = "- Includes 2 comments whose label your team corrected: their corrected labels count, not the scorer's."
    assert corrected in lines
    assert not any(
        line.startswith("- Includes") for line in pulse("digest", "--week", "2026-10-26").output.splitlines()
    )


def test_digest__a_past_week_by_any_of_its_days(pulse) -> None:  # type: ignore[no-untyped-def]
    result = pulse("digest", "--week", "2026-10-28")
    assert result.output.splitlines()[0] == "Hardware Hut: weekly pulse, 26 Oct – 1 Nov 2026"
    assert "- NPS: +50 (+0 pts against last week; 95% CI" in result.output
    assert "- None: no measure moved significantly" in result.output
    empty = pulse("digest", "--week", "2025-01-01")
    assert empty.exit_code == 1
    assert "There is no feedback in the week of 30 Dec 2024 – 5 Jan 2025." in empty.output
    assert "Hint: Weeks with feedback run from 7–13 Sep 2026 to 2–8 Nov 2026." in empty.output


def test_digest__sent_through_a_real_smtp_server(pulse, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    with local_smtp_server(users={"pulse": "s3cret"}) as server:
        use_server(monkeypatch, server.port, smtp_user="pulse", smtp_password="s3cret")
        result = pulse("digest", "--send")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "Sent 'Hardware Hut: weekly pulse, 2–8 Nov 2026' to owner@hardwarehut.example"
    )
    [received] = server.messages
    assert received.sender == "pulse@hardwarehut.example"
    assert received.recipients == ["owner@hardwarehut.example", "manager@hardwarehut.example"]
    message = received.message
    assert message["Subject"] == "Hardware Hut: weekly pulse, 2–8 Nov 2026"
    assert message["To"] == "owner@hardwarehut.example, manager@hardwarehut.example"
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "- NPS: -50 (-100 pts against last week; 95% CI" in text and NPS_ALERT in text
    assert "<li>NPS: -50 (-100 pts against last week; 95% CI" in html and NPS_ALERT in html


def test_digest__to_overrides_the_configured_recipients(pulse, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    with local_smtp_server() as server:
        use_server(monkeypatch, server.port)
        result = pulse("digest", "--send", "--to", "sam@example.com")
    assert result.exit_code == 0, result.output
    assert [message.recipients for message in server.messages] == [["sam@example.com"]]


def test_digest__refused_recipient_wrong_password_and_no_starttls_are_clear_errors(  # type: ignore[no-untyped-def]
    pulse, monkeypatch: pytest.MonkeyPatch
) -> None:
    with local_smtp_server(users={"pulse": "s3cret"}, refuse={"nobody@example.com"}) as server:
        use_server(monkeypatch, server.port, smtp_user="pulse", smtp_password="s3cret")
        refused = pulse("digest", "--send", "--to", "nobody@example.com")
        monkeypatch.setenv("PULSE_SMTP_PASSWORD", "wrong")
        wrong = pulse("digest", "--send")
        monkeypatch.setenv("PULSE_SMTP_STARTTLS", "true")
        plain = pulse("digest", "--send")
    assert server.messages == []
    assert refused.exit_code == 1
    assert "refused the recipients nobody@example.com (550 5.1.1 No such user here)" in refused.output
    assert "Hint: Check the addresses in PULSE_DIGEST_RECIPIENTS or --to." in refused.output
    assert "refused the user name or password (535 5.7.8 Bad credentials)" in wrong.output
    assert "does not offer STARTTLS, so Pulse did not send the digest in the clear" in plain.output
    assert "PULSE_SMTP_SECURITY=ssl for implicit TLS" in plain.output
    assert "PULSE_SMTP_SECURITY=none for a relay" in plain.output


def test_digest__missing_settings_or_no_server_say_what_to_set(
    pulse, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    no_host = pulse("digest", "--send")
    assert no_host.exit_code == 1
    assert "Error: No SMTP server is configured, so the digest cannot be sent." in no_host.output
    assert "Hint: Set PULSE_SMTP_HOST" in no_host.output
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    use_server(monkeypatch, closed_port)
    unreachable = pulse("digest", "--send")
    assert f"Could not reach the SMTP server 127.0.0.1:{closed_port}" in unreachable.output
    assert "Hint: Check PULSE_SMTP_HOST and PULSE_SMTP_PORT" in unreachable.output
    monkeypatch.delenv("PULSE_DIGEST_RECIPIENTS")
    assert "Set PULSE_DIGEST_RECIPIENTS" in pulse("digest", "--send").output
    monkeypatch.setenv("PULSE_SMTP_USER", "pulse")
    assert "PULSE_SMTP_PASSWORD is not" in pulse("digest", "--send", "--to", "a@example.com").output
    assert "--to is for sending" in pulse("digest", "--to", "a@example.com").output


def trust_the_test_certificate(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default context reads SSL_CERT_FILE for its authorities, as it would a company's own CA."""
    monkeypatch.setenv("SSL_CERT_FILE", str(self_signed_certificate()[0]))


def test_digest__sent_over_implicit_tls(pulse, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    trust_the_test_certificate(monkeypatch)
    with local_smtp_server(users={"pulse": "s3cret"}, tls="implicit") as server:
        # PULSE_SMTP_STARTTLS=false stays set from the fixture: PULSE_SMTP_SECURITY wins
        use_server(monkeypatch, server.port, smtp_security="ssl", smtp_user="pulse", smtp_password="s3cret")
        result = pulse("digest", "--send")
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith(f"via 127.0.0.1:{server.port} (implicit TLS).")
    [received] = server.messages
    assert received.encrypted and received.recipients == [
        "owner@hardwarehut.example",
        "manager@hardwarehut.example",
    ]
    assert received.message["Subject"] == "Hardware Hut: weekly pulse, 2–8 Nov 2026"


def test_digest__sent_over_starttls_by_default(pulse, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    trust_the_test_certificate(monkeypatch)
    monkeypatch.delenv("PULSE_SMTP_STARTTLS")
    with local_smtp_server(users={"pulse": "s3cret"}, tls="starttls") as server:
        use_server(monkeypatch, server.port, smtp_user="pulse", smtp_password="s3cret")
        result = pulse("digest", "--send")
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith(f"via 127.0.0.1:{server.port} (STARTTLS).")
    assert [message.encrypted for message in server.messages] == [True]


def test_digest__implicit_tls_against_a_plain_server_says_to_check_the_port_and_security(  # type: ignore[no-untyped-def]
    pulse, monkeypatch: pytest.MonkeyPatch
) -> None:
    with local_smtp_server() as server:  # plain SMTP, as on a STARTTLS port before the upgrade
        use_server(monkeypatch, server.port, smtp_security="ssl")
        result = pulse("digest", "--send")
    assert result.exit_code == 1 and server.messages == []
    assert (
        f"Error: The TLS handshake with the SMTP server 127.0.0.1:{server.port} failed (WRONG_VERSION_NUMBER): "
        "PULSE_SMTP_SECURITY is ssl (implicit TLS), but the server answered in plain text"
    ) in result.output
    assert (
        "Hint: Check PULSE_SMTP_PORT and PULSE_SMTP_SECURITY against your provider's settings"
        in result.output
    )
    assert "a server on port 587 or 25 wants PULSE_SMTP_SECURITY=starttls." in result.output


def test_digest__an_untrusted_certificate_says_what_to_check(pulse, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    with local_smtp_server(tls="implicit") as server:  # its self-signed certificate is not trusted here
        use_server(monkeypatch, server.port, smtp_security="ssl")
        result = pulse("digest", "--send")
    assert result.exit_code == 1 and server.messages == []
    assert "Error: Pulse could not verify the TLS certificate of the SMTP server" in result.output
    assert "(self-signed certificate), so it did not send the digest." in result.output
    assert "Hint: Check that PULSE_SMTP_HOST is the host name your provider gives" in result.output


def test_digest__a_plain_connection_to_an_implicit_tls_port_says_to_set_ssl(  # type: ignore[no-untyped-def]
    pulse, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mail, "TIMEOUT_SECONDS", 1)  # the server waits in silence for a TLS hello
    with local_smtp_server(tls="implicit") as server:
        use_server(monkeypatch, server.port, smtp_security="starttls")
        result = pulse("digest", "--send")
    assert result.exit_code == 1 and server.messages == []
    assert f"Error: The SMTP server 127.0.0.1:{server.port} closed the connection or stopped answering" in (
        result.output
    )
    assert "port 465 with SSL/TLS is PULSE_SMTP_SECURITY=ssl" in result.output


def test_digest__a_follow_up_section_with_the_weeks_cases_as_they_stood(pulse) -> None:  # type: ignore[no-untyped-def]
    from store.cases import NewCase, create_cases, set_case_status

    engine = build_engine(os.environ["PULSE_DATABASE_URL"])
    answers = read_feedback(engine, ("id", "external_id", "created_at", "nps")).filter(pl.col("nps") == 3)
    moments = {row[1]: (row[0], row[2]) for row in answers.iter_rows()}

    def case(external_id: str, contact_after: float | None = None, closed: bool = False) -> None:
        feedback_id, at = moments[external_id]
        made = at + timedelta(hours=1)
        [case_id] = create_cases(
            engine, [NewCase(feedback_id, "detractor", made + timedelta(hours=48))], now=made
        )
        if contact_after is not None:
            status = "resolved" if closed else "contacted"
            set_case_status(engine, case_id, status, "maya", now=made + timedelta(hours=contact_after))

    case("W8-16")  # Wednesday's, nobody reached them: overdue at the week's end
    case("W8-17", contact_after=4, closed=True)  # in time
    case("W8-18", contact_after=60)  # late, still open
    case("W8-39")  # Sunday evening's: still inside its due time
    case("W7-36")  # last week's (its 4 detractors are the last answers), never contacted: overdue too
    engine.dispose()
    lines = pulse("digest").output.splitlines()
    start = lines.index("Follow-up")
    assert lines[start + 1 : start + 5] == [
        "- New cases this week: 4 (4 detractors).",
        "- 1 of 3 cases contacted within the due time; median first contact 32 h.",
        "- Overdue now: 2 cases nobody has contacted by their due time (4 open in all).",
        "- Too few customers to compare next NPS answers yet: 0 followed up and 0 not followed up who answered "
        "again within 180 days (at least 10 of each are needed).",
    ]
    assert lines[start + 5].startswith("- Observational, not an experiment:")
    before = pulse("digest", "--week", "2026-10-26").output.splitlines()  # at that week's end
    start = before.index("Follow-up")
    assert before[start + 1 : start + 4] == [
        "- New cases this week: 1 (1 detractor).",
        "- No case is due yet.",
        "- None overdue (1 open).",
    ]
