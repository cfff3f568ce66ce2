"""Peak memory and speed of `pulse import`, each import in its own process (as a user runs it), into a new SQLite
store: survey CSVs of 1,000,000 and 5,000,000 answers (read by polars a chunk at a time), the 1,000,000 in
Windows-1252 (read row by row and kept on disk between the two passes: the lane of XLSX, JSON and other
encodings), and a Yelp-shaped JSON Lines file of 500,000 reviews. Peak memory is the child's maximum resident
set size (VmHWM, read as it exits), the import's alone."""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.child import PULSE, REPOSITORY, measured_child
from benchmarks.run import Row
from benchmarks.surveys import COMMENTS, write_survey_csv

REVIEWS = 500_000
LARGE_SURVEY = 5_000_000


def write_narrow_survey_csv(path: Path, rows: int, seed: int = 11) -> None:
    """A survey export of `rows` answers with fewer columns (id, time, NPS, CSAT, comment), so that 5,000,000
    of them fit in Pulse's 500 MB file limit."""
    generator = random.Random(seed)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Response ID", "Submitted At", "NPS", "Satisfaction", "Comment"])
        for index in range(rows):
            moment = (start + timedelta(seconds=index * 29)).strftime("%Y-%m-%dT%H:%M:%SZ")
            writer.writerow(
                [
                    f"R{index:08d}",
                    moment,
                    generator.randint(0, 10),
                    generator.randint(1, 5),
                    generator.choice(COMMENTS),
                ]
            )


def write_survey_json(csv_path: Path, path: Path) -> None:
    """The survey CSV's answers as a JSON list of records (as Delighted's or a form API's export), one a line."""
    with csv_path.open(encoding="utf-8", newline="") as source, path.open("w", encoding="utf-8") as handle:
        handle.write("[\n")
        for index, record in enumerate(csv.DictReader(source)):
            handle.write(("" if index == 0 else ",\n") + json.dumps(record))
        handle.write("\n]\n")


def write_yelp_reviews(path: Path, rows: int = REVIEWS, seed: int = 13) -> None:
    """`rows` reviews as Yelp's dataset writes them: JSON Lines of review_id, user_id, business_id, stars,
    useful, funny, cool, text and date."""
    generator = random.Random(seed)
    start = datetime(2018, 1, 1)
    with path.open("w", encoding="utf-8") as handle:
        for index in range(rows):
            review = {
                "review_id": f"rv{index:010d}",
                "user_id": f"u{generator.randint(1, 200_000):08d}",
                "business_id": "b-high-street-bakery",
                "stars": float(generator.randint(1, 5)),
                "useful": generator.randint(0, 3),
                "funny": 0,
                "cool": generator.randint(0, 1),
                "text": " ".join(generator.choice(COMMENTS[:4]) for _ in range(generator.randint(1, 4))),
                "date": (start + timedelta(minutes=index * 7)).strftime("%Y-%m-%d %H:%M:%S"),
            }
            handle.write(json.dumps(review) + "\n")


def measured_import(path: Path, *options: str) -> tuple[float, float, dict[str, object]]:
    """`pulse import PATH --json` into a new SQLite store in a child process: (seconds, peak resident MiB, the
    import's JSON summary)."""
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "PULSE_DATABASE_URL": f"sqlite:///{Path(folder) / 'pulse.db'}"}
        subprocess.run(
            [sys.executable, "-m", "cli", "db", "upgrade"],
            env=env,
            check=True,
            capture_output=True,
            cwd=REPOSITORY,
        )
        seconds, peak, output = measured_child(
            PULSE, ["import", str(path), "--json", *options], env, Path(folder)
        )
    return seconds, peak, json.loads(output)


def bench_import_memory() -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        survey = Path(folder) / "survey-1m.csv"
        write_survey_csv(survey)
        rows += _case("survey CSV, 1,000,000 rows", survey, 1_000_000)
        code_page = Path(folder) / "survey-1m-cp1252.csv"
        code_page.write_bytes(survey.read_text("utf-8").replace("Lovely", "Lövely").encode("cp1252"))
        rows += _case("survey CSV in Windows-1252, 1,000,000 rows", code_page, 1_000_000)
        code_page.unlink()
        answers = Path(folder) / "survey-1m.json"
        write_survey_json(survey, answers)
        rows += _case("survey JSON, 1,000,000 records", answers, 1_000_000)
        answers.unlink()
        survey.unlink()
        large = Path(folder) / "survey-5m.csv"
        write_narrow_survey_csv(large, LARGE_SURVEY)
        rows += _case("survey CSV, 5,000,000 rows", large, LARGE_SURVEY)
        large.unlink()
        reviews = Path(folder) / "yelp-reviews.jsonl"
        write_yelp_reviews(reviews)
        rows += _case("Yelp JSON Lines, 500,000 reviews", reviews, REVIEWS, "--kind", "review")
    return rows


def _case(label: str, path: Path, expected: int, *options: str) -> list[Row]:
    size = path.stat().st_size / 2**20
    seconds, peak, summary = measured_import(path, *options)
    assert summary.get("imported") == expected, (label, summary)
    return [
        (f"{label} ({size:,.0f} MiB): import into a new SQLite store", seconds, "s"),
        (f"{label}: rate", expected / seconds, "rows/s"),
        (f"{label}: peak memory of the import's process (VmHWM)", peak, "MiB"),
    ]
