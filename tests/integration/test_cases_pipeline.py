"""analysis.cases_pipeline on SQLite and PostgreSQL: the rules open one case per feedback item however often they
run, only for recent feedback (or the items given), with the owner's rule changes, due in business hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from sqlalchemy import Engine

from analysis.cases_pipeline import change_rule, make_cases, read_rules, tally_cases
from pulse.errors import InputError
from pulse.settings import Settings, build_settings
from store.cases import read_case_candidates, read_cases, set_case_status
from store.feedback import upsert_feedback
from store.records import FeedbackFrame, FeedbackRecord, SourceSpec
from store.runs import read_runs
from store.scores import write_scores

NOW = datetime(2026, 11, 20, 16, tzinfo=UTC)  # a Friday, 16:00 in London (GMT)
SURVEYS = SourceSpec("Survey", "survey", "csv")
REVIEWS = SourceSpec("Google", "review", "csv")


@pytest.fixture
def settings() -> Settings:
    return build_settings(
        timezone="Europe/London", business_hours="Mon-Fri 09:00-17:00", business_closed_days=[]
    )


def store(engine: Engine) -> dict[str, int]:
    """Recent feedback of every kind the rules look at, and one old detractor; their ids by external id."""
    recent = NOW - timedelta(days=1)
    upsert_feedback(
        engine,
        SURVEYS,
        FeedbackFrame.of(
            [
                FeedbackRecord("detractor", "survey", recent, "Slow and rude.", nps=3),
                FeedbackRecord("passive", "survey", recent, "Fine I suppose.", nps=7),
                FeedbackRecord("promoter", "survey", recent, "Lovely.", nps=10),
                FeedbackRecord("bot", "survey", recent, "The chatbot never let me reach a person.", nps=8),
                FeedbackRecord("asks", "survey", recent, "Please call me about my order.", nps=8),
                FeedbackRecord("five", "survey", recent, "Not great.", nps=5),
                FeedbackRecord("old", "survey", NOW - timedelta(days=30), "Awful.", nps=0),
            ]
        ),
    )
    upsert_feedback(
        engine,
        REVIEWS,
        FeedbackFrame.of(
            [
                FeedbackRecord("one-star", "review", recent, "Cold coffee.", stars=1),
                FeedbackRecord("three-star", "review", recent, "OK.", stars=3),
            ]
        ),
    )
    frame = read_case_candidates(engine)
    texts = dict(zip(frame["text"], frame["feedback_id"], strict=True))
    names = {
        "Slow and rude.": "detractor",
        "Fine I suppose.": "passive",
        "Lovely.": "promoter",
        "The chatbot never let me reach a person.": "bot",
        "Please call me about my order.": "asks",
        "Not great.": "five",
        "Awful.": "old",
        "Cold coffee.": "one-star",
        "OK.": "three-star",
    }
    return {names[text]: feedback_id for text, feedback_id in texts.items()}


def flag_impersonal(engine: Engine, feedback_id: int) -> None:
    scored = pl.DataFrame(
        {
            "id": [feedback_id],
            "sentiment": ["negative"],
            "sentiment_score": [-0.6],
            "impersonal": [True],
            "impersonal_score": [0.9],
            "impersonal_cues": [["chatbot"]],
        }
    )
    write_scores(engine, scored, "test")


def reasons(engine: Engine, ids: dict[str, int]) -> dict[str, str]:
    names = {feedback_id: name for name, feedback_id in ids.items()}
    return {names[row["feedback_id"]]: row["reason"] for row in read_cases(engine).iter_rows(named=True)}


def test_make_cases__once_per_feedback_however_often_it_runs(engine: Engine, settings: Settings) -> None:
    ids = store(engine)
    flag_impersonal(engine, ids["bot"])
    made = make_cases(engine, settings, now=NOW)
    assert made.count == 5 and made.candidates == 8  # the old detractor is beyond the lookback
    assert made.by_reason == {"detractor": 2, "impersonal": 1, "low_stars": 1, "contact_request": 1}
    assert reasons(engine, ids) == {
        "detractor": "detractor",
        "five": "detractor",
        "bot": "impersonal",
        "one-star": "low_stars",
        "asks": "contact_request",
    }
    cases = read_cases(engine)
    assert set(cases["status"]) == {"new"} and cases["assignee"].null_count() == 5
    # 48 business hours from Friday 16:00 (Mon-Fri 09:00-17:00, London) is the Monday after next, 16:00
    assert set(cases["due_at"]) == {datetime(2026, 11, 30, 16, tzinfo=UTC)}
    assert set(cases["created_at"]) == {NOW}

    again = make_cases(engine, settings, now=NOW + timedelta(hours=1))
    assert again.count == 0 and again.by_reason == dict.fromkeys(again.by_reason, 0)
    assert read_cases(engine).height == 5
    runs = read_runs(engine).filter(pl.col("name") == "cases")
    assert runs["status"].to_list() == ["ok", "ok"]
    assert runs["counts"].to_list()[1]["made"] == 5 and runs["counts"].to_list()[0]["made"] == 0


def test_make_cases__an_item_scored_later_gets_its_case_on_the_next_run(
    engine: Engine, settings: Settings
) -> None:
    ids = store(engine)
    make_cases(engine, settings, now=NOW)
    assert "bot" not in reasons(engine, ids)  # not scored yet: the impersonal rule cannot see it
    flag_impersonal(engine, ids["bot"])
    made = make_cases(engine, settings, now=NOW + timedelta(hours=2))
    assert made.by_reason["impersonal"] == 1 and reasons(engine, ids)["bot"] == "impersonal"


def test_make_cases__lookback_and_the_items_given_whatever_their_age(
    engine: Engine, settings: Settings
) -> None:
    ids = store(engine)
    assert make_cases(engine, settings, feedback_ids=[ids["promoter"], ids["passive"]], now=NOW).count == 0
    made = make_cases(engine, settings, now=NOW)  # the last 14 days: not the 30-day-old detractor
    assert made.count == 4 and "old" not in reasons(engine, ids)
    assert make_cases(engine, settings, feedback_ids=[ids["old"]], now=NOW).count == 1  # given: any age
    assert reasons(engine, ids)["old"] == "detractor"


def test_make_cases__a_longer_lookback_reaches_older_feedback(engine: Engine) -> None:
    ids = store(engine)
    longer = build_settings(timezone="Europe/London", case_lookback_days=60)
    assert make_cases(engine, longer, now=NOW).by_reason["detractor"] == 3
    assert reasons(engine, ids)["old"] == "detractor"


def test_make_cases__the_owners_rule_changes(engine: Engine, settings: Settings) -> None:
    ids = store(engine)
    flag_impersonal(engine, ids["bot"])
    change_rule(engine, settings, "detractor", "owner", threshold=4, assignee="ann", due_hours=8)
    change_rule(engine, settings, "low_stars", "owner", enabled=False)
    rules = {rule.key: rule for rule in read_rules(engine, settings)}
    assert rules["detractor"].label == "Detractor (NPS 0-4)" and not rules["low_stars"].enabled
    made = make_cases(engine, settings, now=NOW)
    assert made.by_reason == {"detractor": 1, "impersonal": 1, "low_stars": 0, "contact_request": 1}
    assert "five" not in reasons(engine, ids) and "one-star" not in reasons(engine, ids)
    detractor = read_cases(engine).filter(pl.col("reason") == "detractor").row(0, named=True)
    assert (detractor["status"], detractor["assignee"]) == ("assigned", "ann")
    assert detractor["due_at"] == datetime(2026, 11, 23, 16, tzinfo=UTC)  # 8 business hours: Monday 16:00
    change_rule(engine, settings, "detractor", "owner", assignee=None)
    assert read_rules(engine, settings)[0].assignee is None and read_rules(engine, settings)[0].threshold == 4


@pytest.mark.parametrize(
    ("key", "changes", "says"),
    [
        ("vip", {}, "no rule 'vip'"),
        ("detractor", {"threshold": 11}, "from 0 to 9"),
        ("contact_request", {"threshold": 2}, "has no threshold"),
        ("impersonal", {"due_hours": 0}, "due after 0"),
    ],
)
def test_change_rule__what_cannot_be_kept_is_an_input_error(
    engine: Engine, settings: Settings, key: str, changes: dict[str, int], says: str
) -> None:
    with pytest.raises(InputError, match=says):
        change_rule(engine, settings, key, "owner", **changes)  # type: ignore[arg-type]
    assert [rule.threshold for rule in read_rules(engine, settings)] == [6, None, 2, None]


def test_tally_cases__open_awaiting_and_overdue(engine: Engine, settings: Settings) -> None:
    store(engine)
    make_cases(engine, settings, now=NOW)
    assert tally_cases(engine, now=NOW) == tally_cases(engine, now=NOW + timedelta(days=1))
    assert tally_cases(engine, now=NOW).overdue == 0
    first, second, *_ = read_cases(engine)["id"].to_list()
    set_case_status(engine, first, "contacted", by="ann")
    set_case_status(engine, second, "resolved", by="ann")
    late = tally_cases(engine, now=datetime(2026, 12, 1, tzinfo=UTC))
    assert (late.open, late.awaiting, late.overdue) == (3, 2, 2)
