"""Click parameter types shared by the commands."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from pulse.errors import InputError


class Day(click.DateTime):
    """A YYYY-MM-DD option, read by click.DateTime (a datetime at midnight; `.date()` gives the day). A value
    that is not a date is an input error like any other (message and hint, exit status 1), not a usage error."""

    def __init__(self) -> None:
        super().__init__(["%Y-%m-%d"])

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        try:
            return super().convert(value.strip() if isinstance(value, str) else value, param, ctx)
        except click.BadParameter as error:
            option = param.opts[0] if param is not None and param.opts else "The date"
            raise InputError(f"{option} {value!r} is not a date.", hint="Write it as YYYY-MM-DD.") from error
