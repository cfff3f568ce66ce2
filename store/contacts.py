"""How to reach a respondent: their email address, encrypted with PULSE_CONTACT_KEY (pulse.contact_crypto), under
the hash their feedback carries (`feedback.author_hash`), so that a follow-up case can reach the person who was
unhappy and `pulse forget` deletes it with the rest of them.

Only Fernet tokens are stored: the store's file, a backup or a database dump holds no address in clear. An author
hash is the hash of the case-folded address, so a hash names one address: writing one already stored keeps it
(unless asked to replace it), which makes importing a file again cheap and idempotent. Without a key Pulse keeps
no contact details, and the functions that need one raise ConfigError."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Connection, Engine, func, select

from pulse.contact_crypto import (
    ROTATE_HINT,
    ContactCipher,
    ContactKey,
    ContactKeyError,
    build_cipher,
    decrypt_text,
    encrypt_text,
    rotate_token,
)
from pulse.errors import InputError
from store.engine import reading, upsert_insert, writing
from store.schema import contacts
from store.state import utc_now

CHUNK = 500  # hashes per query or statement, under every database's limit of bound parameters
MAX_HASH_CHARS = 64  # contacts.author_hash
MAX_ADDRESS_CHARS = 320
T = TypeVar("T")


def write_contacts(
    engine: Engine,
    emails: Mapping[str, str],
    key: ContactKey | ContactCipher | None,
    replace: bool = False,
) -> int:
    """Store each address of `emails` (author hash -> address) encrypted with `key`. A hash already stored keeps
    its contact unless `replace` (then it is encrypted again with the key's first key). Returns how many
    contacts were written. ConfigError when `key` is unset or malformed, InputError for an empty hash or
    address."""
    cipher = build_cipher(key)
    wanted = {
        _checked_hash(author_hash): _checked_address(address) for author_hash, address in emails.items()
    }
    if not replace:
        stored = stored_contact_hashes(engine, list(wanted))
        wanted = {
            author_hash: address for author_hash, address in wanted.items() if author_hash not in stored
        }
    tokens = {author_hash: encrypt_text(cipher, address) for author_hash, address in wanted.items()}
    return write_encrypted_contacts(engine, tokens, replace=replace)


def write_encrypted_contacts(engine: Engine, tokens: Mapping[str, bytes], replace: bool = False) -> int:
    """Store contacts already encrypted (author hash -> Fernet token; the survey importer encrypts them in its
    producer thread). A hash already stored keeps its contact unless `replace`. Returns how many were written."""
    rows = [{"author_hash": author_hash, "email": token} for author_hash, token in tokens.items()]
    if not rows:
        return 0
    now = utc_now()
    written = 0
    with writing(engine) as connection:
        for chunk in _chunks(rows):
            insert = upsert_insert(connection, contacts).values([{**row, "updated_at": now} for row in chunk])
            if replace:
                insert = insert.on_conflict_do_update(
                    index_elements=[contacts.c.author_hash],
                    set_={"email": insert.excluded.email, "updated_at": insert.excluded.updated_at},
                )
            else:
                insert = insert.on_conflict_do_nothing(index_elements=[contacts.c.author_hash])
            written += len(connection.execute(insert.returning(contacts.c.author_hash)).all())
    return written


def stored_contact_hashes(engine: Engine, author_hashes: Sequence[str]) -> set[str]:
    """Those of `author_hashes` that have a contact stored."""
    with reading(engine) as connection:
        return {
            author_hash
            for chunk in _chunks(list(dict.fromkeys(author_hashes)))
            for author_hash in connection.execute(
                select(contacts.c.author_hash).where(contacts.c.author_hash.in_(chunk))
            ).scalars()
        }


def read_contact(engine: Engine, author_hash: str, key: ContactKey | ContactCipher | None) -> str | None:
    """The address stored for `author_hash`, or None when there is none. ContactKeyError (a ConfigError, with
    what to do) when `key` cannot open it; ConfigError when `key` is unset or malformed."""
    found = read_contacts(engine, [author_hash], key)
    return found.get(author_hash)


def read_contacts(
    engine: Engine, author_hashes: Iterable[str], key: ContactKey | ContactCipher | None
) -> dict[str, str]:
    """The addresses stored for `author_hashes`, by hash (hashes without a contact are left out).
    ContactKeyError when `key` cannot open some of them: it says how many, and carries the readable ones
    (`readable`) and the hashes of the others (`unreadable`), so that a page can show what it can."""
    cipher = build_cipher(key)
    readable: dict[str, str] = {}
    unreadable: list[str] = []
    wanted = list(dict.fromkeys(author_hashes))
    with reading(engine) as connection:
        for chunk in _chunks(wanted):
            query = select(contacts.c.author_hash, contacts.c.email).where(contacts.c.author_hash.in_(chunk))
            for author_hash, token in connection.execute(query):
                address = decrypt_text(cipher, token)
                if address is None:
                    unreadable.append(author_hash)
                else:
                    readable[author_hash] = address
    if unreadable:
        raise ContactKeyError(
            unreadable_message(len(unreadable)), ROTATE_HINT, readable=readable, unreadable=unreadable
        )
    return readable


def unreadable_message(count: int) -> str:
    """What it means that `count` stored contacts cannot be read with the key."""
    return (
        f"{_contacts(count)} cannot be read with PULSE_CONTACT_KEY: another key stored "
        f"{'it' if count == 1 else 'them'}, or the stored bytes were changed."
    )


@dataclass(frozen=True)
class ContactCheck:
    """How many stored contacts the key opens, and how many it does not."""

    readable: int
    unreadable: int


def check_contacts(engine: Engine, key: ContactKey | ContactCipher | None) -> ContactCheck:
    """Try the key on every stored contact (`pulse contacts status`), showing none of them."""
    cipher = build_cipher(key)
    readable = unreadable = 0
    for rows in _all_contacts(engine):
        for _author_hash, token in rows:
            if decrypt_text(cipher, token) is None:
                unreadable += 1
            else:
                readable += 1
    return ContactCheck(readable, unreadable)


def _all_contacts(engine: Engine) -> Iterator[list[tuple[str, bytes]]]:
    """Every stored contact (author hash, token), CHUNK at a time in hash order."""
    after = ""
    while True:
        with reading(engine) as connection:
            rows = connection.execute(
                select(contacts.c.author_hash, contacts.c.email)
                .where(contacts.c.author_hash > after)
                .order_by(contacts.c.author_hash)
                .limit(CHUNK)
            ).all()
        if not rows:
            return
        yield [(row.author_hash, bytes(row.email)) for row in rows]
        after = rows[-1].author_hash


def count_contacts(engine: Engine) -> int:
    """How many respondents' contact details are stored (no key needed)."""
    with reading(engine) as connection:
        return count_contacts_in(connection)


def count_contacts_in(connection: Connection, author_hashes: Sequence[str] | None = None) -> int:
    """How many contacts are stored, or how many of `author_hashes` have one."""
    query = select(func.count()).select_from(contacts)
    if author_hashes is None:
        return int(connection.execute(query).scalar_one())
    return sum(
        int(connection.execute(query.where(contacts.c.author_hash.in_(chunk))).scalar_one())
        for chunk in _chunks(list(dict.fromkeys(author_hashes)))
    )


def delete_contacts(connection: Connection, author_hashes: Sequence[str]) -> int:
    """Delete the contacts of `author_hashes` in `connection`'s transaction (`pulse forget`); how many went."""
    return sum(
        int(connection.execute(contacts.delete().where(contacts.c.author_hash.in_(chunk))).rowcount)
        for chunk in _chunks(list(dict.fromkeys(author_hashes)))
    )


@dataclass(frozen=True)
class Rotation:
    """What `rotate_contacts` did: contacts encrypted again with the first key, and those no key could open
    (left as they were)."""

    rotated: int
    unreadable: int


def rotate_contacts(engine: Engine, key: ContactKey | ContactCipher | None) -> Rotation:
    """Encrypt every stored contact again with the first key of `key` (PULSE_CONTACT_KEY as "new,old"), so that
    the old key can then be dropped. Contacts that no key opens are left as they are and counted."""
    cipher = build_cipher(key)
    rotated = unreadable = 0
    for chunk in _all_contacts(engine):
        now = utc_now()
        with writing(engine) as connection:
            for author_hash, token in chunk:
                new_token = rotate_token(cipher, token)
                if new_token is None:
                    unreadable += 1
                    continue
                connection.execute(
                    contacts.update()
                    .where(contacts.c.author_hash == author_hash, contacts.c.email == token)
                    .values(email=new_token, updated_at=now)
                )
                rotated += 1
    return Rotation(rotated, unreadable)


def _checked_hash(author_hash: str) -> str:
    if not isinstance(author_hash, str) or not author_hash or len(author_hash) > MAX_HASH_CHARS:
        raise InputError(
            "A contact needs the author hash of its feedback (at most 64 characters).",
            hint="Hash the respondent as the collectors do (collectors.base.hash_author with the store's salt).",
        )
    return author_hash


def _checked_address(address: str) -> str:
    text = address.strip() if isinstance(address, str) else ""
    if not text or len(text) > MAX_ADDRESS_CHARS:
        raise InputError(
            f"A contact's address must hold 1 to {MAX_ADDRESS_CHARS} characters.",
            hint="Give the respondent's email address as the survey recorded it.",
        )
    return text


def _contacts(count: int) -> str:
    return "1 stored contact" if count == 1 else f"{count} stored contacts"


def _chunks(items: list[T]) -> Iterator[list[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
