"""Personal data in customer texts: emails, phone numbers, card-like numbers and @handles, found and redacted.

Quotes on the dashboard and every export go through `redact`, so that a staff-meeting handout never carries
who wrote or how to reach them.
"""

from __future__ import annotations

import re

import polars as pl

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")  # checked with Luhn before it is redacted
PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d ().-]{6,}\d(?!\w)")
HANDLE = re.compile(r"(?<![\w@])@\w{2,}")
MIN_PHONE_DIGITS = 7


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn check that payment card numbers carry."""
    total = 0
    for position, digit in enumerate(int(char) for char in reversed(digits)):
        doubled = digit * 2 if position % 2 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "[card number]" if luhn_valid(digits) else match.group()


def _phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "[phone]" if len(digits) >= MIN_PHONE_DIGITS else match.group()


def redact(text: str) -> str:
    """`text` with emails, card numbers, phone numbers and @handles replaced by [email], [card number],
    [phone] and [handle]."""
    text = EMAIL.sub("[email]", text)
    text = CARD.sub(_card, text)
    text = PHONE.sub(_phone, text)
    return HANDLE.sub("[handle]", text)


def has_personal_data(text: str) -> bool:
    """Whether `redact` would change `text`."""
    return redact(text) != text


def redact_expr(column: pl.Expr) -> pl.Expr:
    """`redact` over a text column (nulls stay null)."""
    return column.map_elements(redact, return_dtype=pl.String)


def mask_emails(text: str) -> str:
    """`text` with every email address replaced by [email removed]: what kept input rows (rejects, raw
    payloads) hold instead of an address."""
    return EMAIL.sub("[email removed]", text) if "@" in text else text
