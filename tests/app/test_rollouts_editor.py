"""The Rollouts page's editor (AppTest): edit a rollout's fields, delete one only after confirming, both kept in
the audit trail with who did it, and neither offered to a viewer."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from store.engine import build_engine
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
    app.button(key=f"FormSubmitter:rollouts__edit_{rollout_id}-Save changes").click().run()
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
    history = app.dataframe[1].value
    assert str(history["changed_at"].dt.tz) == "Europe/London"  # the business's time zone, not UTC


def test_add_form__trims_the_text_and_stores_an_empty_channel_as_none(
    empty_store_url: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    app = rollouts_page(empty_store_url, use_database)
    app.text_input(key="rollouts__name").input("  Kiosk  ")
    app.text_input(key="rollouts__channel").input("   ")
    app.text_area(key="rollouts__description").input(" Two screens by the door. ")
    app.button(key="FormSubmitter:rollouts__add-Add rollout").click().run()
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


def test_editor__an_invalid_edit_is_refused_with_a_hint_and_changes_nothing(
    timeline: Engine, empty_store_url: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    app = rollouts_page(empty_store_url, use_database)
    rollout_id = chatbot_id(timeline)
    picker(app, PICK).set_value(rollout_id).run()
    app.date_input(key=f"rollouts__edit_ended_on_{rollout_id}").set_value(date(2020, 1, 1))
    app.button(key=f"FormSubmitter:rollouts__edit_{rollout_id}-Save changes").click().run()
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
        "Yes, delete 'Support chatbot (from 2026-04-13)'"
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
        f"Deleted 'Support chatbot (from 2026-04-13)' (id {rollout_id}); its history is kept."
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
    editor.button(key=f"FormSubmitter:rollouts__edit_{rollout_id}-Save changes").click().run()
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
    app.button(key=f"FormSubmitter:rollouts__edit_{rollout_id}-Save changes").click().run()
    assert as_read(app.success[0].value) == (
        f"Saved rollout 'Chatbot, renamed' (id {rollout_id}): name: Support chatbot -> Chatbot, renamed."
    )
    assert picker(app, PICK).value == rollout_id
    assert "Chatbot, renamed (from 2026-04-13)" in picker(app, PICK).options
    assert "Support chatbot (from 2026-04-13)" not in picker(app, PICK).options
    confirm = app.checkbox(key=f"rollouts__confirm_delete_{rollout_id}")
    assert as_read(confirm.label) == "Yes, delete 'Chatbot, renamed (from 2026-04-13)'"
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
    app.button(key="FormSubmitter:rollouts__add-Add rollout").click().run()
    assert not app.exception, app.exception
    assert is_literal(app.success[0].value, NASTY_NAME)
    assert app.dataframe[0].value["name"].tolist() == [NASTY_NAME]  # a table cell is plain text
    assert any(is_literal(block.value, NASTY_NAME) for block in app.markdown)  # the impact's heading
    rollout_id = int(read_rollouts(build_engine(empty_store_url))["id"][0])
    picker(app, PICK).set_value(rollout_id).run()
    assert is_literal(app.checkbox(key=f"rollouts__confirm_delete_{rollout_id}").label, NASTY_NAME)
