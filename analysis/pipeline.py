"""The batch pipeline: score what is new, record the run, then count the days and judge the rollouts again.
Heavy work happens here, never on a page."""

from __future__ import annotations

import polars as pl

from analysis.embedding_pipeline import store_embedder
from analysis.embeddings import Embedder, PieceEmbeddings, embed
from analysis.impact_pipeline import refresh_rollout_impacts
from analysis.impersonal import add_impersonal, sentences
from analysis.impersonal_threshold import IMPERSONAL_VERSION
from analysis.sentiment import SENTIMENT_VERSION, add_sentiment, split_segments
from pulse.progress import Progress
from store.engine import Engine
from store.runs import recorded_run
from store.scores import SCORE_COLUMNS, read_unscored, write_scores

SCORER_VERSION = f"{SENTIMENT_VERSION}+{IMPERSONAL_VERSION}"
CHUNK = 500


def score_frame(
    frame: pl.DataFrame, text_column: str = "text", embedder: Embedder | None = None
) -> pl.DataFrame:
    """Add SCORE_COLUMNS (sentiment, sentiment_score, sentiment_p_negative, sentiment_p_neutral,
    sentiment_p_positive, impersonal, impersonal_score, impersonal_cues), in that order, after the columns of
    `frame`.

    Every piece the scorers embed (`embedded_pieces` of each text) is embedded once, in one call to `embedder`
    (default: analysis.embeddings.embed), and the vectors are shared by sentiment and the impersonal detector.
    """
    shared = PieceEmbeddings(embedder or embed)
    shared.prepare(piece for text in frame[text_column].to_list() for piece in embedded_pieces(text or ""))
    with_sentiment = add_sentiment(frame, text_column, embedder=shared)
    scored = add_impersonal(with_sentiment, text_column, embedder=shared)
    return scored.select(*[name for name in frame.columns if name not in SCORE_COLUMNS], *SCORE_COLUMNS)


def embedded_pieces(text: str) -> list[str]:
    """Every text that scoring `text` embeds (and so keeps in the store): the text, its sentiment segments (and
    theirs, for the clauses the impersonal detector scores alone) and the sentences the impersonal detector
    compares with its prototypes."""
    segments = split_segments(text)
    clauses = [part for segment in segments for part in split_segments(segment)]
    return list(dict.fromkeys([text, *segments, *clauses, *sentences(text)]))


def add_scores(
    frame: pl.DataFrame,
    text_column: str = "text",
    embedder: Embedder | None = None,
    progress: Progress | None = None,
) -> pl.DataFrame:
    """`score_frame` over `frame`, CHUNK rows at a time, reporting (done, total) after each chunk."""
    parts = []
    for chunk in frame.iter_slices(CHUNK):
        parts.append(score_frame(chunk, text_column, embedder))
        if progress:
            progress(sum(part.height for part in parts), frame.height)
    return pl.concat(parts) if parts else score_frame(frame, text_column, embedder)


def read_pending(engine: Engine) -> pl.DataFrame:
    """Feedback with text that has no score yet, or one from an older scorer (columns id, text)."""
    return read_unscored(engine, SCORER_VERSION)


def score_new_feedback(
    engine: Engine, progress: Progress | None = None, pending: pl.DataFrame | None = None
) -> int:
    """Score `pending` (by default, read_pending); returns how many were scored. Embeddings are read from and
    kept in the store, so scoring a text again costs no model time. The run is recorded."""
    pending = read_pending(engine) if pending is None else pending
    embedder = store_embedder(engine)
    done = 0
    with recorded_run(engine, "pipeline", "score", versions={"scorer": SCORER_VERSION}) as run:
        run.counts = {"scored": done}
        for chunk in pending.iter_slices(CHUNK):
            done += write_scores(engine, score_frame(chunk, embedder=embedder), SCORER_VERSION)
            run.counts = {"scored": done}
            if progress:
                progress(done, pending.height)
    refresh_rollout_impacts(engine)  # the new scores, in the daily counts and the rollouts' verdicts
    return done
