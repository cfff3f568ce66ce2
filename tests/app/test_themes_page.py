"""The Themes page through AppTest, on a small themed store (stored test embeddings, no model)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import analysis.theme_pipeline
import pulse.theme_export
from analysis.theme_pipeline import fit_themes
from dashboard.data import data_version, load_theme_export
from store.engine import build_engine
from store.rollouts import Rollout, add_rollout
from store.topics import read_topics
from tests.app.test_pages import run_app
from tests.stores import upgrade_as_pulse_db_upgrade_does
from tests.theme_data import TEST_MODEL, seed_themed_store

PAGE = "app_pages/themes.py"


@pytest.fixture
def themed_store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'themes.db'}"
    engine = build_engine(url)
    upgrade_as_pulse_db_upgrade_does(engine)
    seed_themed_store(engine, per_cluster=30)
    add_rollout(engine, Rollout(name="Kiosk", kind="kiosk", started_on=date(2026, 3, 16)), by="test")
    fit_themes(engine, TEST_MODEL)
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
    assert table["volume"].sum() == 120
    assert len(app.get("plotly_chart")) == 1
    assert app.dataframe[1].value["rollout"].tolist()[0] == "Kiosk"
    labels = [button.proto.label for button in app.get("download_button")]
    assert labels == ["Download PDF", "Download MD", "Download CSV"]
    assert len(app.expander) == table.shape[0]


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
    files = spy(monkeypatch, pulse.theme_export, "theme_report_bytes")
    use_database(themed_store)
    app = run_app(PAGE)
    assert len(reports) == 1 and files == []
    shown = app.dataframe[0].value["theme"].tolist()
    handout = load_theme_export(data_version(), "csv", 12)  # what the CSV button runs on a click
    assert [row["theme"] for row in csv.DictReader(io.StringIO(handout.decode("utf-8")))] == shown
    assert len(reports) == 1 and len(files) == 1  # the report shown, not built again
    app.slider(key="themes__top").set_value(5).run()
    assert len(reports) == 2 and len(files) == 1


def test_themes_page__rename_hide_and_merge_are_stored(themed_store: str, use_database) -> None:  # type: ignore[no-untyped-def]
    use_database(themed_store)
    app = run_app(PAGE)
    first = app.selectbox(key="themes__edit_theme").value
    app.text_input(key="themes__new_name").input("Our bread")
    app.button(key="themes__rename").click().run()
    assert not app.exception
    assert "Our bread" in app.dataframe[0].value["theme"].tolist()
    app.button(key="themes__hide").click().run()
    assert "Our bread" not in app.dataframe[0].value["theme"].tolist()
    second = (
        app.selectbox(key="themes__edit_theme")
        .select_index(1)
        .run()
        .selectbox(key="themes__edit_theme")
        .value
    )
    into = app.selectbox(key="themes__merge_into").value
    app.button(key="themes__merge").click().run()
    engine = build_engine(themed_store)
    topics = {row["id"]: row for row in read_topics(engine).to_dicts()}
    engine.dispose()
    assert topics[first]["custom_name"] == "Our bread" and topics[first]["hidden"]
    assert topics[second]["merged_into"] == into


def test_themes_page__no_themes_says_what_to_do(empty_store_url: str, use_database) -> None:  # type: ignore[no-untyped-def]
    use_database(empty_store_url)
    app = run_app(PAGE)
    assert "pulse themes fit" in app.info[0].value
