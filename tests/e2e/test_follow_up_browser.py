"""End to end, in headless Chromium: a new user follows a detractor's case from the Pulse page to "resolved"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from store.cases import read_case_events, read_cases
from store.engine import build_engine
from tests.browser import CHROMIUM, browser_page, serve, settle, wait_for_chart
from tests.cases import demo_copy_with_cases

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (installed by .ci/run)"),
]


def test_follow_up__from_a_quote_on_the_pulse_page_to_resolved(demo_database: str, tmp_path: Path) -> None:
    url, _ = demo_copy_with_cases(demo_database, tmp_path)
    engine = build_engine(url)
    statuses = dict(zip(*read_cases(engine).select("id", "status").get_columns(), strict=True))
    engine.dispose()
    with serve(url) as address, browser_page() as page:
        page.goto(address)
        wait_for_chart(page)
        expect(
            page.get_by_role("link", name=re.compile(r"Follow-up: [\d,]+ open cases, [\d,]+ overdue"))
        ).to_be_visible()
        quoted = page.get_by_role("link", name="Follow-up case")
        quoted.first.wait_for(timeout=30_000)
        shown = [int(re.findall(r"Follow-up case (\d+)", text)[0]) for text in quoted.all_inner_texts()]
        waiting = [case_id for case_id in shown if statuses[case_id] in ("new", "assigned")]
        assert waiting, f"no quoted case waits for contact: {[(c, statuses[c]) for c in shown]}"
        case_id = waiting[0]
        quoted.nth(shown.index(case_id)).click()
        page.get_by_role("heading", name=f"Case {case_id}:").wait_for(timeout=90_000)
        settle(page)
        assert page.url.endswith(f"/follow-up?case={case_id}")
        actions = page.locator(f".st-key-follow_up__actions_{case_id}")
        actions.get_by_role("button", name="Mark contacted").click()
        page.get_by_text(f"Case {case_id}: Contacted.").wait_for(timeout=90_000)
        settle(page)
        actions.get_by_role("button", name="Mark resolved").click()
        page.get_by_text(f"Case {case_id}: Resolved.").wait_for(timeout=90_000)
        settle(page)
        expect(page.get_by_text("Resolved (was Contacted)")).to_be_attached()  # the history (a drawn table)
        assert page.url.endswith(f"/follow-up?case={case_id}")  # still this case's link
    engine = build_engine(url)
    stored = read_cases(engine, case_ids=[case_id]).row(0, named=True)
    events = read_case_events(engine, case_id)
    engine.dispose()
    assert stored["status"] == "resolved" and stored["first_contact_at"] is not None
    assert events["after"].to_list()[-2:] == ["contacted", "resolved"]
    assert events["by"].to_list()[-2:] == ["dashboard", "dashboard"]  # open access
