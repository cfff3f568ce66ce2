"""Finding and redacting personal data in customer texts."""

from __future__ import annotations

import polars as pl
import pytest

from analysis.personal_data import has_personal_data, luhn_valid, mask_emails, redact, redact_expr


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("Mail me at Jo.Smith+pulse@example.co.uk please", "Mail me at [email] please"),
        ("Call 07700 900123 or +44 (20) 7946-0000", "Call [phone] or [phone]"),
        ("My card 4111 1111 1111 1111 was charged twice", "My card [card number] was charged twice"),
        ("@BakeryHelp no reply yet", "[handle] no reply yet"),
        ("Order 1234567890123456 arrived", "Order [phone] arrived"),  # fails Luhn: a long number still hides
        (
            "Queued 20 minutes at 3.15pm, paid £4.50 for 2 loaves",
            "Queued 20 minutes at 3.15pm, paid £4.50 for 2 loaves",
        ),
        ("Email is bob@example.com and twitter @bob_k", "Email is [email] and twitter [handle]"),
    ],
)
def test_redact__hides_contacts_and_keeps_ordinary_numbers(text: str, redacted: str) -> None:
    assert redact(text) == redacted
    assert has_personal_data(text) == (text != redacted)


def test_luhn_valid__accepts_a_test_card_and_rejects_a_typo() -> None:
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")


def test_redact_expr__keeps_nulls() -> None:
    frame = pl.DataFrame({"text": ["ring 0161 496 0000", None]})
    assert frame.select(redact_expr(pl.col("text")))["text"].to_list() == ["ring [phone]", None]


def test_mask_emails__masks_addresses_and_keeps_dates_and_numbers() -> None:
    row = "R1,2026-11-16 09:00:00,Ann@Example.com,07700 900123,mail jo.k+x@example.co.uk"
    assert mask_emails(row) == "R1,2026-11-16 09:00:00,[email removed],07700 900123,mail [email removed]"
