"""Who wrote, never stored: an author's name, email or id becomes a hash salted with the store's own random
salt, so that the hash of a known address cannot be looked up in another store or a precomputed table."""

from __future__ import annotations

import hashlib
from functools import lru_cache

from sqlalchemy import Engine, select

from store.engine import reading
from store.schema import store_state


@lru_cache(maxsize=65_536)  # the same people write again and again
def salted_hash(text: str, salt: str) -> str:
    """sha256 of `salt`, a NUL and `text`; plain sha256 of `text` when there is no salt (stores made before
    salts, and code that hashes outside a collector run)."""
    salted = f"{salt}\0{text}" if salt else text
    return hashlib.sha256(salted.encode("utf-8")).hexdigest()


def read_author_salt(engine: Engine) -> str:
    with reading(engine) as connection:
        return str(connection.execute(select(store_state.c.author_salt)).scalar_one() or "")
