"""The job queue on a real PostgreSQL, with real `pulse worker` processes: a deferred job does its work in the
store; jobs of one lock never overlap; a failing job is retried with growing waits, then failed with its error;
a killed worker's job is run again by another worker; the schedules defer collections per source and the
digest per workspace."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from cli.main import main
from jobs.app import build_app, init_queue
from jobs.tasks import ANALYZE, COLLECT, DIGEST, THEMES, defer_job, plan_collections, plan_digests
from pulse.settings import build_settings
from store.conninfo import postgres_conninfo
from tests.queue_tasks import FAIL, HOLD, read_log

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 60  # the longest any one wait below may take before the test fails
FINAL = {"succeeded", "failed", "cancelled", "aborted"}


@pytest.fixture
def queue_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A database of its own for the store and the queue (the server is shared with other work), with short
    heartbeats and retry waits; dropped after the test."""
    server = os.environ.get("PULSE_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("PostgreSQL tests need PULSE_TEST_POSTGRES_URL (see .ci/postgres)")
    name = f"pulse_queue_test_{uuid.uuid4().hex[:12]}"
    admin = postgres_conninfo(server.split("?")[0])
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base = server.split("?")[0].rsplit("/", 1)[0]
    url = f"{base}/{name}"
    for key, value in {
        "PULSE_DATABASE_URL": url,
        "PULSE_TIMEZONE": "Europe/London",
        "PULSE_QUEUE_STALLED_SECONDS": "4",  # heartbeats every 0.67 s, the stalled-job check every 2 s
        "PULSE_QUEUE_RETRY_SECONDS": "2",  # waits of 2 s, then 4 s
        "PULSE_QUEUE_MAX_ATTEMPTS": "3",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("PULSE_QUEUE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"], catch_exceptions=False).exit_code == 0
    result = runner.invoke(main, ["jobs", "init"], catch_exceptions=False)
    assert "Added the job queue's tables" in result.output
    yield url
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def queue(queue_url: str) -> Iterator[object]:
    """The queue as the tests' own process sees it (open), with the test tasks."""
    app = build_app(build_settings(), ["tests.queue_tasks"])
    with app.open():
        yield app


@pytest.fixture
def start_worker(queue_url: str, tmp_path: Path) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    """Start `pulse worker` processes (stopped after the test; their logs are printed when it fails)."""
    workers: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start() -> subprocess.Popen[bytes]:
        log = tmp_path / f"worker-{len(workers)}.log"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "cli", "worker", "--tasks-from", "tests.queue_tasks"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        workers.append((process, log))
        return process

    yield start
    for process, _ in workers:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process, log in workers:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        sys.stderr.write(f"--- {log.name} ---\n{log.read_text(errors='replace')[-3000:]}\n")


def wait_for(condition: Callable[[], object], what: str, timeout: float = WAIT_S) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"Timed out after {timeout} s waiting for {what}")


def status(app: object, job_id: int) -> str:
    return app.job_manager.get_job_status(job_id).value  # type: ignore[attr-defined]


def test_worker__runs_a_deferred_analyze_job_on_the_store(
    queue: object,
    start_worker: Callable[[], subprocess.Popen[bytes]],
    monkeypatch: pytest.MonkeyPatch,
    demo_dir: Path,
) -> None:
    from analysis.pipeline import read_pending
    from store.engine import build_engine

    monkeypatch.setenv("PULSE_DEMO_DIR", str(demo_dir))
    assert CliRunner().invoke(main, ["demo"], catch_exceptions=False).exit_code == 0
    engine = build_engine(os.environ["PULSE_DATABASE_URL"])
    assert read_pending(engine).height == 4  # the small demo's comments, not scored yet
    job_id = defer_job(queue, ANALYZE, "default")  # type: ignore[arg-type]
    assert job_id is not None
    assert defer_job(queue, ANALYZE, "default") is None  # type: ignore[arg-type]  # one waits already
    worker = start_worker()
    wait_for(lambda: status(queue, job_id) in FINAL, "the analyze job")
    assert status(queue, job_id) == "succeeded"
    assert read_pending(engine).is_empty()  # scored by the worker, in the store
    tasks = queue.job_manager.list_jobs(task=THEMES)  # type: ignore[attr-defined]
    assert [job.task_kwargs for job in tasks] == [{"workspace": "default"}]  # themes follow the scoring
    worker.kill()  # rather than wait for the themes job
    engine.dispose()


def test_worker__jobs_with_one_lock_never_overlap(
    queue: object, start_worker: Callable[[], object], tmp_path: Path
) -> None:
    log = tmp_path / "hold.log"
    start_worker()
    start_worker()
    first = defer_job(queue, HOLD, "default", "s1", log=str(log), seconds=3.0)  # type: ignore[arg-type]
    other = defer_job(queue, HOLD, "default", "s2", log=str(log), seconds=0.5)  # type: ignore[arg-type]
    wait_for(lambda: any(row[:2] == ("start", "s1") for row in read_log(log)), "the first s1 job to start")
    second = defer_job(queue, HOLD, "default", "s1", log=str(log), seconds=0.5)  # type: ignore[arg-type]
    assert defer_job(queue, HOLD, "default", "s1", log=str(log), seconds=0.5) is None  # type: ignore[arg-type]
    for job_id in (first, other, second):
        assert job_id is not None
        wait_for(lambda job_id=job_id: status(queue, job_id) in FINAL, f"job {job_id}")
        assert status(queue, job_id) == "succeeded"
    moments = {(event, job_id): (moment, pid) for event, _, job_id, _, pid, moment in read_log(log)}
    # the other lock's job ran beside the first: two workers really took jobs at once...
    assert moments[("start", other)][0] < moments[("end", first)][0]
    assert moments[("start", other)][1] != moments[("start", first)][1]
    # ...while the second job of the first lock waited for the first to end, though a worker was free
    assert moments[("start", second)][0] >= moments[("end", first)][0]


def test_worker__retries_a_failing_job_with_growing_waits_then_fails_it_with_its_error(
    queue: object, start_worker: Callable[[], object]
) -> None:
    failing = defer_job(queue, FAIL, "default", "down")  # type: ignore[arg-type]
    unfixable = defer_job(queue, FAIL, "default", "unset", setting=True)  # type: ignore[arg-type]
    start_worker()
    for job_id in (failing, unfixable):
        assert job_id is not None
        wait_for(lambda job_id=job_id: status(queue, job_id) in FINAL, f"job {job_id}")
        assert status(queue, job_id) == "failed"
    from jobs.status import read_job_errors

    attempts = read_job_errors(queue, failing)  # type: ignore[arg-type]
    assert [(attempt, error) for attempt, _, error in attempts] == [
        (1, "RuntimeError: the source is down"),
        (2, "RuntimeError: the source is down"),
        (3, "RuntimeError: the source is down"),
    ]
    first_wait = (attempts[1][1] - attempts[0][1]).total_seconds()
    second_wait = (attempts[2][1] - attempts[1][1]).total_seconds()
    assert first_wait >= 2 and second_wait >= 4 and second_wait > first_wait  # 2 s, then 2 squared
    # a missing setting is not mended by waiting: failed at once, with its hint
    assert [(a, e) for a, _, e in read_job_errors(queue, unfixable)] == [  # type: ignore[arg-type]
        (1, "PULSE_SMTP_HOST is not set. Hint: Set it to your provider's SMTP server.")
    ]
    output = CliRunner().invoke(main, ["jobs", "status"], catch_exceptions=False).output
    assert f"Failed: job {failing} test.fail(workspace=default, source=down) after 3 attempts: " in output
    assert "RuntimeError: the source is down" in output
    assert "test.fail: 2 failed" in output
    assert "pulse.recover_stalled:" in output  # the worker's scheduler deferred the stalled-job check


def test_worker__a_killed_workers_job_is_run_again_by_another_worker(
    queue: object, start_worker: Callable[[], subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    log = tmp_path / "hold.log"
    doomed = start_worker()
    job_id = defer_job(queue, HOLD, "default", "s1", log=str(log), seconds=120.0, later=0.2)  # type: ignore[arg-type]
    wait_for(lambda: read_log(log), "the job to start")
    survivor = start_worker()
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    assert job_id is not None
    wait_for(lambda: status(queue, job_id) == "succeeded", "the job to be run again and succeed", timeout=45)
    rows = [(event, attempt, pid) for event, _, _, attempt, pid, _ in read_log(log)]
    assert rows == [("start", 0, doomed.pid), ("start", 1, survivor.pid), ("end", 1, survivor.pid)]


def test_schedules__defer_collections_per_source_and_the_digest_per_workspace_on_monday_morning(
    queue: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULSE_APP_STORE_APP_ID", "123")
    monkeypatch.setenv("PULSE_GOOGLE_PLACES_API_KEY", "test-key")
    monkeypatch.setenv("PULSE_GOOGLE_PLACES_PLACE_ID", "place-1")
    monkeypatch.setenv("PULSE_DIGEST_RECIPIENTS", "owner@example.com")
    assert CliRunner().invoke(main, ["workspaces", "add", "bakery"], catch_exceptions=False).exit_code == 0
    settings = build_settings()
    crons = {key[1]: task.cron for key, task in queue.periodic_registry.periodic_tasks.items()}  # type: ignore[attr-defined]
    assert crons["collect"] == "15 */4 * * *" and crons["digest"] == "0 * * * *"

    assert len(plan_collections(queue, settings)) == 4  # type: ignore[arg-type]  # 2 sources, 2 workspaces
    assert plan_collections(queue, settings) == []  # type: ignore[arg-type]  # the first ones still wait
    collects = queue.job_manager.list_jobs(task=COLLECT)  # type: ignore[attr-defined]
    assert sorted(
        (job.task_kwargs["workspace"], job.task_kwargs["source"], job.lock) for job in collects
    ) == [
        ("bakery", "app-store:gb:123", "collect:bakery:app-store:gb:123"),
        ("bakery", "google-places:place-1", "collect:bakery:google-places:place-1"),
        ("default", "app-store:gb:123", "collect:default:app-store:gb:123"),
        ("default", "google-places:place-1", "collect:default:google-places:place-1"),
    ]

    monday_7_london = datetime(2026, 11, 30, 7, 0, tzinfo=UTC).timestamp()  # GMT in winter: 07:00 local
    assert plan_digests(queue, settings, monday_7_london + 3600) == []  # type: ignore[arg-type]  # 08:00
    deferred = plan_digests(queue, settings, monday_7_london)  # type: ignore[arg-type]
    jobs = sorted(queue.job_manager.list_jobs(), key=lambda job: job.id)  # type: ignore[attr-defined]
    planned = [(job.task_name, job.task_kwargs, job.lock) for job in jobs if job.id in deferred]
    assert planned == [
        (task, {"workspace": workspace, **extra}, f"store:{workspace}")
        for workspace in ("default", "bakery")
        for task, extra in (
            (ANALYZE, {}),
            (THEMES, {}),
            (DIGEST, {"week": "2026-11-29"}),
        )  # the week just ended
    ]
    monkeypatch.setenv("PULSE_TIMEZONE", "America/New_York")  # 02:00 there: not yet
    assert plan_digests(queue, build_settings(), monday_7_london) == []  # type: ignore[arg-type]


def test_jobs_init__runs_again_without_change(queue_url: str) -> None:
    result = CliRunner().invoke(main, ["jobs", "init"], catch_exceptions=False)
    assert result.exit_code == 0 and "is ready" in result.output
    app = build_app(build_settings())
    with app.open():
        assert init_queue(app) is False
