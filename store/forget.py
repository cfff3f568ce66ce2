"""Forgetting a person: their feedback and everything derived from it, their orders and customer value, and their
contact details, for a deletion request.

A person is found by exactly one identity, never by a part of one: feedback, orders and rejected rows by the salted
hash of the identity (as written and case-folded, as emails are stored; and unsalted, for rows stored before
the store had a salt). Rejected rows kept before they carried a hash (or from a file without a respondent
column) are found when one of their cells is exactly the identity. A placeholder such as "anonymous" names no
one and is refused (pulse.identity)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Table, delete, func, or_, select

from pulse.errors import InputError
from pulse.identity import is_placeholder_identity
from store.authors import read_author_salt, salted_hash
from store.contacts import count_contacts_in, delete_contacts
from store.daily_counts import mark_feedback_stale, refresh_daily_counts
from store.embeddings import text_hash
from store.engine import reading, writing
from store.schema import (
    customer_values,
    embeddings,
    feedback,
    orders,
    rejected_rows,
    scores,
    topic_assignments,
)
from store.state import bump_data_version

Pieces = Callable[[str], list[str]]
DELIMITERS = ",;\t|"


@dataclass(frozen=True)
class Forgotten:
    """How many rows of each kind were deleted (or, from `count_author`, would be)."""

    feedback: int
    scores: int
    topic_assignments: int
    embeddings: int
    rejected_rows: int
    orders: int = 0
    contacts: int = 0  # the person's contact details (store/contacts.py): 0 or 1

    def describe(self) -> str:
        return (
            f"{self.feedback} feedback items, {self.scores} scores, {self.topic_assignments} theme assignments, "
            f"{self.embeddings} embeddings, {self.orders} orders, {self.contacts} contact details and "
            f"{self.rejected_rows} rejected rows"
        )

    @property
    def nothing(self) -> bool:
        return not (self.feedback or self.rejected_rows or self.orders or self.contacts)


def author_hashes(author: str, salt: str) -> list[str]:
    """The hashes an author can be stored under: as written and case-folded (emails are stored case-folded),
    salted with the store's salt, and unsalted for feedback stored before the store had a salt."""
    written = author.strip()
    return [
        salted_hash(text, with_salt)
        for text in dict.fromkeys([written, written.casefold()])
        for with_salt in dict.fromkeys([salt, ""])
    ]


def check_identity(author: str) -> str:
    """`author` stripped; InputError when it names no one (empty, or a placeholder such as "anonymous")."""
    identity = author.strip()
    if is_placeholder_identity(identity):
        raise InputError(
            f"{author.strip()!r} is not one person's identity: Pulse stores no author for it, so there is "
            "nothing of one person to forget.",
            hint="Give the person's exact email address, or their name or id exactly as the source wrote it.",
        )
    return identity


def count_author(engine: Engine, author: str, embedded_pieces: Pieces = lambda text: [text]) -> Forgotten:
    """What `forget_author` would delete, deleting nothing. InputError for a placeholder identity."""
    identity = check_identity(author)
    salt = read_author_salt(engine)
    with reading(engine) as connection:
        found = _Found.find(connection, identity, salt, embedded_pieces, lock=False)
        return Forgotten(
            len(found.ids),
            _count(connection, scores, found.ids),
            _count(connection, topic_assignments, found.ids),
            found.embeddings(connection),
            len(found.rejected_ids),
            _count_orders(connection, found.hashes),
            count_contacts_in(connection, found.hashes),
        )


def forget_author(engine: Engine, author: str, embedded_pieces: Pieces = lambda text: [text]) -> Forgotten:
    """Delete every feedback item written by `author` (an email address, name or id exactly as the source
    gave it), with its scores and theme assignments, the embeddings of its texts and of every piece of them
    that was embedded (`embedded_pieces`; embeddings are a cache, so a piece that someone else also wrote is
    simply embedded again when needed), the person's orders, their contact details (encrypted: no key is
    needed to delete them), and the rejected input rows of that person. InputError for a
    placeholder identity ("anonymous", "n/a", "-"), which would match everyone who left it. The person's
    customer value (the lifetime-value fit's row for them) goes too; the next `pulse analyze` fits again."""
    identity = check_identity(author)
    salt = read_author_salt(engine)
    with writing(engine) as connection:
        # locked (PostgreSQL): a score or theme assignment written for these items in a transaction still
        # open is waited for, so that it is counted below as well as deleted; any later one waits for this
        found = _Found.find(connection, identity, salt, embedded_pieces, lock=True)
        ids = found.ids
        counted = {table.name: _count(connection, table, ids) for table in (scores, topic_assignments)}
        mark_feedback_stale(connection, feedback.c.id.in_(ids))
        connection.execute(delete(feedback).where(feedback.c.id.in_(ids)))
        removed_embeddings = connection.execute(
            delete(embeddings).where(embeddings.c.text_hash.in_(found.text_hashes))
        ).rowcount
        removed_rejects = connection.execute(
            delete(rejected_rows).where(rejected_rows.c.id.in_(found.rejected_ids))
        ).rowcount
        removed_orders = connection.execute(
            delete(orders).where(orders.c.customer_hash.in_(found.hashes))
        ).rowcount
        connection.execute(delete(customer_values).where(customer_values.c.customer_hash.in_(found.hashes)))
        removed_contacts = delete_contacts(connection, found.hashes)
        bump_data_version(connection)
    refresh_daily_counts(engine)
    return Forgotten(
        len(ids),
        counted["scores"],
        counted["topic_assignments"],
        int(removed_embeddings),
        int(removed_rejects),
        int(removed_orders),
        removed_contacts,
    )


@dataclass(frozen=True)
class _Found:
    """A person's feedback ids, the hashes of their embedded texts, their rejected rows' ids, and the hashes
    their orders are stored under."""

    ids: list[int]
    text_hashes: list[str]
    rejected_ids: list[int]
    hashes: list[str]

    @classmethod
    def find(
        cls, connection: Connection, identity: str, salt: str, embedded_pieces: Pieces, lock: bool
    ) -> _Found:
        hashes = author_hashes(identity, salt)
        query = select(feedback.c.id, feedback.c.text).where(feedback.c.author_hash.in_(hashes))
        rows = connection.execute(query.with_for_update() if lock else query).all()
        pieces = {piece for row in rows if row.text for piece in embedded_pieces(row.text)}
        return cls(
            [row.id for row in rows],
            [text_hash(piece) for piece in pieces],
            _rejected_ids(connection, identity, hashes, salt),
            hashes,
        )

    def embeddings(self, connection: Connection) -> int:
        query = (
            select(func.count()).select_from(embeddings).where(embeddings.c.text_hash.in_(self.text_hashes))
        )
        return int(connection.execute(query).scalar_one())


def _rejected_ids(connection: Connection, identity: str, hashes: list[str], salt: str) -> list[int]:
    """Rejected rows with the person's hash; and rows without a hash (kept before rejects had one) where a
    cell is exactly the identity, or the hash that review imports used to write in place of the author."""
    hashed = connection.execute(
        select(rejected_rows.c.id).where(rejected_rows.c.author_hash.in_(hashes))
    ).scalars()
    old_hashes = set(author_hashes(json.dumps(identity), salt))
    wanted = {identity.casefold(), *old_hashes}
    unhashed: ColumnElement[bool] = rejected_rows.c.author_hash.is_(None)
    if identity.isascii():  # SQL's lower() folds ASCII only: other identities are compared in Python
        mentions = [rejected_rows.c.raw.contains(old, autoescape=True) for old in old_hashes]
        mentions.append(func.lower(rejected_rows.c.raw).contains(identity.lower(), autoescape=True))
        unhashed = unhashed & or_(*mentions)
    candidates = connection.execute(select(rejected_rows.c.id, rejected_rows.c.raw).where(unhashed)).all()
    exact = [row.id for row in candidates if wanted & set(_cells(row.raw))]
    return [*hashed, *exact]


def _cells(raw: str) -> Iterator[str]:
    """The values of a kept row, case-folded: a JSON object's values, else the cells of the line split by
    each usual delimiter."""
    try:
        loaded = json.loads(raw)
    except ValueError:
        loaded = None
    if isinstance(loaded, dict):
        yield from (str(value).strip().casefold() for value in _json_values(loaded))
        return
    for delimiter in DELIMITERS:
        for row in csv.reader(io.StringIO(raw), delimiter=delimiter):
            yield from (cell.strip().casefold() for cell in row)


def _json_values(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _json_values(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_values(item)
    elif value is not None:
        yield value


def _count_orders(connection: Connection, hashes: list[str]) -> int:
    query = select(func.count()).select_from(orders).where(orders.c.customer_hash.in_(hashes))
    return int(connection.execute(query).scalar_one())


def _count(connection: Connection, table: Table, ids: list[int]) -> int:
    query = select(func.count()).select_from(table).where(table.c.feedback_id.in_(ids))
    return int(connection.execute(query).scalar_one())
