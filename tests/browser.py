"""Serve the dashboard and drive it with headless Chromium (Debian's package, no browser download): the
end-to-end tests and the page benchmarks (benchmarks/run.py, screenshot.py, pulse_page_1m.py) use these."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(database_url: str, seconds: float = 90) -> Iterator[str]:
    """`pulse serve` on a free localhost port for `database_url`; yields the base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", str(port)],
        env={**os.environ, "PULSE_DATABASE_URL": database_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://localhost:{port}"
    try:
        _wait_until_healthy(url, process, seconds)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"pulse serve exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {seconds} s")


@contextmanager
def browser_page(width: int = 1600, height: int = 1650) -> Iterator[Any]:
    """A page of headless Chromium (a playwright Page)."""
    with chromium() as browser:
        yield browser.new_page(viewport={"width": width, "height": height})


CHART = ".js-plotly-plot .main-svg"  # a Plotly chart, drawn
TABLE = '[data-testid="stDataFrame"] canvas[data-testid="data-grid-canvas"]'  # a table, drawn
# Each page: its address after the server's root, and what shows its main content (all of them visible).
PAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "Pulse": ("/", (CHART,)),
    "Trends": ("/trends", (CHART,)),
    "Loyalty": ("/loyalty", (CHART,)),
    "Locations": ("/locations", ("text=there is nothing to compare",)),  # the demo has one location
    "Themes": ("/themes", (CHART,)),
    "Rollouts": ("/rollouts", (TABLE, "text=Did it change how customers feel?")),
    "Explorer": ("/explorer", (TABLE,)),
    "Sources": ("/sources", (TABLE,)),
}


@contextmanager
def chromium() -> Iterator[Any]:
    """Headless Chromium (a playwright Browser): each new_context() has its own, empty cache."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_page(page: Any, url: str, name: str) -> float:
    """Go to the page called `name` (one of PAGES) by its address; return the seconds from the navigation's
    start until the page's main content shows."""
    path, shown = PAGES[name]
    started = time.perf_counter()
    page.goto(f"{url}{path}", wait_until="commit")
    for selector in shown:
        page.locator(selector).first.wait_for(timeout=90_000)
    return time.perf_counter() - started


def wait_for_chart(page: Any) -> None:
    page.wait_for_selector(CHART, timeout=90_000)


def save_screenshot(page: Any, path: Path) -> None:
    page.wait_for_timeout(1500)  # let the chart finish its transition
    page.screenshot(path=str(path), full_page=True)


def chart_texts(page: Any) -> list[str]:
    """The texts drawn in the page's charts: axis titles, tick labels, the rollouts' labels."""
    return [text.strip() for text in page.locator(".js-plotly-plot text").all_text_contents()]


def open_pulse_page(url: str, screenshot: Path | None = None) -> dict[str, Any]:
    """Load the Pulse page; return its KPI labels and values, chart count, chart texts, the answer to the owner's
    question, the sentence that says what the cards compare, and the load's seconds."""
    with browser_page() as page:
        started = time.perf_counter()
        page.goto(url)
        wait_for_chart(page)
        page.wait_for_selector('[data-testid="stMetricValue"]', timeout=30_000)
        shown = {
            "seconds": time.perf_counter() - started,
            "labels": [
                text.strip() for text in page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
            ],
            "values": page.locator('[data-testid="stMetricValue"]').all_inner_texts(),
            "charts": page.locator(".js-plotly-plot").count(),
            "chart_texts": chart_texts(page),
            "answer": page.get_by_text("Is automation making customers feel it?").locator("..").inner_text(),
            "comparison": page.get_by_text("NPS and the shares change in points").inner_text(),
        }
        if screenshot:
            save_screenshot(page, screenshot)
    return shown


def open_trends_page(page: Any, url: str, query: str = "") -> list[str]:
    """Go to the Trends page (with a query string such as "?channel=online"); return its chart's texts."""
    page.goto(f"{url}/trends{query}")
    page.get_by_role("heading", name="Trends").wait_for(timeout=90_000)
    wait_for_chart(page)
    return chart_texts(page)


def open_rollouts_page(page: Any, url: str) -> None:
    page.goto(f"{url}/rollouts")
    page.get_by_text("Did it change how customers feel?").wait_for(timeout=90_000)


def add_rollout(page: Any, url: str, name: str, started_on: str, channel: str, kind: str = "Chatbot") -> None:
    """Tag a rollout with the Rollouts page's form (`started_on` as YYYY/MM/DD; `channel` picked when the
    picker offers it, else typed as a new one; `kind` as the form shows it), as a person would."""
    open_rollouts_page(page, url)
    settle(page)
    history = page.get_by_text("Change history (")
    before = history.inner_text()
    form = page.locator(".st-key-rollouts__add")  # the editor's form below has the same fields
    fill_in(page, form.get_by_label("Name", exact=True), name)
    choose_within(page, form, "Kind", kind)
    form.get_by_label("Started on", exact=True).get_by_role("spinbutton").first.click()
    page.keyboard.type(started_on.replace("/", ""))  # the date's segments, year first, advance as typed
    page.keyboard.press("Tab")
    settle(page)
    choose_channel(page, form, channel)
    fill_in(page, form.get_by_label("Your name"), "Browser test")
    form.get_by_role("button", name="Add rollout").click()
    page.wait_for_function(  # the page reran with the new rollout in its history
        "before => !document.body.innerText.includes(before)", arg=before, timeout=90_000
    )


def fill_in(page: Any, box: Any, text: str) -> None:
    """Type `text` into a text box and leave it, as a person would, then wait for the app's run."""
    box.fill(text)
    box.blur()
    settle(page)


def choose_channel(page: Any, form: Any, channel: str) -> None:
    """Pick `channel` in a rollout form's channel picker, or, when it offers no such channel, pick a new one
    and type its name."""
    box = form.get_by_role("combobox", name="Channel it affects", exact=True)
    box.click()
    page.wait_for_timeout(300)
    offered = page.get_by_role("option", name=channel, exact=True).count() > 0
    box.press("Escape")
    choose_within(page, form, "Channel it affects", channel if offered else "A new channel…")
    if not offered:
        fill_in(page, form.get_by_label("New channel", exact=True), channel)


def rollout_hover(page: Any, name: str) -> str:
    """Point at a rollout's marker on the page's chart and return the hover text that Plotly shows."""
    label = page.locator(".js-plotly-plot text", has_text=name).first
    box = label.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] + 9)  # the marker, under its label
    hover = page.locator(".js-plotly-plot .hoverlayer .hovertext").first
    hover.wait_for(timeout=10_000)
    return str(hover.text_content())


def settle(page: Any) -> None:
    """Wait until the app's run after the last click or keystroke is over (Streamlit marks its root element)."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=90_000)


def choose(page: Any, label: str, option: str) -> None:
    """Pick `option` in the select box labelled `label`, as a person would, and wait for the app's run."""
    choose_within(page, page, label, option)


def choose_within(page: Any, scope: Any, label: str, option: str) -> None:
    """choose, for the select box labelled `label` inside `scope` (a locator: one form of several)."""
    box = scope.get_by_role("combobox", name=label, exact=True)
    box.click()
    wanted = page.get_by_role("option", name=option, exact=True)
    page.wait_for_timeout(300)
    if not wanted.is_visible():  # an empty box opens its list on the arrow key
        box.press("ArrowDown")
    wanted.click()
    settle(page)


def shown_choice(page: Any, label: str) -> str:
    """What the select box labelled `label` shows."""
    return str(page.get_by_role("combobox", name=label, exact=True).input_value())


def open_themes_page(page: Any, url: str) -> None:
    page.goto(f"{url}/themes")
    page.get_by_role("heading", name="Edit themes").wait_for(timeout=90_000)
    settle(page)


@dataclass
class PageRequests:
    """What the browser asked for that went wrong or left the server: responses of 400 or more, failed requests,
    requests to any other host, and the console's errors."""

    server: str
    errors: list[str] = field(default_factory=list)  # "404 http://localhost:8501/trends/_stcore/health"
    elsewhere: list[str] = field(default_factory=list)  # URLs of requests to any other host
    console: list[str] = field(default_factory=list)

    def on_request(self, request: Any) -> None:
        scheme, host = urlsplit(request.url)[:2]
        if scheme not in ("data", "blob") and host != urlsplit(self.server).netloc:
            self.elsewhere.append(request.url)

    def on_response(self, response: Any) -> None:
        if response.status >= 400:
            self.errors.append(f"{response.status} {response.url}")

    def on_failed(self, request: Any) -> None:
        self.errors.append(f"{request.failure} {request.url}")

    def on_console(self, message: Any) -> None:
        if message.type == "error":
            self.console.append(message.text)


def watch_requests(page: Any, server: str) -> PageRequests:
    """Record what `page` asks for that fails or goes to a host other than `server` (its base URL)."""
    watched = PageRequests(server)
    page.on("request", watched.on_request)
    page.on("response", watched.on_response)
    page.on("requestfailed", watched.on_failed)
    page.on("console", watched.on_console)
    return watched


# In the page: when the click on an option happened, when the app's run that it started was over, and when its
# charts last changed (performance.now(), milliseconds).
WATCH_CHANGE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const change = window.__pulseChange = {click: null, running: null, done: null, drawn: null};
  document.addEventListener('pointerdown', () => { change.click ??= performance.now(); }, {capture: true, once: true});
  new MutationObserver(() => {
    const state = app.getAttribute('data-test-script-state');
    if (state === 'running') change.running ??= performance.now();
    else if (state === 'notRunning' && change.running !== null) change.done ??= performance.now();
  }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
  new MutationObserver((records) => {
    if (change.click !== null && records.some((r) => (r.target.closest ? r.target : r.target.parentElement)?.closest('.js-plotly-plot')))
      change.drawn = performance.now();
  }).observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
}"""
CHANGE_OVER = """() => {
  const change = window.__pulseChange;
  return change.done !== null && performance.now() - Math.max(change.done, change.drawn ?? 0) > 500;
}"""


def timed_choice(page: Any, label: str, option: str) -> float:
    """Pick `option` in the select box labelled `label`, as choose() does; return the seconds from the click on
    the option until the app's run is over and the page's charts are drawn again (no change in them for 0.5 s
    after both)."""
    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    wanted = page.get_by_role("option", name=option, exact=True)
    page.wait_for_timeout(300)
    if not wanted.is_visible():  # an empty box opens its list on the arrow key
        box.press("ArrowDown")
    wanted.wait_for(timeout=10_000)
    page.evaluate(WATCH_CHANGE)
    wanted.click()
    page.wait_for_function(CHANGE_OVER, timeout=90_000, polling=100)
    change = page.evaluate("() => window.__pulseChange")
    return float(max(change["done"], change["drawn"] or 0) - change["click"]) / 1000
