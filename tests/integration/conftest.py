"""Fixtures shared by the integration tests."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result

from cli.main import main


@pytest.fixture
def pulse_cli(database_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """`pulse ARGS...` on a migrated store of each kind (SQLite, PostgreSQL), times read in Europe/London."""
    monkeypatch.setenv("PULSE_DATABASE_URL", database_url)
    monkeypatch.setenv("PULSE_TIMEZONE", "Europe/London")
    runner = CliRunner()

    def invoke(*arguments: str) -> Result:
        return runner.invoke(main, list(arguments), catch_exceptions=False)

    assert invoke("db", "upgrade").exit_code == 0
    return invoke
