"""Scoring throughput on Ray against in process (`python -m benchmarks.run ray_scoring`): the same BANKING77
queries (../shared/data/banking77/test.csv, the first TEXTS), stored as feedback in a new SQLite store each time,
scored by the whole step as `pulse analyze` runs it (analysis.ray_pipeline.score_backlog: read the unscored
rows, embed and score them, write the scores and embeddings back), first in this process, then on a local Ray
cluster (a head and one worker node, one CPU each: tests/ray_cluster.py) with 1 scoring worker and with 2.
Each Ray run includes starting its workers and loading the model in each (as a job does); the cluster's start
is not timed, and the cluster is up (idle) during the in-process run too. The ratios are against in-process
scoring measured in the same run."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta

from benchmarks.run import Row, fresh_store
from benchmarks.score_command import banking77_texts
from tests.ray_cluster import local_ray_cluster

TEXTS = 2_000


def bench_ray_scoring() -> list[Row]:
    texts = banking77_texts(TEXTS)
    with local_ray_cluster(workers=1) as address:  # idle beside the in-process run, as beside the others
        local = _scored_per_second(texts, "")
        rows: list[Row] = [
            (f"in process, {len(texts):,} queries (whole step, model load included)", local, "texts/s")
        ]
        print(rows[-1], file=sys.stderr)
        for workers in (1, 2):
            rate = _scored_per_second(texts, address, workers)
            label = f"on Ray, {workers} worker{'s' if workers > 1 else ''}"
            rows += [
                (f"{label} (job start and model loads included)", rate, "texts/s"),
                (f"{label} / in process", rate / local, "x"),
            ]
            print(rows[-2:], file=sys.stderr)
    return rows


def _scored_per_second(texts: list[str], address: str, workers: int = 0) -> float:
    from analysis.ray_pipeline import score_backlog
    from store.feedback import upsert_feedback
    from store.records import FeedbackFrame, FeedbackRecord, SourceSpec

    start = datetime(2026, 11, 2, 9, tzinfo=UTC)
    records = [
        FeedbackRecord(f"Q{number}", "survey", start + timedelta(minutes=number), text=text)
        for number, text in enumerate(texts)
    ]
    with fresh_store() as (_url, engine):
        upsert_feedback(engine, SourceSpec("Queries", "survey", "csv"), FeedbackFrame.of(records))
        started = time.perf_counter()
        scoring = score_backlog(engine, address, workers)
        seconds = time.perf_counter() - started
    assert scoring.scored == len(texts), scoring
    return len(texts) / seconds
