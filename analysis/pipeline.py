"""The batch pipeline: score what is new, record the run. Heavy work happens here, never on a page."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
from sqlalchemy import Engine

from analysis.impersonal import IMPERSONAL_VERSION, add_impersonal
from analysis.sentiment import VADER_VERSION, add_sentiment
from store.runs import finish_run, start_run
from store.scores import read_unscored, write_scores

SCORER_VERSION = f"{VADER_VERSION}+{IMPERSONAL_VERSION}"
CHUNK = 500

Progress = Callable[[int, int], None]


def score_frame(frame: pl.DataFrame, text_column: str = "text") -> pl.DataFrame:
    """Add sentiment, sentiment_score, impersonal, impersonal_score and impersonal_cues to `frame`."""
    return add_impersonal(add_sentiment(frame, text_column), text_column)


def read_pending(engine: Engine) -> pl.DataFrame:
    """Feedback with text that has no score yet, or one from an older scorer (columns id, text)."""
    return read_unscored(engine, SCORER_VERSION)


def score_new_feedback(
    engine: Engine, progress: Progress | None = None, pending: pl.DataFrame | None = None
) -> int:
    """Score `pending` (by default, read_pending); returns how many were scored. The run is recorded."""
    pending = read_pending(engine) if pending is None else pending
    run_id = start_run(engine, "pipeline", "score", versions={"scorer": SCORER_VERSION})
    done = 0
    try:
        for chunk in pending.iter_slices(CHUNK):
            done += write_scores(engine, score_frame(chunk), SCORER_VERSION)
            if progress:
                progress(done, pending.height)
    except Exception as error:
        finish_run(engine, run_id, "failed", {"scored": done}, message=str(error))
        raise
    finish_run(engine, run_id, "ok", {"scored": done})
    return done
