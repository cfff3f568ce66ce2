"""Scoring throughput with the job queue: the same N texts, split between two workspaces, scored in-process
(jobs.steps.analyze_store, the step of `pulse analyze`), then through the queue by 1 and by 2 `pulse worker`
processes on this machine, each workspace one job; texts/s, and the ratio against in-process in the same run.
Each run has a new PostgreSQL database (so no text's embedding is stored already), and every scorer has its model
loaded before the clock starts (a warm-up job per worker). Needs PostgreSQL: PULSE_TEST_POSTGRES_URL.

    python -m benchmarks.queue_scoring [N]        (or: python -m benchmarks.run queue_scoring)
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.run import Row

ROOT = Path(__file__).resolve().parent.parent
TEXTS = 1_000
WORKSPACES = ("default", "second")
BENCH_TASK = "bench.score"
WARM_TEXTS = 10


def register(app: Any, settings: Any) -> None:
    """The benchmark's job (`pulse worker --tasks-from benchmarks.queue_scoring`): analyze_store on one
    workspace, as pulse.analyze runs it, without deferring the themes after it (which would share the clock)."""
    from jobs.app import PIPELINE_QUEUE
    from jobs.steps import analyze_store
    from jobs.tasks import retry_strategy, store_engine

    @app.task(name=BENCH_TASK, queue=PIPELINE_QUEUE, retry=retry_strategy(settings))
    def score(workspace: str) -> int:
        return analyze_store(store_engine(settings, workspace), settings).scored


def bench_queue_scoring(texts: int = TEXTS) -> list[Row]:
    server = os.environ.get("PULSE_TEST_POSTGRES_URL")
    if not server:
        raise SystemExit("The queue benchmark needs PostgreSQL: set PULSE_TEST_POSTGRES_URL (.ci/postgres).")
    comments = _comments(texts)
    load_at_start = os.getloadavg()[0]
    rates: dict[str, float] = {}
    # in-process first and last, and the ratios against the mean of both: other work on a shared machine comes
    # and goes within a run
    for phase in ("in-process", "1 worker", "2 workers", "in-process again"):
        with _database(server) as url:
            _fill(url, comments)
            seconds = (
                _in_process(url) if phase.startswith("in-process") else _through_queue(url, int(phase[0]))
            )
        rates[phase] = texts / seconds
    in_process = (rates["in-process"] + rates["in-process again"]) / 2
    rows: list[Row] = [
        ("load average (1 min) at the start: other work on the machine", load_at_start, ""),
        (
            f"in-process, {texts:,} texts in 2 workspaces one after the other (first)",
            rates["in-process"],
            "texts/s",
        ),
        ("in-process (last)", rates["in-process again"], "texts/s"),
    ]
    for phase in ("1 worker", "2 workers"):
        rows.append((f"through the queue, {phase}", rates[phase], "texts/s"))
        rows.append(
            (
                f"through the queue, {phase} / in-process (mean of first and last)",
                rates[phase] / in_process,
                "x",
            )
        )
    rows.append(("load average (1 min) at the end", os.getloadavg()[0], ""))
    return rows


def _comments(count: int) -> list[str]:
    """`count` distinct customer comments: the demo's, numbered past their first use."""
    with (ROOT / "data" / "demo" / "surveys.csv").open(encoding="utf-8") as file:
        base = [row["comment"] for row in csv.DictReader(file) if row["comment"].strip()]
    return [
        base[i % len(base)] + (f" (visit {i // len(base)})" if i >= len(base) else "") for i in range(count)
    ]


@contextmanager
def _database(server: str) -> Iterator[str]:
    import psycopg

    from store.conninfo import postgres_conninfo

    name = f"pulse_queue_bench_{uuid.uuid4().hex[:10]}"
    admin = postgres_conninfo(server.split("?")[0])
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server.split('?')[0].rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "PULSE_DATABASE_URL": url, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}


def _pulse(url: str, *arguments: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "cli", *arguments], cwd=ROOT, env=_env(url), check=True, capture_output=True
    )


def _fill(url: str, comments: list[str]) -> None:
    """A store with the workspaces, half the comments in each, and a few more in a warm-up workspace per worker."""
    _pulse(url, "db", "upgrade")
    _pulse(url, "jobs", "init")
    half = len(comments) // 2
    parts = {WORKSPACES[0]: comments[:half], WORKSPACES[1]: comments[half:]}
    parts |= {
        f"warm-{n}": [f"Warm-up comment {n}.{i}: the staff were lovely." for i in range(WARM_TEXTS)]
        for n in (1, 2)
    }
    with tempfile.TemporaryDirectory() as folder:
        for workspace, texts in parts.items():
            if workspace != "default":
                _pulse(url, "workspaces", "add", workspace)
            path = Path(folder) / f"{workspace}.csv"
            with path.open("w", encoding="utf-8", newline="") as file:
                writer = csv.writer(file)
                writer.writerow(["response_id", "submitted_at", "nps", "comment"])
                for i, text in enumerate(texts):
                    writer.writerow([f"R{i:06d}", f"2026-11-{1 + i % 28:02d}T10:00:00Z", i % 11, text])
            _pulse(url, "--workspace", workspace, "import", str(path))


def _in_process(url: str) -> float:
    from jobs.steps import analyze_store
    from pulse.settings import build_settings
    from store.workspaces import workspace_engine

    os.environ["PULSE_DATABASE_URL"] = url
    settings = build_settings()
    analyze_store(workspace_engine(url, "warm-1"), settings)  # the model, loaded before the clock starts
    engines = [workspace_engine(url, workspace) for workspace in WORKSPACES]
    started = time.perf_counter()
    for engine in engines:
        analyze_store(engine, settings)
    seconds = time.perf_counter() - started
    for engine in engines:
        engine.dispose()
    return seconds


def _through_queue(url: str, workers: int) -> float:
    from jobs.app import build_app
    from jobs.tasks import defer_job
    from pulse.settings import build_settings

    os.environ["PULSE_DATABASE_URL"] = url
    app = build_app(build_settings(), ["benchmarks.queue_scoring"])
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "cli", "worker", "--tasks-from", "benchmarks.queue_scoring"],
            cwd=ROOT,
            env=_env(url),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    try:
        with app.open():
            warm = [defer_job(app, BENCH_TASK, f"warm-{n}") for n in range(1, workers + 1)]
            _wait(app, warm)  # each worker took one and loaded the model (each takes seconds: none takes two)
            started = time.perf_counter()
            _wait(app, [defer_job(app, BENCH_TASK, workspace) for workspace in WORKSPACES])
            return time.perf_counter() - started
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)


def _wait(app: Any, job_ids: list[int | None], timeout: float = 1800) -> None:
    deadline = time.monotonic() + timeout
    pending = {job_id for job_id in job_ids if job_id is not None}
    while pending:
        if time.monotonic() > deadline:
            raise TimeoutError(f"jobs {sorted(pending)} did not finish in {timeout} s")
        for job_id in list(pending):
            status = app.job_manager.get_job_status(job_id).value
            if status == "failed":
                raise RuntimeError(f"job {job_id} failed: see `pulse jobs status`")
            if status == "succeeded":
                pending.discard(job_id)
        time.sleep(0.1)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else TEXTS
    for figure, value, unit in bench_queue_scoring(count):
        print(f"{figure}: {value:,.2f} {unit}")
