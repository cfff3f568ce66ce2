"""Serve the dashboard and drive it with headless Chromium (Debian's package, no browser download)."""

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
from pathlib import Path
from typing import Any

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
        [sys.executable, "-m", "pulse.cli", "serve", "--port", str(port)],
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


def open_pulse_page(url: str, screenshot: Path | None = None) -> dict[str, Any]:
    """Load the Pulse page; return its KPI labels and values, chart count, chart texts and load seconds."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1650})
        started = time.perf_counter()
        page.goto(url)
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=90_000)
        page.wait_for_selector('[data-testid="stMetricValue"]', timeout=30_000)
        shown = {
            "seconds": time.perf_counter() - started,
            "labels": [
                text.strip() for text in page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
            ],
            "values": page.locator('[data-testid="stMetricValue"]').all_inner_texts(),
            "charts": page.locator(".js-plotly-plot").count(),
            "chart_texts": page.locator(".js-plotly-plot text").all_text_contents(),
        }
        if screenshot:
            page.wait_for_timeout(1500)  # let the chart finish its transition
            page.screenshot(path=str(screenshot), full_page=True)
        browser.close()
    return shown
