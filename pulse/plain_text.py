"""Text that people typed (rollout and theme names, file values, customers' words) shown as the characters they
typed: never as Markdown (Streamlit's messages, captions, labels and expanders read Markdown; so do the viewers
of the Markdown handout) and never as HTML (Plotly reads a subset of HTML in a figure's text, hovers,
annotations and legend)."""

from __future__ import annotations

import re
from html import escape

# Every ASCII punctuation mark: CommonMark lets a backslash make any of them literal.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# Where GitHub-flavoured Markdown makes a link of plain text (https://..., www...., name@host): it finds them in
# the text once escapes are read, so a word joiner (U+2060, invisible) goes in to break the pattern.
_AUTOLINK_STARTS = re.compile(r"(?i)(\b(?:https?|ftp|mailto|xmpp)(?=:)|\bwww(?=\.)|@)")
WORD_JOINER = "\u2060"
# In a line of a Markdown file, the punctuation that CommonMark, GitHub-flavoured Markdown or a common extension
# (math, footnotes, attributes, marks) can give a meaning: \ ` * _ [ ] < > # | ~ $ ^ = + { }, and & before
# what could be an entity. The rest (. , ; : ! ? ' " ( ) - / % @) means nothing inside a line, so the file
# still reads as the text typed.
_MARKDOWN_FILE_PUNCTUATION = re.compile(r"([\\`*_\[\]<>#|~$^=+{}]|&(?=#?\w+;))")
# At the start of a line, a dash, or a number with "." or ")" after it, starts a list: a backslash goes before
# the dash or after the number.
_MARKDOWN_LIST_START = re.compile(r"^(\d{1,9}(?=[.)])|(?=-))")


def markdown_literal(text: str) -> str:
    """`text` for a Markdown string, shown as typed: each ASCII punctuation mark backslash-escaped, so no bold,
    link, heading, list, code, HTML tag, entity, emoji shortcode, icon, coloured text or formula comes of it,
    and an invisible word joiner after the start of a web or email address, so that it is no link either."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", _AUTOLINK_STARTS.sub(rf"\1{WORD_JOINER}", text))


def markdown_line(text: str) -> str:
    """`text` as one line of a Markdown file (a heading, a table cell, a list item, a quote), shown as typed
    by any CommonMark or GitHub-flavoured Markdown viewer: line breaks and runs of spaces become one space, and
    the punctuation that could make a link, an image, HTML, a heading, a list, emphasis, code or a table
    column is backslash-escaped; web and email addresses get an invisible word joiner, so that no viewer
    makes links of them. Unlike `markdown_literal`, punctuation that means nothing stays as it is, so that the
    file reads well as plain text too."""
    line = " ".join(str(text).split())
    line = _MARKDOWN_FILE_PUNCTUATION.sub(r"\\\1", _AUTOLINK_STARTS.sub(rf"\1{WORD_JOINER}", line))
    return _MARKDOWN_LIST_START.sub(r"\1\\", line)


def html_literal(text: str) -> str:
    """`text` for a Plotly text, hover, annotation or legend name, shown as typed: <, > and & as entities."""
    return escape(text, quote=False)
