"""Take the docs' screenshots: every page of a new store loaded with the demo, scored, themed and its customer value
fitted, in headless
Chromium, on a laptop (1440 px wide) and on a phone (390 px), each page whole.

python -m benchmarks.screenshot docs      (make screenshot: docs/screenshots/<page>-1440.png and -390.png, and
                                           the README's docs/pulse-page.png, trends-page.png, rollouts-page.png,
                                           themes-page.png)
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from analysis.clv_pipeline import refresh_customer_values
from analysis.pipeline import score_new_feedback
from analysis.theme_pipeline import update_themes
from analysis.themes.library import load_library
from benchmarks.run import fresh_store, load_demo
from pulse.settings import build_settings
from store.daily_counts import refresh_daily_counts
from tests.browser import browser_page, serve, settle, wait_for_chart

# each page's address, and what shows that it is drawn
PAGES = {
    "pulse": ("", ".js-plotly-plot .main-svg"),
    "follow-up": ("follow-up", '[data-testid="stMetricValue"]'),
    "trends": ("trends", ".js-plotly-plot .main-svg"),
    "loyalty": ("loyalty", ".js-plotly-plot .main-svg"),
    "themes": ("themes", ".js-plotly-plot .main-svg"),
    "rollouts": ("rollouts", '[data-testid="stExpander"]'),
    "explorer": ("explorer", '[data-testid="stDataFrame"]'),
    "sources": ("sources", '[data-testid="stDataFrame"]'),
    "observations": ("observations", '[data-testid="stForm"]'),
}
WIDTHS = {1440: 900, 390: 844}  # a laptop's and a phone's viewport
README_PICTURES = ("pulse", "trends", "rollouts", "themes")  # the 1440 px ones, under their README names


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "docs")
    shots = folder / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    settings = build_settings()
    with fresh_store() as (url, engine):
        refresh_daily_counts(engine, settings.timezone)  # as `pulse db upgrade` does: the pages read them
        load_demo(engine)
        score_new_feedback(engine)
        refresh_customer_values(engine, settings.timezone)
        update_themes(
            engine, library=load_library(settings.theme_library), business_name=settings.business_name
        )
        with serve(url) as served:
            for width, height in WIDTHS.items():
                with browser_page(width, height) as page:
                    for name, (address, drawn) in PAGES.items():
                        take(page, f"{served}/{address}", drawn, shots / f"{name}-{width}.png")
    for name in README_PICTURES:
        shutil.copyfile(shots / f"{name}-1440.png", folder / f"{name}-page.png")
    print(f"Wrote {len(PAGES) * len(WIDTHS)} screenshots in {shots} and the README's in {folder}")


def take(page: Any, address: str, drawn: str, path: Path) -> None:
    """The page at `address`, once `drawn` shows and its run is over, whole: the viewport made as tall as the
    app's content (Streamlit scrolls inside its own element, which a full-page screenshot does not unroll)."""
    page.goto(address)
    page.wait_for_selector(drawn, timeout=90_000)
    settle(page)
    if ".js-plotly-plot" in drawn:
        wait_for_chart(page)
    page.wait_for_timeout(1500)  # let the charts finish their transitions
    width = page.viewport_size["width"]
    tall = page.evaluate(
        "() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight || document.body.scrollHeight"
    )
    page.set_viewport_size({"width": width, "height": int(tall)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": width, "height": WIDTHS[width]})


if __name__ == "__main__":
    main()
