"""The store on PostgreSQL at 10 thousand, 100 thousand, 1 million and 10 million feedback items (issue 25): how
each figure grows with the rows.

    python -m benchmarks.run scale                       (sizes from PULSE_SCALE_SIZES, default 10k,100k,1M)
    PULSE_SCALE_SIZES=10000000 python -m benchmarks.run scale

PostgreSQL from PULSE_BENCH_POSTGRES_URL, else PULSE_TEST_POSTGRES_URL (`.ci/postgres` starts one): a user that
may create databases. Each size gets a database of its own (pulse_scale_<rows>), dropped at the end unless
PULSE_SCALE_KEEP is set (then kept for EXPLAIN; a kept one of the same rows is reused).

Each store is the synthetic chain of five cafés of benchmarks/large_store.py (three years; surveys, reviews,
mentions; a score for every text) with 20 rollouts, built with PostgreSQL's COPY (the fast path: not what is
measured) and then measured through the product's own paths:
- import: store.feedback.upsert_feedback, the insert every collector uses, 20,000 new answers in one batch (a
  collector's batch), then the same batch again (all duplicates);
- daily counts: rebuilt from all feedback (a new time zone), and recounted after a day of 1,000 new answers
  (the end of a collector run), which must not grow with the table;
- scoring: the query `pulse analyze` starts with (store.scores.read_unscored) when everything is scored;
- the Explorer's first page of a search (store.explorer.search_feedback) and the Pulse page's week of quotes;
- the Pulse page in AppTest: first run in a new process, a run with the caches cleared, a channel change (and
  the Locations page, when dashboard/app_pages/locations.py exists: LOCATIONS_PAGE below);
- `pulse impact` for the 20 rollouts (analysis.impact_pipeline.read_rollout_impacts, what the command runs);
- the store's size on disk: pg_total_relation_size of Pulse's tables (indexes and TOAST included).
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from unittest.mock import patch

import numpy as np
import polars as pl
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.run import Row, timed

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
LOCATIONS_PAGE = APP.parent / "app_pages" / "locations.py"  # measured when it exists
TIMEZONE = "Europe/London"
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
CHUNK = 1_000_000  # rows generated and copied at a time
IMPORT_BATCH = 20_000  # a collector's batch (collectors/surveys: 20,000 rows per frame)
ROLLOUTS = 20
RUNS = 5
FEEDBACK_COLUMNS = (
    "source_id", "external_id", "kind", "created_at", "text", "nps", "csat", "stars", "ces", "author_hash",
    "url", "location", "channel", "segment", "raw", "ingested_at",
)  # fmt: skip


def sizes() -> list[int]:
    wanted = os.environ.get("PULSE_SCALE_SIZES")
    return [int(size) for size in wanted.split(",")] if wanted else list(DEFAULT_SIZES)


def admin_url() -> str:
    url = os.environ.get("PULSE_BENCH_POSTGRES_URL") or os.environ.get("PULSE_TEST_POSTGRES_URL")
    if not url:
        raise SystemExit(
            "The scale benchmark needs PostgreSQL: set PULSE_BENCH_POSTGRES_URL (or PULSE_TEST_POSTGRES_URL) to "
            "a user that may create databases; `.ci/postgres` starts a local server and prints one."
        )
    return url


def bench_scale() -> list[Row]:
    rows: list[Row] = []
    for size in sizes():
        print(f"scale: {size:,} items", file=sys.stderr)
        rows += [(f"{size:,} items: {figure}", value, unit) for figure, value, unit in measure_size(size)]
    return rows


def measure_size(size: int) -> list[Row]:
    from store.engine import build_engine
    from store.migrate import upgrade

    with scale_database(size) as (url, built):
        engine = build_engine(url)
        upgrade(engine)  # a kept store may be older than the code
        rows = list(built)
        rows += import_rows(engine) + counts_rows(engine) + query_rows(engine) + impact_rows(engine)
        with patch.dict(os.environ, {"PULSE_DATABASE_URL": url, "PULSE_TIMEZONE": TIMEZONE}):
            rows += apptest_rows()
        rows.append(("store size on disk (Pulse's tables, indexes included)", size_mib(engine), "MiB"))
        engine.dispose()
    return rows


@contextmanager
def scale_database(size: int) -> Iterator[tuple[str, list[Row]]]:
    """A database of `size` items (built unless kept from a run with PULSE_SCALE_KEEP), its URL and the build's
    figures; dropped afterwards unless PULSE_SCALE_KEEP."""
    admin = make_url(admin_url())
    name = f"pulse_scale_{size}"
    url = admin.set(database=name).render_as_string(hide_password=False)
    keep = bool(os.environ.get("PULSE_SCALE_KEEP"))
    server = create_engine(admin, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if exists and not keep:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        if not exists or not keep:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    built = build_scale_store(url, size) if not (exists and keep) else []
    try:
        yield url, built
    finally:
        if not keep:
            with server.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def build_scale_store(url: str, size: int, seed: int = 25) -> list[Row]:
    """The synthetic store of `size` items in the (empty) database at `url`, through COPY, with a score for
    every text, 20 rollouts and the daily counts built; returns the build's figures."""
    from analysis.impact_pipeline import refresh_rollout_impacts
    from benchmarks.large_store import SOURCES, synthetic_feedback
    from store.daily_counts import refresh_daily_counts
    from store.engine import build_engine, writing
    from store.migrate import upgrade
    from store.sources import ensure_source

    engine = build_engine(url)
    upgrade(engine)
    generator = np.random.default_rng(seed)
    started = time.perf_counter()
    with writing(engine) as connection:
        source_ids = {
            name: ensure_source(connection, name, kind, platform) for name, kind, platform, _ in SOURCES
        }
    for name, kind, _platform, share in SOURCES:
        wanted = round(size * share)
        for chunk, offset in enumerate(range(0, wanted, CHUNK)):
            items = synthetic_feedback(kind, min(CHUNK, wanted - offset), generator)
            items = items.with_columns((pl.col("external_id") + f"-{chunk}").alias("external_id"))
            copy_feedback(engine, source_ids[name], items)
            print(f"  copied {offset + items.height:,} of {wanted:,} {name}", file=sys.stderr)
    copied = time.perf_counter() - started
    scoring = timed(lambda: insert_scores(engine))
    add_rollouts(engine)
    refresh_daily_counts(engine, TIMEZONE)
    refresh_rollout_impacts(engine, TIMEZONE)  # the verdicts the pages read, as a collector run leaves them
    with writing(engine) as connection:
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()
    return [
        ("build: COPY of the feedback (the fast path, not the product's)", size / copied, "rows/s"),
        ("build: a score for every text (one INSERT ... SELECT)", scoring, "s"),
    ]


def copy_feedback(engine: Engine, source_id: int, items: pl.DataFrame) -> None:
    """`items` (a feedback frame) into feedback with COPY ... FROM STDIN (CSV), and the days marked stale."""
    from store.daily_counts import mark_counts_stale
    from store.engine import writing

    frame = items.with_columns(
        pl.lit(source_id).alias("source_id"),
        pl.col("created_at").dt.strftime("%Y-%m-%d %H:%M:%S%.6f+00"),
        pl.lit("2026-12-05 00:00:00+00").alias("ingested_at"),
    ).select(FEEDBACK_COLUMNS)
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False)
    with writing(engine) as connection:
        cursor: Any = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY feedback ({', '.join(FEEDBACK_COLUMNS)}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(buffer.getvalue())
        mark_counts_stale(connection, items["created_at"].min(), items["created_at"].max())  # type: ignore[arg-type]


def insert_scores(engine: Engine) -> None:
    """A score for every text from its comment's label, with some noise, in one INSERT ... SELECT."""
    from analysis.pipeline import SCORER_VERSION
    from benchmarks.large_store import COMMENTS
    from store.engine import writing

    labels = ", ".join(
        f"({_quoted(comment)}, '{sentiment}', {score}, {impersonal})"
        for comment, sentiment, score, impersonal in COMMENTS
    )
    with writing(engine) as connection:
        connection.exec_driver_sql(
            "INSERT INTO scores (feedback_id, sentiment, sentiment_score, impersonal, impersonal_score, "
            "impersonal_cues, model_version, scored_at) "
            "SELECT f.id, c.sentiment, greatest(-1, least(1, c.score + (random() - 0.5) / 5)), c.impersonal, "
            "CASE WHEN c.impersonal THEN 0.8 ELSE 0.1 END, "
            "CAST(CASE WHEN c.impersonal THEN '[\"no_human\"]' ELSE '[]' END AS json), "
            f"'{SCORER_VERSION}', now() "
            f"FROM feedback f JOIN (VALUES {labels}) AS c(text, sentiment, score, impersonal) ON c.text = f.text"
        )
        connection.exec_driver_sql("UPDATE store_state SET data_version = data_version + 1")


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def add_rollouts(engine: Engine) -> None:
    """20 rollouts over the three years, every kind and channel."""
    from store.rollouts import ROLLOUT_KINDS, Rollout, add_new_rollouts

    channels = ("online", "in-store", None)
    rollouts = [
        Rollout(
            name=f"Rollout {number + 1}",
            kind=ROLLOUT_KINDS[number % len(ROLLOUT_KINDS)],
            started_on=date(2024, 4, 1) + timedelta(weeks=6 * number),
            channel=channels[number % len(channels)],
        )
        for number in range(ROLLOUTS)
    ]
    add_new_rollouts(engine, rollouts, by="benchmark")


def import_rows(engine: Engine) -> list[Row]:
    """20,000 new survey answers through the product's upsert (one collector batch), then again (all
    duplicates); each twice, on new answers each time."""
    from store.feedback import upsert_feedback
    from store.records import FeedbackFrame, SourceSpec

    source = SourceSpec("Post-order survey", "survey", "csv")
    new, again = [], []
    for run in range(2):
        batch = FeedbackFrame(answers(IMPORT_BATCH, seed=100 + run, prefix=f"import{run}-"))
        new.append(timed(lambda batch=batch: upsert_feedback(engine, source, batch)))
        again.append(timed(lambda batch=batch: upsert_feedback(engine, source, batch)))
    return [
        (f"import through the product's upsert, {IMPORT_BATCH:,} new answers (best of 2)", IMPORT_BATCH / min(new), "rows/s"),
        (f"import again, {IMPORT_BATCH:,} duplicates (best of 2)", IMPORT_BATCH / min(again), "rows/s"),
    ]  # fmt: skip


def answers(rows: int, seed: int, prefix: str, day: date | None = None) -> pl.DataFrame:
    """`rows` survey answers (on `day`, spread over it, when given), with external ids starting `prefix`."""
    from benchmarks.large_store import END, synthetic_feedback

    frame = synthetic_feedback("survey", rows, np.random.default_rng(seed))
    columns = [(pl.lit(prefix) + pl.col("external_id")).alias("external_id")]
    if day is not None:
        start = END.replace(year=day.year, month=day.month, day=day.day)
        columns.append(
            (pl.lit(start) + pl.duration(milliseconds=pl.int_range(pl.len()) * (86_400_000 // rows))).alias(
                "created_at"
            )
        )
    return frame.with_columns(columns)


def counts_rows(engine: Engine) -> list[Row]:
    """The daily counts rebuilt from all feedback (a change of time zone: `pulse db upgrade`), and recounted
    after a day of 1,000 new answers after the data, or on a past day (a late export)."""
    from benchmarks.large_store import END
    from store.daily_counts import read_daily_counts, refresh_daily_counts
    from store.feedback import upsert_feedback
    from store.records import FeedbackFrame, SourceSpec

    source = SourceSpec("Post-order survey", "survey", "csv")
    builds = [timed(partial(refresh_daily_counts, engine, zone)) for zone in ("UTC", TIMEZONE)]
    new_days, past_days = [], []
    for run in range(RUNS):
        day = END.date() + timedelta(days=run + 1)
        upsert_feedback(engine, source, FeedbackFrame(answers(1000, seed=run, prefix=f"day{run}-", day=day)))
        new_days.append(timed(partial(refresh_daily_counts, engine)))
        past = date(2025, 3, 3) + timedelta(days=7 * run)
        upsert_feedback(
            engine, source, FeedbackFrame(answers(1000, seed=run, prefix=f"past{run}-", day=past))
        )
        past_days.append(timed(partial(refresh_daily_counts, engine)))
    return [
        ("daily counts: rows in the table", float(read_daily_counts(engine, TIMEZONE).height), "rows"),
        ("daily counts: rebuilt from all feedback (median of 2)", statistics.median(builds), "s"),
        (f"daily counts: refresh after 1,000 answers on a new day (median of {RUNS})", statistics.median(new_days), "s"),
        (f"daily counts: refresh after 1,000 answers on a past day (median of {RUNS})", statistics.median(past_days), "s"),
    ]  # fmt: skip


def query_rows(engine: Engine) -> list[Row]:
    """The reads that scan feedback: scoring's (everything scored), the Explorer's first page of a search,
    and the week of quotes the Pulse page shows."""
    from analysis.pipeline import SCORER_VERSION
    from benchmarks.large_store import END
    from store.explorer import FeedbackQuery, search_feedback
    from store.feedback import read_feedback
    from store.scores import read_unscored

    def unscored() -> None:
        assert read_unscored(engine, SCORER_VERSION).height < 50_000  # only the answers added since the build

    week = (END - timedelta(days=7), END)
    quotes = partial(read_feedback, engine, ("id", "created_at", "text", "sentiment", "channel"), *week)
    explorer = partial(search_feedback, engine, FeedbackQuery(limit=200))
    word = partial(search_feedback, engine, FeedbackQuery(search="chatbot", limit=200))
    return [
        ("scoring: read_unscored with everything scored (median of 3)", _median(unscored, 3), "s"),
        ("Pulse page's week of quotes (store.feedback.read_feedback; median of 3)", _median(quotes, 3), "s"),
        ("Explorer: newest 200 and the count, no filter (median of 3)", _median(explorer, 3), "s"),
        ("Explorer: search for a word, newest 200 and the count (median of 3)", _median(word, 3), "s"),
    ]


def _median(action: Callable[[], object], runs: int) -> float:
    return statistics.median(timed(action) for _ in range(runs))


def impact_rows(engine: Engine) -> list[Row]:
    """`pulse impact`: every rollout judged from the daily counts (statsmodels imported by the first run)."""
    from analysis.impact_pipeline import read_rollout_impacts

    runs = []
    for _ in range(3):
        started = time.perf_counter()
        impacts = read_rollout_impacts(engine, timezone=TIMEZONE)
        runs.append(time.perf_counter() - started)
        assert len(impacts) == ROLLOUTS
    return [(f"`pulse impact` for the {ROLLOUTS} rollouts (median of 3)", statistics.median(runs), "s")]


FIRST_RUN = f"""
import time
from streamlit.testing.v1 import AppTest
app = AppTest.from_file({str(APP)!r}, default_timeout=600)
started = time.perf_counter()
app.run()
assert not app.exception and len(app.metric) >= 5, app.exception
print(time.perf_counter() - started)
"""


def first_run_in_new_process() -> float:
    """AppTest's first run of the page in a new Python process: imports and every cache cold."""
    done = subprocess.run(
        [sys.executable, "-c", FIRST_RUN], capture_output=True, text=True, cwd=APP.parents[1]
    )
    if done.returncode:
        raise RuntimeError(f"the Pulse page failed in AppTest: {done.stderr[-2000:]}")
    return float(done.stdout.strip().splitlines()[-1])


def _checked(app: Any, action: Callable[[], object]) -> float:
    seconds = timed(action)
    assert not app.exception, app.exception
    assert len(app.metric) >= 5, [
        element.value for element in app.info
    ]  # the page's cards, not an empty state
    return seconds


def apptest_rows() -> list[Row]:
    """The Pulse page in AppTest on this store (benchmarks/pulse_page_1m.py's measures), and the Locations page
    when there is one."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from benchmarks.pulse_page_1m import pick_channel

    first = [first_run_in_new_process() for _ in range(2)]
    cold, changes, locations = [], [], []
    for _ in range(3):
        st.cache_data.clear()
        st.cache_resource.clear()
        app = AppTest.from_file(str(APP), default_timeout=600)
        cold.append(_checked(app, app.run))
        changes += [_checked(app, partial(pick_channel, app, channel)) for channel in ("online", "in-store")]
        if LOCATIONS_PAGE.exists():
            st.cache_data.clear()
            locations.append(timed(partial(open_page, app, "app_pages/locations.py")))
    rows = [
        ("Pulse page, AppTest, first run in a new process (median of 2)", statistics.median(first), "s"),
        ("Pulse page, AppTest, run with every cache cleared (median of 3)", statistics.median(cold), "s"),
        (f"Pulse page, AppTest, channel change (median of {len(changes)})", statistics.median(changes), "s"),
    ]
    if locations:
        rows.append(
            ("Locations page, AppTest, data caches cleared (median of 3)", statistics.median(locations), "s")
        )
    return rows


def open_page(app: Any, page: str) -> None:
    app.switch_page(page).run()
    assert not app.exception, app.exception


def size_mib(engine: Engine) -> float:
    from store.engine import reading
    from store.schema import metadata

    names = list(metadata.tables)
    with reading(engine) as connection:
        total = connection.execute(
            text(
                "SELECT sum(pg_total_relation_size(quote_ident(name))) FROM unnest(CAST(:names AS text[])) name"
            ),
            {"names": names},
        ).scalar_one()
    return float(total) / 2**20


if __name__ == "__main__":
    for figure, value, unit in bench_scale():
        print(f"{figure}: {value:,.3f} {unit}")
