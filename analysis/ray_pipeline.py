"""Scoring a backlog on a Ray cluster (PULSE_RAY_ADDRESS): the driver reads the unscored rows from the store a
page at a time (id and text), Ray Data maps ScoreBatch over them on the cluster's workers (each loads the model
once and scores a batch as analysis.pipeline.score_frame does, returning the scores and the vectors of every
piece it embedded), and the driver writes each batch back as it arrives: the embeddings (store.embeddings, by
text hash) and then the scores. Only the driver touches the store; an interrupted job keeps what it wrote, and
the next scores only what is still unscored. Themes then fit on the driver from the stored embeddings."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from analysis.embeddings import DEFAULT_MODEL, embed
from analysis.impact_pipeline import refresh_rollout_impacts
from analysis.pipeline import (
    CHUNK,
    SCORER_VERSION,
    embedded_pieces,
    read_pending,
    score_frame,
    score_new_feedback,
)
from pulse.errors import AnalysisError
from pulse.progress import Progress
from store.embeddings import text_hash, write_embeddings
from store.engine import Engine
from store.runs import recorded_run
from store.scores import SCORE_COLUMNS, read_unscored, write_scores

if TYPE_CHECKING:
    import pyarrow as pa

PAGE = 10_000  # unscored rows the driver reads from the store at a time
WORKER_ENVIRONMENT = {"HF_HUB_OFFLINE": "1"}  # the packaged model needs nothing from the hub, on any node
CONNECT_SECONDS = 5.0


@dataclass(frozen=True)
class Scoring:
    """What a scoring step did: how many items it scored, and where (`address` empty: in this process)."""

    scored: int
    address: str = ""
    workers: int = 0


class ScoreBatch:
    """Ray Data's callable class: built once per worker (the model loaded then), called with each batch of
    rows (id, text) and returning, per row, its id, SCORE_COLUMNS, the scorer's version, and the vectors of the
    pieces the batch embedded (`piece_hashes`, space-separated text hashes, and `piece_vectors`, their float32
    vectors end to end), each piece with the first row that has it."""

    def __init__(self) -> None:
        embed(["warm up"])  # loads the encoder once in this worker (analysis.embeddings.load_encoder)

    def __call__(self, batch: pa.Table) -> pa.Table:
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        computed: dict[str, np.ndarray] = {}

        def recording(texts: Any) -> np.ndarray:
            vectors = embed(texts)
            computed.update(zip(texts, vectors, strict=True))
            return vectors

        scored = score_frame(frame.select("id", "text"), embedder=recording)
        hashes, vectors = pieces_by_row(frame["text"].to_list(), computed)
        return (
            scored.select("id", *SCORE_COLUMNS)
            .with_columns(
                pl.lit(SCORER_VERSION).alias("scorer_version"),
                pl.Series("piece_hashes", hashes, dtype=pl.String),
                pl.Series("piece_vectors", vectors, dtype=pl.Binary),
            )
            .to_arrow()
        )


def pieces_by_row(texts: list[str | None], computed: dict[str, np.ndarray]) -> tuple[list[str], list[bytes]]:
    """Each computed piece given to the first row whose text has it (the rest to the first row)."""
    left = dict(computed)
    hashes: list[str] = []
    vectors: list[bytes] = []
    for index, text in enumerate(texts):
        mine = [piece for piece in embedded_pieces(text or "") if piece in left]
        if index == 0:
            mine += [piece for piece in left if piece not in mine]
        hashes.append(" ".join(text_hash(piece) for piece in mine))
        vectors.append(b"".join(np.asarray(left.pop(piece), dtype="<f4").tobytes() for piece in mine))
    return hashes, vectors


def stored_vectors(batch: pl.DataFrame) -> dict[str, np.ndarray]:
    """The vectors a batch of ScoreBatch's rows carries, by text hash."""
    vectors: dict[str, np.ndarray] = {}
    for hashes, raw in batch.select("piece_hashes", "piece_vectors").iter_rows():
        digests = hashes.split()
        if digests:
            rows = np.frombuffer(raw, dtype="<f4").reshape(len(digests), -1)
            vectors.update(zip(digests, rows, strict=True))
    return vectors


def pending_pages(engine: Engine, page: int = PAGE) -> Iterator[pl.DataFrame]:
    """The unscored rows (id, text), `page` at a time, in order of id."""
    after: int | None = None
    while True:
        rows = read_unscored(engine, SCORER_VERSION, after_id=after, limit=page)
        if rows.is_empty():
            return
        yield rows
        after = int(rows["id"][-1])


def check_reachable(address: str) -> None:
    """A clear error, at once, when `address` (host:port) answers no connection: Ray itself waits minutes."""
    if address == "auto":
        return
    if address.startswith("ray://"):
        raise AnalysisError(
            f"PULSE_RAY_ADDRESS is {address}, a Ray Client address, which Pulse does not use.",
            hint="Run Pulse on a machine of the cluster and set PULSE_RAY_ADDRESS to the head's address as "
            "`ray start --head` prints it (host:6379), or to auto on the head itself.",
        )
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise AnalysisError(
            f"PULSE_RAY_ADDRESS is {address!r}, not a Ray address.",
            hint="Set it to the head's host:port as `ray start --head` prints it (e.g. 10.0.0.5:6379), or auto.",
        )
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_SECONDS).close()
    except OSError as error:
        raise AnalysisError(
            f"Could not reach the Ray cluster at {address}: {error}.",
            hint="Start it (`ray start --head --port=6379` on the head, `ray start --address=HEAD:6379` on each "
            "worker), or unset PULSE_RAY_ADDRESS to score in this process.",
        ) from error


def connect(address: str) -> Any:
    """ray, connected to the cluster at `address` (its workers told to load models offline)."""
    check_reachable(address)
    import ray

    try:
        ray.init(
            address=address,
            runtime_env={"env_vars": WORKER_ENVIRONMENT},
            logging_level=logging.WARNING,
            log_to_driver=False,
            ignore_reinit_error=True,
        )
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise AnalysisError(
            f"Could not connect to the Ray cluster at {address}: {error}",
            hint="Check that the cluster runs (`ray status --address=...`) and that its Ray is the version Pulse "
            "installs, or unset PULSE_RAY_ADDRESS to score in this process.",
        ) from error
    return ray


def score_on_ray(
    engine: Engine,
    address: str,
    workers: int = 0,
    progress: Progress | None = None,
    pending: pl.DataFrame | None = None,
    batch_size: int = CHUNK,
) -> Scoring:
    """Score `pending` (by default every unscored row, read a page at a time) on the Ray cluster at `address`
    with `workers` scoring workers (0: one per CPU of the cluster), writing each batch back as it comes; the
    run is recorded, and the rollouts judged again as after scoring in process."""
    pages = [pending] if pending is not None else list(pending_pages(engine))
    total = sum(page.height for page in pages)
    if not total:
        return Scoring(0, address, 0)
    ray = connect(address)
    try:
        from ray.data import ActorPoolStrategy, DataContext

        context = DataContext.get_current()
        context.enable_progress_bars = False  # Pulse shows its own (progress)
        logging.getLogger("ray.data").setLevel(logging.ERROR)
        workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        blocks = [
            part.to_arrow() for page in pages for part in page.select("id", "text").iter_slices(batch_size)
        ]
        # a block a batch, so that each is written back as it comes
        dataset = ray.data.from_arrow(blocks).map_batches(
            ScoreBatch,
            batch_format="pyarrow",
            batch_size=batch_size,
            compute=ActorPoolStrategy(size=workers),
            num_cpus=1,
        )
        done = 0
        versions = {"scorer": SCORER_VERSION, "ray": address}
        with recorded_run(engine, "pipeline", "score", versions=versions) as run:
            run.counts = {"scored": done}
            for block in dataset.iter_batches(batch_size=None, batch_format="pyarrow"):
                done += write_batch(engine, block)
                run.counts = {"scored": done}
                if progress:
                    progress(done, total)
    finally:
        ray.shutdown()
    refresh_rollout_impacts(engine)
    return Scoring(done, address, workers)


def write_batch(engine: Engine, block: pa.Table) -> int:
    """Store one batch of ScoreBatch's rows: its embeddings, then its scores; returns the rows scored."""
    batch = pl.from_arrow(block)
    assert isinstance(batch, pl.DataFrame)
    if batch.is_empty():
        return 0
    versions = set(batch["scorer_version"].unique().to_list())
    if versions != {SCORER_VERSION}:
        raise AnalysisError(
            f"The Ray workers score with {', '.join(sorted(versions))}, this Pulse with {SCORER_VERSION}.",
            hint="Install the same Pulse on every node of the cluster (and restart its workers), then run again: "
            "what was scored so far is kept.",
        )
    write_embeddings(engine, DEFAULT_MODEL, stored_vectors(batch))
    return write_scores(engine, batch.select("id", *SCORE_COLUMNS), SCORER_VERSION)


def score_backlog(
    engine: Engine,
    ray_address: str | None = None,
    ray_workers: int = 0,
    progress: Progress | None = None,
    pending: pl.DataFrame | None = None,
) -> Scoring:
    """Score the unscored feedback: on the Ray cluster at `ray_address` when one is set, else in this process
    (analysis.pipeline.score_new_feedback)."""
    if ray_address and ray_address.strip():
        return score_on_ray(engine, ray_address.strip(), ray_workers, progress, pending)
    pending = read_pending(engine) if pending is None else pending
    return Scoring(score_new_feedback(engine, progress, pending))
