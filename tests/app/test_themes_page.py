"""The Themes page through AppTest, on a small themed store (stored test embeddings, no model)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import analysis.theme_pipeline
import reports.handout as theme_handout
from analysis.filters import Filters
from analysis.theme_pipeline import assign_new_themes, fit_themes
from analysis.themes.library import load_library
from dashboard.data import data_version, load_theme_export
from pulse.plain_text import html_literal
from store.engine import build_engine
from store.observations import add_observation
from store.rollouts import Rollout, add_rollout
from store.topics import read_topics, rename_topic
from store.users import add_user
from tests.app.pages import NASTY_NAME, PASSWORD, run_app, sign_in_as, signed_out_app
from tests.app.widgets import as_read, is_literal, picker
from tests.stores import upgrade_as_pulse_db_upgrade_does
from tests.theme_data import (
    TEST_LIBRARY,
    TEST_MODEL,
    seed_themed_store,
    use_hash_encoders,
    write_test_library,
)

PAGE = "app_pages/themes.py"
PICK = "themes__edit_theme"
STAFF_DAY = datetime(2026, 3, 25, 10, tzinfo=UTC)  # among the customers' weeks (tests.theme_data.START)


@pytest.fixture(autouse=True)
def _hash_encoders(monkeypatch: pytest.MonkeyPatch) -> None:
    use_hash_encoders(monkeypatch)


@pytest.fixture
def themed_store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'themes.db'}"
    engine = build_engine(url)
    upgrade_as_pulse_db_upgrade_does(engine)
    seed_themed_store(engine, per_cluster=30)
    add_rollout(engine, Rollout(name="Kiosk", kind="kiosk", started_on=date(2026, 3, 16)), by="test")
    fit_themes(engine, TEST_MODEL, library=TEST_LIBRARY)
    engine.dispose()
    return url


def test_themes_page__lists_themes_trend_rollout_changes_and_downloads(
    themed_store: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    use_database(themed_store)
    app = run_app(PAGE)
    assert app.title[0].value == "Themes"
    table = app.dataframe[0].value
    assert "Impersonal experience" in table["theme"].tolist()
    assert table["volume"].sum() == 150  # 120 comments; the 30 flagged impersonal mention that theme as well
    assert len(app.get("plotly_chart")) == 1
    assert app.dataframe[1].value["rollout"].tolist()[0] == "Kiosk"
    labels = [button.proto.label for button in app.get("download_button")]
    new_themes = int((table["heading"] == "New themes").sum())
    assert new_themes == 4  # the synthetic clusters: the library of the tests knows none of them
    assert (
        labels
        == ["Download PDF", "Download MD", "Download CSV"] + ["Download the library with this theme"] * 4
    )
    assert len(app.expander) == table.shape[0] + new_themes  # the quotes, then the "new theme?" offers


def spy(monkeypatch: pytest.MonkeyPatch, module: ModuleType, name: str) -> list[tuple[Any, ...]]:
    """The arguments of every call of module.name from now on (the calls still go through)."""
    calls: list[tuple[Any, ...]] = []
    original: Callable[..., Any] = getattr(module, name)

    def recorded(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, recorded)
    return calls


def test_themes_page__builds_the_shown_report_once_and_a_file_only_when_one_is_downloaded(  # type: ignore[no-untyped-def]
    themed_store: str, use_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    reports = spy(monkeypatch, analysis.theme_pipeline, "build_theme_report")
    files = spy(monkeypatch, theme_handout, "theme_report_bytes")
    use_database(themed_store)
    app = run_app(PAGE)
    assert len(reports) == 1 and files == []
    shown = app.dataframe[0].value["theme"].tolist()
    handout = load_theme_export(
        data_version(), "csv", 12, 10, Filters()
    )  # what the CSV button runs on a click
    assert [row["theme"] for row in csv.DictReader(io.StringIO(handout.decode("utf-8")))] == shown
    assert len(reports) == 1 and len(files) == 1  # the report shown, not built again
    app.slider(key="themes__top").set_value(5).run()
    assert len(reports) == 2 and len(files) == 1


def stored_topics(url: str) -> dict[int, dict[str, Any]]:
    engine = build_engine(url)
    topics = {row["id"]: row for row in read_topics(engine).to_dicts()}
    engine.dispose()
    return topics


def test_themes_page__rename_hide_and_merge_are_stored(themed_store: str, use_database) -> None:  # type: ignore[no-untyped-def]
    use_database(themed_store)
    app = run_app(PAGE)
    first, second = list(stored_topics(themed_store))[:2]
    picker(app, PICK).set_value(first).run()
    app.text_input(key=f"themes__new_name_{first}").input("Our bread")
    app.button(key=f"themes__rename_{first}").click().run()
    assert not app.exception
    assert "Our bread" in app.dataframe[0].value["theme"].tolist()
    app.button(key=f"themes__hide_{first}").click().run()
    assert "Our bread" not in app.dataframe[0].value["theme"].tolist()
    assert as_read(app.success[0].value) == f"Theme 'Our bread' (id {first}) is hidden."
    picker(app, PICK).set_value(second).run()
    picker(app, f"themes__merge_into_{second}").set_value(first).run()
    app.checkbox(key=f"themes__confirm_merge_{second}_{first}").check()
    app.button(key=f"themes__merge_{second}").click().run()
    topics = stored_topics(themed_store)
    assert topics[first]["custom_name"] == "Our bread" and topics[first]["hidden"]
    assert topics[second]["merged_into"] == first


def test_themes_page__renaming_one_theme_then_another_renames_each_with_its_own_name(
    themed_store: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    use_database(themed_store)
    app = run_app(PAGE)
    topics = stored_topics(themed_store)
    first, second = list(topics)[:2]
    picker(app, PICK).set_value(first).run()
    app.text_input(key=f"themes__new_name_{first}").input("Bread")
    app.button(key=f"themes__rename_{first}").click().run()
    assert (
        as_read(app.success[0].value) == f"Renamed theme '{topics[first]['label']}' (id {first}) to 'Bread'."
    )
    assert picker(app, PICK).value == first  # still the theme just renamed
    picker(app, PICK).set_value(second).run()
    assert app.text_input(key=f"themes__new_name_{second}").value == topics[second]["label"]  # not "Bread"
    app.text_input(key=f"themes__new_name_{second}").input("Coffee")
    app.button(key=f"themes__rename_{second}").click().run()
    names = {theme_id: row["custom_name"] for theme_id, row in stored_topics(themed_store).items()}
    assert names == {**dict.fromkeys(topics), first: "Bread", second: "Coffee"}  # the others unnamed


def test_themes_page__an_empty_name_box_renames_nothing(themed_store: str, use_database) -> None:  # type: ignore[no-untyped-def]
    engine = build_engine(themed_store)
    first = int(read_topics(engine)["id"][0])
    rename_topic(engine, first, "Our bread")
    engine.dispose()
    use_database(themed_store)
    app = run_app(PAGE)  # a new session
    picker(app, PICK).set_value(first).run()
    assert app.text_input(key=f"themes__new_name_{first}").value == "Our bread"
    app.text_input(key=f"themes__new_name_{first}").input("   ")
    app.button(key=f"themes__rename_{first}").click().run()
    assert "an empty box renames nothing" in as_read(app.warning[0].value)
    assert stored_topics(themed_store)[first]["custom_name"] == "Our bread"
    app.button(key=f"themes__reset_name_{first}").click().run()  # going back is its own button
    assert stored_topics(themed_store)[first]["custom_name"] is None


def test_themes_page__a_merge_needs_the_confirmation_that_names_both_themes(
    themed_store: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    use_database(themed_store)
    app = run_app(PAGE)
    topics = stored_topics(themed_store)
    first, second = list(topics)[:2]
    picker(app, PICK).set_value(second).run()
    picker(app, f"themes__merge_into_{second}").set_value(first).run()
    app.button(key=f"themes__merge_{second}").click().run()
    assert "nothing was merged" in as_read(app.warning[0].value)
    assert stored_topics(themed_store)[second]["merged_into"] is None
    confirm = app.checkbox(key=f"themes__confirm_merge_{second}_{first}")
    assert as_read(confirm.label) == (
        f"Yes, merge '{topics[second]['label']}' into '{topics[first]['label']}'"
    )
    confirm.check()
    app.button(key=f"themes__merge_{second}").click().run()
    assert stored_topics(themed_store)[second]["merged_into"] == first
    assert not app.checkbox(key=f"themes__confirm_merge_{second}_{first}").value
    assert as_read(app.success[0].value) == (
        f"Merged theme '{topics[second]['label']}' (id {second}) into '{topics[first]['label']}' (id {first})."
    )


def test_themes_page__a_theme_name_with_markdown_shows_as_typed(themed_store: str, use_database) -> None:  # type: ignore[no-untyped-def]
    engine = build_engine(themed_store)
    first = int(read_topics(engine)["id"][0])
    rename_topic(engine, first, NASTY_NAME)
    engine.dispose()
    use_database(themed_store)
    app = run_app(PAGE)
    assert NASTY_NAME in app.dataframe[0].value["theme"].tolist()
    assert any(is_literal(expander.label, NASTY_NAME) for expander in app.expander)
    figure = json.loads(app.get("plotly_chart")[0].proto.spec)
    names = [trace.get("name", "") for trace in figure["data"]]
    assert html_literal(NASTY_NAME) in names and NASTY_NAME not in names


LONG_NAME = (
    "Waiting for the sourdough loaf at the counter while the kiosk screen keeps asking whether we would like to "
    "add a pastry to the order"
)


def test_themes_page__a_long_theme_name_can_be_read_in_full(themed_store: str, use_database) -> None:  # type: ignore[no-untyped-def]
    engine = build_engine(themed_store)
    rename_topic(engine, int(read_topics(engine)["id"][0]), LONG_NAME)
    engine.dispose()
    use_database(themed_store)
    app = run_app(PAGE)
    columns = json.loads(app.dataframe[0].proto.columns)  # the table cuts it: it says how to read it all
    assert columns["theme"]["help"] == "A long name is cut short here: double-click it to read it all."
    said = [as_read(expander.label) for expander in app.expander if "sentiment" in expander.label]
    assert any(label.startswith(f"{LONG_NAME} · 30 comments · ") for label in said)  # whole, in words


def test_themes_page__no_themes_says_what_to_do(empty_store_url: str, use_database) -> None:  # type: ignore[no-untyped-def]
    use_database(empty_store_url)
    app = run_app(PAGE)
    assert "pulse themes fit" in app.info[0].value


def test_themes_page__a_new_theme_is_kept_under_a_name_or_folded_into_a_library_theme(  # type: ignore[no-untyped-def]
    themed_store: str, use_database
) -> None:
    use_database(themed_store)
    app = run_app(PAGE)
    topics = stored_topics(themed_store)
    library_theme = next(key for key, row in topics.items() if row["heading"])
    kept, folded = [key for key, row in topics.items() if row["heading"] is None][:2]
    app.text_input(key=f"themes__keep_name_{kept}").input("Bread talk")
    app.button(key=f"themes__keep_{kept}").click().run()
    assert not app.exception
    app.selectbox(key=f"themes__fold_{folded}").set_value(library_theme).run()
    app.button(key=f"themes__fold_button_{folded}").click().run()
    topics = stored_topics(themed_store)
    assert topics[kept]["custom_name"] == "Bread talk"
    assert topics[folded]["merged_into"] == library_theme
    assert "Bread talk" in app.dataframe[0].value["theme"].tolist()


def test_themes_page__a_new_theme_joins_the_owners_library_file(  # type: ignore[no-untyped-def]
    themed_store: str, use_database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    library_file = write_test_library(tmp_path)
    monkeypatch.setenv("PULSE_THEME_LIBRARY", str(library_file))
    use_database(themed_store)
    app = run_app(PAGE)
    new = next(key for key, row in stored_topics(themed_store).items() if row["heading"] is None)
    button = app.button(key=f"themes__library_{new}")
    assert button.label == f"Add to the library ({library_file.name})"
    button.click().run()
    assert not app.exception
    library = load_library(str(library_file))
    assert len(library.themes) == len(TEST_LIBRARY.themes) + 1
    added = library.themes[-1]
    assert added.name == stored_topics(themed_store)[new]["label"] and added.examples and added.keywords


STAFF_SAID = (
    "The kiosk and the screen left two regulars asking for a person",
    "A customer said the touchscreen kiosk felt cold and impersonal",
)


def test_themes_page__staff_hear_it_too_beside_the_customers_with_names_for_editors_only(  # type: ignore[no-untyped-def]
    themed_store: str, use_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = build_engine(themed_store)
    for day, text in enumerate(STAFF_SAID):
        add_observation(
            engine, text, "maya", "online", "Impersonal experience", now=STAFF_DAY + timedelta(day)
        )
    assign_new_themes(engine, TEST_MODEL, TEST_LIBRARY)  # as `pulse themes update` themes them
    add_user(engine, "ann", PASSWORD, "viewer")
    engine.dispose()
    use_database(themed_store)
    app = run_app(PAGE)  # open access: an admin
    top = app.dataframe[0].value
    assert top["volume"].sum() == 150  # the customers' counts, as without the staff's observations
    assert "Staff hear it too" in [header.value for header in app.subheader]
    staff = next(table.value for table in app.dataframe if "staff" in table.value.columns)
    assert staff["theme"].tolist() == top["theme"].tolist()
    assert staff["customers"].tolist() == top["volume"].tolist()
    assert dict(zip(staff["theme"], staff["staff"], strict=True))["Impersonal experience"] == 2
    quoted = [box for box in app.expander if box.label.startswith("Staff on Impersonal experience")]
    assert len(quoted) == 1 and [text.value for text in quoted[0].text] == list(reversed(STAFF_SAID))
    assert all(caption.value.startswith("maya · ") for caption in quoted[0].caption)

    viewer = sign_in_as(signed_out_app(themed_store, use_database, monkeypatch), "ann", PASSWORD)
    viewer.switch_page(PAGE).run()
    assert not viewer.exception, viewer.exception
    quoted = [box for box in viewer.expander if box.label.startswith("Staff on Impersonal experience")]
    captions = [caption.value for caption in quoted[0].caption]
    assert len(captions) == 2 and all(caption.startswith("A member of staff · ") for caption in captions)
    assert not any("maya" in caption.value for caption in viewer.caption)
