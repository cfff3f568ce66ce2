"""Helpers for the dashboard's AppTests: run the app on a page, sign in, and the names and files they use."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PASSWORD = "correct horse battery"
NASTY_NAME = '<b>Bold</b> <a href="https://x.example">link</a> *star* [x](y) :red[red] $x$'


def run_app(page: str | None = None) -> AppTest:
    """The app run once, then switched to `page` (such as "app_pages/rollouts.py"), without an exception."""
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    if page:
        app.switch_page(page)
        app.run()
    assert not app.exception, app.exception
    return app


def signed_out_app(url: str, use_database, monkeypatch: pytest.MonkeyPatch) -> AppTest:  # type: ignore[no-untyped-def]
    """The app on the store at `url` with open access off, as someone who has not signed in sees it."""
    monkeypatch.setenv("PULSE_ANONYMOUS_ACCESS", "false")
    use_database(url)
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    return app


def sign_in_as(app: AppTest, username: str, password: str) -> AppTest:
    app.text_input(key="auth__username").input(username)
    app.text_input(key="auth__password").input(password)
    app.button[0].click().run()
    return app
