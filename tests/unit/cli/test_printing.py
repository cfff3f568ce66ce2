"""What the commands print beyond a sentence: here, the progress bar of `pulse score` and `pulse analyze`."""

from __future__ import annotations

import itertools
import re

import pytest
from click import _termui_impl

from pulse.progress import rate_progress


def test_rate_progress__shows_the_share_done_the_rate_and_the_time_left(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = itertools.count(1_000.0, 5.0)  # click's clock: 5 s between its readings
    monkeypatch.setattr(_termui_impl, "isatty", lambda _file: True)  # draw as on a terminal
    monkeypatch.setattr(_termui_impl.time, "time", lambda: next(clock))

    with rate_progress(1_000, "Scoring texts", "texts") as progress:
        progress(250, 1_000)
        progress(500, 1_000)

    drawn = capsys.readouterr().err.replace("\r", "\n").splitlines()
    halfway = next(line for line in drawn if "50%" in line)
    assert halfway.startswith("Scoring texts")
    assert re.search(r"\d\d:\d\d:\d\d", halfway)  # the time left
    assert re.search(r"[\d,.]+ texts/s", halfway)  # the rate
