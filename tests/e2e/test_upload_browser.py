"""End to end, in headless Chromium: a survey uploaded on the Sources page through the real file input is
previewed in words, imported, then scored in the background while the page polls, until it says so; the
store then holds each comment's sentiment."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from playwright.sync_api import expect

from store.engine import build_engine
from store.feedback import read_feedback
from tests.browser import CHROMIUM, browser_page, serve, settle

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (installed by .ci/run)"),
]
SURVEY = (
    "Timestamp,How likely are you to recommend us?,Anything else you'd like to tell us?\n"
    "2025-10-06,9,The sourdough was lovely and the staff were kind\n"
    "2025-10-07 14:05:00,3,The kiosk froze twice and nobody came to help me\n"
    "2025-10-08,10,\n"
    "2025-10-09,7,Coffee was fine\n"
)


def test_sources_page__an_uploaded_survey_is_imported_then_scored_in_the_background(
    empty_store_url: str, tmp_path: Path
) -> None:
    survey = tmp_path / "answers.csv"
    survey.write_text(SURVEY, encoding="utf-8")
    with serve(empty_store_url) as address, browser_page() as page:
        page.goto(f"{address}/sources")
        page.get_by_role("heading", name="Import a file").wait_for(timeout=90_000)
        page.locator('input[type="file"]').set_input_files(str(survey))
        page.get_by_text("The file's 4 rows, as Pulse will read them:").wait_for(timeout=90_000)
        settle(page)
        assert page.get_by_role("combobox", name="Date submitted", exact=True).input_value() == "Timestamp"
        page.get_by_role("button", name="Import", exact=True).click()
        page.get_by_text("Import finished into 'Survey: answers.csv': 4 new").wait_for(timeout=90_000)
        scored = page.get_by_text("Scored 3 comments and gave them their themes.")
        expect(scored).to_be_visible(timeout=180_000)  # polled by the page: no click, no reload
    engine = build_engine(empty_store_url)
    stored = read_feedback(engine, ("text", "sentiment", "sentiment_score"))
    engine.dispose()
    comments = stored.filter(pl.col("text").is_not_null() & (pl.col("text") != ""))
    assert comments.height == 3 and comments["sentiment"].is_not_null().all()
    assert comments["sentiment_score"].is_between(-1, 1).all()
