"""The CLI's shared parameter types (cli/options.py)."""

from __future__ import annotations

from datetime import datetime

import click
import pytest

from cli.options import Day
from pulse.errors import InputError


def test_day__reads_a_yyyy_mm_dd_date_spaces_around_it_allowed() -> None:
    since = click.Option(["--since"], type=Day())
    assert Day().convert(" 2026-11-09 ", since, None) == datetime(2026, 11, 9)


@pytest.mark.parametrize("text", ["9 Nov", "2026-13-01", "09/11/2026", ""])
def test_day__anything_else_is_an_input_error_naming_the_option(text: str) -> None:
    week = click.Option(["--week"], type=Day())
    with pytest.raises(InputError) as raised:
        Day().convert(text, week, None)
    assert (raised.value.message, raised.value.hint) == (
        f"--week {text!r} is not a date.",
        "Write it as YYYY-MM-DD.",
    )
