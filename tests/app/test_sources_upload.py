"""The Sources page's upload (AppTest): the preview in words (fields, dates, empty cells, how many rows)."""

from __future__ import annotations

from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from tests.app.pages import FIXTURES, run_app

HEADER = "Timestamp,Your email,How likely are you to recommend us?,Anything else you'd like to tell us?\n"
ROWS = [
    "2025-10-06,ann@example.com,9,The sourdough was lovely and the staff were kind",
    "2025-10-07 14:05:00,,3,The kiosk froze twice and nobody came to help me",
    "2025-10-08,bob@example.com,10,",
    *(f"2025-10-{day},,{day % 11},Coffee number {day} was fine" for day in range(9, 18)),
]
UseDatabase = Callable[[str], None]  # the use_database fixture (tests/conftest.py)
SURVEY = (HEADER + "\n".join(ROWS) + "\n").encode()  # 12 answers, 11 of them with a comment


def upload(app: AppTest, data: bytes = SURVEY) -> AppTest:
    app.get("file_uploader")[0].set_value(("answers.csv", data, "text/csv")).run()  # type: ignore[union-attr]
    assert not app.exception, app.exception
    return app


def test_upload_preview__names_the_fields_in_words_and_says_how_many_rows_it_shows(
    empty_store_url: str, use_database: UseDatabase
) -> None:
    use_database(empty_store_url)
    app = upload(run_app("app_pages/sources.py"))
    labels = {box.key: box.label for box in app.selectbox if box.key and box.key.startswith("sources__map_")}
    assert labels["sources__map_created_at"] == "Date submitted"
    assert labels["sources__map_nps"] == "NPS (0-10)"
    assert labels["sources__map_text"] == "Comment"
    assert labels["sources__map_respondent"] == "Respondent"
    assert "The first 10 of 12 rows, as Pulse will read them:" in [caption.value for caption in app.caption]
    preview = app.dataframe[0].value
    assert preview.columns.tolist() == ["Date submitted", "NPS (0-10)", "Comment"]  # the fields read
    assert preview["Date submitted"].tolist()[:3] == ["6 Oct 2025", "7 Oct 2025, 14:05", "8 Oct 2025"]
    assert preview["Comment"][2] == "–" and len(preview) == 10


def test_upload_preview__a_short_file_is_shown_whole_with_its_rejects_in_words(
    empty_store_url: str, use_database: UseDatabase
) -> None:
    use_database(empty_store_url)
    app = upload(run_app("app_pages/sources.py"), (HEADER + ROWS[0] + "\nyesterday-ish,,7,Nice\n").encode())
    assert "The file's 2 rows, as Pulse will read them:" in [caption.value for caption in app.caption]
    preview = app.dataframe[0].value
    assert preview.columns.tolist()[-3:] == ["Line", "Not imported because", "Row as read"]
    assert preview["Date submitted"].tolist() == ["6 Oct 2025", "–"]
    assert preview["Not imported because"][0] == "–" and "date" in preview["Not imported because"][1]


def test_review_upload_preview__names_the_fields_in_words(
    empty_store_url: str, use_database: UseDatabase
) -> None:
    use_database(empty_store_url)
    app = run_app("app_pages/sources.py")
    app.get("button_group")[0].set_value("Reviews").run()  # type: ignore[union-attr]
    data = (FIXTURES / "reviews" / "trustpilot_reviews.csv").read_bytes()
    app.get("file_uploader")[0].set_value(("trustpilot_reviews.csv", data, "text/csv")).run()  # type: ignore[union-attr]
    assert not app.exception, app.exception
    preview = app.dataframe[0].value
    assert preview.columns.tolist() == ["Date posted", "Stars (1-5)", "Review"]
    assert any(
        caption.value.startswith("Detected format: trustpilot. Columns used: ") for caption in app.caption
    )
    assert any(caption.value.endswith("rows, as Pulse will read them:") for caption in app.caption)
