"""The Sources page's uploads: personal columns are said to be left out, and the uploaded file is deleted."""

from __future__ import annotations

from pathlib import Path

import pytest

import pulse.uploads as uploads
from tests.app.pages import FIXTURES, run_app

ANSWERS = (
    "Timestamp,Email,Your name,Date of birth,Loyalty card number,How likely are you to recommend us?,Comment\n"
    "2026-11-16 09:00:00,ann@example.com,Ann,1980-02-03,LC-1,9,Lovely bread\n"
    "2026-11-17 09:00:00,bob@example.com,Bob,1975-06-07,LC-2,eleven,Slow queue\n"
)


@pytest.fixture
def uploads_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "pulse-uploads"
    monkeypatch.setattr(uploads, "UPLOADS", folder)
    return folder


def test_sources_page__survey_upload_says_what_it_leaves_out_and_is_deleted_after_import(
    empty_store_url: str,
    use_database,  # type: ignore[no-untyped-def]
    uploads_folder: Path,
) -> None:
    use_database(empty_store_url)
    app = run_app("app_pages/sources.py")
    app.get("file_uploader")[0].set_value(("answers.csv", ANSWERS.encode(), "text/csv")).run()
    assert not app.exception
    assert app.selectbox(key="sources__map_segment").value == "(not used)"  # the loyalty card is no segment
    notes = [element.value for element in app.info]
    assert any(
        "Left out as personal data" in note and "'Your name', 'Date of birth', 'Loyalty card number'" in note
        for note in notes
    )
    app.button(key="sources__import_survey").click().run()
    assert not app.exception
    assert any(
        s.value.startswith("Import finished into") and "1 new, 0 already there, 1 rejected" in s.value
        for s in app.success
    )
    assert uploads_folder.is_dir() and list(uploads_folder.iterdir()) == []  # written, imported, deleted


def test_sources_page__review_upload_is_deleted_once_read(
    empty_store_url: str,
    use_database,  # type: ignore[no-untyped-def]
    uploads_folder: Path,
) -> None:
    use_database(empty_store_url)
    app = run_app("app_pages/sources.py")
    app.get("button_group")[0].set_value("Reviews").run()
    data = (FIXTURES / "reviews" / "trustpilot_reviews.csv").read_bytes()
    app.get("file_uploader")[0].set_value(("trustpilot_reviews.csv", data, "text/csv")).run()
    assert uploads_folder.is_dir() and list(uploads_folder.iterdir()) == []  # previewed from memory
    app.button(key="sources__import_reviews").click().run()
    assert not app.exception
    assert any(s.value.startswith("Import finished into") for s in app.success)
    assert list(uploads_folder.iterdir()) == []
