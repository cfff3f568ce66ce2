"""The Customer Effort Score in the dashboard (AppTest): mapped on upload, and a CES figure on the Pulse page
once a survey has it."""

from __future__ import annotations

from pathlib import Path

from collectors.base import run_collector
from collectors.surveys import SurveyFileCollector
from store.engine import build_engine
from tests.app.pages import run_app

CES_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "surveys" / "ces.csv"


def test_sources_page__a_ces_column_is_detected_on_upload(empty_store_url: str, use_database) -> None:  # type: ignore[no-untyped-def]
    use_database(empty_store_url)
    app = run_app("app_pages/sources.py")
    app.get("file_uploader")[0].set_value(("ces.csv", CES_FILE.read_bytes(), "text/csv")).run()
    assert app.selectbox(key="sources__map_ces").value.startswith("How easy was it")
    assert app.selectbox(key="sources__map_channel").value == "Channel"  # the tenth field still offered
    assert app.dataframe[0].value["Effort, CES (1-7)"].tolist()[:4] == ["7", "6", "5", "2"]


def test_pulse_page__shows_ces_once_a_survey_has_it(empty_store_url: str, use_database) -> None:  # type: ignore[no-untyped-def]
    engine = build_engine(empty_store_url)
    run_collector(engine, SurveyFileCollector(CES_FILE, timezone="UTC"))
    use_database(empty_store_url)
    app = run_app()
    app.segmented_control(key="pulse__compare").set_value("week").run()
    ces = next(metric for metric in app.metric if metric.label == "CES: easy")
    # week of 9 Nov: CES 4 and 1, none of 5-7; the week before: 3 of 4
    assert (ces.value, ces.delta) == ("0%", "-75 pts")
