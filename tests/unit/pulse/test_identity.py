"""Placeholder identities and personal columns (pulse.identity)."""

from __future__ import annotations

import pytest

from pulse.identity import is_personal_column, is_placeholder_identity, label_words


@pytest.mark.parametrize(
    "value",
    [
        "anonymous", "Anonymous", " ANON ", "n/a", "N/A", "N.A.", "na", "-", "--", "?", "", None, "none",
        "NULL", "unknown", "Prefer not to say", "prefer-not-to-say", "A Google User", "not provided",
        "anonymous@example.com", "noreply@example.com",
    ],
)  # fmt: skip
def test_is_placeholder_identity__names_no_one(value: str | None) -> None:
    assert is_placeholder_identity(value)


@pytest.mark.parametrize(
    "value",
    ["ann@example.com", "Al", "10", "Anna", "C-1042", "Nadia B.", "anonymous-fan-42", "nat@example.com"],
)
def test_is_placeholder_identity__keeps_real_identities(value: str) -> None:
    assert not is_placeholder_identity(value)


@pytest.mark.parametrize(
    "label",
    [
        "Name", "Your name", "First Name", "RecipientLastName", "reviewer.displayName", "Customer name",
        "Email", "E-mail", "Email Address", "Phone", "Mobile number", "Home address", "Street", "Postcode",
        "ZIP code", "Date of birth", "DOB", "Birthday", "IPAddress", "IP Address", "LocationLatitude",
        "Location (lat, long)", "Geo location", "Customer ID", "CRM id", "Member number", "Loyalty card number",
        "Card number", "Custom Data 1", "custom_field_2", "ExternalReference", "Network ID", "user_id",
    ],
)  # fmt: skip
def test_is_personal_column__finds_names_contacts_addresses_births_places_and_customer_ids(
    label: str,
) -> None:
    assert is_personal_column(label)


@pytest.mark.parametrize(
    "label",
    [
        "Location", "Which location?", "Location Name", "Store name", "Name of the branch you visited",
        "Branch address", "City", "Region", "Channel", "Segment", "Loyalty tier", "Membership", "Customer type",
        "Respondent ID", "Response ID", "Collector ID", "Did you use the iPhone app?", "Timestamp",
        "Anything else you'd like to tell us? Please don't include your name or phone number",
        "How likely are you to recommend us to a friend?", "Name of product",
    ],
)  # fmt: skip
def test_is_personal_column__keeps_the_business_own_columns(label: str) -> None:
    assert not is_personal_column(label)


def test_is_personal_column__reads_a_question_text_or_type_beside_the_name() -> None:
    assert is_personal_column("Q8", "What is your name?")
    assert is_personal_column("field_7", "", "phone")
    assert not is_personal_column("Q1", "How likely are you to recommend us?")


def test_label_words__splits_camel_case_but_not_product_names() -> None:
    assert label_words("RecipientFirstName") == ["recipient", "first", "name"]
    assert label_words("IPAddress") == ["ip", "address"]
    assert label_words("iPhone app") == ["iphone", "app"]
