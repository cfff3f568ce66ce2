"""A SQLite store of 1,000,000 feedback items for the dashboard's speed at scale (issue 7), built once and
cached outside the repository (PULSE_BENCH_CACHE, default: the system's temporary folder).

Three years (2024-01-01 to 2026-11-22) of a chain of five cafés: post-order surveys (NPS, CSAT, a comment in
two of five, channel, location, segment), Google and Trustpilot reviews (stars and text) and Reddit mentions,
with scores (sentiment and impersonal) for every text, and the demo's five rollouts. Built directly with
the store's bulk insert (frames) and one executemany of scores, about 15 s here; the cached file is the store
at the schema it was built with, so callers copy it and migrate the copy to the current head.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Engine

ROWS = 1_000_000
VERSION = 1  # of the synthetic data: bump when it changes, so that a cached store is rebuilt
START = datetime(2024, 1, 1, tzinfo=UTC)
END = datetime(2026, 11, 23, tzinfo=UTC)
LOCATIONS = ("High Street", "Station Road", "Market Square", "Riverside", "University")
CHANNELS = ("in-store", "online")
SEGMENTS = ("new", "occasional", "regular")
CHATBOT = datetime(2026, 4, 13, tzinfo=UTC)  # the demo's support chatbot: online NPS falls after it
COMMENTS = (  # text, sentiment, sentiment score, impersonal
    ("Lovely sourdough as always, and the staff remembered my order.", "positive", 0.8, False),
    ("Quick service, friendly staff, great coffee.", "positive", 0.7, False),
    ("Fine, nothing special about the visit this time.", "neutral", 0.0, False),
    ("The kiosk is fine but I miss the chat at the counter.", "neutral", -0.1, True),
    ("The chatbot kept looping and I could not reach a person.", "negative", -0.7, True),
    ("Order arrived cold and nobody answered the phone.", "negative", -0.6, True),
    ("Queue was long and the cakes had run out by noon.", "negative", -0.5, False),
    ("Automated emails every day, it feels like nobody is there.", "negative", -0.4, True),
)
SURVEYS, REVIEWS, MENTIONS = 0.88, 0.10, 0.02  # shares of the rows
SOURCES = (  # name, kind, platform, share
    ("Post-order survey", "survey", "csv", SURVEYS),
    ("Google reviews", "review", "google_business", REVIEWS * 0.7),
    ("Trustpilot", "review", "csv", REVIEWS * 0.3),
    ("Reddit", "mention", "reddit", MENTIONS),
)
BATCH = 50_000


def cache_folder() -> Path:
    return Path(os.environ.get("PULSE_BENCH_CACHE") or Path(tempfile.gettempdir()) / "pulse-bench")


def cached_large_store(rows: int = ROWS) -> Path:
    """The path of the cached store of `rows` items, built first when missing."""
    path = cache_folder() / f"pulse-{rows}-v{VERSION}.db"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        building = path.with_suffix(".building")
        build_large_store(building, rows)
        building.rename(path)
    return path


def copy_large_store(folder: Path, rows: int = ROWS) -> str:
    """A copy of the cached store in `folder`, migrated to the current schema; returns its URL."""
    from store.engine import build_engine
    from store.migrate import upgrade

    target = folder / "pulse.db"
    shutil.copyfile(cached_large_store(rows), target)
    url = f"sqlite:///{target}"
    engine = build_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def build_large_store(path: Path, rows: int = ROWS, seed: int = 11) -> None:
    from collectors.rollouts import import_rollouts
    from pulse.settings import build_settings
    from store.engine import build_engine, bulk_writes
    from store.feedback import upsert_feedback
    from store.migrate import upgrade
    from store.records import FeedbackFrame, SourceSpec

    path.unlink(missing_ok=True)
    engine = build_engine(f"sqlite:///{path}")
    upgrade(engine)
    generator = np.random.default_rng(seed)
    with bulk_writes(engine):
        for name, kind, platform, share in SOURCES:
            items = synthetic_feedback(kind, round(rows * share), generator)
            for offset in range(0, items.height, BATCH):
                batch = FeedbackFrame(items.slice(offset, BATCH))
                upsert_feedback(engine, SourceSpec(name, kind, platform), batch)
    insert_scores(engine, generator)
    import_rollouts(engine, build_settings().demo_dir / "rollouts.csv", by="benchmark")
    engine.dispose()


def synthetic_feedback(kind: str, rows: int, generator: np.random.Generator) -> pl.DataFrame:
    """`rows` items of `kind` in time order, as a feedback frame (store.records.FEEDBACK_FRAME_SCHEMA)."""
    from store.records import FEEDBACK_FRAME_SCHEMA

    span = int((END - START).total_seconds())
    seconds = np.sort(generator.integers(0, span, rows))
    moments = np.datetime64(START.replace(tzinfo=None), "s") + seconds.astype("timedelta64[s]")
    created = pl.Series(moments.astype("datetime64[us]")).dt.replace_time_zone("UTC")
    channel = generator.choice(CHANNELS, rows, p=[0.65, 0.35])
    after_chatbot = (created >= CHATBOT).to_numpy() & (channel == "online")
    comment = generator.integers(0, len(COMMENTS), rows)
    comment = np.where(
        after_chatbot & (generator.random(rows) < 0.3), 4, comment
    )  # "could not reach a person"
    has_text = generator.random(rows) < (0.4 if kind == "survey" else 1.0)
    nps = generator.binomial(10, np.where(after_chatbot, 0.72, 0.8))
    survey, review = kind == "survey", kind == "review"
    texts = pl.Series([text for text, *_ in COMMENTS])
    frame = pl.DataFrame(
        {
            "external_id": pl.int_range(rows, eager=True).cast(pl.String).str.zfill(8),
            "kind": pl.repeat(kind, rows, eager=True),
            "created_at": created,
            "text": texts.gather(comment),
            "has_text": has_text,
            "nps": nps,
            "csat": np.clip(generator.binomial(4, 0.8, rows) + 1, 1, 5),
            "stars": np.clip(generator.binomial(4, 0.75, rows) + 1, 1, 5),
            "author_hash": pl.Series(generator.integers(0, 2**62, rows)).cast(pl.String),
            "location": generator.choice(LOCATIONS, rows),
            "channel": channel,
            "segment": generator.choice(SEGMENTS, rows),
        }
    )
    only = {"nps": survey, "csat": survey, "stars": review, "location": kind != "mention"}
    only |= {"channel": survey, "segment": survey}
    return frame.select(
        (pl.lit(kind[0]) + pl.col("external_id")).alias("external_id"),
        "kind",
        "created_at",
        pl.when("has_text").then(pl.col("text")).alias("text"),
        *[pl.col(name) if keep else pl.lit(None).alias(name) for name, keep in only.items()],
        "author_hash",
        pl.lit(None).alias("url"),
        pl.lit(None).alias("raw"),
        pl.lit(None).alias("ces"),  # the survey asks no effort question
    ).select(pl.col(name).cast(dtype) for name, dtype in FEEDBACK_FRAME_SCHEMA.items())


def insert_scores(engine: Engine, generator: np.random.Generator) -> None:
    """A score for every text, from its comment's label with some noise, in one executemany."""
    from analysis.pipeline import SCORER_VERSION

    labels = {text: (sentiment, score, impersonal) for text, sentiment, score, impersonal in COMMENTS}
    pooled = engine.raw_connection()
    raw: Any = pooled.driver_connection  # sqlite3's own connection, in autocommit mode (store.engine)
    try:
        texts = raw.execute("SELECT id, text FROM feedback WHERE text IS NOT NULL").fetchall()
        noise = generator.normal(0, 0.1, len(texts))
        scored_at = datetime.now(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        rows = []
        for (feedback_id, text), jitter in zip(texts, noise, strict=True):
            sentiment, score, impersonal = labels[text]
            cues = json.dumps(["no_human"] if impersonal else [])
            rows.append(
                (feedback_id, sentiment, float(np.clip(score + jitter, -1, 1)), impersonal,
                 0.8 if impersonal else 0.1, cues, SCORER_VERSION, scored_at)
            )  # fmt: skip
        raw.execute("BEGIN IMMEDIATE")
        raw.executemany(
            "INSERT INTO scores (feedback_id, sentiment, sentiment_score, impersonal, impersonal_score, "
            "impersonal_cues, model_version, scored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        raw.execute("UPDATE store_state SET data_version = data_version + 1")
        raw.execute("COMMIT")
    finally:
        pooled.close()
