"""The batch steps, one code path for the command line (`pulse analyze`, `pulse themes update`, `pulse digest`,
`pulse collect`) and the job queue's tasks (jobs/tasks.py): each takes a workspace's engine and the settings,
and says what it did in a small record that the caller prints or logs. No procrastinate here."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol

from pulse.progress import Progress
from pulse.settings import Settings

if TYPE_CHECKING:
    from analysis.cases_pipeline import CaseTally, FollowUpRun
    from analysis.clv_pipeline import ClvStepResult
    from analysis.ray_pipeline import Scoring
    from analysis.theme_pipeline import ThemeRun
    from collectors.configured import CollectOutcome
    from reports.digest import Digest
    from store.engine import Engine


class AnalyzeListener(Protocol):
    """What `analyze_store` tells as it goes: a progress bar and lines in the CLI, log lines in a worker."""

    def scoring(self, total: int) -> AbstractContextManager[Progress]: ...

    def scored(self, scoring: Scoring | None) -> None: ...

    def fitting(self, orders: int) -> None: ...


class QuietListener:
    def scoring(self, total: int) -> AbstractContextManager[Progress]:
        return _no_progress()

    def scored(self, scoring: Scoring | None) -> None:
        pass

    def fitting(self, orders: int) -> None:
        pass


@contextmanager
def _no_progress() -> Iterator[Progress]:
    yield lambda done, total: None


@dataclass(frozen=True)
class AnalyzeRun:
    """What `pulse analyze` did: texts scored, the customer-value step (None: nothing to fit), how long the
    fit took, the follow-up cases opened (and their notifications) and the cases open and overdue after it."""

    scored: int
    customer_values: ClvStepResult | None
    fit_seconds: float
    follow_up: FollowUpRun
    tally: CaseTally


def analyze_store(engine: Engine, settings: Settings, listener: AnalyzeListener | None = None) -> AnalyzeRun:
    """`pulse analyze`'s steps: score the feedback not scored yet (or by an older scorer; on the Ray cluster at
    PULSE_RAY_ADDRESS when it is set), fit customer value when the orders changed, then open the follow-up cases
    the rules ask for and send their notifications."""
    from analysis.cases_pipeline import open_cases, tally_cases
    from analysis.clv_pipeline import read_clv_pending, refresh_customer_values
    from analysis.pipeline import read_pending
    from analysis.ray_pipeline import score_backlog

    listener = listener or QuietListener()
    pending = read_pending(engine)
    scoring = None
    if not pending.is_empty():
        with listener.scoring(pending.height) as progress:
            scoring = score_backlog(engine, settings.ray_address, settings.ray_workers, progress, pending)
    listener.scored(scoring)
    scored = scoring.scored if scoring is not None else 0
    customer_values, fit_seconds = None, 0.0
    snapshot = read_clv_pending(engine, settings.timezone)
    if snapshot is not None:
        listener.fitting(snapshot.orders)
        started = time.monotonic()
        customer_values = refresh_customer_values(engine, settings.timezone, snapshot)
        fit_seconds = time.monotonic() - started
    follow_up = open_cases(engine, settings)
    return AnalyzeRun(scored, customer_values, fit_seconds, follow_up, tally_cases(engine))


def update_store_themes(
    engine: Engine,
    settings: Settings,
    progress: Progress | None = None,
    model_name: str | None = None,
    refit: bool = False,
) -> ThemeRun:
    """`pulse themes update` (and `fit`, with `refit`): theme the new feedback, refitting when needed."""
    from analysis.theme_pipeline import update_themes
    from analysis.themes.library import load_library

    return update_themes(
        engine,
        refit=refit,
        model_name=model_name or settings.embedding_model,
        progress=progress,
        library=load_library(settings.theme_library),
        business_name=settings.business_name,
    )


def weekly_digest(engine: Engine, settings: Settings, day: date | None = None) -> Digest:
    """`pulse digest`: the week of `day` (default: the latest week with feedback), in words."""
    from analysis.digest_pipeline import read_digest_figures
    from reports.digest import build_digest

    figures = read_digest_figures(engine, settings.timezone, day, settings.min_responses)
    return build_digest(
        figures.weekly,
        figures.themes,
        settings.business_name,
        figures.week,
        figures.impacts,
        figures.by_channel,
        figures.follow_up_week,
        figures.case_outcomes,
    )


@dataclass(frozen=True)
class DigestSent:
    subject: str
    recipients: list[str]
    via: str


def send_weekly_digest(
    engine: Engine, settings: Settings, day: date | None = None, recipients: tuple[str, ...] = ()
) -> DigestSent:
    """`pulse digest --send`: the week's digest emailed to `recipients` (default PULSE_DIGEST_RECIPIENTS)."""
    from reports.mail import build_smtp_server, send_digest

    content = weekly_digest(engine, settings, day)
    sent_to = send_digest(content, settings, recipients)
    return DigestSent(content.subject, sent_to, build_smtp_server(settings).describe())


def live_source_names(settings: Settings) -> list[str]:
    """The configured live sources' names (App Store, Google Places, Reddit), as `pulse collect` runs them."""
    from collectors.configured import configured_collectors

    return list(configured_collectors(settings))


def collect_sources(
    engine: Engine,
    settings: Settings,
    names: list[str] | None = None,
    on_items: Callable[[str, int], None] | None = None,
) -> list[CollectOutcome]:
    """`pulse collect`: run the configured live sources named (all when None), each recorded; one failing does
    not stop the others. An unknown name is an InputError that lists the configured ones."""
    from collectors.configured import configured_collectors, run_collectors
    from pulse.errors import ConfigError, InputError

    available = configured_collectors(settings)
    if not available:
        raise ConfigError(
            "No live source is configured.",
            hint="Set PULSE_APP_STORE_APP_ID, PULSE_GOOGLE_PLACES_API_KEY with PULSE_GOOGLE_PLACES_PLACE_ID, or "
            "Reddit credentials (see the README's Sources section).",
        )
    chosen = list(available.values())
    if names is not None:
        chosen = []
        for name in names:
            matches = [source for key, source in available.items() if key.lower().startswith(name.lower())]
            if not matches:
                raise InputError(
                    f"No configured source is called {name!r}.",
                    hint=f"Configured sources: {', '.join(available)}.",
                )
            chosen += [source for source in matches if source not in chosen]
    return run_collectors(engine, chosen, on_items)
