"""Run the benchmarks and append their figures, with the machine and the date, to benchmarks/RESULTS.md.

    python -m benchmarks.run [NAME ...]      (make bench)

Each benchmark is a function that returns (figure, value, unit) rows. Later work adds its own to BENCHMARKS.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
Row = tuple[str, float, str]


@contextmanager
def fresh_store() -> Iterator[tuple[str, Engine]]:
    from store.engine import build_engine
    from store.migrate import upgrade

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'pulse.db'}"
        engine = build_engine(url)
        upgrade(engine)
        yield url, engine
        engine.dispose()


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def load_demo(engine: Engine) -> int:
    from collectors.base import run_collector
    from collectors.demo import DemoCollector, load_demo_orders
    from collectors.rollouts import import_rollouts
    from pulse.settings import build_settings

    demo_dir = build_settings().demo_dir
    result = run_collector(engine, DemoCollector(demo_dir))
    load_demo_orders(engine, demo_dir)
    import_rollouts(engine, demo_dir / "rollouts.csv", by="benchmark")
    return result.new


def bench_demo_load() -> list[Row]:
    """Loading the demo into a new SQLite store, then again (adds nothing), then scoring it."""
    from analysis.pipeline import score_new_feedback

    with fresh_store() as (_url, engine):
        started = time.perf_counter()
        items = load_demo(engine)
        first = time.perf_counter() - started
        again = timed(lambda: load_demo(engine))
        started = time.perf_counter()
        scored = score_new_feedback(engine)
        scoring = time.perf_counter() - started
    return [
        ("demo load into a new SQLite store", first, "s"),
        ("demo load rate", items / first, "items/s"),
        ("demo load again (all duplicates)", again, "s"),
        ("scoring: improved sentiment and impersonal, embedding every text", scoring, "s"),
        ("scoring rate", scored / scoring, "texts/s"),
    ]


def bench_pulse_page() -> list[Row]:
    """The Pulse page on the demo store: AppTest script runs, and a real browser load."""
    from streamlit.testing.v1 import AppTest

    from analysis.pipeline import score_new_feedback
    from tests.browser import CHROMIUM, open_pulse_page, serve

    app_path = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
    rows: list[Row] = []
    with fresh_store() as (url, engine):
        load_demo(engine)
        score_new_feedback(engine)
        os.environ["PULSE_DATABASE_URL"] = url
        runs = []
        for _ in range(5):
            app = AppTest.from_file(app_path, default_timeout=120)
            runs.append(timed(app.run))
        rows += [
            ("Pulse page, AppTest, first run (cold caches)", runs[0], "s"),
            ("Pulse page, AppTest, median of 4 warm runs", statistics.median(runs[1:]), "s"),
        ]
        if Path(CHROMIUM).exists():
            with serve(url) as served:
                loads = [open_pulse_page(served)["seconds"] for _ in range(4)]
            rows += [
                ("Pulse page in Chromium, first load after start (cold caches)", loads[0], "s"),
                ("Pulse page in Chromium, median of 3 warm loads", statistics.median(loads[1:]), "s"),
            ]
    return rows


def bench_pulse_page_1m() -> list[Row]:
    from benchmarks.pulse_page_1m import bench_pulse_page_1m  # it uses this module's helpers

    return bench_pulse_page_1m()


def bench_page_loads() -> list[Row]:
    from benchmarks.page_loads import bench_page_loads  # it uses this module's helpers

    return bench_page_loads()


def bench_survey_import() -> list[Row]:
    from benchmarks.surveys import bench_survey_import  # it uses this module's helpers

    return bench_survey_import()


def bench_order_import() -> list[Row]:
    from benchmarks.orders import bench_order_import  # it uses this module's helpers

    return bench_order_import()


def bench_import_memory() -> list[Row]:
    from benchmarks.import_memory import bench_import_memory

    return bench_import_memory()


def bench_quality() -> list[Row]:
    from benchmarks.quality import bench_quality

    return bench_quality()


def bench_scoring() -> list[Row]:
    from benchmarks.scoring import bench_scoring

    return bench_scoring()


def bench_score_command() -> list[Row]:
    from benchmarks.score_command import bench_score_command

    return bench_score_command()


def bench_topics() -> list[Row]:
    from benchmarks.topics import bench_topics

    return bench_topics()


def bench_themes() -> list[Row]:
    from benchmarks.themes import bench_themes

    return bench_themes()


def bench_impact_validation() -> list[Row]:
    from benchmarks.impact_validation import bench_impact_validation

    return bench_impact_validation()


def bench_findings_validation() -> list[Row]:
    from benchmarks.impact_validation import bench_findings_validation

    return bench_findings_validation()


def bench_impersonal_sources() -> list[Row]:
    from benchmarks.impersonal_sources import bench_impersonal_sources

    return bench_impersonal_sources()


def bench_ray_scoring() -> list[Row]:
    from benchmarks.ray_scoring import bench_ray_scoring

    return bench_ray_scoring()


def bench_clv() -> list[Row]:
    from benchmarks.clv import bench_clv

    return bench_clv()


def bench_queue_scoring() -> list[Row]:
    from benchmarks.queue_scoring import bench_queue_scoring

    return bench_queue_scoring()


def bench_scale() -> list[Row]:
    from benchmarks.scale import bench_scale  # it uses this module's helpers

    return bench_scale()


BENCHMARKS: dict[str, Callable[[], list[Row]]] = {
    "demo_load": bench_demo_load,
    "pulse_page": bench_pulse_page,
    "pulse_page_1m": bench_pulse_page_1m,
    "page_loads": bench_page_loads,
    "survey_import": bench_survey_import,
    "order_import": bench_order_import,
    "import_memory": bench_import_memory,
    "quality": bench_quality,
    "scoring": bench_scoring,
    "score_command": bench_score_command,
    "topics": bench_topics,
    "themes": bench_themes,
    "impact_validation": bench_impact_validation,
    "findings_validation": bench_findings_validation,
    "impersonal_sources": bench_impersonal_sources,
    "clv": bench_clv,
    "queue_scoring": bench_queue_scoring,
    "scale": bench_scale,  # PostgreSQL (PULSE_BENCH_POSTGRES_URL); sizes from PULSE_SCALE_SIZES
    "ray_scoring": bench_ray_scoring,
}


def machine() -> str:
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {memory_gib:.0f} GiB, "
        f"Python {platform.python_version()}"
    )


def _figure(value: float) -> str:
    """Two decimals; three for figures below 1 (such as NMI and ARI), where two hide the difference."""
    return f"{value:,.3f}" if abs(value) < 1 else f"{value:,.2f}"


def record(results: dict[str, list[Row]]) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"## {stamp}: {machine()}", "", "| benchmark | figure | value |", "|---|---|---|"]
    for name, rows in results.items():
        lines += [f"| {name} | {figure} | {_figure(value)} {unit} |" for figure, value, unit in rows]
    section = "\n".join(lines) + "\n"
    if not RESULTS.exists():
        RESULTS.write_text(
            "# Benchmark results\n\nNewest last. Recorded by `make bench`.\n\n", encoding="utf-8"
        )
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write("\n" + section)
    return section


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", help=f"benchmarks to run: {', '.join(BENCHMARKS)} (default: all)")
    arguments = parser.parse_args(argv)
    unknown = set(arguments.names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmarks {sorted(unknown)}; choose from {list(BENCHMARKS)}")
    results = {}
    for name in arguments.names or list(BENCHMARKS):
        print(f"running {name}…", file=sys.stderr)
        results[name] = BENCHMARKS[name]()
    print(record(results))


if __name__ == "__main__":
    main()
