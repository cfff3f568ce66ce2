"""How long steps report progress: a callback given (done, total) after each chunk of work (scoring,
embedding, fitting themes), for a progress bar in the CLI or on a page."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int], None]  # (items done so far, items in all)
