"""Take the README's screenshots: the Pulse, Trends, Rollouts and Themes pages of a new store loaded with the
demo, in headless Chromium.

python -m benchmarks.screenshot docs      (make screenshot: docs/pulse-page.png, trends-page.png, rollouts-page.png,
                                           themes-page.png)
"""

from __future__ import annotations

import sys
from pathlib import Path

from analysis.pipeline import score_new_feedback
from analysis.theme_pipeline import update_themes
from analysis.themes.library import load_library
from benchmarks.run import fresh_store, load_demo
from pulse.settings import build_settings
from store.daily_counts import refresh_daily_counts
from tests.browser import (
    browser_page,
    open_pulse_page,
    open_rollouts_page,
    open_themes_page,
    open_trends_page,
    save_screenshot,
    serve,
)


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "docs")
    folder.mkdir(parents=True, exist_ok=True)
    names = ("pulse-page.png", "trends-page.png", "rollouts-page.png", "themes-page.png")
    targets = [folder / name for name in names]
    with fresh_store() as (url, engine):
        refresh_daily_counts(
            engine, build_settings().timezone
        )  # as `pulse db upgrade` does: the pages read them
        load_demo(engine)
        score_new_feedback(engine)
        settings = build_settings()
        update_themes(
            engine, library=load_library(settings.theme_library), business_name=settings.business_name
        )
        with serve(url) as served:
            open_pulse_page(served, targets[0])
            with browser_page() as page:
                open_trends_page(page, served)
                save_screenshot(page, targets[1])
                open_rollouts_page(page, served)
                save_screenshot(page, targets[2])
                open_themes_page(page, served)
                save_screenshot(page, targets[3])
    print("Wrote", ", ".join(str(target) for target in targets))


if __name__ == "__main__":
    main()
