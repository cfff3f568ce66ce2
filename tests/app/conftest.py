"""Fixtures of the AppTests: no page's background scoring (dashboard.analysis_job) outlives its test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dashboard import analysis_job


@pytest.fixture(autouse=True)
def _background_scoring_ends_with_its_test() -> Iterator[None]:
    """Wait for the scoring that an import started, so that it neither writes to a store a later test reads
    nor competes with it for the CPU; then forget it."""
    yield
    jobs = list(analysis_job._jobs.values())
    analysis_job._jobs.clear()
    for job in jobs:
        assert job.finished.wait(300), "a page's background scoring still runs after 5 minutes"
