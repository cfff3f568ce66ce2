"""The Rollouts page's forms (AppTest): tag a rollout (no kind until one is chosen; the channel picked from the
feedback's own), edit a rollout's fields, delete one only after confirming, all kept in the audit trail with who
did it, none offered to a viewer; and the cards, in words, with how each verdict was worked out folded away."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pandas as pd
import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from pulse.formatting import EMPTY
from store.daily_counts import refresh_daily_counts
from store.engine import build_engine
from store.feedback import upsert_feedback
from store.records import FeedbackFrame, FeedbackRecord, SourceSpec
from store.rollouts import Rollout, add_rollout, read_rollout_changes, read_rollouts
from store.users import add_user
from tests.app.pages import APP, NASTY_NAME, PASSWORD, sign_in_as, signed_out_app
from tests.app.widgets import as_read, is_literal, picker

PAGE = "app_pages/rollouts.py"
PICK = "rollouts__pick"


@pytest.fixture
def timeline(empty_store_url: str) -> Engine:
    """A store with two rollouts: the chatbot (the editor's first choice) and the kiosk."""
    engine = build_engine(empty_store_url)
    add_rollout(engine, Rollout("Support chatbot", "chatbot", date(2026, 4, 13), channel="online"), by="sam")
    add_rollout(
        engine, Rollout("Self-service kiosk", "kiosk", date(2026, 1, 12), channel="in-store"), by="sam"
    )
    return engine


def rollouts_page(url: str, use_database) -> AppTest:  # type: ignore[no-untyped-def]
    use_database(url)
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    return app


def history_table(app: AppTest) -> pd.DataFrame:
    """The change history, as the expander under the cards shows it."""
    (changes,) = [expander for expander in app.expander if expander.label.startswith("Change history")]
    return changes.dataframe[0].value


def chatbot_id(engine: Engine) -> int:
    return int(read_rollouts(engine).filter(name="Support chatbot")["id"][0])


def test_editor__saves_changed_fields_and_keeps_them_in_the_history(
    timeline: Engine, empty_store_url: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    app = rollouts_page(empty_store_url, use_database)
    rollout_id = chatbot_id(timeline)
    picker(app, PICK).set_value(rollout_id).run()
    app.text_input(key="rollouts__editor").input("Priya")
    app.text_input(key=f"rollouts__edit_name_{rollout_id}").input("Support chatbot v2")
    app.date_input(key=f"rollouts__edit_ended_on_{rollout_id}").set_value(date(2026, 6, 1))
    app.button(key=f"rollouts__edit_{rollout_id}__submit").click().run()
    assert not app.exception, app.exception
    stored = read_rollouts(timeline).filter(id=rollout_id).row(0, named=True)
    assert (stored["name"], stored["ended_on"], stored["updated_by"]) == (
        "Support chatbot v2",
        date(2026, 6, 1),
        "Priya",
    )
    latest = read_rollout_changes(timeline).row(0, named=True)
    assert (latest["rollout_id"], latest["action"], latest["changed_by"]) == (rollout_id, "edited", "Priya")
    assert latest["what"] == "name: Support chatbot -> Support chatbot v2; ended_on: None -> 2026-06-01"
    assert as_read(app.success[0].value) == (
        f"Saved rollout 'Support chatbot v2' (id {rollout_id}): "
        "name: Support chatbot -> Support chatbot v2; ended_on: None -> 2026-06-01."
    )
    assert app.text_input(key=f"rollouts__edit_name_{rollout_id}").value == "Support chatbot v2"
    timeline = app.dataframe[0]
    assert timeline.value["description"].isna().all() and timeline.proto.placeholder == EMPTY
    assert (
        json.loads(timeline.proto.columns)["ended_on"]["type_config"]["format"] == "D MMM YYYY"
    )  # 1 Jun 2026
    history = history_table(app)
    assert str(history["changed_at"].dt.tz) == "Europe/London"  # the business's time zone, not UTC
    assert history["name"].tolist()[:2] == [
        "Support chatbot v2",
        "Self-service kiosk",
    ]  # by name, not only id


def test_add_form__trims_the_text_and_stores_all_channels_as_none(empty_store_url: str, use_database) -> None:  # type: ignore[no-untyped-def]
    app = rollouts_page(empty_store_url, use_database)
    app.text_input(key="rollouts__name").input("  Kiosk  ")
    app.selectbox(key="rollouts__kind").select("kiosk")
    assert app.selectbox(key="rollouts__channel").value == "All channels"  # the default
    app.text_area(key="rollouts__description").input(" Two screens by the door. ")
    app.button(key="rollouts__add__submit").click().run()
    assert not app.exception, app.exception
    assert app.success[0].value == "Added 'Kiosk' to the timeline."
    stored = read_rollouts(build_engine(empty_store_url)).row(0, named=True)
    assert (stored["name"], stored["channel"], stored["description"], stored["created_by"]) == (
        "Kiosk",
        None,
        "Two screens by the door.",
        "dashboard",
    )
    assert not [box for box in app.date_input if box.key == "rollouts__ended_on"]  # a new one is running
    assert (app.text_input(key="rollouts__name").value, app.selectbox(key="rollouts__kind").value) == (
        "",
        None,
    )


def test_editor__an_invalid_edit_is_refused_with_a_hint_and_changes_nothing(
    timeline: Engine, empty_store_url: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    app = rollouts_page(empty_store_url, use_database)
    rollout_id = chatbot_id(timeline)
    picker(app, PICK).set_value(rollout_id).run()
    app.date_input(key=f"rollouts__edit_ended_on_{rollout_id}").set_value(date(2020, 1, 1))
    app.button(key=f"rollouts__edit_{rollout_id}__submit").click().run()
    assert any("before it starts" in error.value for error in app.error)
    assert read_rollout_changes(timeline)["action"].to_list() == ["added", "added"]


def test_editor__delete_needs_the_confirmation_box(
    timeline: Engine, empty_store_url: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    app = rollouts_page(empty_store_url, use_database)
    rollout_id = chatbot_id(timeline)
    picker(app, PICK).set_value(rollout_id).run()
    app.button(key=f"rollouts__delete_{rollout_id}").click().run()
    assert any("was not deleted" in warning.value for warning in app.warning)
    assert read_rollouts(timeline).height == 2
    assert as_read(app.checkbox(key=f"rollouts__confirm_delete_{rollout_id}").label) == (
        "Yes, delete 'Support chatbot (from 13 Apr 2026)'"
    )
    app.checkbox(key=f"rollouts__confirm_delete_{rollout_id}").check()
    app.button(key=f"rollouts__delete_{rollout_id}").click().run()
    assert not app.exception, app.exception
    assert read_rollouts(timeline)["name"].to_list() == ["Self-service kiosk"]
    latest = read_rollout_changes(timeline).row(0, named=True)
    assert (latest["rollout_id"], latest["action"], latest["changed_by"]) == (
        rollout_id,
        "deleted",
        "dashboard",
    )
    assert as_read(app.success[0].value) == (
        f"Deleted 'Support chatbot (from 13 Apr 2026)' (id {rollout_id}); its history is kept."
    )
    assert app.dataframe[0].value["name"].tolist() == ["Self-service kiosk"]


def test_editor__a_signed_in_editor_is_recorded_and_a_viewer_gets_no_editor(  # type: ignore[no-untyped-def]
    timeline: Engine, empty_store_url: str, use_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(timeline, "ann", PASSWORD, "viewer")
    add_user(timeline, "eve", PASSWORD, "editor")
    viewer = sign_in_as(signed_out_app(empty_store_url, use_database, monkeypatch), "ann", PASSWORD)
    viewer.switch_page(PAGE).run()
    assert not viewer.exception
    assert not [box for box in viewer.selectbox if box.key and box.key.startswith("rollouts__pick")]
    assert not [button for button in viewer.button if button.key and "rollouts__delete" in button.key]

    editor = sign_in_as(signed_out_app(empty_store_url, use_database, monkeypatch), "eve", PASSWORD)
    editor.switch_page(PAGE).run()
    rollout_id = chatbot_id(timeline)
    picker(editor, PICK).set_value(rollout_id).run()
    assert not [box for box in editor.text_input if box.key == "rollouts__editor"]  # the account says who
    editor.text_area(key=f"rollouts__edit_description_{rollout_id}").input("Two kiosks by the door.")
    editor.button(key=f"rollouts__edit_{rollout_id}__submit").click().run()
    assert not editor.exception, editor.exception
    latest = read_rollout_changes(timeline).row(0, named=True)
    assert (latest["action"], latest["changed_by"]) == ("edited", "eve")


def test_editor__after_a_rename_the_same_rollout_stays_picked_and_a_delete_removes_only_it(
    timeline: Engine, empty_store_url: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    app = rollouts_page(empty_store_url, use_database)
    rollout_id = chatbot_id(timeline)  # the second in the picker: the kiosk started first
    assert picker(app, PICK).value is None  # nothing is changed until a rollout is chosen
    picker(app, PICK).set_value(rollout_id).run()
    app.text_input(key=f"rollouts__edit_name_{rollout_id}").input("Chatbot, renamed")
    app.button(key=f"rollouts__edit_{rollout_id}__submit").click().run()
    assert as_read(app.success[0].value) == (
        f"Saved rollout 'Chatbot, renamed' (id {rollout_id}): name: Support chatbot -> Chatbot, renamed."
    )
    assert picker(app, PICK).value == rollout_id
    assert "Chatbot, renamed (from 13 Apr 2026)" in picker(app, PICK).options
    assert "Support chatbot (from 13 Apr 2026)" not in picker(app, PICK).options
    confirm = app.checkbox(key=f"rollouts__confirm_delete_{rollout_id}")
    assert as_read(confirm.label) == "Yes, delete 'Chatbot, renamed (from 13 Apr 2026)'"
    confirm.check()
    app.button(key=f"rollouts__delete_{rollout_id}").click().run()
    assert not app.exception, app.exception
    assert read_rollouts(timeline)["name"].to_list() == ["Self-service kiosk"]
    deleted = read_rollout_changes(timeline).row(0, named=True)
    assert (deleted["rollout_id"], deleted["action"]) == (rollout_id, "deleted")
    assert picker(app, PICK).value is None  # not silently the next rollout


def test_rollouts_page__a_name_with_markdown_and_html_shows_as_typed(
    empty_store_url: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    app = rollouts_page(empty_store_url, use_database)
    app.text_input(key="rollouts__name").input(NASTY_NAME)
    app.selectbox(key="rollouts__kind").select("other")
    app.button(key="rollouts__add__submit").click().run()
    assert not app.exception, app.exception
    assert is_literal(app.success[0].value, NASTY_NAME)
    assert app.dataframe[0].value["name"].tolist() == [NASTY_NAME]  # a table cell is plain text
    assert any(is_literal(block.value, NASTY_NAME) for block in app.markdown)  # the impact's heading
    rollout_id = int(read_rollouts(build_engine(empty_store_url))["id"][0])
    picker(app, PICK).set_value(rollout_id).run()
    assert is_literal(app.checkbox(key=f"rollouts__confirm_delete_{rollout_id}").label, NASTY_NAME)


@pytest.fixture
def two_channels(empty_store_url: str) -> str:
    """A store whose feedback comes from two channels, online and in-store (and no rollout yet)."""
    engine = build_engine(empty_store_url)
    records = [
        FeedbackRecord(
            external_id=f"R{number}",
            kind="survey",
            created_at=datetime(2026, 3, 2 + number, 12, tzinfo=UTC),
            nps=9,
            channel=channel,
        )
        for number, channel in enumerate(["online", "in-store", "online"])
    ]
    upsert_feedback(engine, SourceSpec("Survey: test", "survey", "file"), FeedbackFrame.of(records))
    refresh_daily_counts(engine, "Europe/London")
    engine.dispose()
    return empty_store_url


def test_add_form__has_no_kind_until_one_is_chosen_and_adds_nothing_without_one(
    empty_store_url: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    app = rollouts_page(empty_store_url, use_database)
    kind = app.selectbox(key="rollouts__kind")
    assert (kind.value, kind.placeholder) == (None, "Choose a kind")
    assert kind.options == ["Chatbot", "Automated email", "Online ordering", "Kiosk", "Loyalty app", "Other"]
    app.text_input(key="rollouts__name").input("Order by text")
    app.button(key="rollouts__add__submit").click().run()
    assert not app.exception, app.exception
    assert [as_read(error.value) for error in app.error] == ["A rollout needs a kind."]
    assert app.info[-1].value == "Choose its kind (Other when none fits)."
    engine = build_engine(empty_store_url)
    assert read_rollouts(engine).is_empty() and read_rollout_changes(engine).is_empty()
    assert app.text_input(key="rollouts__name").value == "Order by text"  # kept, to choose the kind and add
    app.selectbox(key="rollouts__kind").select("other")
    app.button(key="rollouts__add__submit").click().run()
    assert read_rollouts(engine)[["name", "kind"]].rows() == [("Order by text", "other")]
    assert app.dataframe[0].value["kind"].tolist() == ["Other"]  # in words on the timeline


def test_add_form__offers_the_feedback_channels_and_a_new_one_with_its_name_box(
    two_channels: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    app = rollouts_page(two_channels, use_database)
    channel = app.selectbox(key="rollouts__channel")
    assert channel.options == ["All channels", "in-store", "online", "A new channel…"]
    assert not [box for box in app.text_input if box.key == "rollouts__new_channel"]
    app.text_input(key="rollouts__name").input("Phone bot")
    app.selectbox(key="rollouts__kind").select("chatbot")
    channel.select("A new channel…").run()
    app.button(key="rollouts__add__submit").click().run()  # the new channel's name not typed yet
    assert [as_read(error.value) for error in app.error] == ["The new channel needs a name."]
    engine = build_engine(two_channels)
    assert read_rollouts(engine).is_empty()
    app.text_input(key="rollouts__new_channel").input(" phone ")
    app.button(key="rollouts__add__submit").click().run()
    assert not app.exception, app.exception
    assert read_rollouts(engine)[["name", "channel"]].rows() == [("Phone bot", "phone")]
    rollout_id = int(read_rollouts(engine)["id"][0])
    picker(app, PICK).set_value(rollout_id).run()
    edited = app.selectbox(key=f"rollouts__edit_channel_{rollout_id}")
    assert (edited.value, edited.options) == (
        "phone",
        ["All channels", "in-store", "online", "phone", "A new channel…"],
    )
    edited.select("online")
    app.button(key=f"rollouts__edit_{rollout_id}__submit").click().run()
    assert read_rollouts(engine)["channel"].to_list() == ["online"]


def test_editor__a_rollout_on_all_channels_from_a_file_keeps_its_channel_when_other_fields_change(
    empty_store_url: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    engine = build_engine(empty_store_url)
    rollout_id = add_rollout(
        engine, Rollout("Emails", "automated_email", date(2026, 7, 6), channel="all"), by="csv"
    )
    app = rollouts_page(empty_store_url, use_database)
    assert app.dataframe[0].value["channel"].tolist() == ["All channels"]
    picker(app, PICK).set_value(rollout_id).run()
    assert app.selectbox(key=f"rollouts__edit_channel_{rollout_id}").value == "All channels"
    app.text_area(key=f"rollouts__edit_description_{rollout_id}").input("A thank-you after each order.")
    app.button(key=f"rollouts__edit_{rollout_id}__submit").click().run()
    assert read_rollout_changes(engine)["what"][0] == "description:  -> A thank-you after each order."
    assert read_rollouts(engine)["channel"].to_list() == ["all"]


def test_rollout_cards__say_what_changed_in_words_and_fold_away_how_it_was_worked_out(
    demo_database: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    app = rollouts_page(demo_database, use_database)
    timeline = app.dataframe[0].value
    assert timeline["kind"].tolist() == [
        "Online ordering",
        "Kiosk",
        "Chatbot",
        "Automated email",
        "Loyalty app",
    ]
    assert timeline["channel"].tolist() == ["online", "in-store", "online", "All channels", "All channels"]
    assert timeline["ended_on"].isna().all() and timeline["description"].notna().all()
    assert app.dataframe[0].proto.placeholder == EMPTY  # what an empty cell shows
    headings = [as_read(block.value) for block in app.markdown if " · from " in block.value]
    assert headings[2] == "**Support chatbot** · from 13 Apr 2026"  # no method on the card
    cards = [frame.value for frame in app.dataframe if "How sure" in frame.value.columns]
    assert len(cards) == 5
    assert list(cards[2].columns) == ["Vital sign", "Before", "Since", "Change", "How sure"]
    worked_out = [expander for expander in app.expander if expander.label == "How this was worked out"]
    assert len(worked_out) == 5
    chatbot = worked_out[2]
    assert as_read(chatbot.markdown[0].value).startswith("**Weeks compared:** 27 weeks before against 12 in")
    assert list(chatbot.dataframe[0].value.columns) == ["Vital sign", "Change", "95% range", "Based on"]
    notes = [caption.value for caption in chatbot.caption]
    assert any("can be detected" in note for note in notes) and any(
        "95 times in 100" in note for note in notes
    )
