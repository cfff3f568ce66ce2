"""Forgetting a person: their feedback and everything derived from it, for a deletion request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, Table, delete, func, select

from store.authors import read_author_salt, salted_hash
from store.daily_counts import mark_feedback_stale, refresh_daily_counts
from store.embeddings import text_hash
from store.engine import writing
from store.schema import embeddings, feedback, rejected_rows, scores, topic_assignments
from store.state import bump_data_version


@dataclass(frozen=True)
class Forgotten:
    """How many rows of each kind were deleted."""

    feedback: int
    scores: int
    topic_assignments: int
    embeddings: int
    rejected_rows: int

    def describe(self) -> str:
        return (
            f"{self.feedback} feedback items, {self.scores} scores, {self.topic_assignments} theme assignments, "
            f"{self.embeddings} embeddings and {self.rejected_rows} rejected rows"
        )


def author_hashes(author: str, salt: str) -> list[str]:
    """The hashes an author can be stored under: as written and case-folded (emails are stored case-folded),
    salted with the store's salt, and unsalted for feedback stored before the store had a salt."""
    written = author.strip()
    return [
        salted_hash(text, with_salt)
        for text in dict.fromkeys([written, written.casefold()])
        for with_salt in dict.fromkeys([salt, ""])
    ]


def forget_author(
    engine: Engine, author: str, embedded_pieces: Callable[[str], list[str]] = lambda text: [text]
) -> Forgotten:
    """Delete every feedback item written by `author` (an email address, name or id as the source gave it),
    with its scores and theme assignments, the embeddings of its texts and of every piece of them that was
    embedded (`embedded_pieces`; embeddings are a cache, so a piece that someone else also wrote is simply
    embedded again when needed), and the rejected input rows that contain `author`."""
    if not author.strip():
        return Forgotten(0, 0, 0, 0, 0)
    salt = read_author_salt(engine)
    with writing(engine) as connection:
        # locked (PostgreSQL): a score or theme assignment written for these items in a transaction still
        # open is waited for, so that it is counted below as well as deleted; any later one waits for this
        ids_and_texts = connection.execute(
            select(feedback.c.id, feedback.c.text)
            .where(feedback.c.author_hash.in_(author_hashes(author, salt)))
            .with_for_update()
        ).all()
        ids = [row.id for row in ids_and_texts]
        counted = {table.name: _count(connection, table, ids) for table in (scores, topic_assignments)}
        mark_feedback_stale(connection, feedback.c.id.in_(ids))
        connection.execute(delete(feedback).where(feedback.c.id.in_(ids)))
        pieces = {piece for row in ids_and_texts if row.text for piece in embedded_pieces(row.text)}
        removed_embeddings = connection.execute(
            delete(embeddings).where(embeddings.c.text_hash.in_([text_hash(piece) for piece in pieces]))
        ).rowcount
        removed_rejects = connection.execute(
            delete(rejected_rows).where(
                func.lower(rejected_rows.c.raw).contains(author.strip().lower(), autoescape=True)
            )
        ).rowcount
        bump_data_version(connection)
    refresh_daily_counts(engine)
    return Forgotten(
        len(ids),
        counted["scores"],
        counted["topic_assignments"],
        int(removed_embeddings),
        int(removed_rejects),
    )


def _count(connection: Connection, table: Table, ids: list[int]) -> int:
    query = select(func.count()).select_from(table).where(table.c.feedback_id.in_(ids))
    return int(connection.execute(query).scalar_one())
