"""The Locations page (AppTest) on the multi-location demo (`pulse demo --locations`), and on a store with one
location."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from collectors.base import CollectContext, SourceBatch, run_collector
from collectors.demo_locations import LocationsDemoCollector, load_locations_demo_orders, read_comment_bank
from pulse.settings import build_settings
from store.daily_counts import refresh_daily_counts
from store.engine import build_engine
from store.feedback import read_feedback
from store.records import FeedbackFrame, FeedbackRecord, SourceSpec
from store.scores import write_scores
from tests.app.pages import run_app
from tests.stores import upgrade_as_pulse_db_upgrade_does

LOCATIONS = "app_pages/locations.py"
QUESTION = "**Do any locations differ from the business?** "


@pytest.fixture(scope="module")
def franchise_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """`pulse demo --locations` in a store of its own, its comments labelled as the demo's bank labels them
    (impersonal or not) instead of by the scorer, which these tests do not need to load."""
    url = f"sqlite:///{tmp_path_factory.mktemp('franchise') / 'pulse.db'}"
    engine = build_engine(url)
    upgrade_as_pulse_db_upgrade_does(engine)
    demo_dir = build_settings().demo_dir
    run_collector(engine, LocationsDemoCollector(demo_dir))
    load_locations_demo_orders(engine)
    bank = read_comment_bank(demo_dir / "comments.csv")
    impersonal = set(bank["impersonal"]) | set(bank["kiosk"])
    comments = read_feedback(engine, ("id", "text")).filter(pl.col("text").is_not_null())
    labels = comments["text"].is_in(list(impersonal))
    write_scores(
        engine,
        comments.select(
            "id",
            pl.when(labels).then(pl.lit("negative")).otherwise(pl.lit("neutral")).alias("sentiment"),
            pl.lit(0.0).alias("sentiment_score"),
            labels.alias("impersonal"),
            labels.cast(pl.Float64).alias("impersonal_score"),
            pl.lit([], dtype=pl.List(pl.String)).alias("impersonal_cues"),
        ),
        "test",
    )
    refresh_daily_counts(engine)
    engine.dispose()
    return url


def funnel(app: AppTest) -> dict[str, Any]:
    (chart,) = app.get("plotly_chart")
    return {trace["name"]: trace for trace in json.loads(chart.proto.spec)["data"]}


def test_locations_page__answers_first_which_locations_differ_and_draws_them_on_the_funnel(
    franchise_store: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    use_database(franchise_store)
    app = run_app(LOCATIONS)
    assert app.title[0].value == "Locations"
    answer = app.error[0].value.replace("\\", "")
    assert answer.startswith(
        QUESTION + "Yes: 2 of 12 locations differ from the business over the last 90 days"
    )
    assert "Riverside (NPS, CSAT and impersonal complaints worse)" in answer
    assert "Old Town (NPS and CSAT better)" in answer
    assert "Village Green" not in answer  # the tiny café: the lowest NPS, on too few answers to call out
    traces = funnel(app)
    assert traces["Worse than the business"]["text"] == ["Riverside"]
    assert traces["Better than the business"]["text"] == ["Old Town"]
    assert {"99.8% limits", "95% limits", "The business overall"} <= set(traces)
    table = app.dataframe[0].value
    assert table.shape[0] == 12 and table["Location"].tolist()[:2] == ["Riverside", "Old Town"]
    green = table[table["Location"] == "Village Green"].iloc[0]
    assert green["NPS"] == min(table["NPS"], key=int)  # lowest of all...
    assert green["Against the business"] == "Within the limits"  # ...and not called out
    changes = app.dataframe[1].value
    assert changes["Location"].iloc[0] == "Riverside" and changes["How clear"].iloc[0] == "Clear change"
    assert changes["Change"].iloc[0].startswith("-")


def test_locations_page__measure_and_span_change_what_is_compared(franchise_store: str, use_database) -> None:  # type: ignore[no-untyped-def]
    use_database(franchise_store)
    app = run_app(LOCATIONS)
    app.segmented_control(key="locations__measure").set_value("impersonal").run()
    table = app.dataframe[0].value
    assert "Impersonal complaints" in table.columns
    assert table["Location"].iloc[0] == "Riverside" and table["Against the business"].iloc[0] == "Worse"
    assert funnel(app)["Worse than the business"]["text"] == ["Riverside"]
    app.segmented_control(key="locations__measure").set_value("repeat").run()
    assert app.dataframe[0].value["Customers"].min() > 0
    app.segmented_control(key="locations__span").set_value("30").run()
    assert "over the last 30 days" in app.error[0].value.replace("\\", "")


def test_locations_page__one_location_says_there_is_nothing_to_compare(
    empty_store_url: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    engine = build_engine(empty_store_url)
    run_collector(engine, OneCafe())
    engine.dispose()
    use_database(empty_store_url)
    app = run_app(LOCATIONS)
    assert app.title[0].value == "Locations"
    info = app.info[0].value
    assert info.startswith("The store has one location (High Street): there is nothing to compare.")
    assert "`location` column" in info and "pulse demo --locations" in info
    assert not app.get("plotly_chart")


@dataclass
class OneCafe:
    name: str = "one-cafe"

    def collect(self, context: CollectContext) -> Iterator[SourceBatch]:
        moment = datetime(2026, 11, 2, 12, tzinfo=UTC)
        records = [
            FeedbackRecord(f"r{i}", "survey", moment, nps=score, location="High Street")
            for i, score in enumerate((10, 9, 3))
        ]
        yield SourceBatch(SourceSpec("One café", "survey", "test"), FeedbackFrame.of(records), [])
