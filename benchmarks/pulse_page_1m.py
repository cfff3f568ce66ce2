"""The Pulse page on a store of 1,000,000 feedback items (benchmarks/large_store.py): building the daily counts,
refreshing them after new feedback, the page's first run with cold caches and a channel change (AppTest), and
a first load in headless Chromium, the rollouts' impacts (judged, and judged and stored by the pipeline's step),
and the Rollouts page, which reads them. Issue 7's targets: first load under 2 s, a filter change under 0.5 s."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any
from unittest.mock import patch

import numpy as np
import polars as pl
from sqlalchemy import Engine

from benchmarks.run import Row, timed

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
TIMEZONE = "Europe/London"
RUNS = 5


def bench_pulse_page_1m() -> list[Row]:
    from benchmarks.large_store import ROWS, copy_large_store
    from store.engine import build_engine

    with tempfile.TemporaryDirectory() as folder:
        url = copy_large_store(Path(folder))
        engine = build_engine(url)
        rows = counts_rows(engine) + impact_rows(engine)
        with patch.dict(os.environ, {"PULSE_DATABASE_URL": url}):  # the page's store, while it is measured
            rows += apptest_rows() + browser_rows(url)
        engine.dispose()
    return [(f"{ROWS:,} items: {figure}", value, unit) for figure, value, unit in rows]


def counts_rows(engine: Engine) -> list[Row]:
    """The daily counts built from nothing (as `pulse db upgrade` or a change of time zone does), and
    refreshed after a day of new feedback (as the end of a collector run does)."""
    from store.daily_counts import read_daily_counts, refresh_daily_counts
    from store.feedback import upsert_feedback
    from store.records import FeedbackFrame, SourceSpec

    builds = [timed(lambda zone=zone: refresh_daily_counts(engine, zone)) for zone in ("UTC", TIMEZONE) * 2]
    refreshes = []
    for day in range(RUNS):
        answers = FeedbackFrame(a_day_of_answers(day))
        upsert_feedback(engine, SourceSpec("Post-order survey", "survey", "csv"), answers)
        refreshes.append(timed(lambda: refresh_daily_counts(engine)))
    table = read_daily_counts(engine, TIMEZONE)
    return [
        ("daily counts: rows in the table", float(table.height), "rows"),
        (f"daily counts: build from all feedback (median of {len(builds)})", statistics.median(builds), "s"),
        (
            f"daily counts: refresh after 1,000 answers on a new day (median of {RUNS})",
            statistics.median(refreshes),
            "s",
        ),
    ]


def a_day_of_answers(day: int) -> pl.DataFrame:
    """1,000 survey answers on the `day`th day after the data."""
    from benchmarks.large_store import END, synthetic_feedback

    return synthetic_feedback("survey", 1000, np.random.default_rng(day)).with_columns(
        (pl.lit(END + timedelta(days=day)) + pl.duration(seconds=pl.int_range(pl.len()) * 86)).alias(
            "created_at"
        ),
        (pl.lit(f"day{day}-") + pl.col("external_id")).alias("external_id"),
    )


def impact_rows(engine: Engine) -> list[Row]:
    """The judgement of the five rollouts from the daily counts (statsmodels imported first): as `pulse impact`
    judges them, and as the pipeline's step judges and stores them for the pages after a write."""
    from analysis.impact_pipeline import read_rollout_impacts, refresh_rollout_impacts
    from store.engine import writing
    from store.state import bump_data_version

    def stored_after_a_write() -> None:
        with writing(engine) as connection:
            bump_data_version(connection)  # any write leaves the stored impacts stale
        assert refresh_rollout_impacts(engine)

    runs = [timed(lambda: read_rollout_impacts(engine, timezone=TIMEZONE)) for _ in range(3)]
    stored = [timed(stored_after_a_write) for _ in range(3)]
    return [
        (
            f"rollout impacts of the 5 rollouts, from the daily counts (median of {len(runs)})",
            statistics.median(runs),
            "s",
        ),
        (
            f"rollout impacts judged and stored by the pipeline step (median of {len(stored)})",
            statistics.median(stored),
            "s",
        ),
    ]


def apptest_rows() -> list[Row]:
    """The page in AppTest: its first run in a new process (imports, cold caches), runs with every cache cleared
    in this one, and channel changes (the counts cached, that channel's figures and quotes not yet)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    first = [first_run_in_new_process() for _ in range(3)]
    cold, changes, rollouts = [], [], []
    for _ in range(RUNS):
        st.cache_data.clear()
        st.cache_resource.clear()
        app = AppTest.from_file(APP, default_timeout=300)
        cold.append(_checked(app, app.run))
        changes += [_checked(app, partial(pick_channel, app, channel)) for channel in ("online", "in-store")]
        st.cache_data.clear()
        rollouts.append(timed(partial(open_rollouts_page, app)))
    return [
        ("Pulse page, AppTest, first run in a new process (median of 3)", statistics.median(first), "s"),
        (
            f"Pulse page, AppTest, run with every cache cleared (median of {RUNS})",
            statistics.median(cold),
            "s",
        ),
        (f"Pulse page, AppTest, channel change (median of {len(changes)})", statistics.median(changes), "s"),
        (
            f"Rollouts page, AppTest, from the Pulse page with the data caches cleared (median of {RUNS})",
            statistics.median(rollouts),
            "s",
        ),
    ]


FIRST_RUN = f"""
import time
from streamlit.testing.v1 import AppTest
app = AppTest.from_file({APP!r}, default_timeout=300)
started = time.perf_counter()
app.run()
assert not app.exception and len(app.metric) == 5, app.exception
print(time.perf_counter() - started)
"""


def first_run_in_new_process() -> float:
    """AppTest's first run of the page in a new Python process: imports and every cache cold."""
    project = Path(APP).parents[1]
    done = subprocess.run(
        [sys.executable, "-c", FIRST_RUN], capture_output=True, text=True, check=True, cwd=project
    )
    return float(done.stdout.strip().splitlines()[-1])


def open_rollouts_page(app: Any) -> None:
    """Switch to the Rollouts page, which shows each rollout's verdict."""
    app.switch_page("app_pages/rollouts.py").run()
    assert not app.exception, app.exception
    assert len(app.text) == 5, [text.value for text in app.text]  # the five verdicts


def pick_channel(app: Any, channel: str) -> None:
    """Choose a channel in the sidebar's filters, as an owner would."""
    app.selectbox(key="filters__channel").select(channel).run()


def _checked(app: object, action: Callable[[], object]) -> float:
    seconds = timed(action)
    assert not app.exception, app.exception  # type: ignore[attr-defined]
    assert len(app.metric) == 5  # type: ignore[attr-defined]
    return seconds


def browser_rows(url: str) -> list[Row]:
    from tests.browser import CHROMIUM, open_pulse_page, serve

    if not Path(CHROMIUM).exists():
        return []
    loads = []
    for _ in range(3):  # a new server each time: its caches are cold
        with serve(url) as served:
            loads.append(open_pulse_page(served)["seconds"])
    return [
        (
            "Pulse page in Chromium, first load after the server starts (median of 3)",
            statistics.median(loads),
            "s",
        )
    ]


if __name__ == "__main__":
    for figure, value, unit in bench_pulse_page_1m():
        print(f"{figure}: {value:.3f} {unit}")
