"""Every page's load in headless Chromium at 1440x900, on the demo store served by `pulse serve`: the time from
the navigation's start until the page's main content shows (the chart of Pulse, Trends and Themes; the table of
Rollouts, Explorer and Sources, with the rollouts' verdicts), and a channel change in the Pulse page's sidebar
(until the app's run is over and the chart is drawn again). Issue 22's targets: Pulse under 2 s, the other
pages under 2.5 s, a filter change under 0.5 s.

    python -m benchmarks.run page_loads              (appends to benchmarks/RESULTS.md)
    python -m benchmarks.page_loads [URL]            (prints; URL: a server already running, such as an older
                                                      checkout's `pulse serve`, for a before-and-after pair)

Each page is opened first right after the server starts (its data caches cold, a new browser profile), then
RUNS times in a new browser profile (cold browser cache: Streamlit's and Plotly's JavaScript fetched and
compiled) followed each time by a second visit in the same profile (warm browser cache: what a returning owner
sees). The demo store is built once (about 1 to 2 minutes: scoring and themes), or copied from
PULSE_BENCH_DEMO_STORE (a store that an earlier run built, path of its file) when that is set."""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.run import Row

RUNS = 3
WIDTH, HEIGHT = 1440, 900
CHANGES = ("online", "in-store", "All channels")  # the Pulse page's channel, picked in turn, twice


def bench_page_loads() -> list[Row]:
    from tests.browser import CHROMIUM, serve

    if not Path(CHROMIUM).exists():
        return []
    load = os.getloadavg()[0]
    with demo_store() as url, serve(url) as served:
        rows = measure(served)
    return [*rows, ("load average (1 min) at the start, of this shared machine", load, "")]


@contextmanager
def demo_store() -> Iterator[str]:
    """The URL of a SQLite store with the demo loaded, scored and themed (a copy of PULSE_BENCH_DEMO_STORE, when
    set), migrated to the current schema."""
    from benchmarks.run import fresh_store, load_demo

    given = os.environ.get("PULSE_BENCH_DEMO_STORE")
    if given:
        with tempfile.TemporaryDirectory() as folder:
            copy = Path(folder) / "pulse.db"
            shutil.copyfile(given, copy)
            yield migrated(f"sqlite:///{copy}")
        return
    with fresh_store() as (url, engine):
        from analysis.pipeline import score_new_feedback
        from analysis.theme_pipeline import update_themes
        from analysis.themes.library import load_library
        from pulse.settings import build_settings
        from store.daily_counts import refresh_daily_counts

        settings = build_settings()
        refresh_daily_counts(engine, settings.timezone)  # as `pulse db upgrade` does: the pages read them
        load_demo(engine)
        score_new_feedback(engine)
        update_themes(
            engine, library=load_library(settings.theme_library), business_name=settings.business_name
        )
        yield url


def migrated(url: str) -> str:
    from store.engine import build_engine
    from store.migrate import upgrade

    engine = build_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def measure(url: str, runs: int = RUNS) -> list[Row]:
    """The rows of this benchmark, measured on the dashboard served at `url` (just started: its first loads are
    measured as such)."""
    from tests.browser import PAGES, chromium, open_page, timed_choice

    first: dict[str, float] = {}
    cold: dict[str, list[float]] = {name: [] for name in PAGES}
    warm: dict[str, list[float]] = {name: [] for name in PAGES}
    changes = []
    with chromium() as browser:
        for name in PAGES:  # each page's first visit after the start: the server's caches for it are cold
            with new_page(browser) as page:
                first[name] = open_page(page, url, name)
        for _ in range(runs):
            for name in PAGES:
                with new_page(browser) as page:
                    cold[name].append(open_page(page, url, name))
                    warm[name].append(open_page(page, url, name))
        with new_page(browser) as page:
            open_page(page, url, "Pulse")
            for channel in CHANGES * 2:
                changes.append(timed_choice(page, "Channel", channel))
    rows: list[Row] = []
    for name in PAGES:
        rows += [
            (f"{name} page, first visit after the server starts (cold browser cache)", first[name], "s"),
            (f"{name} page, cold browser cache (median of {runs})", statistics.median(cold[name]), "s"),
            (f"{name} page, warm browser cache (median of {runs})", statistics.median(warm[name]), "s"),
        ]
    half = len(CHANGES)
    rows += [
        (
            f"Pulse page, channel change, first time each channel (median of {half})",
            statistics.median(changes[:half]),
            "s",
        ),
        (
            f"Pulse page, channel change, again (median of {len(changes) - half})",
            statistics.median(changes[half:]),
            "s",
        ),
    ]
    return rows


@contextmanager
def new_page(browser: object) -> Iterator[object]:
    """A page in a new browser profile (its own empty cache), 1440x900."""
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})  # type: ignore[attr-defined]
    try:
        yield context.new_page()
    finally:
        context.close()


if __name__ == "__main__":
    measured = measure(sys.argv[1].rstrip("/")) if len(sys.argv) > 1 else bench_page_loads()
    print(f"load average at the end: {os.getloadavg()}")
    for figure, value, unit in measured:
        print(f"{figure}: {value:.3f} {unit}")
