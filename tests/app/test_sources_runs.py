"""The Sources page's recent runs: a run whose process was killed is shown as interrupted, not running."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from store.engine import build_engine
from store.runs import read_runs
from tests.app.pages import run_app

# A collector's process that records its run's start, then is killed before it can record the end.
STARTS_A_RUN = (
    "import sys, time; from store.engine import build_engine; from store.runs import start_run; "
    "start_run(build_engine(sys.argv[1]), 'collector', 'app-store'); print('started', flush=True); time.sleep(600)"
)


def test_sources_page__a_killed_collectors_run_is_shown_interrupted(
    empty_store_url: str, use_database
) -> None:  # type: ignore[no-untyped-def]
    collecting = subprocess.Popen(
        [sys.executable, "-c", STARTS_A_RUN, empty_store_url], stdout=subprocess.PIPE, env=dict(os.environ)
    )
    assert collecting.stdout is not None and collecting.stdout.readline() == b"started\n"
    collecting.kill()
    collecting.wait(timeout=60)
    engine = build_engine(empty_store_url)
    deadline = time.monotonic() + 10
    while read_runs(engine)["status"][0] != "interrupted" and time.monotonic() < deadline:
        time.sleep(0.05)  # until the killed process is reaped
    engine.dispose()

    use_database(empty_store_url)
    app = run_app("app_pages/sources.py")

    runs = next(frame.value for frame in app.dataframe if "status" in frame.value.columns)
    assert runs[["name", "status"]].values.tolist() == [["app-store", "interrupted"]]
    assert "its process ended" in runs["message"][0]
