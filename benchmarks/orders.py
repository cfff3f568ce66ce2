"""Importing a 1,000,000-order CSV into a new SQLite store, beside the survey import (benchmarks/surveys.py):
read and convert rate, end-to-end rate, re-import, peak memory. The target (issue 23): at least as fast as survey
rows, so the same run measures both."""

from __future__ import annotations

import csv
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.run import Row, fresh_store
from benchmarks.surveys import peak_memory_mib

ROWS = 1_000_000
ITEMS = ("Sourdough loaf", "Latte; Croissant", "Flat white", "Cinnamon bun; Tea", "Birthday cake", "")


def write_orders_csv(path: Path, rows: int = ROWS, seed: int = 7) -> None:
    """An orders export of `rows` orders: id, ISO time, customer email, total, channel, location, items."""
    generator = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "Order ID",
                "Ordered At",
                "Customer Email",
                "Total",
                "Channel",
                "Location",
                "Item Count",
                "Items",
            ]
        )
        for index in range(rows):
            moment = start + timedelta(seconds=index * 31)
            writer.writerow(
                [
                    f"O{index:08d}",
                    moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    f"customer{generator.randint(1, 50_000)}@example.com",
                    f"{generator.randint(150, 9_000) / 100:.2f}",
                    generator.choice(("in-store", "online")),
                    generator.choice(("High Street", "Station Road")),
                    generator.randint(1, 4),
                    generator.choice(ITEMS),
                ]
            )


def bench_order_import(imports: int = 3) -> list[Row]:
    from collectors.orders import OrderFileCollector, import_orders, plan_order_file

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "orders.csv"
        write_orders_csv(path)
        size_mib = path.stat().st_size / 2**20
        started = time.perf_counter()
        plan = plan_order_file(path, timezone="Europe/London")
        planning = time.perf_counter() - started
        converted = sum(records.height for records, _rejects, _merged in plan.batches())
        converting = time.perf_counter() - started
        durations = []
        for _ in range(imports):  # the disk of this machine varies from run to run: the median of three
            with fresh_store() as (_url, engine):
                started = time.perf_counter()
                result = import_orders(engine, OrderFileCollector(path, timezone="Europe/London"))
                durations.append(time.perf_counter() - started)
                started = time.perf_counter()
                again = import_orders(engine, OrderFileCollector(path, timezone="Europe/London"))
                reimporting = time.perf_counter() - started
            assert result.new == ROWS and again.new == 0 and again.duplicate == ROWS, (result, again)
    assert converted == ROWS, converted
    importing = statistics.median(durations)
    return [
        ("orders CSV size (1,000,000 orders)", size_mib, "MiB"),
        ("plan: detect columns, read the whole file as columns", planning, "s"),
        ("read and convert (plan + columnar lane)", ROWS / converting, "rows/s"),
        (f"import into a new SQLite store, end to end (median of {imports})", importing, "s"),
        ("import rate, end to end (median)", ROWS / importing, "rows/s"),
        ("import rate, end to end (best)", ROWS / min(durations), "rows/s"),
        ("import again (all duplicates)", reimporting, "s"),
        ("peak memory of the process (ru_maxrss)", peak_memory_mib(), "MiB"),
    ]
