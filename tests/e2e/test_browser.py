"""End to end: `pulse serve` on localhost with the demo store, driven by headless Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.browser import CHROMIUM, open_pulse_page, serve

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (installed by .ci/run)"),
]


def test_pulse_page__renders_figures_and_the_trend_chart_in_a_real_browser(
    demo_database: str, tmp_path: Path
) -> None:
    with serve(demo_database) as url:
        shown = open_pulse_page(url, tmp_path / "pulse.png")
    assert shown["labels"] == ["NPS", "CSAT", "Feedback", "Negative comments", "Impersonal complaints"]
    assert shown["values"][0][0] in "+-" and shown["values"][1].endswith("%")
    assert shown["charts"] == 1
    assert "Support chatbot" in shown["chart_texts"]
    assert (tmp_path / "pulse.png").stat().st_size > 20_000
