"""Importing a 1,000,000-row survey CSV into a new SQLite store: parse rate, end-to-end rate, peak memory."""

from __future__ import annotations

import csv
import random
import resource
import statistics
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


def bench_survey_import(imports: int = 3) -> list[Row]:
    from collectors.base import run_collector
    from collectors.surveys import SurveyFileCollector, plan_survey_file

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "survey.csv"
        write_survey_csv(path)
        size_mib = path.stat().st_size / 2**20
        started = time.perf_counter()
        plan = plan_survey_file(path, timezone="Europe/London")
        planning = time.perf_counter() - started
        columnar = sum(len(records) for records, _rejects in plan.batches())
        converting = time.perf_counter() - started
        code_page = (
            Path(folder) / "survey-cp1252.csv"
        )  # not UTF-8: read row by row, then converted as columns
        code_page.write_bytes(path.read_text("utf-8").replace("Lovely", "Lövely").encode("cp1252"))
        started = time.perf_counter()
        by_rows = sum(
            len(records)
            for records, _rejects in plan_survey_file(code_page, timezone="Europe/London").batches()
        )
        converting_by_rows = time.perf_counter() - started
        code_page.unlink()
        durations = []
        for _ in range(imports):  # the disk of this machine varies from run to run: the median of three
            with fresh_store() as (_url, engine):
                started = time.perf_counter()
                result = run_collector(engine, SurveyFileCollector(path, timezone="Europe/London"))
                durations.append(time.perf_counter() - started)
                started = time.perf_counter()
                again = run_collector(engine, SurveyFileCollector(path, timezone="Europe/London"))
                reimporting = time.perf_counter() - started
            assert result.new == ROWS and again.new == 0, (result, again)
    assert columnar == by_rows == ROWS, (columnar, by_rows)
    importing = statistics.median(durations)
    return [
        ("survey CSV size (1,000,000 rows)", size_mib, "MiB"),
        ("plan: detect columns, read the whole file as columns", planning, "s"),
        ("read and convert (plan + columnar lane)", ROWS / converting, "rows/s"),
        (
            "read row by row and convert, a Windows-1252 copy (the path of XLSX, JSON, other encodings)",
            ROWS / converting_by_rows,
            "rows/s",
        ),
        (f"import into a new SQLite store, end to end (median of {imports})", importing, "s"),
        ("import rate, end to end (median)", ROWS / importing, "rows/s"),
        ("import rate, end to end (best)", ROWS / min(durations), "rows/s"),
        ("import again (all duplicates)", reimporting, "s"),
        ("peak memory of the process (ru_maxrss)", peak_memory_mib(), "MiB"),
    ]
