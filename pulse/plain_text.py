"""Text that people typed (rollout and theme names, file values, customers' words) shown as the characters they
typed: never as Markdown (Streamlit's messages, captions, labels and expanders read Markdown) and never as HTML
(Plotly reads a subset of HTML in a figure's text, hovers, annotations and legend)."""

from __future__ import annotations

import re
from html import escape

# Every ASCII punctuation mark: CommonMark lets a backslash make any of them literal.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# Where GitHub-flavoured Markdown makes a link of plain text (https://..., www...., name@host): it finds them in
# the text once escapes are read, so a word joiner (U+2060, invisible) goes in to break the pattern.
_AUTOLINK_STARTS = re.compile(r"(?i)(\b(?:https?|ftp|mailto|xmpp)(?=:)|\bwww(?=\.)|@)")
WORD_JOINER = "\u2060"


def markdown_literal(text: str) -> str:
    """`text` for a Markdown string, shown as typed: each ASCII punctuation mark backslash-escaped, so no bold,
    link, heading, list, code, HTML tag, entity, emoji shortcode, icon, coloured text or formula comes of it,
    and an invisible word joiner after the start of a web or email address, so that it is no link either."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", _AUTOLINK_STARTS.sub(rf"\1{WORD_JOINER}", text))


def html_literal(text: str) -> str:
    """`text` for a Plotly text, hover, annotation or legend name, shown as typed: <, > and & as entities."""
    return escape(text, quote=False)
