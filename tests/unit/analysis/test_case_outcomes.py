"""The follow-up outcome (analysis.case_outcomes) on small literal frames whose answers are known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from analysis.case_outcomes import (
    BEFORE_CASES,
    FOLLOWED,
    NOT_CONTACTED,
    NOT_FOLLOWED,
    case_outcomes,
    compare_outcome,
    follow_up_week,
    read_outcome_units,
    stratified_design,
    stratified_difference,
    verdict,
)
from analysis.loyalty.orders import ORDERS_SCHEMA

T0 = datetime(2026, 6, 1, 9, tzinfo=UTC)
CASE_COLUMNS: dict[str, Any] = {
    "id": pl.Int64,
    "feedback_id": pl.Int64,
    "reason": pl.String,
    "created_at": pl.Datetime("us", "UTC"),
    "due_at": pl.Datetime("us", "UTC"),
    "first_contact_at": pl.Datetime("us", "UTC"),
    "closed_at": pl.Datetime("us", "UTC"),
    "author_hash": pl.String,
    "nps": pl.Int64,
    "feedback_created_at": pl.Datetime("us", "UTC"),
}
ANSWER_COLUMNS: dict[str, Any] = {
    "feedback_id": pl.Int64,
    "kind": pl.String,
    "author_hash": pl.String,
    "created_at": pl.Datetime("us", "UTC"),
    "nps": pl.Int64,
    "csat": pl.Int64,
    "stars": pl.Int64,
}


class Store:
    """Cases and answers built up case by case: each case is a trigger answer, followed by the next one."""

    def __init__(self) -> None:
        self.cases: list[dict[str, Any]] = []
        self.answers: list[dict[str, Any]] = []

    def answer(self, customer: str | None, at: datetime, nps: int | None) -> int:
        feedback_id = len(self.answers) + 1
        self.answers.append(
            {
                "feedback_id": feedback_id,
                "kind": "survey",
                "author_hash": customer,
                "created_at": at,
                "nps": nps,
            }
        )
        return feedback_id

    def case(
        self,
        customer: str | None,
        nps: int | None,
        followed: bool,
        next_nps: int | None = None,
        at: datetime = T0,
        reason: str = "detractor",
        next_after: timedelta = timedelta(days=30),
    ) -> None:
        feedback_id = self.answer(customer, at, nps)
        if next_nps is not None:
            self.answer(customer, at + next_after, next_nps)
        created = at + timedelta(minutes=30)
        self.cases.append(
            {
                "id": len(self.cases) + 1,
                "feedback_id": feedback_id,
                "reason": reason,
                "created_at": created,
                "due_at": created + timedelta(hours=48),
                "first_contact_at": created + timedelta(hours=5) if followed else None,
                "closed_at": created + timedelta(hours=5) if followed else None,
                "author_hash": customer,
                "nps": nps,
                "feedback_created_at": at,
            }
        )

    def frames(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        cases = pl.DataFrame(self.cases, schema=CASE_COLUMNS)
        answers = pl.DataFrame(self.answers, schema=ANSWER_COLUMNS)
        return cases, answers


def orders_frame(rows: list[tuple[str | None, datetime, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"order_id": f"o{i}", "source_id": 1, "customer_hash": c, "ordered_at": t, "amount": a}
            for i, (c, t, a) in enumerate(rows)
        ],
        schema=ORDERS_SCHEMA,
    )


def test_compare_outcome__stratification_removes_a_difference_that_is_only_baseline() -> None:
    # Within each band the followed-up and the others come back alike (0-3: 4 or 6, mean 5; 4-6: 7 or 9,
    # mean 8), but most followed-up customers were 4-6 and most others 0-3: unstratified, +1.5 points.
    store = Store()
    number = 0
    for band_nps, values, followed_n, other_n in ((2, (4, 6), 10, 30), (5, (7, 9), 30, 10)):
        for followed, count in ((True, followed_n), (False, other_n)):
            for k in range(count):
                number += 1
                store.case(f"c{number}", band_nps, followed, next_nps=values[k % 2])
    cases, answers = store.frames()
    result = case_outcomes(cases, answers).next_nps
    assert (result.followed_n, result.comparison_n, result.not_contacted_n) == (40, 40, 40)
    assert result.followed_value == pytest.approx(7.25) and result.comparison_value == pytest.approx(5.75)
    assert result.raw_difference == pytest.approx(1.5)
    assert result.difference == pytest.approx(0.0, abs=1e-9)
    assert result.low is not None and result.high is not None and result.low < 0 < result.high
    assert result.verdict == "no clear difference"
    strata = result.strata.select("stratum", "followed_n", "comparison_n", "weight").rows()
    assert strata == [("NPS 0-3", 10, 30, 7.5), ("NPS 4-6", 30, 10, 7.5)]


def test_compare_outcome__a_difference_within_every_stratum_is_better_or_worse() -> None:
    store = Store()
    number = 0
    for band_nps, base in ((1, 4), (5, 6)):
        for k in range(12):
            number += 1
            store.case(f"f{number}", band_nps, True, next_nps=base + 2 + k % 2)
            store.case(f"n{number}", band_nps, False, next_nps=base + k % 2)
    cases, answers = store.frames()
    result = case_outcomes(cases, answers).next_nps
    assert result.difference == pytest.approx(2.0)
    assert result.low is not None and result.low > 0 and result.verdict == "better"
    flipped = cases.with_columns(
        pl.when(pl.col("first_contact_at").is_null())
        .then(pl.col("created_at"))
        .otherwise(None)
        .alias("first_contact_at")
    )
    assert case_outcomes(flipped, answers).next_nps.verdict == "worse"


def test_compare_outcome__too_few_and_one_sided_strata() -> None:
    store = Store()
    for k in range(3):
        store.case(f"f{k}", 2, True, next_nps=8)
        store.case(f"n{k}", 2, False, next_nps=k)
    store.case("alone", 8, True, next_nps=9, reason="impersonal")  # NPS 7-8: no one to compare with
    cases, answers = store.frames()
    result = case_outcomes(cases, answers).next_nps
    assert result.followed_n == 4 and result.comparison_n == 3
    assert result.difference == pytest.approx(7.0)  # 8 against 0, 1, 2: the lone 7-8 customer is left out
    assert result.verdict == "too few to tell"
    assert verdict(0.5, 2.0, 10, 10) == "better" and verdict(0.5, 2.0, 9, 10) == "too few to tell"
    empty = compare_outcome(read_outcome_units(cases.clear(), answers.clear()), "next_nps")
    assert empty.followed_n == 0 and empty.difference is None and empty.verdict == "too few to tell"


def test_read_outcome_units__next_answer_window_and_first_case_per_customer() -> None:
    store = Store()
    store.case("a", 3, True, next_nps=9, next_after=timedelta(days=181))  # too late: no next answer
    store.case("b", 4, False)  # never answered again
    store.case("c", 2, True)
    store.answer("c", T0 + timedelta(days=2), None)  # a later answer without an NPS is skipped
    store.answer("c", T0 + timedelta(days=3), 7)
    store.answer("c", T0 + timedelta(days=9), 10)
    store.case("c", 6, True, next_nps=8, at=T0 + timedelta(days=20))  # c's second case: c counts once
    store.case(None, None, True, reason="low_stars")  # a review without an author: no customer to follow
    cases, answers = store.frames()
    units = read_outcome_units(cases, answers).sort("customer_hash")
    assert units.select("customer_hash", "group", "origin", "stratum", "next_nps").rows() == [
        ("a", FOLLOWED, "case_contacted", "NPS 0-3", None),
        ("b", NOT_FOLLOWED, NOT_CONTACTED, "NPS 4-6", None),
        ("c", FOLLOWED, "case_contacted", "NPS 0-3", 7),
    ]
    assert units["bought_again"].null_count() == 3  # no orders


def test_read_outcome_units__detractors_before_the_first_case_join_the_comparison() -> None:
    store = Store()
    first = T0 + timedelta(days=100)
    store.case("x", 1, True, next_nps=6, at=first)
    store.answer("h1", first - timedelta(days=10), 5)  # a detractor before cases: compared
    store.answer("h1", first - timedelta(days=5), 9)
    store.answer("h2", first - timedelta(days=95), 0)  # older than HISTORY_DAYS: not
    store.answer("h2", first - timedelta(days=80), 10)
    store.answer("h3", first - timedelta(days=10), 8)  # a passive: the detractor rule would not have met it
    store.answer("x", first - timedelta(days=20), 2)  # x before their case: compared too
    cases, answers = store.frames()
    units = read_outcome_units(cases, answers).sort("customer_hash", "group")
    assert units.select("customer_hash", "group", "origin", "reason", "stratum", "next_nps").rows() == [
        ("h1", NOT_FOLLOWED, BEFORE_CASES, "detractor", "NPS 4-6", 9),
        ("x", FOLLOWED, "case_contacted", "detractor", "NPS 0-3", 6),
        ("x", NOT_FOLLOWED, BEFORE_CASES, "detractor", "NPS 0-3", 1),  # their case's own answer came next
    ]
    result = compare_outcome(units, "next_nps")
    assert result.before_cases_n == 2 and result.not_contacted_n == 0


def test_read_outcome_units__bought_again_within_the_window_for_buyers_only() -> None:
    store = Store()
    store.case("buyer", 2, True)
    store.case("refunded", 2, False)
    store.case("late", 2, False)
    store.case("never", 2, True)  # no purchase at all: not measured
    store.case("recent", 2, True, at=T0 + timedelta(days=60))  # window not over by the last order
    orders = orders_frame(
        [
            ("buyer", T0 - timedelta(days=10), 5.0),
            ("buyer", T0 + timedelta(days=89), 5.0),
            ("refunded", T0 - timedelta(days=10), 5.0),
            ("refunded", T0 + timedelta(days=3), -5.0),  # a refund is no purchase
            ("late", T0 - timedelta(days=10), 5.0),
            ("late", T0 + timedelta(days=91), 5.0),
            ("recent", T0 - timedelta(days=10), 5.0),
            (None, T0 + timedelta(days=100), 5.0),  # the last order in the data
        ]
    )
    cases, answers = store.frames()
    outcomes = case_outcomes(cases, answers, orders)
    got = dict(outcomes.units.select("customer_hash", "bought_again").iter_rows())
    assert got == {"buyer": True, "refunded": False, "late": False, "never": None, "recent": None}
    bought = outcomes.bought_again
    assert bought is not None and (bought.followed_n, bought.comparison_n) == (1, 2)
    assert bought.followed_value == 1.0 and bought.comparison_value == 0.0
    assert case_outcomes(cases, answers, orders.clear()).bought_again is None


def test_follow_up_week__new_by_reason_in_time_and_overdue_as_they_stood() -> None:
    start = datetime(2026, 11, 16, tzinfo=UTC)
    end, at = start + timedelta(days=7), start + timedelta(days=7)

    def case(
        made: float, due: float, contact: float | None, closed: float | None, reason: str
    ) -> dict[str, Any]:
        moment = start + timedelta(days=made)
        return {
            "reason": reason,
            "created_at": moment,
            "due_at": start + timedelta(days=due),
            "first_contact_at": start + timedelta(days=contact) if contact is not None else None,
            "closed_at": start + timedelta(days=closed) if closed is not None else None,
        }

    cases = pl.DataFrame(
        [
            case(0, 2, 0.25, 1, "detractor"),  # in time (6 h), closed
            case(1, 3, 4, 5, "detractor"),  # late (3 days), closed
            case(2, 4, None, None, "low_stars"),  # overdue at the week's end
            case(6, 8, None, None, "detractor"),  # still inside its due time: in neither count
            case(3, 5, 8, None, "impersonal"),  # contacted after `at`: overdue then
            case(-7, -5, None, None, "detractor"),  # last week's, still overdue
            case(8, 10, None, None, "detractor"),  # made after `at`: not there yet
        ]
    )
    week = follow_up_week(cases, start, end, at)
    assert week.new_by_reason == {"detractor": 3, "impersonal": 1, "low_stars": 1} and week.new_n == 5
    assert (week.known_n, week.in_time_n) == (4, 1)
    assert week.median_hours == pytest.approx((6 + 72) / 2)
    assert (week.overdue_n, week.open_n) == (3, 4)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stratified_difference__is_statsmodels_ols_with_hc1_intervals(seed: int) -> None:
    import numpy as np
    import statsmodels.api as sm

    rng = np.random.default_rng(seed)
    n = 60
    measured = pl.DataFrame(
        {
            "y": rng.integers(0, 11, n).astype(float),
            "followed": rng.random(n) < 0.4,
            "stratum": rng.choice(["NPS 0-3", "NPS 4-6", "low_stars"], n),
        }
    )
    estimate, low, high = stratified_difference(measured)
    fit = sm.OLS(measured["y"].to_numpy(), stratified_design(measured)).fit(cov_type="HC1", use_t=True)
    expected_low, expected_high = fit.conf_int(0.05)[0]
    assert estimate == pytest.approx(fit.params[0])
    assert (low, high) == (pytest.approx(expected_low), pytest.approx(expected_high))
    # the coefficient is the strata's differences weighted by n_followed * n_not / n
    table = measured.group_by("stratum").agg(
        pl.col("y").filter("followed").mean().alias("f"),
        pl.col("y").filter(~pl.col("followed")).mean().alias("c"),
        pl.col("followed").sum().alias("nf"),
        (~pl.col("followed")).sum().alias("nc"),
    )
    weights = table["nf"] * table["nc"] / (table["nf"] + table["nc"])
    assert estimate == pytest.approx(float(((table["f"] - table["c"]) * weights).sum() / weights.sum()))
