"""The dashboard's pages through Streamlit's AppTest, on the demo store."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from store.engine import build_engine
from store.explorer import correct_label
from store.feedback import read_feedback
from tests.app.pages import APP, FIXTURES, run_app

KPI_LABELS = [
    "NPS",
    "CSAT",
    "Stars",
    "Feedback",
    "Negative comments",
    "Felt impersonal",
    "CES: easy",
    "Repeat customers",
]  # stars: reviews; CES: online surveys; repeat customers: the demo's orders
CHANNEL_KPI_LABELS = [label for label in KPI_LABELS if label != "Stars"]  # reviews have no channel


def test_pulse_page__shows_the_last_four_weeks_against_the_four_before_with_trend_and_quotes(
    demo_database: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    use_database(demo_database)
    app = run_app()
    assert app.title[0].value == "Crumb & Kettle: weekly pulse"
    assert [metric.label for metric in app.metric] == KPI_LABELS
    nps, csat, stars, ces = app.metric[0].value, app.metric[1].value, app.metric[2].value, app.metric[6]
    assert nps[0] in "+-" and nps[1:].isdigit()
    assert csat.endswith("%") and stars.endswith(" ★")
    assert ces.value.endswith("%") and "answers; mean" in ces.help and "of 7" in ces.help
    returning = app.metric[7]  # the same 4 weeks' customers, against the 4 before (analysis.loyalty.spans)
    assert returning.value == "94%" and returning.delta == "+0 pts"
    assert "Share of the 1,831 customers who bought in these weeks" in returning.help
    assert all(metric.delta for metric in app.metric)  # the latest weeks have weeks before them
    assert app.caption[0].value.startswith(
        "The 4 weeks of 26 Oct – 22 Nov 2026, against the 4 before (28 Sep – 25 Oct 2026)."
    )
    assert len(app.get("plotly_chart")) == 1
    assert 1 <= len(app.text) <= 3  # the week's notable comments, as plain text
    # the owner's question answered first, from the rollouts' findings: the chatbot's clear harm
    assert app.error[0].value.replace("\\", "") == (
        "**Is automation making customers feel it?** Yes: since 'Support chatbot' (13 Apr 2026), "
        "complaints of impersonal service rose from 1 to 21 per 100 (clear)."
    )


def test_pulse_page__week_picker_changes_the_figures(demo_database: str, use_database) -> None:  # type: ignore[no-untyped-def]
    use_database(demo_database)
    app = run_app()
    latest = [metric.value for metric in app.metric]
    weeks = app.selectbox(key="pulse__week").options
    assert len(weeks) >= 65  # 15 months and more
    app.selectbox(key="pulse__week").select_index(30).run()
    assert [metric.value for metric in app.metric] != latest
    assert "against the 4 before" in app.caption[0].value


def test_pulse_page__compares_since_the_latest_rollout_or_one_week(demo_database: str, use_database) -> None:  # type: ignore[no-untyped-def]
    use_database(demo_database)
    app = run_app()
    four_weeks = [metric.value for metric in app.metric]
    compare = app.segmented_control(key="pulse__compare")
    assert compare.options == ["Last 4 weeks", "Since 'Loyalty app'", "This week"]
    compare.set_value("rollout").run()
    assert app.caption[0].value.startswith(
        "The 9 whole weeks since 'Loyalty app' started on 21 Sep 2026, against the 9 before "
        "(20 Jul – 20 Sep 2026)."
    )
    assert [metric.value for metric in app.metric] != four_weeks
    app.segmented_control(key="pulse__compare").set_value("week").run()
    assert app.caption[0].value.startswith(
        "The week of 16–22 Nov 2026, against the week before (9–15 Nov 2026)."
    )


def test_pulse_page__the_channel_a_harmful_rollout_touched_is_one_click_away(
    demo_database: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    use_database(demo_database)
    app = run_app()
    app.button(key="pulse__see_channel").click().run()  # "See online only": the chatbot's customers
    assert app.selectbox(key="filters__channel").value == "online"
    assert "(online)" in app.caption[0].value
    assert "pulse__see_channel" not in [button.key for button in app.button]  # it is the view now


def test_pulse_page__alerts_a_significant_change_against_the_weeks_before(
    demo_database: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    use_database(demo_database)
    app = run_app()
    assert not [error.value for error in app.error if "over the 8 weeks before" in error.value]
    select = app.selectbox(key="pulse__week")
    select.set_value(date(2026, 4, 27)).run()  # the chatbot's third week: online customers, not in-store
    alerts = [error.value for error in app.error if "over the 8 weeks before" in error.value]
    assert [alert.split(" this week")[0] for alert in alerts] == [
        "Online: NPS fell to -16",
        "Online: Impersonal complaints rose to 31.0 per 100",
    ]
    assert "99.7% CI" in alerts[0]  # four measures on all the feedback and on each of two channels
    select.set_value(date(2026, 5, 18)).run()  # the sixth week
    alerts = [error.value for error in app.error if "over the 8 weeks before" in error.value]
    assert len(alerts) == 1 and alerts[0].startswith("Online: Impersonal complaints rose to 47.4 per 100")


def test_pulse_page__says_how_many_labels_the_team_corrected(
    demo_database: str, use_database, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    copy = tmp_path / "pulse.db"
    with sqlite3.connect(demo_database.removeprefix("sqlite:///")) as source, sqlite3.connect(copy) as target:
        source.backup(target)  # the demo store, for this test alone
    engine = build_engine(f"sqlite:///{copy}")
    app = run_app_on(use_database, f"sqlite:///{copy}")
    week = app.selectbox(key="pulse__week").value
    assert "corrected" not in app.caption[0].value
    start = datetime.combine(week, time(12), tzinfo=UTC)
    items = read_feedback(engine, ("id", "created_at", "impersonal")).filter(
        pl.col("created_at").is_between(start, start + timedelta(days=5)), ~pl.col("impersonal")
    )
    correct_label(engine, int(items["id"][0]), "impersonal", "true", by="editor")
    engine.dispose()
    app = run_app_on(use_database, f"sqlite:///{copy}")
    assert "Includes 1 comment whose label your team corrected" in app.caption[0].value


def run_app_on(use_database, url: str) -> AppTest:  # type: ignore[no-untyped-def]
    use_database(url)
    return run_app()


def test_pulse_page__sidebar_channel_filter_shows_one_channel(demo_database: str, use_database) -> None:  # type: ignore[no-untyped-def]
    use_database(demo_database)
    app = run_app()
    everyone = [metric.value for metric in app.metric]
    channel = app.selectbox(key="filters__channel")
    assert channel.options == ["All channels", "in-store", "online"]
    channel.select("online").run()
    assert not app.exception, app.exception  # the week's quotes of one channel
    assert "(online)" in app.caption[0].value
    assert [metric.value for metric in app.metric] != everyone
    assert [metric.label for metric in app.metric] == CHANNEL_KPI_LABELS
    assert app.metric[5].value == everyone[6]  # only the online survey asks for the customer's effort
    assert 1 <= len(app.text) <= 3  # the week's notable comments of that channel
    app.selectbox(key="filters__channel").select("in-store").run()
    in_store = [label for label in CHANNEL_KPI_LABELS if label != "CES: easy"]  # no CES where none asks it
    assert [metric.label for metric in app.metric] == in_store


def test_pulse_page__first_week_has_no_change(demo_database: str, use_database) -> None:  # type: ignore[no-untyped-def]
    use_database(demo_database)
    app = run_app()
    select = app.selectbox(key="pulse__week")
    select.select_index(len(select.options) - 1).run()
    assert all(metric.delta is None or metric.delta == "" for metric in app.metric)
    assert app.caption[0].value.startswith("The week of 4–10 Aug 2025, with nothing before them to compare.")


def test_pulse_page__empty_store_says_what_to_do(empty_store_url: str, use_database) -> None:  # type: ignore[no-untyped-def]
    use_database(empty_store_url)
    app = run_app()
    assert "No feedback in the store yet." in app.info[0].value
    assert "pulse demo" in app.info[0].value


def test_app__unmigrated_store_shows_error_and_hint(tmp_path: Path, use_database) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "new.db").touch()  # an empty SQLite file: a store of no schema revision
    use_database(f"sqlite:///{tmp_path / 'new.db'}")
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert "has not been created or migrated" in app.error[0].value
    assert "pulse db upgrade" in app.info[0].value


def test_app__a_mistyped_store_path_says_there_is_no_store_and_creates_none(
    tmp_path: Path, use_database
) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "dta" / "pulse.db"  # "data" mistyped in PULSE_DATABASE_URL
    use_database(f"sqlite:///{missing}")
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert "There is no store at" in app.error[0].value and "dta" in app.error[0].value
    assert "pulse db upgrade" in app.info[0].value and "PULSE_DATABASE_URL" in app.info[0].value
    assert not missing.parent.exists()


def test_rollouts_page__lists_the_timeline_and_adds_a_rollout(empty_store_url: str, use_database) -> None:  # type: ignore[no-untyped-def]
    use_database(empty_store_url)
    app = run_app("app_pages/rollouts.py")
    assert "No rollouts on the timeline yet." in app.info[0].value
    app.text_input(key="rollouts__name").input("Support chatbot")
    app.selectbox(key="rollouts__kind").select("chatbot")
    app.text_input(key="rollouts__by").input("Sam")
    app.button(key="rollouts__add__submit").click().run()
    assert not app.exception
    assert app.success[0].value == "Added 'Support chatbot' to the timeline."  # shown after the rerun
    table = app.dataframe[0].value
    assert table["name"].tolist() == ["Support chatbot"]
    assert table["created_by"].tolist() == ["Sam"]
    (changes,) = [expander for expander in app.expander if expander.label.startswith("Change history")]
    assert changes.label == "Change history (1)"
    history = changes.dataframe[0].value
    assert history[["name", "action", "changed_by"]].values.tolist() == [["Support chatbot", "added", "Sam"]]


def test_rollouts_page__judges_each_rollout_of_the_demo(demo_database: str, use_database) -> None:  # type: ignore[no-untyped-def]
    use_database(demo_database)
    app = run_app("app_pages/rollouts.py")
    verdicts = [text.value for text in app.text]
    assert len(verdicts) == 5 and all(verdict.startswith("After '") for verdict in verdicts)
    chatbot = next(verdict for verdict in verdicts if verdict.startswith("After 'Support chatbot' (online, "))
    assert "Complaints of impersonal service rose from 1 to 21 per 100 (clear)." in chatbot
    cards = [frame.value for frame in app.dataframe if "How sure" in frame.value.columns]
    table = cards[2]  # the chatbot's card (after two older ones)
    assert table["Vital sign"].tolist()[:2] == ["NPS", "Complaints of impersonal service"]
    assert table["How sure"].tolist()[:2] == ["Likely worse (more than a 99 in 100 chance)", "Clearly worse"]
    notes = [caption.value for caption in app.caption if "responses a week" in caption.value]
    assert len(notes) == 5 and all("can be detected" in note for note in notes)


def test_rollouts_page__empty_name_is_refused_with_a_hint(empty_store_url: str, use_database) -> None:  # type: ignore[no-untyped-def]
    use_database(empty_store_url)
    app = run_app("app_pages/rollouts.py")
    app.button(key="rollouts__add__submit").click().run()
    assert "needs a name" in app.error[0].value
    assert app.info[-1].value.startswith("Give it a short name")


PAGE_TITLES = {
    "explorer.py": "Feedback explorer",
    "follow_up.py": "Follow-up",
    "locations.py": "Locations",  # the demo has one location: the page says so
    "loyalty.py": "Loyalty",
    "observations.py": "Observations",
    "pulse.py": "Crumb & Kettle: weekly pulse",
    "rollouts.py": "Automation rollouts",
    "sources.py": "Sources",
    "themes.py": "Themes",
    "trends.py": "Trends",
}
PAGES = sorted(path.name for path in (Path(APP).parent / "app_pages").glob("[!_]*.py"))


@pytest.mark.parametrize("page", PAGES)
def test_pages__demo_store_renders_without_error(page: str, demo_database: str, use_database) -> None:  # type: ignore[no-untyped-def]
    use_database(demo_database)
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    app.switch_page(f"app_pages/{page}").run()
    assert not app.exception, app.exception
    assert [title.value for title in app.title] == [PAGE_TITLES[page]]


def test_sources_page__lists_sources_runs_and_no_rejects_for_the_demo(
    demo_database: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    use_database(demo_database)
    app = run_app("app_pages/sources.py")
    sources = app.dataframe[0].value
    assert sorted(sources["name"]) == [
        "Demo: Reddit mentions",
        "Demo: online reviews",
        "Demo: post-order survey",
        "Demo: staff observations",  # collectors.demo.load_demo_observations
        "Demo: till and online orders",  # the demo's orders (collectors.demo.load_demo_orders)
    ]
    assert sources["feedback"].sum() == 6809 + 12 + 45026  # feedback, observations, and the orders' source
    runs = app.dataframe[1].value
    assert {"demo", "score"} <= set(runs["name"])
    assert (runs["seconds"] >= 0).all() and runs["status"].eq("ok").all()
    assert "Every input row so far was imported." in app.success[0].value


def test_sources_page__empty_store_says_what_to_do(empty_store_url: str, use_database) -> None:  # type: ignore[no-untyped-def]
    use_database(empty_store_url)
    app = run_app("app_pages/sources.py")
    assert any("No sources yet." in info.value for info in app.info)


def test_sources_page__without_live_sources_says_how_to_add_them(empty_store_url: str, use_database) -> None:  # type: ignore[no-untyped-def]
    use_database(empty_store_url)
    app = run_app("app_pages/sources.py")
    assert any("No live source is configured." in info.value for info in app.info)


def test_sources_page__collect_now_stores_app_store_reviews(  # type: ignore[no-untyped-def]
    empty_store_url: str, use_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from functools import partial

    import collectors.reviews.live as live
    from collectors.reviews import AppStoreCollector
    from tests.http_replay import ReplayServer
    from tests.review_routes import APP_ID, app_store_routes

    use_database(empty_store_url)
    monkeypatch.setenv("PULSE_APP_STORE_APP_ID", APP_ID)
    with ReplayServer(app_store_routes()) as server:
        monkeypatch.setattr(live, "AppStoreCollector", partial(AppStoreCollector, base_url=server.url))
        app = run_app("app_pages/sources.py")
        assert app.multiselect(key="sources__collect").value == [f"app-store:gb:{APP_ID}"]
        app.button(key="sources__collect_now").click().run()
    assert not app.exception
    assert f"app-store:gb:{APP_ID}: new 8, rejected 1" in [element.value for element in app.markdown]
    sources = app.dataframe[0].value
    assert sources["feedback"].tolist() == [8]


def test_sources_page__upload_preview_fix_mapping_and_import_a_survey(
    empty_store_url: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    use_database(empty_store_url)
    app = run_app("app_pages/sources.py")
    data = (FIXTURES / "surveys" / "google_forms.csv").read_bytes()
    app.get("file_uploader")[0].set_value(("google_forms.csv", data, "text/csv")).run()
    assert not app.exception
    assert app.selectbox(key="sources__map_created_at").value == "Timestamp"
    assert app.selectbox(key="sources__map_location").value == "Which location?"
    app.selectbox(key="sources__map_location").select("(not used)").run()  # the user fixes the mapping
    preview = app.dataframe[0].value
    assert "Location" not in preview.columns and preview["NPS (0-10)"].iloc[0] == "10"
    assert app.selectbox(key="sources__target").value == "A new source…"  # nothing holds this survey yet
    assert app.text_input(key="sources__new_source").value == "Survey: google_forms.csv"
    app.button(key="sources__import_survey").click().run()
    assert not app.exception
    assert any(
        s.value.startswith("Import finished into 'Survey: google_forms.csv': 5 new") for s in app.success
    )
    sources = next(table.value for table in app.dataframe if "feedback" in table.value.columns)
    assert "Survey: google_forms.csv" in set(sources["name"])


def test_sources_page__a_copy_of_an_imported_export_goes_into_its_source_with_nothing_new(
    empty_store_url: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    use_database(empty_store_url)
    data = (FIXTURES / "surveys" / "google_forms.csv").read_bytes()
    app = run_app("app_pages/sources.py")
    app.get("file_uploader")[0].set_value(("responses.csv", data, "text/csv")).run()
    app.button(key="sources__import_survey").click().run()
    app = run_app("app_pages/sources.py")  # later: the same answers downloaded again, under another name
    app.get("file_uploader")[0].set_value(("responses (1).csv", data, "text/csv")).run()

    target = app.selectbox(key="sources__target")
    assert target.value == "Survey: responses.csv"  # recognised by its columns
    assert target.options[0] == "Survey: responses.csv (this survey)"
    app.button(key="sources__import_survey").click().run()
    assert not app.exception
    finished = [s.value for s in app.success if s.value.startswith("Import finished")]
    assert finished == ["Import finished into 'Survey: responses.csv': 0 new, 5 already there, 1 rejected."]
    sources = next(table.value for table in app.dataframe if "feedback" in table.value.columns)
    assert sources["name"].tolist() == ["Survey: responses.csv"]


def test_sources_page__the_user_names_a_new_source_for_a_known_survey_and_is_warned(
    empty_store_url: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    use_database(empty_store_url)
    data = (FIXTURES / "surveys" / "google_forms.csv").read_bytes()
    app = run_app("app_pages/sources.py")
    app.get("file_uploader")[0].set_value(("shop-a.csv", data, "text/csv")).run()
    app.button(key="sources__import_survey").click().run()
    app = run_app("app_pages/sources.py")
    app.get("file_uploader")[0].set_value(("shop-b.csv", data, "text/csv")).run()
    app.selectbox(key="sources__target").select("A new source…").run()
    app.text_input(key="sources__new_source").input("Shop B survey").run()
    app.button(key="sources__import_survey").click().run()

    assert not app.exception
    assert any("looks like the survey of 'Survey: shop-a.csv'" in w.value for w in app.warning)
    assert any(s.value.startswith("Import finished into 'Shop B survey': 5 new") for s in app.success)


def test_sources_page__upload_and_import_reviews(empty_store_url: str, use_database) -> None:  # type: ignore[no-untyped-def]
    use_database(empty_store_url)
    app = run_app("app_pages/sources.py")
    app.get("button_group")[0].set_value("Reviews").run()
    data = (FIXTURES / "reviews" / "trustpilot_reviews.csv").read_bytes()
    app.get("file_uploader")[0].set_value(("trustpilot_reviews.csv", data, "text/csv")).run()
    assert "Detected format: trustpilot" in app.caption[1].value
    app.button(key="sources__import_reviews").click().run()
    assert not app.exception
    assert any(s.value.startswith("Import finished into 'Trustpilot reviews': ") for s in app.success)
