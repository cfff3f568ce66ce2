"""Shared fixtures: a migrated store on SQLite and, when PULSE_TEST_POSTGRES_URL is set, on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from hypothesis import settings
from sqlalchemy import Engine, text

from analysis.pipeline import score_new_feedback
from collectors.base import run_collector
from collectors.demo import DemoCollector, load_demo_cases, load_demo_observations, load_demo_orders
from collectors.rollouts import import_rollouts
from pulse.settings import build_settings
from store.engine import build_engine
from store.migrate import upgrade
from tests.stores import (
    POSTGRES_URL,
    TEST_SCHEMA,
    postgres_url,
    reset_postgres,
    upgrade_as_pulse_db_upgrade_does,
)

# No time limit per example: how fast the code runs is the benchmarks' business, and a loaded machine (CI, or
# other work beside the tests) made 200 ms examples fail at random.
settings.register_profile("pulse", deadline=None)
settings.load_profile("pulse")

ROOT = Path(__file__).resolve().parent.parent

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session", autouse=True)
def _drop_postgres_test_schema() -> Iterator[None]:
    yield
    if POSTGRES_URL:
        engine = build_engine(POSTGRES_URL)
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {TEST_SCHEMA} CASCADE"))
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind, as a URL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'pulse.db'}"
    return reset_postgres(postgres_url())


@pytest.fixture
def empty_engine(database_url: str) -> Iterator[Engine]:
    engine = build_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(empty_engine: Engine) -> Engine:
    """A store migrated to the current schema, on SQLite and on PostgreSQL."""
    upgrade(empty_engine)
    return empty_engine


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = build_engine(f"sqlite:///{tmp_path / 'pulse.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("demo") / "pulse.db"
    url = f"sqlite:///{path}"
    engine = build_engine(url)
    upgrade_as_pulse_db_upgrade_does(engine)
    demo_dir = build_settings().demo_dir
    run_collector(engine, DemoCollector(demo_dir))
    load_demo_orders(engine, demo_dir)
    load_demo_observations(engine, demo_dir)  # staff's: in no customer figure of the pages' tests
    load_demo_cases(engine, demo_dir)
    import_rollouts(engine, demo_dir / "rollouts.csv", by="demo")
    score_new_feedback(engine)
    engine.dispose()
    return url


@pytest.fixture
def use_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Point the dashboard at a database URL, with Streamlit's process-wide caches cleared."""

    def point(url: str) -> None:
        monkeypatch.setenv("PULSE_DATABASE_URL", url)
        st.cache_resource.clear()
        st.cache_data.clear()

    yield point
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def each_store_url(database_url: str) -> str:
    """An empty store made as `pulse db upgrade` makes it, on SQLite and on PostgreSQL: a page test module runs
    on both by naming this its `empty_store_url`."""
    engine = build_engine(database_url)
    upgrade_as_pulse_db_upgrade_does(engine)
    engine.dispose()
    return database_url


@pytest.fixture
def empty_store_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = build_engine(url)
    upgrade_as_pulse_db_upgrade_does(engine)
    engine.dispose()
    return url
