"""End to end, in headless Chromium: the editors act on the item picked, by its id, after a rename too, and the
names people type show as typed, never as HTML or Markdown."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from analysis.quotes import shorten
from analysis.theme_pipeline import fit_themes
from dashboard.charts import ROLLOUT_LABEL_CHARS
from store.engine import build_engine
from store.rollouts import Rollout, read_rollout_changes, read_rollouts
from store.rollouts import add_rollout as store_rollout
from store.topics import read_topics
from tests.browser import (
    CHROMIUM,
    add_rollout,
    browser_page,
    chart_texts,
    choose,
    fill_in,
    open_rollouts_page,
    open_themes_page,
    open_trends_page,
    serve,
    settle,
    shown_choice,
    wait_for_chart,
)
from tests.stores import upgrade_as_pulse_db_upgrade_does
from tests.theme_data import TEST_LIBRARY, TEST_MODEL, seed_themed_store, use_hash_encoders

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (installed by .ci/run)"),
]
TYPED = '<b>Bold</b> <a href="https://x.example">link</a> *star* [x](y)'
LABEL = shorten(TYPED, ROLLOUT_LABEL_CHARS)  # '<b>Bold</b>…' on the charts


@pytest.fixture(autouse=True)
def _hash_encoders(monkeypatch: pytest.MonkeyPatch) -> None:
    use_hash_encoders(monkeypatch)


def demo_copy(demo_database: str, tmp_path: Path) -> str:
    copy = tmp_path / "pulse.db"
    shutil.copy(demo_database.removeprefix("sqlite:///"), copy)
    return f"sqlite:///{copy}"


def test_rollouts_page__a_renamed_rollout_stays_picked_and_is_the_one_deleted(
    demo_database: str, tmp_path: Path
) -> None:
    url = demo_copy(demo_database, tmp_path)
    engine = build_engine(url)
    before = read_rollouts(engine)
    chatbot = before.filter(name="Support chatbot")["id"][0]
    with serve(url) as address, browser_page() as page:
        open_rollouts_page(page, address)
        settle(page)
        choose(page, "Rollout", "Support chatbot (from 13 Apr 2026)")  # the third: not the first
        picker = page.get_by_role("combobox", name="Rollout", exact=True)
        save = page.get_by_role("button", name="Save changes")
        form = page.locator(f".st-key-rollouts__edit_{chatbot}")
        fill_in(page, form.get_by_label("Name", exact=True), "Chatbot, renamed")
        save.click()
        expect(picker).to_have_value(
            "Chatbot, renamed (from 13 Apr 2026)", timeout=90_000
        )  # not the old label
        expect(page.get_by_text("Saved rollout 'Chatbot, renamed'")).to_be_visible()
        settle(page)
        confirm = page.get_by_test_id("stCheckbox").filter(has_text="Yes, delete")
        confirm.click()  # a click, and so a run, with the picker as the browser shows it
        settle(page)
        assert confirm.inner_text().strip() == "Yes, delete 'Chatbot, renamed (from 13 Apr 2026)'"
        assert shown_choice(page, "Rollout") == "Chatbot, renamed (from 13 Apr 2026)"
        page.get_by_role("button", name="Delete rollout").click()
        page.get_by_text("Deleted 'Chatbot, renamed (from 13 Apr 2026)'").wait_for(timeout=90_000)
    after = read_rollouts(engine)
    engine.dispose()
    assert after["id"].to_list() == [rollout for rollout in before["id"].to_list() if rollout != chatbot]
    assert "Support chatbot" not in after["name"].to_list() and after.height == before.height - 1


@pytest.fixture
def one_rollout(tmp_path: Path) -> str:
    """A store with one rollout on its timeline (so that the page has a history) and no feedback (so that
    each change is judged at once)."""
    url = f"sqlite:///{tmp_path / 'rollouts.db'}"
    engine = build_engine(url)
    upgrade_as_pulse_db_upgrade_does(engine)
    store_rollout(engine, Rollout("Self-service kiosk", "kiosk", date(2026, 1, 12)), by="sam")
    engine.dispose()
    return url


def test_rollouts_page__a_rollout_added_renamed_then_deleted_shows_each_step_on_the_page_and_in_the_store(
    one_rollout: str,
) -> None:
    engine = build_engine(one_rollout)
    with serve(one_rollout) as address, browser_page() as page:
        add_rollout(page, address, "Order screens", started_on="2026/06/01", channel="online", kind="Kiosk")
        expect(page.get_by_text("Added 'Order screens' to the timeline.")).to_be_visible()
        expect(page.get_by_text("Order screens · from 1 Jun 2026")).to_be_visible()  # its card
        added = read_rollouts(engine).filter(name="Order screens").row(0, named=True)
        assert (added["kind"], added["channel"], added["created_by"]) == ("kiosk", "online", "Browser test")
        rollout_id = added["id"]
        assert read_rollout_changes(engine).row(0)[:3] == (rollout_id, "added", "Browser test")

        choose(page, "Rollout", "Order screens (from 1 Jun 2026)")
        form = page.locator(f".st-key-rollouts__edit_{rollout_id}")
        fill_in(page, form.get_by_label("Name", exact=True), "Screens at the door")
        fill_in(page, page.locator(".st-key-rollouts__editor").get_by_label("Your name"), "Browser test")
        form.get_by_role("button", name="Save changes").click()
        expect(  # Streamlit's Markdown draws the -> of store.rollouts.describe_change as an arrow
            page.get_by_text(
                f"Saved rollout 'Screens at the door' (id {rollout_id}): name: Order screens → Screens at the door."
            )
        ).to_be_visible(timeout=90_000)
        settle(page)
        assert shown_choice(page, "Rollout") == "Screens at the door (from 1 Jun 2026)"
        expect(page.get_by_text("Screens at the door · from 1 Jun 2026")).to_be_visible()
        assert read_rollouts(engine).filter(id=rollout_id)["name"].to_list() == ["Screens at the door"]
        edited = read_rollout_changes(engine).row(0, named=True)
        assert (edited["rollout_id"], edited["action"], edited["changed_by"], edited["what"]) == (
            rollout_id,
            "edited",
            "Browser test",
            "name: Order screens -> Screens at the door",
        )

        page.get_by_test_id("stCheckbox").filter(has_text="Yes, delete").click()
        settle(page)
        page.get_by_role("button", name="Delete rollout").click()
        expect(
            page.get_by_text(
                f"Deleted 'Screens at the door (from 1 Jun 2026)' (id {rollout_id}); its history is kept."
            )
        ).to_be_visible(timeout=90_000)
        settle(page)
        assert shown_choice(page, "Rollout") == ""  # nothing picked: not silently another rollout
        expect(page.get_by_text("Screens at the door · from 1 Jun 2026")).to_have_count(0)
        expect(page.get_by_text("Change history (4)")).to_be_visible()
        assert read_rollouts(engine)["name"].to_list() == ["Self-service kiosk"]
        deleted = read_rollout_changes(engine).row(0, named=True)
        assert (deleted["rollout_id"], deleted["action"], deleted["changed_by"], deleted["what"]) == (
            rollout_id,
            "deleted",
            "Browser test",
            "Screens at the door",
        )
    engine.dispose()


@pytest.fixture
def themed_store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'themes.db'}"
    engine = build_engine(url)
    upgrade_as_pulse_db_upgrade_does(engine)
    seed_themed_store(engine, per_cluster=30)
    fit_themes(engine, TEST_MODEL, library=TEST_LIBRARY)
    engine.dispose()
    return url


def test_themes_page__renaming_one_theme_then_another_renames_each_with_what_was_typed(
    themed_store: str,
) -> None:
    engine = build_engine(themed_store)
    topics = read_topics(engine).to_dicts()
    first, second = topics[0], topics[1]
    with serve(themed_store) as address, browser_page() as page:
        open_themes_page(page, address)
        choose(page, "Theme", f"{first['label']} ({first['size']})")
        page.get_by_label("New name").fill("Bread")
        page.get_by_role("button", name="Rename").click()
        picker = page.get_by_role("combobox", name="Theme", exact=True)
        expect(picker).to_have_value(f"Bread ({first['size']})", timeout=90_000)  # not the old label
        expect(
            page.get_by_text(f"Renamed theme '{first['label']}' (id {first['id']}) to 'Bread'.")
        ).to_be_visible()
        settle(page)
        choose(page, "Theme", f"{second['label']} ({second['size']})")
        assert page.get_by_label("New name").input_value() == second["label"]  # not the text typed before
        page.get_by_label("New name").fill("Coffee")
        page.get_by_role("button", name="Rename").click()
        expect(picker).to_have_value(f"Coffee ({second['size']})", timeout=90_000)
    names = {row["id"]: row["custom_name"] for row in read_topics(engine).to_dicts()}
    engine.dispose()
    assert names == {**{row["id"]: None for row in topics}, first["id"]: "Bread", second["id"]: "Coffee"}


def test_rollout_name__shows_as_typed_on_the_charts_and_the_rollouts_page(
    demo_database: str, tmp_path: Path
) -> None:
    url = demo_copy(demo_database, tmp_path)
    with serve(url) as address, browser_page() as page:
        add_rollout(page, address, TYPED, started_on="2026/06/01", channel="online")
        settle(page)
        assert page.locator('a[href*="x.example"]').count() == 0
        shown = page.locator("body").inner_text().replace("\u2060", "")  # an invisible word joiner: no link
        assert TYPED in shown  # the flash and the rollout's verdict heading
        trends = open_trends_page(page, address)
        assert LABEL in trends  # the chart's label, shortened, as typed: not bold, not a link
        assert page.locator(".js-plotly-plot a").count() == 0
        page.goto(address)
        wait_for_chart(page)
        assert LABEL in chart_texts(page)
        assert page.locator(".js-plotly-plot a").count() == 0
