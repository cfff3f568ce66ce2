"""Concurrent use and faults: a collector process imports 50,000 survey rows while 20 threads add and edit rollouts,
and an import killed midway. Every committed write must be there afterwards, with no error and no duplicate."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from cli.main import main
from store.engine import reading, writing
from store.feedback import count_feedback
from store.rollouts import Rollout, add_rollout, read_rollouts, update_rollout
from store.runs import read_runs, recorded_run, start_run
from store.schema import runs
from store.sources import ensure_source, read_sources

ROWS = 50_000
THREADS = 20
LEAST_PER_THREAD = 3


def write_survey(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["response_id", "submitted_at", "nps", "comment"])
        start = date(2026, 1, 1)
        for number in range(rows):
            day = start + timedelta(days=number % 300)
            writer.writerow([f"R{number:07d}", f"{day}T10:00:00Z", number % 11, f"Visit {number} was fine."])


def tag_rollouts(engine: Engine, thread: int, importing: subprocess.Popen[bytes], added: list[int]) -> None:
    """Add rollouts until the import has finished (and at least LEAST_PER_THREAD)."""
    count = 0
    while importing.poll() is None or count < LEAST_PER_THREAD:
        rollout = Rollout(f"Change {thread}-{count}", "chatbot", date(2026, 1, 1) + timedelta(days=count))
        rollout_id = add_rollout(engine, rollout, by=f"thread-{thread}")
        update_rollout(engine, rollout_id, {"description": f"edited by {thread}"}, by=f"thread-{thread}")
        count += 1
    added.append(count)


@pytest.mark.slow
def test_import_while_twenty_threads_add_and_edit_rollouts__every_write_is_kept(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    survey = tmp_path / "survey.csv"
    write_survey(survey, ROWS)
    importing = subprocess.Popen(
        [sys.executable, "-c", "from cli.main import main; main()", "import", str(survey)],
        env={**os.environ, "PULSE_DATABASE_URL": database_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    added: list[int] = []
    errors: list[BaseException] = []

    def run(thread: int) -> None:
        try:
            tag_rollouts(engine, thread, importing, added)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    stdout, stderr = importing.communicate(timeout=300)

    assert errors == []
    assert importing.returncode == 0, stderr.decode()
    assert f"{ROWS} new" in stdout.decode()
    assert count_feedback(engine) == ROWS
    stored = read_rollouts(engine)
    assert stored.height == sum(added) >= THREADS * LEAST_PER_THREAD
    assert stored["description"].str.starts_with("edited by ").all()


@pytest.mark.slow
def test_import_killed_midway__keeps_what_was_committed_and_the_rerun_adds_no_duplicates(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    rows = 200_000
    survey = tmp_path / "survey.csv"
    write_survey(survey, rows)
    command = [sys.executable, "-c", "from cli.main import main; main()", "import", str(survey)]
    environment = {**os.environ, "PULSE_DATABASE_URL": database_url}
    importing = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    while (committed := count_feedback(engine)) == 0 and importing.poll() is None:
        time.sleep(0.05)
    importing.kill()  # SIGKILL: no cleanup runs
    importing.communicate(timeout=60)
    assert 0 < count_feedback(engine) < rows, "the import was not stopped midway"
    assert count_feedback(engine) >= committed

    rerun = subprocess.run(command, env=environment, capture_output=True, timeout=600, check=False)

    assert rerun.returncode == 0, rerun.stderr.decode()
    assert count_feedback(engine) == rows


def test_ensure_source__a_second_transaction_creating_the_same_new_source_waits_and_shares_it(
    engine: Engine,
) -> None:
    """The race of two imports of one new survey, made certain: the first has created the source and not
    committed yet when the second asks for it."""
    found: dict[str, int] = {}
    errors: list[BaseException] = []

    def second() -> None:
        try:
            with writing(engine) as connection:
                found["second"] = ensure_source(connection, "Survey: responses.csv", "survey", "csv")
        except BaseException as error:
            errors.append(error)

    with writing(engine) as connection:
        found["first"] = ensure_source(connection, "Survey: responses.csv", "survey", "csv")
        waiting = threading.Thread(target=second)
        waiting.start()
        waiting.join(timeout=1)
        assert waiting.is_alive(), "the second transaction did not wait for the first"
    waiting.join(timeout=60)

    assert errors == []
    assert found["second"] == found["first"]
    assert read_sources(engine)["name"].to_list() == ["Survey: responses.csv"]


@pytest.mark.slow
def test_import__two_imports_of_the_same_new_survey_at_once_both_succeed_and_store_it_once(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    rows = 20_000
    survey = tmp_path / "survey.csv"
    write_survey(survey, rows)
    command = [sys.executable, "-c", "from cli.main import main; main()", "import", str(survey)]
    environment = {**os.environ, "PULSE_DATABASE_URL": database_url}
    importing = [
        subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    errors = [process.communicate(timeout=600)[1].decode() for process in importing]

    for process, stderr in zip(importing, errors, strict=True):
        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr
    assert count_feedback(engine) == rows
    assert read_sources(engine)["name"].to_list() == ["Survey: survey.csv"]


def stored_statuses(engine: Engine) -> list[str]:
    """The runs' statuses as stored (not as read_runs shows them), oldest first."""
    with reading(engine) as connection:
        return list(connection.execute(select(runs.c.status).order_by(runs.c.id)).scalars())


@pytest.mark.slow
def test_import_killed__its_run_is_shown_interrupted_and_the_next_run_marks_it_so(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    survey = tmp_path / "survey.csv"
    write_survey(survey, 200_000)
    command = [sys.executable, "-c", "from cli.main import main; main()", "import", str(survey)]
    environment = {**os.environ, "PULSE_DATABASE_URL": database_url}
    importing = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    while count_feedback(engine) == 0 and importing.poll() is None:  # the run has begun and stored a batch
        time.sleep(0.05)
    importing.kill()  # SIGKILL: the run cannot record its end
    importing.communicate(timeout=60)
    assert stored_statuses(engine) == ["running"], "the import was not stopped midway"

    shown = read_runs(engine).row(0, named=True)
    assert (shown["status"], shown["pid"]) == ("interrupted", importing.pid)
    assert "its process ended" in shown["message"]
    status = CliRunner(env={"PULSE_DATABASE_URL": database_url}).invoke(main, ["db", "status"])
    assert status.exit_code == 0 and "interrupted  collector survey-file:Survey: survey.csv" in status.output

    rerun = subprocess.run(command, env=environment, capture_output=True, timeout=600, check=False)

    assert rerun.returncode == 0, rerun.stderr.decode()
    assert stored_statuses(engine) == ["interrupted", "ok"]


def test_recorded_run__stopped_by_ctrl_c_is_interrupted_and_a_running_run_of_a_live_process_is_kept(
    engine: Engine,
) -> None:
    live = start_run(engine, "collector", "App Store")  # this process's: alive, so never marked
    with pytest.raises(KeyboardInterrupt), recorded_run(engine, "pipeline", "analyze"):
        raise KeyboardInterrupt
    assert stored_statuses(engine) == ["running", "interrupted"]
    assert read_runs(engine).filter(pl.col("id") == live)["status"].to_list() == ["running"]
