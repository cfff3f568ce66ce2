"""What `pulse cases` prints of the words people typed: one line, no terminal control sequences."""

from __future__ import annotations

from cli.cases import case_status, one_line, trimmed


def test_one_line__drops_control_sequences_and_direction_overrides() -> None:
    typed = "Cold\r\ncoffee.\x1b]0;pwned\x07 \x1b[2J\u202eevil\x9b"
    assert one_line(typed) == "Cold coffee.]0;pwned [2Jevil"
    assert one_line(None) == ""


def test_trimmed__long_words_end_with_an_ellipsis() -> None:
    assert trimmed("word " * 30, limit=12) == "word word w…"
    assert trimmed("short", limit=12) == "short"


def test_case_status__spellings_and_open() -> None:
    assert case_status("No-Reply") == ["no_reply"]
    assert case_status("open") == ["new", "assigned", "contacted"]
