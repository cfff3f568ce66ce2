"""End to end: every page opened by its address asks only the server it came from, and nothing it asks for fails
(no 404 for `/<page>/_stcore/...`, the tab's icon served locally): a dashboard without the internet works whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import CHROMIUM, PAGES, TABLE, browser_page, serve, settle, watch_requests

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (installed by .ci/run)"),
]


HEADINGS = {  # each page's title (the demo store has no themes: the Themes page says so, without a chart)
    "Pulse": "weekly pulse",
    "Locations": "Locations",
    "Trends": "Trends",
    "Loyalty": "Loyalty",
    "Themes": "Themes",
    "Rollouts": "Automation rollouts",
    "Explorer": "Feedback explorer",
    "Sources": "Sources",
    "Observations": "Observations",
}
# the pages the speed benchmark times (tests.browser.PAGES), and the staff's form with the demo's observations
OPENED = {**PAGES, "Observations": ("/observations", (TABLE,))}


def test_every_page__opened_by_its_address__asks_only_its_server_and_nothing_fails(
    demo_database: str,
) -> None:
    with serve(demo_database) as url, browser_page(1440, 900) as page:
        requests = watch_requests(page, url)
        for name, (path, _shown) in OPENED.items():
            page.goto(f"{url}{path}")
            heading = page.locator("h1", has_text=HEADINGS[name])  # its own page, not the default one
            heading.wait_for(timeout=90_000)
            settle(page)
            page.wait_for_timeout(500)  # the tab's icon comes after the run
            icons = page.evaluate(
                "() => [...document.querySelectorAll('link[rel~=icon]')].map((l) => l.href)"
            )
            assert icons and all(icon.startswith(f"{url}/media/") for icon in icons), (name, icons)
    assert requests.errors == []
    assert requests.elsewhere == []
    assert requests.console == []
