"""The Observations page through AppTest: any signed-in user adds what customers said or did; a staff account sees
only this page and its own observations, a viewer everyone's without who reported them, an editor with the name;
every other page refuses a staff account; the Explorer offers staff observations to editors only."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from dashboard.auth import SESSION_KEY, SINCE_KEY
from store.engine import build_engine
from store.observations import add_observation, read_observations
from store.users import User, add_user, remove_user
from tests.app.pages import APP, PASSWORD, run_app, sign_in_as, signed_out_app
from tests.app.widgets import as_read

PAGE = "app_pages/observations.py"
SUBMIT = "FormSubmitter:observations__form-Add observation"
SAMS = "A regular asked for the phone number: the chatbot could not change her order."
MAYAS = "Two customers said the kiosk screen was confusing."
OTHER_PAGES = (
    "pulse.py",
    "follow_up.py",
    "trends.py",
    "loyalty.py",
    "themes.py",
    "rollouts.py",
    "explorer.py",
    "sources.py",
)


@pytest.fixture
def empty_store_url(each_store_url: str) -> str:
    """This page's tests, the staff role's included, run on SQLite and on PostgreSQL."""
    return each_store_url


@pytest.fixture
def accounts(empty_store_url: str) -> Engine:
    """A staff member (sam), a viewer (ann) and an editor (eve), and an observation by sam and one by maya."""
    engine = build_engine(empty_store_url)
    add_user(engine, "sam", PASSWORD, "staff")
    add_user(engine, "ann", PASSWORD, "viewer")
    add_user(engine, "eve", PASSWORD, "editor")
    add_observation(engine, SAMS, "sam", now=datetime(2026, 11, 16, 10, tzinfo=UTC))
    add_observation(engine, MAYAS, "maya", "in-store", now=datetime(2026, 11, 17, 10, tzinfo=UTC))
    return engine


def signed_in(name: str, url: str, use_database, monkeypatch: pytest.MonkeyPatch) -> AppTest:  # type: ignore[no-untyped-def]
    app = sign_in_as(signed_out_app(url, use_database, monkeypatch), name, PASSWORD)
    assert not app.exception, app.exception
    return app


def texts(app: AppTest, table: int = 0) -> list[str]:
    return app.dataframe[table].value["text"].tolist()


def test_observations_page__a_staff_account_sees_only_it_and_its_own_and_adds_one(  # type: ignore[no-untyped-def]
    accounts: Engine, empty_store_url: str, use_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = signed_in("sam", empty_store_url, use_database, monkeypatch)
    assert [title.value for title in app.title] == ["Observations"]  # its only page, opened at once
    assert len(app.dataframe) == 1 and texts(app) == [SAMS]  # its own, not maya's
    assert "reported_by" not in app.dataframe[0].value.columns
    assert [header.value for header in app.subheader] == ["Your observations"]
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("app_pages/pulse.py")  # not in a staff account's navigation
    app.text_area(key="observations__text").input("Busy lunch: three people asked for a person to talk to.")
    app.button(key=SUBMIT).click().run()
    assert not app.exception, app.exception
    assert "your observation is kept" in app.success[0].value
    assert texts(app) == ["Busy lunch: three people asked for a person to talk to.", SAMS]
    assert read_observations(accounts, reported_by="sam").height == 2


def test_observations_page__an_empty_observation_is_refused_with_a_hint(  # type: ignore[no-untyped-def]
    accounts: Engine, empty_store_url: str, use_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = signed_in("sam", empty_store_url, use_database, monkeypatch)
    app.text_area(key="observations__text").input("   ")
    app.button(key=SUBMIT).click().run()
    assert as_read(app.error[0].value) == "An observation needs a few words."
    assert "Write what a customer said or did" in app.info[0].value
    assert read_observations(accounts).height == 2


def test_observations_page__a_viewer_sees_everyones_without_names_an_editor_with_them(  # type: ignore[no-untyped-def]
    accounts: Engine, empty_store_url: str, use_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    viewer = signed_in("ann", empty_store_url, use_database, monkeypatch)
    assert viewer.title[0].value != "Observations"  # a viewer opens on the Pulse page
    viewer.switch_page(PAGE).run()
    assert "You have not added an observation yet." in viewer.info[0].value
    everyone = viewer.dataframe[0].value
    assert everyone["text"].tolist() == [MAYAS, SAMS] and "reported_by" not in everyone.columns
    assert not any("sam" in str(value) or "maya" in str(value) for value in everyone.to_numpy().ravel())

    editor = signed_in("eve", empty_store_url, use_database, monkeypatch)
    editor.switch_page(PAGE).run()
    assert editor.dataframe[0].value["reported_by"].tolist() == ["maya", "sam"]


def test_observations_page__under_open_access_records_the_dashboard_as_reporter(  # type: ignore[no-untyped-def]
    accounts: Engine, empty_store_url: str, use_database
) -> None:
    use_database(empty_store_url)
    app = run_app(PAGE)
    app.text_area(key="observations__text").input("A customer thanked Jo by name for remembering her order.")
    app.button(key=SUBMIT).click().run()
    assert not app.exception, app.exception
    mine = read_observations(accounts, reported_by="dashboard")
    assert mine["text"].to_list() == ["A customer thanked Jo by name for remembering her order."]
    assert texts(app, 0) == mine["text"].to_list()  # your observations
    assert (
        app.dataframe[1].value["reported_by"].tolist()[0] == "dashboard"
    )  # everyone's: open access is admin


def test_other_pages__a_staff_account_never_sees_them(  # type: ignore[no-untyped-def]
    accounts: Engine, empty_store_url: str, use_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = signed_in("eve", empty_store_url, use_database, monkeypatch)
    app.switch_page("app_pages/pulse.py").run()
    remove_user(accounts, "eve")
    add_user(accounts, "eve", PASSWORD, "staff")  # made a staff account while on the Pulse page
    app.run()
    assert not app.exception, app.exception
    assert [title.value for title in app.title] == ["Observations"]


@pytest.mark.parametrize("page", OTHER_PAGES)
def test_other_pages__refuse_a_staff_account_that_reaches_them(  # type: ignore[no-untyped-def]
    page: str, accounts: Engine, empty_store_url: str, use_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each page run by its own file (not through app.py's navigation) refuses a staff account itself."""
    monkeypatch.setenv("PULSE_ANONYMOUS_ACCESS", "false")
    use_database(empty_store_url)
    app = AppTest.from_file(str(Path(APP).parent / "app_pages" / page), default_timeout=60)
    app.session_state[SESSION_KEY] = User("sam", "staff")
    app.session_state[SINCE_KEY] = time.time()
    app.run()
    assert not app.exception, app.exception
    assert [error.value for error in app.error] == ["This page is not open to a staff account."]
    assert not app.title and not app.dataframe


def test_explorer__offers_staff_observations_to_editors_only(  # type: ignore[no-untyped-def]
    accounts: Engine, empty_store_url: str, use_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    viewer = signed_in("ann", empty_store_url, use_database, monkeypatch)
    viewer.switch_page("app_pages/explorer.py").run()
    assert viewer.multiselect(key="explorer__kinds").options == ["survey", "review", "mention"]
    assert "Nothing matches." in viewer.info[0].value  # customers' feedback only: there is none

    editor = signed_in("eve", empty_store_url, use_database, monkeypatch)
    editor.switch_page("app_pages/explorer.py").run()
    assert "staff" in editor.multiselect(key="explorer__kinds").options
    editor.multiselect(key="explorer__kinds").set_value(["staff"]).run()
    assert texts(editor) == [MAYAS, SAMS]
