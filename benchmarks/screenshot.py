"""Take the README's screenshot: the Pulse page of a new store loaded with the demo, in headless Chromium.

python -m benchmarks.screenshot docs/pulse-page.png      (make screenshot)
"""

from __future__ import annotations

import sys
from pathlib import Path

from analysis.pipeline import score_new_feedback
from benchmarks.browser import open_pulse_page, serve
from benchmarks.run import fresh_store, load_demo


def main() -> None:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/pulse-page.png")
    target.parent.mkdir(parents=True, exist_ok=True)
    with fresh_store() as (url, engine):
        load_demo(engine)
        score_new_feedback(engine)
        with serve(url) as served:
            open_pulse_page(served, target)
    print(f"Wrote {target}")


if __name__ == "__main__":
    main()
