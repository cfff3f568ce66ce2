"""Did following up help? The follow-up cases' outcome: what the customers a person followed up did next, against
similar customers nobody followed up. Pure polars (and statsmodels for the interval); the store is read by
analysis/case_outcomes_pipeline.py, and reports/follow_up.py says it in words.

**The two groups.** A case's customer was *followed up* when a person reached out: the case has a first human
contact (contacted, resolved, or no reply: someone tried). The comparison is customers who were *not followed
up*:

- the customers of cases that nobody has contacted (still new or assigned, however old), and
- before Pulse made cases: customers whose answer the detractor rule would have met (NPS 0-6), in the
  `history_days` before the first case's feedback, that have no case of their own. Only the detractor rule is
  replayed on the past: it needs nothing but the score (the others need the scorer's labels or the words).

Each customer counts once in a group, with their first trigger in it (so that a group's customers are
independent); one customer may be in both (a detractor before cases, then a case that was followed up).

**The outcomes**, each from the moment of the triggering feedback (not from the contact: an answer that came
before the contact still counts for the followed-up group, which dilutes a real effect rather than making one
up, and keeps both groups' clocks the same):

- *next NPS*: the customer's next answer with an NPS (0-10) within `next_days` (180); customers who have not
  answered again are not in it.
- *bought again*: whether the customer bought within `return_days` (90) after it (analysis.loyalty: a
  purchase is an order that is not a refund), for customers with a purchase in the orders, and only where the
  whole window lies before the last order in the data (its returns are all in). Without orders, none.

**Similar customers.** What a customer says next depends most on what they said this time: a detractor's next
score is usually higher whatever anyone does (regression to the mean), and a 1 and a 6 go different ways. So the
groups are compared within strata of the trigger: the NPS band of the triggering answer (0-3, 4-6, 7-8, 9-10),
or, without an NPS (a review, a mention), the case's reason. The difference is the stratified one: a linear
model of the outcome on follow-up with one level per stratum (ordinary least squares; for bought again a linear
probability model), whose follow-up coefficient is the strata's differences weighted by
n_followed * n_not / n (the Mantel-Haenszel weights), with a heteroscedasticity-robust (HC1) 95% interval on
Student's t (statsmodels' numbers, written out in numpy: see stratified_difference). Strata with only one group
say nothing about the difference and are left out.

**Verdict.** "better" when the interval lies above zero, "worse" below, "no clear difference" when it holds
zero, and "too few to tell" below MIN_GROUP customers in either group.

**Observational, not an experiment.** Who gets followed up is not random: staff may reach the customers who are
easier to reach, or to please, first; customers from before cases came from other weeks. Comparing within
strata removes the difference in how unhappy they were, not these. A difference is a hint that following up
helps (or not), never proof.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

from analysis.case_measures import add_case_flags
from analysis.loyalty.feedback import RETURN_DAYS, answer_outcomes
from analysis.loyalty.orders import check_orders, purchase_expr
from pulse.measures import DETRACTOR

NEXT_DAYS = 180  # how long after the trigger the customer's next answer is looked for
HISTORY_DAYS = 90  # how far before the first case the detractors that had no case are looked for
MIN_GROUP = 10  # customers in each group before a verdict is given
OUTCOMES = ("next_nps", "bought_again")
FOLLOWED, NOT_FOLLOWED = "followed_up", "not_followed_up"
# where a customer of each group comes from
CONTACTED, NOT_CONTACTED, BEFORE_CASES = "case_contacted", "case_not_contacted", "before_cases"

UNITS_SCHEMA: dict[str, Any] = {
    "customer_hash": pl.String,
    "group": pl.String,  # FOLLOWED or NOT_FOLLOWED
    "origin": pl.String,  # CONTACTED, NOT_CONTACTED or BEFORE_CASES
    "case_id": pl.Int64,  # null before cases
    "reason": pl.String,  # the case's reason; "detractor" before cases
    "stratum": pl.String,
    "since": pl.Datetime("us", "UTC"),  # the triggering feedback's moment
    "next_nps": pl.Int64,  # null: no answer with an NPS within next_days
    "next_at": pl.Datetime("us", "UTC"),
    "bought_again": pl.Boolean,  # null: not measured (no orders, no purchase ever, window not over)
}


@dataclass(frozen=True)
class OutcomeComparison:
    """One outcome, followed-up customers against similar customers not followed up (see the module)."""

    outcome: str  # "next_nps" (a mean on 0-10) or "bought_again" (a share, 0..1)
    followed_n: int  # followed-up customers with this outcome measured
    comparison_n: int  # not followed up, with it measured
    not_contacted_n: int  # of comparison_n: customers of cases nobody contacted
    before_cases_n: int  # of comparison_n: detractors from before cases
    followed_value: float | None  # the followed-up customers' mean (next NPS) or share (bought again)
    comparison_value: float | None
    raw_difference: float | None  # followed_value - comparison_value, not stratified
    difference: float | None  # within strata, combined (what the verdict reads)
    low: float | None  # its 95% interval
    high: float | None
    verdict: str  # "better", "no clear difference", "worse" or "too few to tell"
    # per stratum: stratum, followed_n, comparison_n, followed_value, comparison_value, weight
    strata: pl.DataFrame

    @property
    def compared(self) -> bool:
        """Whether there is a difference to show (both groups in at least one stratum)."""
        return self.difference is not None


@dataclass(frozen=True)
class CaseOutcomes:
    """The outcome measure: next NPS, and bought again (None when the store has no orders)."""

    next_nps: OutcomeComparison
    bought_again: OutcomeComparison | None
    units: pl.DataFrame  # UNITS_SCHEMA: one row per customer and group
    next_days: int = NEXT_DAYS
    return_days: int = RETURN_DAYS
    as_of: date | None = None  # the local day the store was read at (analysis/case_outcomes_pipeline.py)

    def comparisons(self) -> list[OutcomeComparison]:
        return [self.next_nps, *([self.bought_again] if self.bought_again is not None else [])]


def stratum_expr() -> pl.Expr:
    """The trigger's stratum: the NPS band of the answer ("NPS 0-3", "NPS 4-6", "NPS 7-8", "NPS 9-10"), or
    without an NPS the case's reason ("low_stars", ...)."""
    nps = pl.col("nps")
    return (
        pl.when(nps <= 3)
        .then(pl.lit("NPS 0-3"))
        .when(nps <= 6)
        .then(pl.lit("NPS 4-6"))
        .when(nps <= 8)
        .then(pl.lit("NPS 7-8"))
        .when(nps.is_not_null())
        .then(pl.lit("NPS 9-10"))
        .otherwise(pl.col("reason"))
    )


def followed_up_expr() -> pl.Expr:
    """Whether a case's customer was followed up: a person made a first contact (contacted, resolved or no
    reply; store.cases records its moment once)."""
    return pl.col("first_contact_at").is_not_null()


def read_outcome_units(
    cases: pl.DataFrame,
    answers: pl.DataFrame,
    orders: pl.DataFrame | None = None,
    next_days: int = NEXT_DAYS,
    return_days: int = RETURN_DAYS,
    history_days: int = HISTORY_DAYS,
) -> pl.DataFrame:
    """The customers of both groups with their outcomes (UNITS_SCHEMA), from `cases` (store.cases.read_cases:
    id, feedback_id, reason, first_contact_at, author_hash, nps, feedback_created_at), the customers' `answers`
    (store.cases.read_customer_answers: feedback_id, author_hash, created_at, nps) and, optionally, the
    `orders` (store.orders.read_orders)."""
    triggers = _triggers(cases, answers, history_days)
    with_next = _add_next_answer(triggers, answers, next_days)
    return _add_bought_again(with_next, orders, return_days).select(
        [pl.col(name).cast(dtype) for name, dtype in UNITS_SCHEMA.items()]
    )


def _triggers(cases: pl.DataFrame, answers: pl.DataFrame, history_days: int) -> pl.DataFrame:
    """One row per customer and group: their first case (or earlier detractor answer) in it."""
    known = cases.filter(pl.col("author_hash").is_not_null())
    followed = followed_up_expr()
    from_cases = known.select(
        pl.col("author_hash").alias("customer_hash"),
        pl.when(followed).then(pl.lit(FOLLOWED)).otherwise(pl.lit(NOT_FOLLOWED)).alias("group"),
        pl.when(followed).then(pl.lit(CONTACTED)).otherwise(pl.lit(NOT_CONTACTED)).alias("origin"),
        pl.col("id").cast(pl.Int64).alias("case_id"),
        "reason",
        stratum_expr().alias("stratum"),
        pl.col("feedback_created_at").alias("since"),
    )
    parts = [from_cases]
    first_case = cases["feedback_created_at"].min()
    if isinstance(first_case, datetime):
        start = first_case - timedelta(days=history_days)
        before = answers.filter(
            pl.col("author_hash").is_not_null(),
            DETRACTOR.expr(),
            pl.col("created_at") >= start,
            pl.col("created_at") < first_case,
            ~pl.col("feedback_id").is_in(cases["feedback_id"].implode()),
        ).with_columns(pl.lit("detractor").alias("reason"))
        parts.append(
            before.select(
                pl.col("author_hash").alias("customer_hash"),
                pl.lit(NOT_FOLLOWED).alias("group"),
                pl.lit(BEFORE_CASES).alias("origin"),
                pl.lit(None, pl.Int64).alias("case_id"),
                "reason",
                stratum_expr().alias("stratum"),
                pl.col("created_at").alias("since"),
            )
        )
    stacked = pl.concat(
        [part.cast({"since": pl.Datetime("us", "UTC"), "reason": pl.String}) for part in parts]
    )
    return (
        stacked.sort("since", "case_id", nulls_last=True)
        .group_by("customer_hash", "group", maintain_order=True)
        .first()
    )


def _add_next_answer(triggers: pl.DataFrame, answers: pl.DataFrame, next_days: int) -> pl.DataFrame:
    """`next_nps` and `next_at`: the customer's first answer with an NPS after the trigger, within next_days."""
    later = (
        answers.filter(pl.col("author_hash").is_not_null(), pl.col("nps").is_not_null())
        .select(
            pl.col("author_hash").alias("customer_hash"),
            pl.col("created_at").cast(pl.Datetime("us", "UTC")).alias("next_at"),
            pl.col("nps").cast(pl.Int64).alias("next_nps"),
        )
        .sort("next_at")
    )
    return triggers.sort("since").join_asof(
        later,
        left_on="since",
        right_on="next_at",
        by="customer_hash",
        strategy="forward",
        allow_exact_matches=False,
        tolerance=timedelta(days=next_days),
        check_sortedness=False,
    )


def _add_bought_again(units: pl.DataFrame, orders: pl.DataFrame | None, return_days: int) -> pl.DataFrame:
    """`bought_again` for customers who bought at some time and whose window is over; null for the others."""
    if orders is None or orders.is_empty():
        return units.with_columns(pl.lit(None, pl.Boolean).alias("bought_again"))
    check_orders(orders)
    last_order = orders["ordered_at"].max()
    buyers = orders.filter(purchase_expr()).select("customer_hash").unique()
    measurable = units.join(buyers, on="customer_hash", how="semi").filter(
        pl.col("since") + timedelta(days=return_days) <= last_order
    )
    moments = measurable.select("customer_hash", "group", "since")
    returned = answer_outcomes(orders, moments, return_days).select(
        "customer_hash", "group", pl.col("returned").alias("bought_again")
    )
    return units.join(returned, on=["customer_hash", "group"], how="left")


# --- comparing ----------------------------------------------------------------------------------------


def compare_outcome(units: pl.DataFrame, outcome: str, min_group: int = MIN_GROUP) -> OutcomeComparison:
    """Followed-up customers against those not followed up on `outcome` (a column of `units`: next_nps or
    bought_again), within strata (see the module)."""
    measured = units.filter(pl.col(outcome).is_not_null()).with_columns(
        pl.col(outcome).cast(pl.Float64).alias("y"), (pl.col("group") == FOLLOWED).alias("followed")
    )
    followed = measured.filter("followed")
    comparison = measured.filter(~pl.col("followed"))
    strata = _strata_table(measured)
    both = strata.filter((pl.col("followed_n") > 0) & (pl.col("comparison_n") > 0))["stratum"]
    difference, low, high = stratified_difference(measured.filter(pl.col("stratum").is_in(both.implode())))
    followed_value, comparison_value = _mean(followed), _mean(comparison)
    raw = (
        followed_value - comparison_value
        if followed_value is not None and comparison_value is not None
        else None
    )
    return OutcomeComparison(
        outcome=outcome,
        followed_n=followed.height,
        comparison_n=comparison.height,
        not_contacted_n=comparison.filter(pl.col("origin") == NOT_CONTACTED).height,
        before_cases_n=comparison.filter(pl.col("origin") == BEFORE_CASES).height,
        followed_value=followed_value,
        comparison_value=comparison_value,
        raw_difference=raw,
        difference=difference,
        low=low,
        high=high,
        verdict=verdict(low, high, followed.height, comparison.height, min_group),
        strata=strata,
    )


def _mean(frame: pl.DataFrame) -> float | None:
    value = frame["y"].mean()
    return float(value) if frame.height and isinstance(value, int | float) else None


def _strata_table(measured: pl.DataFrame) -> pl.DataFrame:
    per = measured.group_by("stratum").agg(
        pl.col("followed").sum().cast(pl.Int64).alias("followed_n"),
        (~pl.col("followed")).sum().cast(pl.Int64).alias("comparison_n"),
        pl.col("y").filter("followed").mean().alias("followed_value"),
        pl.col("y").filter(~pl.col("followed")).mean().alias("comparison_value"),
    )
    weight = pl.col("followed_n") * pl.col("comparison_n") / (pl.col("followed_n") + pl.col("comparison_n"))
    return per.with_columns(weight.alias("weight")).sort("stratum")


def stratified_design(measured: pl.DataFrame) -> np.ndarray:
    """The design matrix of y ~ followed + one level per stratum: a column of follow-up (1 or 0), then one
    indicator column per stratum (no intercept: the strata's levels are their own)."""
    followed = measured["followed"].cast(pl.Float64).to_numpy()
    levels = measured["stratum"].to_list()
    names = sorted(set(levels))
    return np.column_stack(
        [followed, *[np.array([value == name for value in levels], dtype=float) for name in names]]
    )


def stratified_difference(measured: pl.DataFrame) -> tuple[float | None, float | None, float | None]:
    """The follow-up coefficient of y ~ followed + one level per stratum (ordinary least squares), with its 95%
    interval from the HC1 (heteroscedasticity-robust) covariance on Student's t with n - k degrees of freedom:
    the strata's differences of means weighted by n_followed * n_not / n. `measured` has y (a float), followed
    (a bool) and stratum. (None, None, None) without both groups; no interval when the model has no degrees of
    freedom left or the interval is not finite.

    statsmodels' OLS(y, X).fit(cov_type="HC1", use_t=True) gives the same numbers (tests/unit/analysis/
    test_case_outcomes.py checks it), but this runs on the Follow-up page and in the digest, where importing
    statsmodels would add a second or more; the computation is its, in numpy."""
    followed_n = int(measured["followed"].sum()) if measured.height else 0
    if not followed_n or followed_n == measured.height:
        return None, None, None
    design = stratified_design(measured)
    y = measured["y"].to_numpy().astype(float)
    inverse = np.linalg.pinv(design.T @ design)
    params = inverse @ design.T @ y
    estimate = float(params[0])
    n, k = design.shape
    if n - k < 1:
        return estimate, None, None
    residuals = y - design @ params
    meat = (design * residuals[:, None] ** 2).T @ design
    covariance = inverse @ meat @ inverse * n / (n - k)  # HC1: White's sandwich, scaled by n / (n - k)
    spread = math.sqrt(max(float(covariance[0, 0]), 0.0))
    from scipy.special import stdtrit  # Student's t quantile: scipy.special, not all of scipy.stats

    margin = float(stdtrit(n - k, 0.975)) * spread
    if not math.isfinite(margin):
        return estimate, None, None
    return estimate, estimate - margin, estimate + margin


def verdict(
    low: float | None, high: float | None, followed_n: int, comparison_n: int, min_group: int = MIN_GROUP
) -> str:
    """ "better" (the interval above zero), "worse" (below), "no clear difference" (it holds zero), or "too
    few to tell" (fewer than `min_group` customers in either group, or no interval)."""
    if followed_n < min_group or comparison_n < min_group or low is None or high is None:
        return "too few to tell"
    if low > 0:
        return "better"
    if high < 0:
        return "worse"
    return "no clear difference"


def case_outcomes(
    cases: pl.DataFrame,
    answers: pl.DataFrame,
    orders: pl.DataFrame | None = None,
    next_days: int = NEXT_DAYS,
    return_days: int = RETURN_DAYS,
    history_days: int = HISTORY_DAYS,
    min_group: int = MIN_GROUP,
) -> CaseOutcomes:
    """The outcome measure (see the module) from the cases, the customers' answers and the orders (None or
    empty: no bought-again comparison)."""
    units = read_outcome_units(cases, answers, orders, next_days, return_days, history_days)
    has_orders = orders is not None and not orders.is_empty()
    return CaseOutcomes(
        next_nps=compare_outcome(units, "next_nps", min_group),
        bought_again=compare_outcome(units, "bought_again", min_group) if has_orders else None,
        units=units,
        next_days=next_days,
        return_days=return_days,
    )


# --- the week's follow-up, for the digest -------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpWeek:
    """The follow-up of a week, at the moment `at` (the week's end, or now when sooner)."""

    new_by_reason: dict[str, int]  # the cases made in the week, by reason, the most first
    known_n: int  # of the week's cases: those contacted, or past their due time at `at`
    in_time_n: int  # of those: first contacted by their due time
    median_hours: float | None  # hours from made to first contact, of the week's cases contacted by `at`
    overdue_n: int  # every case at `at`: nobody has contacted it and its due time has passed
    open_n: int  # every case at `at`: not closed (resolved or no reply) yet

    @property
    def new_n(self) -> int:
        return sum(self.new_by_reason.values())


def follow_up_week(cases: pl.DataFrame, start: datetime, end: datetime, at: datetime) -> FollowUpWeek:
    """The week [start, end)'s cases (store.cases.read_cases: reason, created_at, due_at, first_contact_at,
    closed_at) as they stood at `at`: the moments a case records let a past week be told as it was then.
    Contacted within the due time and overdue are analysis.case_measures' flags, as the Follow-up page counts
    them (a case still inside its due time and not contacted is in neither count)."""
    start, end, at = start.astimezone(UTC), end.astimezone(UTC), at.astimezone(UTC)
    then = pl.col("first_contact_at"), pl.col("closed_at")  # what had not happened by `at` is forgotten
    made = add_case_flags(
        cases.filter(pl.col("created_at") <= at).with_columns(
            [pl.when(moment <= at).then(moment).alias(moment.meta.output_name()) for moment in then]
        ),
        at,
    )
    week = made.filter(pl.col("created_at") >= start, pl.col("created_at") < end)
    by_reason = week.group_by("reason").len().sort(["len", "reason"], descending=[True, False]).iter_rows()
    known = week.filter("known")
    median = week["hours_to_contact"].median()
    return FollowUpWeek(
        new_by_reason={reason: int(count) for reason, count in by_reason},
        known_n=known.height,
        in_time_n=int(known["in_time"].sum()),
        median_hours=float(median) if median is not None else None,  # type: ignore[arg-type]
        overdue_n=int(made["overdue"].sum()),
        open_n=int(made["open"].sum()),
    )
