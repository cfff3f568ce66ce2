"""How long steps report progress: a callback given (done, total) after each chunk of work (scoring,
embedding, fitting themes), for a progress bar in the CLI, a training script or on a page."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

Progress = Callable[[int, int], None]  # (items done so far, items in all)


@contextmanager
def rate_progress(length: int, label: str, unit: str) -> Iterator[Progress]:
    """A progress bar on stderr for `length` items: the share done, the time left and the rate (`unit`/s);
    yields the Progress callback that moves it to (done, total)."""
    started = time.monotonic()
    with click.progressbar(
        length=length, label=label, file=sys.stderr, show_eta=True, item_show_func=lambda rate: rate
    ) as bar:

        def update(done: int, total: int) -> None:
            seconds = time.monotonic() - started
            bar.length = max(total, 1)
            bar.update(done - bar.pos, f"{done / seconds:,.1f} {unit}/s" if seconds > 0 else None)

        yield update
