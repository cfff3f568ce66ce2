"""Writing a file so that a reader, or a run that is stopped half way, never sees half of it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def written_atomically(path: Path) -> Iterator[Path]:
    """A hidden temporary path beside `path` to write to: it replaces `path` when the block ends without an
    error, and is removed when it raises (`path` is then as it was)."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        yield temporary
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
