"""End to end: `pulse serve` on localhost with the demo store, driven by headless Chromium."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.browser import (
    CHROMIUM,
    add_rollout,
    browser_page,
    open_pulse_page,
    open_trends_page,
    rollout_hover,
    save_screenshot,
    serve,
    settle,
)

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
    # the owner's question answered first, then what the cards compare
    assert shown["answer"].startswith(
        "Is automation making customers feel it? Yes: since 'Support chatbot' (13 Apr 2026), complaints of "
        "impersonal service rose from 1 to 21 per 100 (clear)."
    )
    assert shown["comparison"].startswith("The 4 weeks of 26 Oct – 22 Nov 2026, against the 4 before")
    # reviews give stars; the demo's online survey asks CES
    assert shown["labels"] == [
        "NPS", "CSAT", "Stars", "Feedback", "Negative comments", "Felt impersonal", "CES: easy",
        "Repeat customers",
    ]  # fmt: skip
    assert shown["values"][0][0] in "+-" and shown["values"][1].endswith("%")
    assert shown["charts"] == 1
    assert "Support chatbot" in shown["chart_texts"] and "Impersonal /100" in shown["chart_texts"]
    assert (tmp_path / "pulse.png").stat().st_size > 20_000


def test_pulse_page__the_rollouts_channel_is_one_click_away(demo_database: str) -> None:
    with serve(demo_database) as url, browser_page() as page:
        page.goto(url)
        page.get_by_role("button", name="See online only").click()
        page.wait_for_url("**channel=online*", timeout=30_000)
        settle(page)
        assert page.get_by_role("combobox", name="Channel").input_value() == "online"
        assert "(online)" in page.get_by_text("NPS and the shares change in points").inner_text()


def test_trends_page__a_rollout_tagged_in_the_browser_appears_on_the_chart_with_its_verdict(
    demo_database: str, tmp_path: Path
) -> None:
    copy = tmp_path / "pulse.db"
    shutil.copy(demo_database.removeprefix("sqlite:///"), copy)
    with serve(f"sqlite:///{copy}") as url, browser_page() as page:
        before = open_trends_page(page, url)
        assert "Support chatbot" in before and "Order screens" not in before
        add_rollout(page, url, "Order screens", started_on="2026/06/01", channel="in-store")
        after = open_trends_page(page, url)
        save_screenshot(page, tmp_path / "trends.png")
        hover = rollout_hover(page, "Order screens")
    assert "Order screens" in after
    assert "After 'Order screens' (in-store, " in hover  # its verdict, judged when it was tagged
    assert (tmp_path / "trends.png").stat().st_size > 50_000


def test_filters__a_link_keeps_them_across_page_switches_and_a_change_writes_the_link(
    demo_database: str,
) -> None:
    with serve(demo_database) as url, browser_page() as page:
        open_trends_page(page, url, "?channel=online&from=2026-01-05")
        channel = page.get_by_role("combobox", name="Channel")
        assert channel.input_value() == "online"
        page.locator('[data-testid="stSidebar"]').get_by_role("link", name="Pulse").click()
        page.wait_for_selector('[data-testid="stMetricValue"]', timeout=90_000)
        page.wait_for_url("**/?*channel=online*", timeout=30_000)
        assert "from=2026-01-05" in page.url
        channel.click()
        page.get_by_role("option", name="in-store").click()
        page.wait_for_url("**channel=in-store*", timeout=30_000)
        page.reload()
        page.wait_for_selector('[data-testid="stMetricValue"]', timeout=90_000)
        assert channel.input_value() == "in-store"
