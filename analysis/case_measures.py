"""How well the team follows up unhappy customers: measures over the follow-up cases (store.cases.read_cases), at
a moment `now`. Pure polars over the cases' own times, so that every status rule lives in store.cases.

- **Open**: a case not closed (`closed_at` empty: new, assigned or contacted and not yet resolved or given up).
- **Overdue**: open, nobody has reached the customer yet (`first_contact_at` empty) and its due time
  (`due_at`) has passed.
- **Contacted within the due time**: of the cases made in the last `days` whose outcome is known (contacted, or
  past their due time without contact), the share first contacted at or before their due time; a case still
  within its due time and not contacted is in neither count. 95% Wilson interval (analysis.metrics).
- **Median time to first contact**: hours from the case being made to its first human contact (contacted,
  resolved or no reply), over the cases of the last `days` that have one; 95% distribution-free interval from
  the order statistics (the binomial interval for a median: no resampling, exact coverage of at least 95%;
  none below 6 cases). Cases not contacted yet are not in it, so while many wait it reads short: read it with
  the share above.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

import polars as pl

from analysis.metrics import period_expr, wilson_interval_exprs

MEASURE_DAYS = 90  # the measures' span: the cases made in the last 90 days


def is_open_expr() -> pl.Expr:
    """Whether a case is still open: not resolved and not given up (no reply)."""
    return pl.col("closed_at").is_null()


def is_overdue_expr(now: datetime) -> pl.Expr:
    """Whether an open case's first contact is late: nobody has reached the customer and its due time passed."""
    return is_open_expr() & pl.col("first_contact_at").is_null() & (pl.col("due_at") < now)


def hours_to_contact_expr() -> pl.Expr:
    """Hours from the case being made to its first human contact; null while there is none."""
    return (pl.col("first_contact_at") - pl.col("created_at")).dt.total_seconds() / 3600


def add_case_flags(cases: pl.DataFrame, now: datetime) -> pl.DataFrame:
    """The cases with `open`, `overdue`, `hours_to_contact` (null until contacted), `known` (the outcome of
    its due time is known: contacted, or due and not contacted) and `in_time` (first contacted by its due
    time; null while not known)."""
    contacted = pl.col("first_contact_at").is_not_null()
    known = contacted | (pl.col("due_at") <= now)
    return cases.with_columns(
        is_open_expr().alias("open"),
        is_overdue_expr(now).alias("overdue"),
        hours_to_contact_expr().alias("hours_to_contact"),
        known.alias("known"),
        pl.when(known).then(contacted & (pl.col("first_contact_at") <= pl.col("due_at"))).alias("in_time"),
    )


def order_cases(cases: pl.DataFrame, now: datetime) -> pl.DataFrame:
    """The cases as the Follow-up page lists them: overdue first, then the other open ones, then the closed;
    each group by due time, the soonest first (then by id)."""
    flagged = cases.with_columns(is_overdue_expr(now).alias("_overdue"), is_open_expr().alias("_open"))
    return flagged.sort(
        ["_overdue", "_open", "due_at", "id"], descending=[True, True, False, False], nulls_last=True
    ).drop("_overdue", "_open")


def count_open_cases(cases: pl.DataFrame, now: datetime) -> tuple[int, int]:
    """How many cases are open, and how many of those are overdue (the Pulse page's link)."""
    counted = cases.select(is_open_expr().sum().alias("open"), is_overdue_expr(now).sum().alias("overdue"))
    return int(counted["open"][0] or 0), int(counted["overdue"][0] or 0)


@dataclass(frozen=True)
class CaseMeasures:
    """The Follow-up page's figures (see the module's docstring for what each is)."""

    open_n: int
    overdue_n: int
    days: int  # the span of the two measures below: cases made in the last `days`
    known_n: int  # the denominator of the share: cases contacted, or past their due time
    in_time_n: int
    in_time_share: float | None
    in_time_low: float | None
    in_time_high: float | None
    contacted_n: int  # the cases behind the median
    median_hours: float | None
    median_low: float | None
    median_high: float | None


def case_measures(cases: pl.DataFrame, now: datetime, days: int = MEASURE_DAYS) -> CaseMeasures:
    """Open and overdue cases now (all of them), and over the cases made in the last `days`: the share
    contacted within the due time, and the median hours to first contact, each with its 95% interval."""
    flagged = add_case_flags(cases, now)
    recent = flagged.filter(pl.col("created_at") >= now - timedelta(days=days))
    known = recent.filter("known")
    in_time_n = int(known["in_time"].sum())
    low, high = _wilson(in_time_n, known.height)
    hours = recent["hours_to_contact"].drop_nulls().sort().to_list()
    median_low, median_high = median_interval(hours)
    return CaseMeasures(
        open_n=int(flagged["open"].sum()),
        overdue_n=int(flagged["overdue"].sum()),
        days=days,
        known_n=known.height,
        in_time_n=in_time_n,
        in_time_share=in_time_n / known.height if known.height else None,
        in_time_low=low,
        in_time_high=high,
        contacted_n=len(hours),
        median_hours=statistics.median(hours) if hours else None,
        median_low=median_low,
        median_high=median_high,
    )


def weekly_case_measures(cases: pl.DataFrame, now: datetime, timezone: str) -> pl.DataFrame:
    """Per local week the cases were made in (Monday, in `timezone`): cases, known (contacted or past due),
    in_time, in_time_share with its 95% Wilson interval (in_time_low, in_time_high) and median_hours to first
    contact; oldest week first."""
    low, high = wilson_interval_exprs(pl.col("in_time"), pl.col("known"))
    return (
        add_case_flags(cases, now)
        .group_by(period_expr("week", timezone).alias("week"))
        .agg(
            pl.len().alias("cases"),
            pl.col("known").sum().cast(pl.Int64),
            pl.col("in_time").fill_null(False).sum().cast(pl.Int64),
            pl.col("hours_to_contact").median().alias("median_hours"),
        )
        .with_columns(
            pl.when(pl.col("known") > 0).then(pl.col("in_time") / pl.col("known")).alias("in_time_share"),
            low.alias("in_time_low"),
            high.alias("in_time_high"),
        )
        .sort("week")
    )


def median_interval(values: list[float], confidence: float = 0.95) -> tuple[float | None, float | None]:
    """The distribution-free interval of the median of sorted `values`: the order statistics x(j) and
    x(n+1-j) with the largest j for which P(Binomial(n, 1/2) < j) <= (1 - confidence) / 2, so that it covers
    the median at least `confidence` of the time; (None, None) when too few values allow it (below 6 at 95%)."""
    n = len(values)
    tail = (1 - Fraction(str(confidence))) / 2 * 2**n  # in outcomes of 2^n, exactly (no float overflow)
    below, ways, j = 0, 1, 0  # below: the outcomes with fewer than j successes; ways: those with exactly j
    while j < n and below + ways <= tail:
        below += ways
        ways = ways * (n - j) // (j + 1)
        j += 1
    if j == 0:
        return None, None
    return values[j - 1], values[n - j]


def _wilson(successes: int, n: int) -> tuple[float | None, float | None]:
    low, high = wilson_interval_exprs(pl.lit(successes, dtype=pl.Float64), pl.lit(n, dtype=pl.Float64))
    row = pl.select(low.alias("low"), high.alias("high")).row(0)
    return row[0], row[1]
