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


@pytest.mark.parametrize("with_key", [True, False])
def test_sources_page__survey_upload_keeps_contacts_only_with_a_key_and_says_so(
    empty_store_url: str,
    use_database,  # type: ignore[no-untyped-def]
    uploads_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    with_key: bool,
) -> None:
    from pulse.contact_crypto import new_key
    from store.contacts import count_contacts
    from store.engine import build_engine

    if with_key:
        monkeypatch.setenv("PULSE_CONTACT_KEY", new_key())
    else:
        monkeypatch.delenv("PULSE_CONTACT_KEY", raising=False)
    use_database(empty_store_url)  # the settings are read again
    app = run_app("app_pages/sources.py")
    app.get("file_uploader")[0].set_value(("answers.csv", ANSWERS.encode(), "text/csv")).run()
    notes = " ".join(element.value for element in app.info)
    if with_key:
        assert "also kept as the respondents' contact details, encrypted" in notes
    else:
        assert "Contact details not kept: PULSE_CONTACT_KEY is unset" in notes
    app.button(key="sources__import_survey").click().run()
    assert not app.exception
    [finished] = [s.value for s in app.success if s.value.startswith("Import finished into")]
    assert ("contact details kept, encrypted, for 1 respondent." in finished) == with_key  # Bob was rejected
    engine = build_engine(empty_store_url)
    assert count_contacts(engine) == (1 if with_key else 0)
    engine.dispose()


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
