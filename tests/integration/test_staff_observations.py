"""Staff observations in the real store (SQLite, and PostgreSQL when configured): stored with who reported them,
checked, read back, loaded with the demo once; scored and themed like customers' feedback, and never part of a
customer figure (NPS, sentiment, counts, theme shares, the Explorer, the digest, the rollouts' verdicts) or a
follow-up case."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import Engine

from analysis.digest_pipeline import read_digest_figures
from analysis.filters import Filters, read_filter_options
from analysis.impact_pipeline import refresh_rollout_impacts
from analysis.metrics import read_counts_metrics
from analysis.theme_pipeline import fit_themes, store_staff_themes, store_theme_report, update_themes
from collectors.demo import OBSERVATIONS, load_demo_observations, read_demo_observations
from pulse.errors import InputError
from pulse.settings import build_settings
from store.cases import read_case_candidates
from store.daily_counts import read_daily_counts
from store.explorer import FeedbackQuery, search_feedback
from store.feedback import read_feedback
from store.impacts import read_rollout_impact_records
from store.observations import (
    MAX_OBSERVATION_CHARS,
    STAFF_SOURCE,
    add_observation,
    add_observations,
    observation,
    read_observations,
)
from store.rollouts import Rollout, add_rollout
from store.scores import write_scores
from store.sources import read_sources
from store.state import read_data_version
from store.topics import read_assigned_similarities, read_texts_to_theme, read_themed_feedback
from tests.theme_data import START, TEST_LIBRARY, TEST_MODEL, seed_themed_store, use_hash_encoders

TIMEZONE = "Europe/London"
NOW = datetime(2026, 4, 8, 15, 30, tzinfo=UTC)


def test_add_observation__stores_a_staff_row_with_its_reporter_theme_and_channel(engine: Engine) -> None:
    version = read_data_version(engine)
    first = add_observation(
        engine, "  Two regulars asked for our phone number.  ", "maya", "in-store", now=NOW
    )
    second = add_observation(
        engine, "The chat sent a customer in circles", "tom", " ", "Reaching a person", now=NOW + timedelta(1)
    )
    assert read_data_version(engine) > version
    everyone = read_observations(engine)
    assert everyone["id"].to_list() == [second, first]  # newest first
    assert everyone.row(1, named=True) | {"id": 0} == {
        "id": 0,
        "created_at": NOW,
        "text": "Two regulars asked for our phone number.",  # trimmed
        "channel": "in-store",
        "theme": None,
        "reported_by": "maya",
        "source": STAFF_SOURCE.name,
        "sentiment": None,  # not scored yet
        "sentiment_score": None,
    }
    assert everyone.row(0, named=True)["theme"] == "Reaching a person"
    assert everyone.row(0, named=True)["channel"] is None  # blank: none
    assert read_observations(engine, reported_by="tom")["id"].to_list() == [second]
    assert read_observations(engine, since=NOW + timedelta(hours=1))["id"].to_list() == [second]
    assert read_feedback(engine, ("id",)).is_empty()  # not customers' feedback
    assert read_feedback(engine, ("id", "kind"), kinds=None)["kind"].to_list() == ["staff", "staff"]
    sources = read_sources(engine)
    assert sources.filter(pl.col("name") == STAFF_SOURCE.name)["kind"].to_list() == ["staff"]


@pytest.mark.parametrize(
    ("text", "reported_by", "message"),
    [
        ("   ", "maya", "An observation needs a few words."),
        ("x" * (MAX_OBSERVATION_CHARS + 1), "maya", "at most 2,000 are kept"),
        ("A customer said hello", " ", "needs the name of who reported it"),
    ],
)
def test_add_observation__refuses_what_it_cannot_keep_and_says_why(
    engine: Engine, text: str, reported_by: str, message: str
) -> None:
    with pytest.raises(InputError, match=message) as raised:
        add_observation(engine, text, reported_by)
    assert raised.value.hint
    assert read_observations(engine).is_empty()


def test_add_observation__refuses_a_theme_too_long_for_its_column(engine: Engine) -> None:
    with pytest.raises(InputError, match="The theme has 201 characters"):
        add_observation(engine, "Busy morning", "maya", theme="t" * 201)


def test_add_observations__adds_each_once(engine: Engine) -> None:
    items = [
        observation("Asked for the stamp card back", "tom", external_id="A1", created_at=NOW),
        observation("Loved the new buns", "maya", external_id="A2", created_at=NOW),
    ]
    assert vars(add_observations(engine, items, OBSERVATIONS)) == {"new": 2, "duplicate": 0, "rejected": 0}
    assert vars(add_observations(engine, items, OBSERVATIONS)) == {"new": 0, "duplicate": 2, "rejected": 0}
    assert read_observations(engine)["source"].unique().to_list() == [OBSERVATIONS.name]


def test_demo_observations__load_twelve_by_three_staff_once(engine: Engine) -> None:
    demo_dir = build_settings().demo_dir
    first = load_demo_observations(engine, demo_dir)
    assert (first.new, first.duplicate) == (12, 0)
    again = load_demo_observations(engine, demo_dir)
    assert (again.new, again.duplicate) == (0, 12)
    stored = read_observations(engine)
    assert stored.height == 12 and sorted(stored["reported_by"].unique()) == ["maya", "priya", "tom"]
    assert stored["theme"].null_count() == 0 and stored["created_at"].min() >= datetime(
        2026, 10, 1, tzinfo=UTC
    )
    assert read_demo_observations(Path("/nonexistent")) == []  # a demo folder made before them: none


# --- never in a customer figure; scored and themed like the rest -------------------------------------------

NEGATIVE = (
    "The kiosk and the screen were dreadful today, customers furious, worst service ever",
    "The kiosk and the touchscreen made two regulars walk out, awful and cold",
    "The espresso and the latte were terrible, people complained all morning",
)


@pytest.fixture
def themed(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """Customers' themed survey answers over six weeks (seed_themed_store), a rollout, counted and judged."""
    use_hash_encoders(monkeypatch)
    refresh_rollout_impacts(engine, TIMEZONE)  # the days counted in TIMEZONE, as `pulse db upgrade` does
    seed_themed_store(engine, per_cluster=10)
    add_rollout(engine, Rollout(name="Kiosk", kind="kiosk", started_on=date(2026, 3, 23)), by="test")
    fit_themes(engine, TEST_MODEL, library=TEST_LIBRARY)
    refresh_rollout_impacts(engine, TIMEZONE)
    return engine


def customer_figures(engine: Engine) -> dict[str, Any]:
    """Every customer figure the pages, the digest, `pulse metrics` and the verdicts read."""
    counts = read_daily_counts(engine, TIMEZONE).sort(pl.all())
    report = store_theme_report(engine, TIMEZONE)
    digest = read_digest_figures(engine, TIMEZONE, min_responses=1)
    explorer, total = search_feedback(engine, FeedbackQuery(limit=1000))
    return {
        "counts": counts,
        "weekly": read_counts_metrics(counts, "week", 1),
        "by channel": read_counts_metrics(counts, "week", 1, ("channel",)),
        "filter options": read_filter_options(counts, date_column="day"),
        "feedback": read_feedback(engine, ("id", "kind", "nps", "sentiment", "impersonal", "channel")),
        "explorer": (explorer["id"].to_list(), total),
        "themes": report.summary,
        "theme weeks": report.weekly,
        "theme rollouts": report.rollouts,
        "digest": (digest.weekly, digest.themes, digest.by_channel),
        "verdicts": read_rollout_impact_records(engine),
    }


def assert_same(before: dict[str, Any], after: dict[str, Any]) -> None:
    for name, value in before.items():
        if isinstance(value, pl.DataFrame):
            assert_frame_equal(after[name], value, check_row_order=False)
        elif isinstance(value, tuple) and isinstance(value[0], pl.DataFrame):
            for old, new in zip(value, after[name], strict=True):
                assert_frame_equal(new, old, check_row_order=False)
        else:
            assert after[name] == value, name


def test_staff_observations__are_scored_and_themed_but_never_change_a_customer_figure(themed: Engine) -> None:
    before = customer_figures(themed)
    assert before["weekly"]["n"].sum() == 40 and before["themes"]["volume"].sum() > 0
    ids = [
        add_observation(
            themed, text, "maya", "online", "Impersonal experience", now=START + timedelta(days=day)
        )
        for day, text in zip((8, 15, 22), NEGATIVE, strict=True)
    ]
    scored = pl.DataFrame({"id": ids}).with_columns(  # as negative and impersonal as a score can be
        pl.lit("negative").alias("sentiment"),
        pl.lit(-1.0).alias("sentiment_score"),
        pl.lit(True).alias("impersonal"),
        pl.lit(1.0).alias("impersonal_score"),
        pl.lit(["no human reachable"], dtype=pl.List(pl.String)).alias("impersonal_cues"),
    )
    write_scores(themed, scored, "test")
    assert read_texts_to_theme(themed)["id"].to_list() == ids  # the themes step takes them, as every text
    run = update_themes(themed, model_name=TEST_MODEL, library=TEST_LIBRARY)
    assert (run.action, run.themed) == ("assign", 3)  # assigned to the customers' themes, no refit
    assert read_assigned_similarities(themed).size == 0  # and how well they fit never asks for one
    refresh_rollout_impacts(themed, TIMEZONE)

    assert_same(before, customer_figures(themed))
    staff_rows = read_themed_feedback(themed, kinds=("staff",))
    assert staff_rows["feedback_id"].sort().to_list() == ids and staff_rows["topic_id"].null_count() == 0
    assert read_observations(themed)["sentiment"].to_list() == ["negative"] * 3
    assert read_case_candidates(themed, feedback_ids=ids).is_empty()  # no follow-up case for staff's words
    staff = store_staff_themes(themed, before["themes"], TIMEZONE)
    assert staff["customers"].to_list() == before["themes"]["volume"].to_list()  # the customers' own count
    by_theme = dict(zip(staff["theme"], staff["staff"], strict=True))
    assert by_theme["Impersonal experience"] == 3  # the theme the staff member picked
    by_pipeline = staff.filter(pl.col("theme_id").is_in(staff_rows["topic_id"].implode()))
    assert by_pipeline.height >= 1 and by_pipeline["staff"].min() >= 1  # as Pulse themed their words
    picked = staff.filter(pl.col("theme") == "Impersonal experience").row(0, named=True)
    assert picked["quotes"] == list(reversed(NEGATIVE))[:2] and picked["reported_by"] == ["maya", "maya"]
    online = store_staff_themes(themed, before["themes"], TIMEZONE, filters=Filters(channel="in-store"))
    assert online["staff"].sum() == 0  # the sidebar's channel applies
