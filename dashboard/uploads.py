"""Uploaded files, kept on the server's disk while they are previewed and imported."""

from __future__ import annotations

import hashlib
import re
import tempfile
from pathlib import Path

UPLOADS = Path(tempfile.gettempdir()) / "pulse-uploads"


def save_upload(data: bytes, file_name: str) -> Path:
    """Write an upload to a private temporary folder under a name made from its content; returns the path."""
    UPLOADS.mkdir(mode=0o700, exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()[:16]
    safe_name = re.sub(r"[^\w.-]", "_", Path(file_name).name)[-80:]
    path = UPLOADS / f"{digest}-{safe_name}"
    if not path.exists():
        path.write_bytes(data)
    return path
