"""The rows an import keeps on disk between its two passes (collectors.spool): in a private folder under the
uploads', deleted when the plan goes, and by `pulse forget`'s clear_uploads after a crash."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

import pulse.uploads as uploads
from collectors.surveys import plan_survey_file

# Excel's "CSV" on Windows: Windows-1252, read row by row, so kept on disk between the passes
EXCEL_CSV = "Submitted,NPS,Comment\n2026-01-05 10:00,9,Très bien\n2026-01-06 11:00,3,Trop lent\n".encode(
    "cp1252"
)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The uploads folder, private to the test."""
    folder = tmp_path / "pulse-uploads"
    monkeypatch.setattr(uploads, "UPLOADS", folder)
    return folder


def test_frame_spool__kept_under_the_uploads_folder_until_the_plan_goes(folder: Path) -> None:
    plan = plan_survey_file(EXCEL_CSV, "responses.csv", timezone="UTC")
    spooled = [path for path in folder.rglob("*") if path.is_file()]
    assert spooled and all(path.parent.parent == folder for path in spooled)
    assert (folder.stat().st_mode & 0o777) == 0o700
    for _ in range(2):  # read again as often as asked: a preview, then the import
        texts = [text for records, _rejects in plan.batches() for text in records.frame["text"]]
        assert texts == ["Très bien", "Trop lent"]
    del plan
    gc.collect()
    assert list(folder.iterdir()) == []


def test_clear_uploads__deletes_the_rows_a_crashed_import_left(folder: Path) -> None:
    plan = plan_survey_file(EXCEL_CSV, "responses.csv", timezone="UTC")
    assert uploads.clear_uploads() == 1
    assert list(folder.iterdir()) == []
    del plan
