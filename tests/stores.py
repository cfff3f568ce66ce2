"""Stores for the tests: made as `pulse db upgrade` makes them, and this test process's PostgreSQL schema."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import Engine, text

from analysis.impact_pipeline import refresh_rollout_impacts
from pulse.settings import build_settings
from store.engine import build_engine
from store.migrate import upgrade

POSTGRES_URL = os.environ.get("PULSE_TEST_POSTGRES_URL")


def upgrade_as_pulse_db_upgrade_does(engine: Engine) -> None:
    """Migrate, count the days in PULSE_TIMEZONE and judge the rollouts: the stores the dashboard is pointed at
    are made as `pulse db upgrade` makes them (its pages only read the counts and verdicts)."""
    upgrade(engine)
    refresh_rollout_impacts(engine, build_settings().timezone)


def postgres_url() -> str:
    if POSTGRES_URL:
        return POSTGRES_URL
    if os.environ.get("CI"):
        pytest.fail("PULSE_TEST_POSTGRES_URL is not set in CI: .ci/run must start PostgreSQL (.ci/postgres).")
    pytest.skip("PostgreSQL tests need PULSE_TEST_POSTGRES_URL (see .ci/postgres)")


TEST_SCHEMA = f"pulse_test_{os.getpid()}"  # one schema per test process, so parallel runs do not collide


def reset_postgres(url: str) -> str:
    """Empty this process's own schema and return a URL whose connections use it."""
    engine = build_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {TEST_SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {TEST_SCHEMA}"))
    engine.dispose()
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{TEST_SCHEMA}"
