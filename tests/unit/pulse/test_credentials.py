"""The rules for user names and passwords (pulse.credentials), without a store."""

from __future__ import annotations

import pytest

from pulse.credentials import check_email, check_password, check_username, normalise_username
from pulse.errors import InputError


def test_check_username__strips_spaces_and_composes_accents() -> None:
    assert check_username("  ann@example.com\n") == "ann@example.com"
    assert normalise_username("Jose\u0301") == "Jos\u00e9"


@pytest.mark.parametrize(
    "username", ["ann\nadmin", "an\tn", "a\x00nn", "ann\u202egnp.exe", "a\u200bnn", "a\u2028nn"]
)
def test_check_username__refuses_control_and_invisible_characters(username: str) -> None:
    with pytest.raises(InputError, match="control or invisible characters") as refused:
        check_username(username)
    assert "one line" in refused.value.hint


def test_check_username__refuses_an_empty_or_too_long_name() -> None:
    with pytest.raises(InputError, match="needs a name"):
        check_username(" \t ")
    with pytest.raises(InputError, match="at most 200"):
        check_username("a" * 201)


@pytest.mark.parametrize(
    ("password", "username", "why"),
    [
        ("short", "", "at least 10"),
        ("aaaaaaaaaa", "", "Repeats"),
        ("password12", "", "very common password"),
        ("qwertyuiop", "", "top-100 common password"),
        ("abcdefghij", "", "Sequences"),
        ("pat.lee@example.com", "pat.lee@example.com", "contains the user name"),
        ("the.real.PAT.LEE.rides", "pat.lee", "contains the user name"),
    ],
)
def test_check_password__refuses_guessable_passwords_and_says_why(
    password: str, username: str, why: str
) -> None:
    with pytest.raises(InputError, match=why) as refused:
        check_password(password, username)
    assert "unrelated words" in refused.value.hint


def test_check_password__accepts_a_few_unrelated_words() -> None:
    assert check_password("correct horse battery", "ann") == "correct horse battery"
    assert check_password("x" + "lantern harbour quill " * 20, "ann")  # long: estimated on its start only


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        (" ann@example.com\n", "ann@example.com"),
        ("Ann.Lee+cases@mail.example.co.uk", "Ann.Lee+cases@mail.example.co.uk"),
        ("josé@exämple.de", "josé@exämple.de"),
    ],
)
def test_check_email__keeps_one_address_trimmed(typed: str, kept: str) -> None:
    assert check_email(typed) == kept


@pytest.mark.parametrize(
    "typed",
    [
        "", "ann", "a@b", "ann@example", "@example.com", "ann@@example.com", "ann @example.com",
        "Ann <ann@example.com>", "ann@example.com, bob@example.com", "ann@-example.com", "a\u202e@example.com",
        "a" * 65 + "@example.com", "ann@" + "x" * 320 + ".com",
    ],
)  # fmt: skip
def test_check_email__refuses_what_is_not_one_address(typed: str) -> None:
    with pytest.raises(InputError, match="does not look like an email address") as refused:
        check_email(typed)
    assert "ann@example.com" in refused.value.hint
