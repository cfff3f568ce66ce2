"""The demo's follow-up cases (collectors.demo.load_demo_cases) on SQLite and PostgreSQL: made with their history
at its own moments, open and closed, and a second load adds nothing; and the reads the outcome measure needs
(store.cases.read_customer_answers, store.feedback.read_feedback_ids) with the outcome read from a real store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine

from analysis.case_outcomes_pipeline import read_case_outcomes
from collectors.base import run_collector
from collectors.demo import SURVEYS, DemoCases, DemoCollector, load_demo_cases
from store.cases import (
    NewCase,
    create_cases,
    read_case_events,
    read_cases,
    read_customer_answers,
    set_case_status,
)
from store.feedback import read_feedback_ids, upsert_feedback
from store.orders import ORDER_RECORD_SCHEMA, upsert_orders
from store.records import FeedbackFrame, FeedbackRecord, SourceSpec


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def load_feedback(engine: Engine, demo_dir: Path) -> None:
    run_collector(engine, DemoCollector(demo_dir))


def test_load_demo_cases__open_and_closed_with_their_history_and_again_adds_nothing(
    engine: Engine, demo_dir: Path
) -> None:
    load_feedback(engine, demo_dir)
    assert load_demo_cases(engine, demo_dir) == DemoCases(new=2, present=0, open=1, closed=1)
    cases = read_cases(engine).sort("id")
    assert cases.select("reason", "status", "assignee", "source").rows() == [
        ("detractor", "resolved", "Maya", "Demo: post-order survey"),
        ("impersonal", "assigned", "Tom", "Demo: Reddit mentions"),
    ]
    closed = cases.row(0, named=True)
    assert closed["created_at"] == moment("2026-11-17T11:05:00")
    assert closed["first_contact_at"] == moment("2026-11-17T14:00:00")
    assert closed["closed_at"] == moment("2026-11-18T10:00:00")
    assert closed["author_hash"] == "c2" and closed["nps"] == 3
    history = read_case_events(engine, closed["id"])
    assert history.select("by", "action", "before", "after").rows() == [
        ("pulse", "created", None, "new"),
        ("Sam", "assigned", None, "Maya"),
        ("Sam", "status", "new", "assigned"),
        ("Maya", "status", "assigned", "contacted"),
        ("Maya", "status", "contacted", "resolved"),
    ]
    assert history["note"].to_list()[-2:] == [
        "Called; they were glad someone rang.",
        "Gave them the shop's direct number.",
    ]
    events = read_case_events(engine)
    assert load_demo_cases(engine, demo_dir) == DemoCases(new=0, present=2, open=1, closed=1)
    assert read_case_events(engine).height == events.height


def test_load_demo_cases__a_load_that_stopped_half_way_goes_on_and_a_pipeline_case_is_kept(
    engine: Engine, demo_dir: Path
) -> None:
    load_feedback(engine, demo_dir)
    cases_file = (demo_dir / "cases.csv").read_text(encoding="utf-8")
    lines = cases_file.splitlines()
    # first only K0001's making and assignment (as if the load stopped there)
    cut = lines[1].split(",")
    cut[9:14] = ["", "", "assigned", "", ""]
    (demo_dir / "cases.csv").write_text("\n".join([lines[0], ",".join(cut)]) + "\n", encoding="utf-8")
    assert load_demo_cases(engine, demo_dir).new == 1
    # the pipeline makes the mention's case before the demo's cases are loaded again: it keeps its own history
    mention = read_feedback_ids(engine, "Demo: Reddit mentions", ["t1_demo0001"])["t1_demo0001"]
    create_cases(engine, [NewCase(mention, "contact_request", moment("2026-12-01T09:00:00"))])
    (demo_dir / "cases.csv").write_text(cases_file, encoding="utf-8")
    assert load_demo_cases(engine, demo_dir) == DemoCases(new=0, present=2, open=1, closed=1)
    cases = read_cases(engine).sort("id")
    assert cases.select("reason", "status").rows() == [("detractor", "resolved"), ("contact_request", "new")]
    assert read_case_events(engine, cases["id"][0])["action"].to_list()[-2:] == ["status", "status"]


def test_load_demo_cases__without_a_cases_file_makes_none(engine: Engine, demo_dir: Path) -> None:
    load_feedback(engine, demo_dir)
    (demo_dir / "cases.csv").unlink()
    assert load_demo_cases(engine, demo_dir) == DemoCases(new=0, present=0, open=0, closed=0)


def test_read_customer_answers_and_feedback_ids__customers_with_an_author_only(engine: Engine) -> None:
    at = datetime(2026, 11, 2, 9, tzinfo=UTC)
    upsert_feedback(
        engine,
        SourceSpec("Survey", "survey", "csv"),
        FeedbackFrame.of(
            [
                FeedbackRecord("a1", "survey", at, nps=3, author_hash="amy"),
                FeedbackRecord("a2", "survey", at + timedelta(days=9), nps=9, author_hash="amy"),
                FeedbackRecord("b1", "survey", at + timedelta(days=1), nps=5, author_hash="ben"),
                FeedbackRecord("x1", "survey", at, nps=4),  # no author
            ]
        ),
    )
    upsert_feedback(
        engine,
        SourceSpec("Staff observations", "staff", "dashboard"),
        FeedbackFrame.of([FeedbackRecord("s1", "staff", at, "Asked for a person.", author_hash="amy")]),
    )
    answers = read_customer_answers(engine)
    assert answers.select("kind", "author_hash", "nps").rows() == [
        ("survey", "amy", 3),
        ("survey", "ben", 5),
        ("survey", "amy", 9),
    ]
    assert read_customer_answers(engine, author_hashes=["ben"])["nps"].to_list() == [5]
    assert read_customer_answers(engine, author_hashes=[]).is_empty()
    window = read_customer_answers(engine, since=at + timedelta(hours=1), until=at + timedelta(days=9))
    assert window["nps"].to_list() == [5]
    ids = read_feedback_ids(engine, "Survey", ["a1", "b1", "zz"])
    assert sorted(ids) == ["a1", "b1"] and ids["a1"] in answers["feedback_id"].to_list()
    assert (
        read_feedback_ids(engine, "Nowhere", ["a1"]) == {} and read_feedback_ids(engine, "Survey", []) == {}
    )


def test_read_case_outcomes__from_a_real_store(engine: Engine) -> None:
    """Twelve detractors followed up and twelve not, each answering again a month later (followed up: 8 or 9,
    not: 5 or 6), and each buying again or not: the store's reads and the measure agree."""
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    records, orders = [], []
    for k in range(24):
        at = start + timedelta(days=k)
        followed = k % 2 == 0
        records.append(FeedbackRecord(f"t{k}", "survey", at, nps=2, author_hash=f"c{k}"))
        records.append(
            FeedbackRecord(
                f"n{k}",
                "survey",
                at + timedelta(days=30),
                nps=(8 if followed else 5) + k // 2 % 2,
                author_hash=f"c{k}",
            )
        )
        orders.append((f"o{k}", f"c{k}", at - timedelta(days=1), 5.0))
        if followed or k % 4 == 1:
            orders.append((f"p{k}", f"c{k}", at + timedelta(days=20), 5.0))
    orders.append(("last", None, start + timedelta(days=200), 5.0))
    upsert_feedback(engine, SURVEYS, FeedbackFrame.of(records))
    rows = [(*order, None, None, None, None, None) for order in orders]
    upsert_orders(
        engine, SourceSpec("Till", "order", "csv"), pl.DataFrame(rows, ORDER_RECORD_SCHEMA, orient="row")
    )
    triggers = read_feedback_ids(engine, SURVEYS.name, [f"t{k}" for k in range(24)])
    create_cases(
        engine,
        [NewCase(triggers[f"t{k}"], "detractor", start + timedelta(days=k + 2)) for k in range(24)],
        now=start,
    )
    for case in read_cases(engine).iter_rows(named=True):
        if int(case["author_hash"][1:]) % 2 == 0:
            set_case_status(engine, case["id"], "resolved", "Maya", now=start + timedelta(days=40))
    outcomes = read_case_outcomes(engine, "Europe/London", now=start + timedelta(days=365))
    nps = outcomes.next_nps
    assert (nps.followed_n, nps.comparison_n, nps.not_contacted_n) == (12, 12, 12)
    assert nps.difference == pytest.approx(3.0) and nps.verdict == "better"
    bought = outcomes.bought_again
    assert bought is not None and (bought.followed_value, bought.comparison_value) == (1.0, 0.5)
    assert outcomes.as_of == (start + timedelta(days=365)).date()
    earlier = read_case_outcomes(engine, "UTC", now=start + timedelta(days=31))  # before most answered again
    assert earlier.next_nps.followed_n < 12
