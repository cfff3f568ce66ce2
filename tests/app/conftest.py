"""A SQLite store with the whole demo loaded and scored, built once per test session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from analysis.pipeline import score_new_feedback
from collectors.base import run_collector
from collectors.demo import DemoCollector
from pulse.settings import build_settings
from store.engine import build_engine
from store.migrate import upgrade
from store.rollouts import import_rollouts


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("demo") / "pulse.db"
    url = f"sqlite:///{path}"
    engine = build_engine(url)
    upgrade(engine)
    demo_dir = build_settings().demo_dir
    run_collector(engine, DemoCollector(demo_dir))
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
def empty_store_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = build_engine(url)
    upgrade(engine)
    engine.dispose()
    return url
