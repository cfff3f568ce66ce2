"""store.contacts on SQLite and PostgreSQL: addresses stored only as Fernet tokens, read back with the key, a wrong
key refused clearly, writes idempotent, keys rotated."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from pulse.contact_crypto import ContactKeyError, new_key
from pulse.errors import ConfigError, InputError
from store.contacts import (
    count_contacts,
    read_contact,
    read_contacts,
    rotate_contacts,
    stored_contact_hashes,
    write_contacts,
)
from store.engine import reading
from store.schema import contacts

ANN, BOB = "a" * 64, "b" * 64


def stored_tokens(engine: Engine) -> dict[str, bytes]:
    with reading(engine) as connection:
        return {row.author_hash: bytes(row.email) for row in connection.execute(select(contacts))}


def test_write_contacts__stores_only_tokens_and_reads_them_back(engine: Engine) -> None:
    key = new_key()
    assert write_contacts(engine, {ANN: " Ann@Example.com ", BOB: "bob@example.org"}, key) == 2
    tokens = stored_tokens(engine)
    assert set(tokens) == {ANN, BOB}
    for token in tokens.values():
        assert b"example" not in token.lower() and b"@" not in token
    assert read_contact(engine, ANN, key) == "Ann@Example.com"  # trimmed, as written
    assert read_contacts(engine, [ANN, BOB, "c" * 64], key) == {
        ANN: "Ann@Example.com",
        BOB: "bob@example.org",
    }
    assert read_contact(engine, "c" * 64, key) is None
    assert count_contacts(engine) == 2 and stored_contact_hashes(engine, [BOB, "c" * 64]) == {BOB}


def test_write_contacts__again_adds_nothing_and_keeps_the_stored_token(engine: Engine) -> None:
    key = new_key()
    write_contacts(engine, {ANN: "ann@example.com"}, key)
    before = stored_tokens(engine)
    assert write_contacts(engine, {ANN: "ANN@example.com"}, key) == 0
    assert stored_tokens(engine) == before and count_contacts(engine) == 1
    assert write_contacts(engine, {ANN: "ANN@example.com", BOB: "bob@example.org"}, key, replace=True) == 2
    assert read_contacts(engine, [ANN, BOB], key)[ANN] == "ANN@example.com" and count_contacts(engine) == 2


def test_read_contacts__another_key_is_a_clear_error_with_what_it_could_read(engine: Engine) -> None:
    first, second = new_key(), new_key()
    write_contacts(engine, {ANN: "ann@example.com"}, first)
    write_contacts(engine, {BOB: "bob@example.org"}, second)
    with pytest.raises(ContactKeyError) as raised:
        read_contacts(engine, [ANN, BOB], second)
    error = raised.value
    assert isinstance(error, ConfigError) and "1 stored contact cannot be read" in error.message
    assert "PULSE_CONTACT_KEY" in error.hint and "pulse contacts rotate" in error.hint
    assert error.readable == {BOB: "bob@example.org"} and error.unreadable == [ANN]
    with pytest.raises(ContactKeyError):
        read_contact(engine, ANN, second)
    assert "ann@example.com" not in str(error)


def test_contacts__need_a_key(engine: Engine) -> None:
    with pytest.raises(ConfigError) as unset:
        write_contacts(engine, {ANN: "ann@example.com"}, None)
    assert "keeps no contact details" in unset.value.message
    with pytest.raises(ConfigError):
        read_contact(engine, ANN, "not-a-key")
    with pytest.raises(InputError):
        write_contacts(engine, {ANN: "  "}, new_key())
    assert count_contacts(engine) == 0


def test_rotate_contacts__encrypts_again_with_the_first_key(engine: Engine) -> None:
    old, new = new_key(), new_key()
    emails = {f"{index:064d}": f"person{index}@example.com" for index in range(1200)}  # more than one chunk
    assert write_contacts(engine, emails, old) == 1200
    write_contacts(engine, {ANN: "ann@example.com"}, new_key())  # a key lost: left as it is
    rotation = rotate_contacts(engine, f"{new},{old}")
    assert (rotation.rotated, rotation.unreadable) == (1200, 1)
    hashes = list(emails)
    assert read_contacts(engine, hashes, new) == emails  # the old key is no longer needed
