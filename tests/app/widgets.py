"""Helpers for the AppTests of the editors: find a pick_by_id select box, read a message as a person sees it."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Selectbox


def picker(app: AppTest, key: str) -> Selectbox:  # type: ignore[type-arg]
    """The select box that dashboard.components.pick_by_id made with `key` (its widget key adds a digest of
    its labels)."""
    found = [box for box in app.selectbox if box.key and box.key.startswith(f"{key}__")]
    assert len(found) == 1, [box.key for box in app.selectbox]
    return found[0]


PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")
WORD_JOINER = "\u2060"  # invisible: markdown_literal puts it in web and email addresses, so they are no links


def as_read(markdown: str) -> str:
    """Markdown whose punctuation is backslash-escaped (pulse.plain_text.markdown_literal), as it reads."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace(WORD_JOINER, "")


def is_literal(markdown: str, typed: str) -> bool:
    """Whether `markdown` holds `typed` so that it shows as typed: each punctuation mark after a backslash
    (word joiners allowed between the characters), not merely its characters."""
    pattern = f"{WORD_JOINER}?".join(
        rf"\\{re.escape(char)}" if PUNCTUATION.fullmatch(char) else re.escape(char) for char in typed
    )
    return re.search(pattern, markdown) is not None
