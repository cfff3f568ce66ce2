"""The demo's follow-up cases (data/demo/cases.py): deterministic, open and closed, histories that hold together,
and who was followed up drawn by chance, never from what the customer did next."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest

DEMO = Path(__file__).resolve().parents[3] / "data" / "demo"


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_cases", DEMO / "cases.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["demo_cases"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name in ("surveys.csv", "reviews.csv"):
        shutil.copy(DEMO / name, tmp_path / name)
    return tmp_path


@pytest.fixture(scope="module")
def cases() -> pl.DataFrame:
    times = ["created_at", "due_at", "assigned_at", "contacted_at", "closed_at"]
    frame = pl.read_csv(DEMO / "cases.csv", infer_schema=False)
    return frame.with_columns(
        [pl.col(name).replace("", None).str.to_datetime(time_zone="UTC") for name in times]
    ).with_columns(pl.coalesce("contacted_at", "closed_at").alias("first_contact_at"))


def test_generate__is_deterministic_and_matches_the_committed_file(
    generator: ModuleType, folder: Path
) -> None:
    assert generator.generate(folder) == 426
    assert (folder / "cases.csv").read_bytes() == (DEMO / "cases.csv").read_bytes(), "run `make demo-data`"


def test_generate__follow_up_does_not_depend_on_what_customers_did_next(
    generator: ModuleType, folder: Path
) -> None:
    """Every answer that is no detractor's scored 10 instead: the same triggers, so the very same cases."""
    surveys = pl.read_csv(folder / "surveys.csv", infer_schema=False)
    happier = surveys.with_columns(
        pl.when(pl.col("nps").cast(pl.Int64, strict=False) >= 7)
        .then(pl.lit("10"))
        .otherwise("nps")
        .alias("nps")
    )
    assert not happier.equals(surveys)
    happier.write_csv(folder / "surveys.csv")
    generator.generate(folder)
    assert (folder / "cases.csv").read_bytes() == (DEMO / "cases.csv").read_bytes()


def test_cases__open_and_closed_with_histories_that_hold_together(
    generator: ModuleType, cases: pl.DataFrame
) -> None:
    statuses = dict(cases["status"].value_counts().iter_rows())
    assert set(statuses) == {"new", "assigned", "contacted", "resolved", "no_reply"}
    assert statuses["resolved"] + statuses["no_reply"] > 300 and statuses["new"] + statuses["assigned"] >= 20
    assert set(cases["reason"]) == {"detractor", "low_stars"}
    assert set(cases["assignee"].drop_nulls()) == set(generator.STAFF)
    end = generator.END
    for name in ("created_at", "assigned_at", "contacted_at", "closed_at"):
        assert cases[name].drop_nulls().max() < end, f"{name} after the data's end"
    assert cases.filter(pl.col("due_at") <= pl.col("created_at")).is_empty()
    later = pl.col("first_contact_at") > pl.col("created_at")
    assert cases.filter(pl.col("first_contact_at").is_not_null() & ~later).is_empty()
    closed = pl.col("status").is_in(["resolved", "no_reply"])
    assert cases.filter(closed != pl.col("closed_at").is_not_null()).is_empty()
    assert cases.filter((pl.col("status") == "contacted") & pl.col("contacted_at").is_null()).is_empty()
    assert cases.filter(closed & (pl.col("close_note").is_null())).is_empty()
    contacted = cases.filter(pl.col("first_contact_at").is_not_null())
    in_time = contacted.filter(pl.col("first_contact_at") <= pl.col("due_at")).height / contacted.height
    assert 0.75 < in_time < 0.9  # most within the due time, some late
    # still open: the last days' cases, and a few older ones nobody reached
    open_cases = cases.filter(pl.col("first_contact_at").is_null())
    recent = open_cases.filter(pl.col("created_at") > end - timedelta(days=7)).height
    assert recent >= 5 and open_cases.height - recent >= 10


def test_case__due_as_the_pipeline_would_make_it(generator: ModuleType) -> None:
    """The demo's due times are the product's (analysis.case_rules.due_at with the default business hours), so
    that the demo's cases and those `pulse analyze` opens keep one clock."""
    from analysis.case_rules import due_at
    from pulse.business_hours import parse_business_hours

    friday_evening = datetime(2026, 11, 20, 18, tzinfo=UTC)  # London is on UTC in November
    schedule = parse_business_hours("Mon-Fri 09:00-17:00", "Europe/London")
    assert generator.due_at(friday_evening, 48, generator.SCHEDULE) == due_at(friday_evening, 48, schedule)
    assert schedule == generator.SCHEDULE and generator.DUE_HOURS == 48
