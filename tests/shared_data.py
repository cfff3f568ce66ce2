"""The outside data sets in ../shared/data/ (beside the project, not in it: see its README). A fresh clone on a
user's machine has no ../shared/: a test that needs it is skipped with a reason there, and fails under CI
(CI set), so that CI never skips it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def shared_data(name: str) -> Path:
    """The file or folder `name` of ../shared/data/. Where it is missing, skips the calling test (or the whole
    module, when called at import), or fails when the `CI` environment variable is set."""
    path = SHARED_DATA / name
    if path.exists():
        return path
    reason = f"needs ../shared/data/{name} beside the project (the outside data sets)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must run it, never skip it", pytrace=False)
    pytest.skip(reason, allow_module_level=True)
