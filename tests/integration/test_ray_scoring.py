"""Scoring a backlog on a real local Ray cluster (a head and one worker node, started by the test): the same
scores as in process, the embeddings in the store, resumable, and a clear error when no cluster answers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner
from polars.testing import assert_frame_equal
from sqlalchemy import Engine

from analysis.embedding_pipeline import embed_cached
from analysis.pipeline import embedded_pieces, read_pending, score_new_feedback
from analysis.ray_pipeline import pending_pages, score_backlog, score_on_ray, write_batch
from cli.main import main
from pulse.errors import AnalysisError
from store.embeddings import read_embeddings, text_hash
from store.engine import build_engine
from store.feedback import read_feedback, upsert_feedback
from store.migrate import upgrade
from store.records import FeedbackFrame, FeedbackRecord, SourceSpec
from store.scores import SCORE_COLUMNS
from tests.ray_cluster import free_port, local_ray_cluster

COMMENTS = SourceSpec("Comments", "survey", "csv")
OPENINGS = (
    "The chatbot kept looping and I could not reach a person.",
    "Lovely staff and the best sourdough in town!",
    "Ordered a latte. It was fine.",
    "Nobody answers the phone any more, only a menu of options.",
    "The self-checkout froze twice; a cashier would have been quicker.",
    "Great coffee, friendly barista, will come back.",
    "I waited 40 minutes for an email reply that was clearly automated.",
    "Cold croissant, but the staff apologised and replaced it.",
    "The app charged me twice and support is a form.",
    "Quiet place to work, good wifi.",
)
TEXTS = tuple(f"{opening} Visit {number}." for number in range(5) for opening in OPENINGS)  # 50 distinct


@pytest.fixture(scope="module")
def ray_address() -> Iterator[str]:
    with local_ray_cluster(workers=1) as address:
        yield address


def store_comments(engine: Engine) -> None:
    start = datetime(2026, 11, 2, 9, tzinfo=UTC)
    records = [
        FeedbackRecord(f"R{number}", "survey", start + timedelta(hours=number), text=text)
        for number, text in enumerate(TEXTS)
    ]
    upsert_feedback(engine, COMMENTS, FeedbackFrame.of(records))


def new_store(path: Path) -> Engine:
    engine = build_engine(f"sqlite:///{path}")
    upgrade(engine)
    store_comments(engine)
    return engine


def stored_scores(engine: Engine) -> pl.DataFrame:
    return read_feedback(engine, ("id", "text", *SCORE_COLUMNS)).sort("id")


@pytest.fixture(scope="module")
def in_process(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    engine = new_store(tmp_path_factory.mktemp("in-process") / "pulse.db")
    assert score_new_feedback(engine) == len(TEXTS)
    return stored_scores(engine)


def assert_same_scores(ray: pl.DataFrame, local: pl.DataFrame) -> None:
    assert ray.height == local.height == len(TEXTS)
    assert (
        ray.select("text", "sentiment", "impersonal", "impersonal_cues").rows()
        == local.select("text", "sentiment", "impersonal", "impersonal_cues").rows()
    )
    for name in ("sentiment_score", "sentiment_p_negative", "sentiment_p_neutral", "impersonal_score"):
        np.testing.assert_allclose(ray[name].to_numpy(), local[name].to_numpy(), atol=1e-5, err_msg=name)


@pytest.mark.slow
def test_score_on_ray__same_scores_as_in_process_and_the_embeddings_stored(
    ray_address: str, in_process: pl.DataFrame, tmp_path: Path
) -> None:
    engine = new_store(tmp_path / "pulse.db")
    seen: list[tuple[int, int]] = []
    scoring = score_on_ray(
        engine, ray_address, progress=lambda done, total: seen.append((done, total)), batch_size=20
    )
    assert (scoring.scored, scoring.workers) == (len(TEXTS), 2)  # one per CPU: the head's and the worker's
    assert seen[-1] == (len(TEXTS), len(TEXTS)) and len(seen) >= 3  # written back batch by batch
    assert_same_scores(stored_scores(engine), in_process)
    assert read_pending(engine).is_empty()

    pieces = list(dict.fromkeys(piece for text in TEXTS for piece in embedded_pieces(text)))
    stored = read_embeddings(engine, "all-MiniLM-L6-v2", {text_hash(piece) for piece in pieces})
    assert len(stored) == len(pieces)  # every piece scoring embedded, as in process: themes read them back
    np.testing.assert_allclose(
        embed_cached(engine, list(TEXTS[:3])), np.stack([stored[text_hash(t)] for t in TEXTS[:3]])
    )


@pytest.mark.slow
def test_pulse_analyze__on_ray_resumes_an_interrupted_job_scoring_only_what_is_left(
    ray_address: str, in_process: pl.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "pulse.db"
    engine = new_store(path)
    assert score_new_feedback(engine, pending=read_pending(engine).head(12)) == 12  # partly scored already

    def stop_after_first_batch(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        score_on_ray(engine, ray_address, workers=1, progress=stop_after_first_batch, batch_size=10)
    left = read_pending(engine).height
    assert left == len(TEXTS) - 12 - 10  # the batch written before the stop is kept

    monkeypatch.setenv("PULSE_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("PULSE_RAY_ADDRESS", ray_address)
    monkeypatch.setenv("PULSE_RAY_WORKERS", "1")
    result = CliRunner().invoke(main, ["analyze"])
    assert result.exit_code == 0, result.output
    assert f"Scored {left} feedback items on Ray at {ray_address} with 1 worker." in result.output
    assert_same_scores(stored_scores(engine), in_process)
    assert score_backlog(engine, ray_address).scored == 0  # nothing left: no job at all


def test_score_on_ray__no_cluster_at_the_address_is_a_clear_error_at_once(tmp_path: Path) -> None:
    engine = new_store(tmp_path / "pulse.db")
    address = f"127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(AnalysisError) as caught:
        score_on_ray(engine, address)
    assert address in caught.value.message and "unset PULSE_RAY_ADDRESS" in caught.value.hint
    with pytest.raises(AnalysisError, match="Ray Client"):
        score_on_ray(engine, "ray://10.0.0.5:10001")
    with pytest.raises(AnalysisError, match="not a Ray address"):
        score_on_ray(engine, "head-node")
    assert read_pending(engine).height == len(TEXTS)  # nothing scored, nothing lost


def test_write_batch__refuses_scores_of_another_scorer_version(tmp_path: Path) -> None:
    engine = new_store(tmp_path / "pulse.db")
    batch = (
        read_pending(engine)
        .head(2)
        .with_columns(pl.lit("sentiment-v0+impersonal-v0").alias("scorer_version"))
    )
    with pytest.raises(AnalysisError, match="sentiment-v0") as caught:
        write_batch(engine, batch.to_arrow())
    assert "same Pulse on every node" in caught.value.hint
    assert read_pending(engine).height == len(TEXTS)


@pytest.mark.slow  # scores three rows first, with the model
def test_pending_pages__reads_the_unscored_rows_a_page_at_a_time_in_order(tmp_path: Path) -> None:
    engine = new_store(tmp_path / "pulse.db")
    assert score_new_feedback(engine, pending=read_pending(engine).slice(5, 3)) == 3  # ids 6-8 scored
    pages = list(pending_pages(engine, page=20))
    assert [page.height for page in pages] == [20, 20, 7]
    assert_frame_equal(pl.concat(pages), read_pending(engine))
    assert [page.height for page in pending_pages(engine, page=100)] == [len(TEXTS) - 3]
