"""Dates as the business reads them (AppTest): times in PULSE_TIMEZONE (Europe/London, the default), and an
answer dated without a time (stored as local midnight) shown as its date, in the upload preview, the Explorer
and the Pulse page's comments."""

from __future__ import annotations

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.imports import JOB_KEY
from store.engine import build_engine
from store.feedback import read_feedback
from store.scores import write_scores
from tests.app.pages import run_app

SURVEY = (
    b"Timestamp,How likely are you to recommend us to a friend or colleague?,Anything else you'd like to tell us?\n"
    b"2026-10-05,9,The sourdough was lovely and the staff were kind\n"
    b"2026-10-08 14:05:00,3,The kiosk froze twice and nobody came to help me\n"
)


def upload(app: AppTest) -> AppTest:
    app.get("file_uploader")[0].set_value(("dated.csv", SURVEY, "text/csv")).run()
    assert not app.exception, app.exception
    return app


@pytest.fixture
def dated_store(empty_store_url: str, use_database) -> str:  # type: ignore[no-untyped-def]
    """The survey above imported through the Sources page, its two comments scored."""
    use_database(empty_store_url)
    app = upload(run_app("app_pages/sources.py"))
    app.button(key="sources__import_survey").click().run()
    assert any(s.value.startswith("Import finished into") and "2 new" in s.value for s in app.success)
    assert app.session_state[JOB_KEY].finished.wait(300)  # the page's own scoring, replaced below
    engine = build_engine(empty_store_url)
    stored = read_feedback(engine, ("id", "text")).sort("id")
    scored = stored.with_columns(
        pl.lit("neutral").alias("sentiment"),
        pl.Series("sentiment_score", [0.8, -0.7]),
        pl.lit(False).alias("impersonal"),
        pl.lit(0.0).alias("impersonal_score"),
        pl.lit([], dtype=pl.List(pl.String)).alias("impersonal_cues"),
    )
    write_scores(engine, scored, "test")
    engine.dispose()
    use_database(empty_store_url)  # new data: fresh caches
    return empty_store_url


def test_upload_preview__shows_a_date_as_its_date_and_a_time_in_the_business_time_zone(
    empty_store_url: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    use_database(empty_store_url)
    app = upload(run_app("app_pages/sources.py"))
    assert app.dataframe[0].value["Date submitted"].tolist() == ["5 Oct 2026", "8 Oct 2026, 14:05"]


def test_explorer__shows_a_date_as_its_date_and_a_time_in_the_business_time_zone(dated_store: str) -> None:
    app = run_app("app_pages/explorer.py")
    assert sorted(app.dataframe[0].value["created_at"]) == ["2026-10-05", "2026-10-08 14:05"]


def test_pulse_page__notable_comments_are_dated_in_the_business_time_zone(dated_store: str) -> None:
    app = run_app()
    captions = [caption.value for caption in app.caption]
    assert any(caption.endswith("· survey · 5 Oct 2026") for caption in captions), captions
    assert any(caption.endswith("· survey · 8 Oct 2026, 14:05") for caption in captions), captions


def test_sources_page__shows_when_sources_last_brought_items_and_runs_started_in_the_business_time_zone(
    dated_store: str,
) -> None:
    app = run_app("app_pages/sources.py")
    sources, runs = app.dataframe[0].value, app.dataframe[1].value
    assert str(sources["last_new_item"].dt.tz) == "Europe/London"
    assert str(runs["started_at"].dt.tz) == "Europe/London"
