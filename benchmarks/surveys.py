"""Importing a 1,000,000-row survey CSV into a new SQLite store: parse rate, end-to-end rate, peak memory."""

from __future__ import annotations

import csv
import random
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.run import Row, fresh_store

ROWS = 1_000_000
COMMENTS = (
    "Lovely sourdough as always.",
    "The chatbot kept looping and I could not reach a person.",
    "Quick service, friendly staff.",
    "The kiosk is fine but I miss the chat at the counter.",
    "",
    "Order arrived cold; nobody answered the phone.",
)


def write_survey_csv(path: Path, rows: int = ROWS, seed: int = 7) -> None:
    """A survey export of `rows` answers: id, ISO time, NPS, CSAT, comment, email, channel, location."""
    generator = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["Response ID", "Submitted At", "NPS", "Satisfaction", "Comment", "Email", "Channel", "Location"]
        )
        for index in range(rows):
            moment = start + timedelta(seconds=index * 31)
            writer.writerow(
                [
                    f"R{index:08d}",
                    moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    generator.randint(0, 10),
                    generator.randint(1, 5),
                    generator.choice(COMMENTS),
                    f"customer{generator.randint(1, 50_000)}@example.com",
                    generator.choice(("in-store", "online")),
                    generator.choice(("High Street", "Station Road")),
                ]
            )


def peak_memory_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def bench_survey_import() -> list[Row]:
    from collectors.base import run_collector
    from collectors.surveys import SurveyFileCollector, plan_survey_file

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "survey.csv"
        write_survey_csv(path)
        size_mib = path.stat().st_size / 2**20
        started = time.perf_counter()
        plan = plan_survey_file(path, timezone="Europe/London")
        planning = time.perf_counter() - started
        converted = sum(1 for _ in plan.convert())
        parsing = time.perf_counter() - started
        with fresh_store() as (_url, engine):
            started = time.perf_counter()
            result = run_collector(engine, SurveyFileCollector(path, timezone="Europe/London"))
            importing = time.perf_counter() - started
            started = time.perf_counter()
            again = run_collector(engine, SurveyFileCollector(path, timezone="Europe/London"))
            reimporting = time.perf_counter() - started
    assert converted == ROWS and result.new == ROWS and again.new == 0, (converted, result, again)
    return [
        ("survey CSV size (1,000,000 rows)", size_mib, "MiB"),
        ("plan: detect columns, scan the whole file", planning, "s"),
        ("parse only (plan + convert every row to a record)", ROWS / parsing, "rows/s"),
        ("import into a new SQLite store (end to end)", importing, "s"),
        ("import rate (end to end)", ROWS / importing, "rows/s"),
        ("import again (all duplicates)", reimporting, "s"),
        ("peak memory of the process (ru_maxrss)", peak_memory_mib(), "MiB"),
    ]
