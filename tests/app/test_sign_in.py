"""Sign-in and roles in the dashboard (AppTest), and the accounts behind them (store.users)."""

from __future__ import annotations

import time
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from pulse.errors import InputError
from store.engine import build_engine
from store.users import (
    LOCK_MINUTES,
    MAX_FAILED_ATTEMPTS,
    User,
    add_user,
    read_users,
    remove_user,
    sign_in,
)
from tests.app.pages import APP, PASSWORD, sign_in_as, signed_out_app


@pytest.fixture
def accounts(empty_store_url: str) -> Engine:
    engine = build_engine(empty_store_url)
    add_user(engine, "ann", PASSWORD, "viewer")
    add_user(engine, "eve", PASSWORD, "editor")
    return engine


def test_accounts__hash_passwords_and_check_roles(accounts: Engine) -> None:
    listed = read_users(accounts)
    assert listed["username"].to_list() == ["ann", "eve"] and "password_hash" not in listed.columns
    assert sign_in(accounts, "eve", PASSWORD).user == User("eve", "editor")
    assert sign_in(accounts, "eve", "wrong password!").user is None
    assert User("eve", "editor").can("viewer") and not User("ann", "viewer").can("editor")
    with pytest.raises(InputError, match="at least 10"):
        add_user(accounts, "bob", "short", "viewer")
    with pytest.raises(InputError, match="already a user"):
        add_user(accounts, "ann", PASSWORD, "admin")
    assert remove_user(accounts, "ann") and not remove_user(accounts, "ann")


def test_sign_in__locks_after_repeated_failures_then_unlocks(accounts: Engine) -> None:
    for _ in range(MAX_FAILED_ATTEMPTS):
        assert sign_in(accounts, "ann", "not the password").message == "Wrong user name or password."
    locked = sign_in(accounts, "ann", PASSWORD)
    assert locked.user is None and "Too many failed attempts" in locked.message
    later = read_users(accounts)["locked_until"][0] + timedelta(minutes=LOCK_MINUTES, seconds=1)
    assert sign_in(accounts, "ann", PASSWORD, now=later.replace(tzinfo=later.tzinfo)).user is not None
    assert sign_in(accounts, "nobody", PASSWORD).message == "Wrong user name or password."


def test_dashboard__asks_to_sign_in_when_open_access_is_off(  # type: ignore[no-untyped-def]
    accounts: Engine, empty_store_url: str, use_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = signed_out_app(empty_store_url, use_database, monkeypatch)
    assert app.title[0].value == "Sign in to Pulse"
    sign_in_as(app, "ann", "wrong password!")
    assert app.error[0].value == "Wrong user name or password."
    assert app.title[0].value == "Sign in to Pulse"


def test_dashboard__a_viewer_cannot_tag_rollouts_but_an_editor_can(  # type: ignore[no-untyped-def]
    accounts: Engine, empty_store_url: str, use_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    viewer = sign_in_as(signed_out_app(empty_store_url, use_database, monkeypatch), "ann", PASSWORD)
    assert any("Signed in as **ann** (viewer)" in caption.value for caption in viewer.sidebar.caption)
    viewer.switch_page("app_pages/rollouts.py").run()
    assert not viewer.exception
    assert any("an editor or admin tags rollouts" in info.value for info in viewer.info)
    assert not [button for button in viewer.button if button.key == "rollouts__add__submit"]

    editor = sign_in_as(signed_out_app(empty_store_url, use_database, monkeypatch), "eve", PASSWORD)
    editor.switch_page("app_pages/rollouts.py").run()
    editor.text_input(key="rollouts__name").input("Kiosk")
    editor.selectbox(key="rollouts__kind").select("kiosk")
    editor.button(key="rollouts__add__submit").click().run()
    assert not editor.exception
    assert editor.dataframe[0].value["created_by"].to_list() == ["eve"]


def test_dashboard__open_access_says_so(empty_store_url: str, use_database) -> None:  # type: ignore[no-untyped-def]
    use_database(empty_store_url)
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert "Open access" in app.sidebar.warning[0].value


def test_dashboard__with_openid_connect_configured_offers_its_sign_in_button(  # type: ignore[no-untyped-def]
    empty_store_url: str, use_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULSE_ANONYMOUS_ACCESS", "false")
    use_database(empty_store_url)
    app = AppTest.from_file(APP, default_timeout=60)
    app.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "a-long-random-string",
        "client_id": "pulse",
        "client_secret": "secret",
        "server_metadata_url": "https://id.example.com/.well-known/openid-configuration",
    }
    app.run()
    assert not app.exception, app.exception[0].stack_trace
    assert app.title[0].value == "Sign in to Pulse"
    assert app.button(key="auth__oidc").label == "Sign in"
    assert not [field for field in app.text_input if field.key == "auth__username"]


def test_secrets_example__configures_openid_connect_sign_in(  # type: ignore[no-untyped-def]
    empty_store_url: str, use_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    example = tomllib.loads((Path(APP).parents[1] / ".streamlit" / "secrets.toml.example").read_text())
    monkeypatch.setenv("PULSE_ANONYMOUS_ACCESS", "false")
    use_database(empty_store_url)
    app = AppTest.from_file(APP, default_timeout=60)
    app.secrets["auth"] = example["auth"]
    app.run()
    assert not app.exception, app.exception[0].stack_trace
    assert app.button(key="auth__oidc").label == "Sign in"


def test_dashboard__a_sign_in_expires_after_the_session_minutes(  # type: ignore[no-untyped-def]
    accounts: Engine, empty_store_url: str, use_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = sign_in_as(signed_out_app(empty_store_url, use_database, monkeypatch), "eve", PASSWORD)
    assert app.title[0].value != "Sign in to Pulse"
    app.session_state["auth__since"] = time.time() - 481 * 60  # the default session is 480 minutes
    app.run()
    assert app.title[0].value == "Sign in to Pulse"


def test_dashboard__a_removed_user_is_signed_out_at_the_next_run(  # type: ignore[no-untyped-def]
    accounts: Engine, empty_store_url: str, use_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = sign_in_as(signed_out_app(empty_store_url, use_database, monkeypatch), "eve", PASSWORD)
    assert app.title[0].value != "Sign in to Pulse"
    remove_user(accounts, "eve")
    app.run()
    assert not app.exception
    assert app.title[0].value == "Sign in to Pulse"
    assert "'eve' no longer exists" in app.warning[0].value


def test_dashboard__a_demoted_user_gets_the_new_role_at_the_next_run(  # type: ignore[no-untyped-def]
    accounts: Engine, empty_store_url: str, use_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = sign_in_as(signed_out_app(empty_store_url, use_database, monkeypatch), "eve", PASSWORD)
    app.switch_page("app_pages/rollouts.py").run()
    assert [button for button in app.button if button.key == "rollouts__add__submit"]  # an editor may add
    remove_user(accounts, "eve")
    add_user(accounts, "eve", PASSWORD, "viewer")
    app.run()
    assert not app.exception
    assert any("Signed in as **eve** (viewer)" in caption.value for caption in app.sidebar.caption)
    assert any("an editor or admin tags rollouts" in info.value for info in app.info)
    assert not [button for button in app.button if button.key == "rollouts__add__submit"]
