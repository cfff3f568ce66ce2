"""Dashboard uploads live on disk only while they are imported (pulse/uploads.py, no Streamlit needed)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import pulse.uploads as uploads
from pulse.uploads import STALE_AFTER, clear_uploads, saved_upload


@pytest.fixture(autouse=True)
def uploads_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "pulse-uploads"
    monkeypatch.setattr(uploads, "UPLOADS", folder)
    return folder


def test_saved_upload__is_deleted_when_the_import_ends(uploads_folder: Path) -> None:
    with saved_upload(b"a,b\n1,2\n", "../Answers (May).csv") as path:
        assert path.read_bytes() == b"a,b\n1,2\n"
        assert path.name == "Answers__May_.csv" and path.parent.parent == uploads_folder
        assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    assert list(uploads_folder.iterdir()) == []


def test_saved_upload__is_deleted_when_the_import_fails(uploads_folder: Path) -> None:
    with pytest.raises(RuntimeError), saved_upload(b"x", "answers.csv") as path:
        raise RuntimeError("the import failed")
    assert not path.exists() and list(uploads_folder.iterdir()) == []


def test_saved_upload__two_uploads_of_the_same_file_do_not_share_a_path() -> None:
    with saved_upload(b"x", "a.csv") as first, saved_upload(b"x", "a.csv") as second:
        assert first != second
    # the first one's import ending never deletes the second one's file while it is read


def test_saved_upload__deletes_stale_uploads_left_by_a_crash(uploads_folder: Path) -> None:
    uploads_folder.mkdir()
    stale, recent = uploads_folder / "stale-answers.csv", uploads_folder / "recent"
    stale.write_text("Ann,ann@example.com")
    recent.mkdir()
    old = time.time() - STALE_AFTER - 60
    os.utime(stale, (old, old))
    with saved_upload(b"x", "new.csv"):
        assert not stale.exists() and recent.exists()


def test_clear_uploads__deletes_everything_left(uploads_folder: Path) -> None:
    assert clear_uploads() == 0  # no folder yet
    uploads_folder.mkdir()
    (uploads_folder / "abc-answers.csv").write_text("Ann,ann@example.com")  # as older Pulse saved them
    (uploads_folder / "tmp1").mkdir()
    (uploads_folder / "tmp1" / "reviews.csv").write_text("x")
    assert clear_uploads() == 2
    assert list(uploads_folder.iterdir()) == []
