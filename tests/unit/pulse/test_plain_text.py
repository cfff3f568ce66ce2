"""Text that people typed, as one line of a Markdown file (pulse.plain_text.markdown_line): rendered by a
CommonMark renderer with GitHub's tables (markdown-it-py), it shows as typed and makes nothing but the line's
own block."""

from __future__ import annotations

import re
import string
from html import unescape

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from pulse.plain_text import WORD_JOINER, markdown_line

MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
# Each place the handout puts such a line, and the HTML block it must render as, the line inside it.
PLACES = {
    "quote": ("> {}\n", r"<blockquote>\n<p>(.*)</p>\n</blockquote>\n"),
    "heading": ("## {}\n", r"<h2>(.*)</h2>\n"),
    "table cell": (
        "| a | b |\n|---|---|\n| {} | 2 |\n",
        r"(?s).*<tbody>\n<tr>\n<td>(.*)</td>\n<td>2</td>\n</tr>.*",
    ),
    "list item": ("- {}\n", r"<ul>\n<li>(.*)</li>\n</ul>\n"),
}


def shown(text: str, place: str) -> str:
    """What a reader sees of `text` put in `place` through markdown_line; fails when the rendered HTML is not
    the place's block, or holds a tag of its own."""
    line, block = PLACES[place]
    html = MARKDOWN.render(line.format(markdown_line(text)))
    inside = re.fullmatch(block, html)
    assert inside is not None, html
    assert "<" not in inside.group(1), html
    return unescape(inside.group(1)).replace(WORD_JOINER, "")


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize(
    "text",
    [
        "![x](http://evil.example/p.png) and [click](http://evil.example)",
        "<img src=x onerror=alert(1)> <b>bold</b> <!-- hidden -->",
        "# Heading",
        "**bold** __bold__ *it* _it_ ~~gone~~ `code`",
        "- a list",
        "1. a numbered list",
        "2) another",
        "> a quote",
        "--- a rule",
        "[ref]: http://evil.example",
        "&amp; &#169; &copy",
        "a | b | c",
        "back\\slash at the end\\",
        "https://evil.example www.evil.example <https://evil.example> name@example.com",
    ],
)
def test_markdown_line__shows_the_text_as_typed(text: str, place: str) -> None:
    assert shown(text, place) == text


def test_markdown_line__keeps_plain_punctuation_readable() -> None:
    text = "It's (really) fine, isn't it? Yes! 50% off: 3/4 of us; half-price."
    assert markdown_line(text) == text


def test_markdown_line__puts_a_line_on_one_line() -> None:
    assert markdown_line("  first\n\n  second\tthird ") == "first second third"


@settings(max_examples=300, deadline=None)
@given(
    st.text(st.sampled_from(string.punctuation + " 1a\n") | st.characters(exclude_categories=("Cs", "Cc")))
)
def test_markdown_line__any_text_shows_as_typed_in_every_place(text: str) -> None:
    assume(text.split())  # an empty line is no block
    typed = " ".join(text.split()).replace(WORD_JOINER, "")  # an invisible word joiner is not seen either
    for place in PLACES:
        assert shown(text, place) == typed


def test_markdown_line__breaks_the_addresses_github_would_link() -> None:
    # GitHub-flavoured Markdown links bare https://..., www.... and name@host (its "autolink" extension): a word
    # joiner after the scheme, the www or the @ breaks each pattern
    line = markdown_line("see https://evil.example, www.evil.example or ask@evil.example")
    assert (
        line
        == f"see https{WORD_JOINER}://evil.example, www{WORD_JOINER}.evil.example or ask@{WORD_JOINER}evil.example"
    )
