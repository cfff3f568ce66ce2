"""pulse.contact_crypto: contact details encrypted with PULSE_CONTACT_KEY, the key checked, rotation."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet, MultiFernet
from pydantic import SecretStr

from pulse.contact_crypto import (
    build_cipher,
    check_contact_key,
    contact_keys,
    decrypt_text,
    encrypt_text,
    key_problem,
    new_key,
    rotate_token,
)
from pulse.errors import ConfigError
from pulse.settings import build_settings

ADDRESS = "Ann.Lee+orders@example.co.uk"


def test_encrypt_text__round_trips_and_the_token_holds_no_address() -> None:
    cipher = build_cipher(SecretStr(new_key()))
    token = encrypt_text(cipher, ADDRESS)
    assert decrypt_text(cipher, token) == ADDRESS
    assert b"example" not in token and b"Ann" not in token and ADDRESS.encode() not in token
    assert encrypt_text(cipher, ADDRESS) != token  # a random IV: equal addresses do not show as equal tokens


def test_decrypt_text__another_key_or_changed_bytes_read_as_none() -> None:
    token = encrypt_text(build_cipher(new_key()), ADDRESS)
    assert decrypt_text(build_cipher(new_key()), token) is None
    cipher = build_cipher(new_key())
    good = bytearray(encrypt_text(cipher, ADDRESS))
    good[-5] = ord("A") if good[-5] != ord("A") else ord("B")  # one character of the HMAC changed
    assert decrypt_text(cipher, bytes(good)) is None
    assert decrypt_text(cipher, b"not a token") is None


def test_build_cipher__several_keys_the_first_encrypts_each_decrypts() -> None:
    old, new = new_key(), new_key()
    stored = encrypt_text(build_cipher(old), ADDRESS)
    both = build_cipher(f"{new}, {old}")
    assert decrypt_text(both, stored) == ADDRESS
    fresh = encrypt_text(both, ADDRESS)
    assert (
        decrypt_text(build_cipher(new), fresh) == ADDRESS and decrypt_text(build_cipher(old), fresh) is None
    )
    rotated = rotate_token(both, stored)
    assert rotated is not None and decrypt_text(build_cipher(new), rotated) == ADDRESS
    assert rotate_token(build_cipher(new_key()), stored) is None


def test_build_cipher__unset_is_a_config_error_that_says_no_contacts_are_kept() -> None:
    with pytest.raises(ConfigError) as raised:
        build_cipher(None)
    assert (
        "PULSE_CONTACT_KEY is unset" in raised.value.message
        and "keeps no contact details" in raised.value.message
    )
    assert "pulse contacts key" in raised.value.hint


@pytest.mark.parametrize("key", ["secret", "c2hvcnQ=", "", " , ", Fernet.generate_key().decode()[:-2]])
def test_check_contact_key__malformed_key_says_how_to_make_one_without_showing_it(key: str) -> None:
    with pytest.raises(ConfigError) as raised:
        check_contact_key(key)
    assert "PULSE_CONTACT_KEY" in raised.value.message and "pulse contacts key" in raised.value.hint
    assert not key.strip(" ,") or key not in str(raised.value)


def test_key_problem__names_which_of_several_keys_is_wrong() -> None:
    assert key_problem(f"{new_key()},{new_key()}") is None
    assert "key 2 of 2" in (key_problem(f"{new_key()},oops") or "")
    key = new_key()
    assert contact_keys(SecretStr(f" {key} ,, ")) == [key]
    assert contact_keys(b"a,b") == ["a", "b"]


def test_new_key__is_a_fernet_key() -> None:
    key = new_key()
    assert len(key) == 44 and key.endswith("=")
    assert isinstance(build_cipher(key), MultiFernet)


def test_settings__contact_key_is_checked_and_a_blank_one_is_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    key = new_key()
    monkeypatch.setenv("PULSE_CONTACT_KEY", key)
    settings = build_settings()
    assert settings.contact_key is not None and settings.contact_key.get_secret_value() == key
    assert key not in repr(settings)
    monkeypatch.setenv("PULSE_CONTACT_KEY", "  ")
    assert build_settings().contact_key is None
    monkeypatch.setenv("PULSE_CONTACT_KEY", "my-secret-words")
    with pytest.raises(ConfigError) as raised:
        build_settings()
    assert "PULSE_CONTACT_KEY" in raised.value.message and "not a Fernet key" in raised.value.message
    assert "pulse contacts key" in raised.value.hint and "my-secret-words" not in str(raised.value)
