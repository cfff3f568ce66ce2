"""Uploaded files, kept on the server's disk only while they are read and imported.

Each upload gets a private folder of its own under the temporary folder `pulse-uploads`, deleted as soon as
the import finishes or fails (`saved_upload`). What a crashed server left there is deleted with the next upload
once it is STALE_AFTER old, and all of it by `pulse forget` (`clear_uploads`): uploads hold personal data. The
rows an import keeps on disk between its two passes (collectors.spool) live there too (`import_folder`).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

UPLOADS = Path(tempfile.gettempdir()) / "pulse-uploads"
STALE_AFTER = 6 * 3600  # seconds: longer than any import takes


@contextmanager
def saved_upload(data: bytes, file_name: str) -> Iterator[Path]:
    """An upload written to a private temporary folder under its own (made safe) name, for the `with` block
    only: the file and its folder are deleted when the block ends, whether the import finished or failed."""
    clear_uploads(older_than=STALE_AFTER)
    UPLOADS.mkdir(mode=0o700, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=UPLOADS))  # mode 0o700, a name no other upload shares
    safe_name = re.sub(r"[^\w.-]", "_", Path(file_name).name)[-80:].lstrip(".") or "upload"
    path = folder / safe_name
    try:
        path.write_bytes(data)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def import_folder() -> tempfile.TemporaryDirectory[str]:
    """A private folder under `pulse-uploads` for the rows of a file being imported, deleted when let go of (or
    as an upload's leftovers are, after a crash)."""
    clear_uploads(older_than=STALE_AFTER)
    UPLOADS.mkdir(mode=0o700, exist_ok=True)
    return tempfile.TemporaryDirectory(prefix="import-", dir=UPLOADS)


def clear_uploads(older_than: float = 0) -> int:
    """Delete what is left in the uploads folder (only what is at least `older_than` seconds old); returns
    how many uploads were deleted."""
    if not UPLOADS.is_dir():
        return 0
    cutoff = time.time() - older_than
    removed = 0
    for entry in UPLOADS.iterdir():
        try:
            if older_than and entry.stat().st_mtime > cutoff:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        except FileNotFoundError:
            continue  # deleted meanwhile by the import it belonged to
        removed += 1
    return removed
