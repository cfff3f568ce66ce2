"""The Trends page and the shared sidebar filters (AppTest) on the demo store."""

from __future__ import annotations

import json
import math
import re
import shutil
import statistics
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import analysis.impact.assessment
import analysis.impact_pipeline
import dashboard.data
from analysis.impact import ImpactSettings
from analysis.quotes import shorten
from dashboard.charts import ROLLOUT_LABEL_CHARS

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
TRENDS = "app_pages/trends.py"
DEMO_ROLLOUTS = [
    "Online ordering",
    "Self-service kiosk",
    "Support chatbot",
    "Automated follow-up emails",
    "Loyalty app",
]


def open_app(page: str | None = None, query: dict[str, Any] | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=180)
    app.query_params.update(query or {})
    app.run()
    if page:
        app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def chart(app: AppTest) -> dict[str, Any]:
    """The page's Plotly figure, as the browser receives it."""
    charts = app.get("plotly_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.spec)  # type: ignore[no-any-return]


def trace(figure: dict[str, Any], name: str, axis: str = "y") -> dict[str, Any]:
    return next(t for t in figure["data"] if t.get("name") == name and t.get("yaxis", "y") == axis)


def nps_lines(figure: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in figure["data"] if t.get("yaxis", "y") == "y" and t.get("mode") == "lines+markers"]


def rollout_names(markers: dict[str, Any]) -> list[str]:
    """The rollouts' whole names, as their hovers give them (the labels shorten long ones)."""
    return [str(hover).split("</b>")[0].removeprefix("<b>") for hover in markers["hovertext"]]


def hover_of(figure: dict[str, Any], rollout: str) -> str:
    markers = trace(figure, "Rollouts")
    return str(markers["hovertext"][rollout_names(markers).index(rollout)]).replace("<br>", " ")


def test_trends_page__measures_with_bands_rollouts_with_their_verdicts_and_the_detectable_change(
    demo_database: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    use_database(demo_database)
    app = open_app("app_pages/rollouts.py")
    verdicts = {text.value.split("'")[1]: text.value for text in app.text}  # the Rollouts page's verdicts
    app.switch_page(TRENDS).run()
    assert not app.exception
    assert app.title[0].value == "Trends"
    figure = chart(app)
    nps, band = trace(figure, "NPS"), trace(figure, "NPS 95% interval")
    assert len(nps["x"]) >= 65 and band["fill"] == "toself" and len(band["x"]) == 2 * len(nps["x"])
    names = {t["name"] for t in figure["data"]}
    assert {
        "CSAT",
        "Sentiment",
        "Impersonal /100",
        "Impersonal /100 95% interval",
        "Feedback volume",
    } <= names
    markers = trace(figure, "Rollouts")
    assert rollout_names(markers) == DEMO_ROLLOUTS
    assert list(markers["text"]) == [shorten(name, ROLLOUT_LABEL_CHARS) for name in DEMO_ROLLOUTS]
    assert set(verdicts) == set(DEMO_ROLLOUTS)
    for name in DEMO_ROLLOUTS:
        assert verdicts[name] in hover_of(figure, name)
    note = next(caption.value for caption in app.caption if "responses a week" in caption.value)
    assert re.match(
        r"With about \d+ responses a week, only NPS changes larger than about \d+ points over 8 weeks", note
    )


def test_trends_page__day_week_month_and_split_by_channel(demo_database: str, use_database) -> None:  # type: ignore[no-untyped-def]
    use_database(demo_database)
    app = open_app(TRENDS)
    weeks = len(trace(chart(app), "NPS")["x"])
    app.get("button_group")[0].set_value("month").run()
    assert len(trace(chart(app), "NPS")["x"]) == 16  # August 2025 to November 2026
    app.get("button_group")[0].set_value("day").run()
    assert len(trace(chart(app), "NPS")["x"]) > 6 * weeks
    app.selectbox(key="trends__split").select("channel").run()
    assert not app.exception
    figure = chart(app)
    assert [line["name"] for line in nps_lines(figure)] == [
        "in-store",
        "not set",
        "online",
    ]  # not set: reviews
    assert figure["layout"]["showlegend"] is True
    assert rollout_names(trace(figure, "Rollouts")) == DEMO_ROLLOUTS


def test_filters__a_link_s_query_parameters_set_them_on_every_page(demo_database: str, use_database) -> None:  # type: ignore[no-untyped-def]
    use_database(demo_database)
    everyone = trace(chart(open_app(TRENDS)), "NPS")
    app = open_app(TRENDS, {"channel": "online", "from": "2026-01-05", "to": "2026-06-28"})
    assert app.selectbox(key="filters__channel").value == "online"
    assert app.date_input(key="filters__dates").value == (date(2026, 1, 5), date(2026, 6, 28))
    online = trace(chart(app), "NPS")
    assert online["y"] != everyone["y"] and len(online["x"]) == 25
    assert "Showing online · 5 Jan 2026 – 28 Jun 2026" in app.caption[0].value
    assert rollout_names(trace(chart(app), "Rollouts")) == ["Self-service kiosk", "Support chatbot"]
    app.switch_page("app_pages/pulse.py").run()
    assert "(online · 5 Jan 2026 – 28 Jun 2026)" in app.caption[0].value
    assert app.query_params == {"channel": "online", "from": "2026-01-05", "to": "2026-06-28"}


def test_filters__changes_are_written_to_the_query_parameters_and_kept_across_pages(
    demo_database: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    use_database(demo_database)
    app = open_app(TRENDS)
    assert app.query_params == {}
    app.selectbox(key="filters__channel").select("in-store").run()
    app.date_input(key="filters__dates").set_value((date(2026, 3, 2), date(2026, 11, 22))).run()
    assert app.query_params == {"channel": "in-store", "from": "2026-03-02"}  # the last day is the default
    app.switch_page("app_pages/explorer.py").run()
    assert app.selectbox(key="filters__channel").value == "in-store"
    assert set(app.dataframe[0].value["channel"]) == {"in-store"}
    assert app.query_params == {"channel": "in-store", "from": "2026-03-02"}
    app.selectbox(key="filters__channel").select("All channels").run()
    assert app.query_params == {"from": "2026-03-02"}


def test_filters__pages_without_them_read_no_counts_and_keep_them_in_the_link(  # type: ignore[no-untyped-def]
    demo_database: str, use_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_database(demo_database)
    app = open_app(TRENDS, {"channel": "online"})
    counted: list[object] = []
    read_daily_counts = dashboard.data.read_daily_counts
    monkeypatch.setattr(
        dashboard.data, "read_daily_counts", lambda *args: counted.append(args) or read_daily_counts(*args)
    )
    for page in ("app_pages/sources.py",):
        st.cache_data.clear()
        app.query_params.clear()  # as Streamlit's navigation does on a switch of page
        app.switch_page(page).run()
        assert not app.exception, app.exception
        assert not [box for box in app.selectbox if box.key == "filters__channel"]
        assert app.query_params == {"channel": "online"}
    assert counted == []
    app.query_params.clear()
    app.switch_page("app_pages/pulse.py").run()
    assert "(online)" in app.caption[0].value
    assert app.query_params == {"channel": "online"}
    assert len(counted) == 1
    app.query_params.clear()
    app.switch_page("app_pages/themes.py").run()  # the Themes page has the filters too
    assert [box.value for box in app.selectbox if box.key == "filters__channel"] == ["online"]
    assert app.query_params == {"channel": "online"}


def test_filters__what_a_link_gets_wrong_falls_back_to_the_defaults(demo_database: str, use_database) -> None:  # type: ignore[no-untyped-def]
    use_database(demo_database)
    app = open_app(
        TRENDS, {"channel": "fax", "source": "nowhere", "from": "last tuesday", "to": "2026-02-30"}
    )
    assert app.selectbox(key="filters__channel").value == "All channels"
    assert app.selectbox(key="filters__source").value == "All sources"
    assert app.query_params == {}
    assert trace(chart(app), "NPS")["x"]


def test_trends_page__no_feedback_for_the_filters_says_what_to_do(demo_database: str, use_database) -> None:  # type: ignore[no-untyped-def]
    use_database(demo_database)
    app = open_app(TRENDS, {"source": "Demo: online reviews", "channel": "online"})  # reviews have no channel
    assert "No feedback matches the filters." in app.info[0].value
    assert "sidebar" in app.info[0].value
    assert not app.get("plotly_chart")


def test_trends_page__empty_store_says_what_to_do(empty_store_url: str, use_database) -> None:  # type: ignore[no-untyped-def]
    use_database(empty_store_url)
    app = open_app(TRENDS, {"channel": "online"})
    assert "No feedback in the store yet." in app.info[0].value
    assert "pulse demo" in app.info[0].value


def test_trends_page__a_rollout_tagged_on_the_rollouts_page_appears_with_its_verdict(
    demo_database: str, use_database, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    copy = tmp_path / "pulse.db"
    shutil.copy(demo_database.removeprefix("sqlite:///"), copy)
    use_database(f"sqlite:///{copy}")
    app = open_app("app_pages/rollouts.py")
    app.text_input(key="rollouts__name").input("Self-order screens")
    app.selectbox(key="rollouts__kind").select("kiosk")
    app.date_input(key="rollouts__started_on").set_value(date(2026, 6, 1))
    app.selectbox(key="rollouts__channel").select("in-store")
    app.text_input(key="rollouts__by").input("Sam")
    app.button(key="rollouts__add__submit").click().run()
    assert not app.exception
    verdict = next(text.value for text in app.text if "'Self-order screens'" in text.value)
    app.switch_page(TRENDS).run()
    figure = chart(app)
    assert "Self-order screens" in rollout_names(trace(figure, "Rollouts"))
    hover = hover_of(figure, "Self-order screens")
    assert hover.startswith("<b>Self-order screens</b> 1 Jun 2026 · Kiosk, in-store")
    assert verdict in hover


def test_rollouts_and_trends_pages__read_the_stored_verdicts_and_judge_nothing(  # type: ignore[no-untyped-def]
    demo_database: str, use_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def judging(*args: object, **kwargs: object) -> None:
        raise AssertionError("a page judged a rollout")

    for name in ("assess_rollout_by_day", "assess_rollouts_by_day"):
        monkeypatch.setattr(analysis.impact.assessment, name, judging)
        monkeypatch.setattr(analysis.impact, name, judging)
    monkeypatch.setattr(analysis.impact_pipeline, "refresh_rollout_impacts", judging)
    use_database(demo_database)
    app = open_app("app_pages/rollouts.py")
    verdicts = {text.value.split("'")[1]: text.value for text in app.text}  # stored by the demo's pipeline
    assert list(verdicts) == DEMO_ROLLOUTS
    app.switch_page(TRENDS).run()
    assert not app.exception, app.exception
    assert verdicts["Support chatbot"] in hover_of(chart(app), "Support chatbot")


def weeks_around(
    figure: dict[str, Any], measure: str, rollout: str, weeks: int
) -> tuple[list[float], list[float]]:
    """The weekly values of a measure's line in the `weeks` weeks before a rollout's start and the `weeks`
    weeks from it, as the page draws them (the rollout's start is its marker's date)."""
    markers = trace(figure, "Rollouts")
    start = date.fromisoformat(str(markers["x"][rollout_names(markers).index(rollout)])[:10])
    line = next(t for t in figure["data"] if t.get("name") == measure and t.get("mode") == "lines+markers")
    values = {date.fromisoformat(str(x)[:10]): y for x, y in zip(line["x"], line["y"], strict=True)}
    before = [values[start - timedelta(weeks=week)] for week in range(weeks, 0, -1)]
    after = [values[start + timedelta(weeks=week)] for week in range(weeks)]
    return before, after


@pytest.mark.slow
def test_trends_page__online_sentiment_falls_after_the_chatbot(demo_database: str, use_database) -> None:  # type: ignore[no-untyped-def]
    """The demo scored as `pulse analyze` scores it, the Trends page on the online channel: the weekly mean
    sentiment it draws over the 8 weeks after the support chatbot is below that of the 8 weeks before, by
    more than twice the noise of the difference (from the weeks' spread: sd / sqrt(weeks) on each side)."""
    use_database(demo_database)
    app = open_app(TRENDS, {"channel": "online"})
    weeks = ImpactSettings().weeks  # the windows that the rollouts' verdicts compare
    before, after = weeks_around(chart(app), "Sentiment", "Support chatbot", weeks)
    fall = statistics.fmean(before) - statistics.fmean(after)
    noise = math.sqrt(statistics.variance(before) / weeks + statistics.variance(after) / weeks)
    assert fall > 2 * noise, f"before {before}, after {after}: fall {fall:+.3f}, noise {noise:.3f}"
