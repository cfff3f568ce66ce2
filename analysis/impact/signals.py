"""Rollout impact, the vital signs a verdict judges: what each one is, the weekly series of each from the day
totals (analysis.impact.windows), and each one's change fitted on all the weeks there are.

A signal's weekly series is its answers' sum, sum of squares and count per week (counted from the rollout's
start); the weekly count of feedback items is the volume's. The change is a weighted least-squares fit of the
weeks' means (each week weighted by its answers) on a level before, a level while the rollout is in force and
a level after it ended (when it did) (fit_rows says how a comparison channel comes in: with a year of
answers, its weeks join the fit with their own level and the yearly cycle both share; with less, the weeks'
differences from it are fitted), and a yearly cycle of the channel's own when there are two years of history
and nothing to compare with. Its variance is the fit's residual variance, floored at the answers' own variance
around their week's mean (as a quasi-likelihood dispersion is floored at 1): week-to-week swings count as
noise, and with few weeks their spread cannot come out smaller than the sampling of answers implies. The
volume's floor is Poisson's. Why no straight-line trend: extrapolated over months of answers after the start,
a line fitted on the weeks before dominates the estimate and swings with every new week (the earlier
interrupted time series lost a sixth of its power to it in benchmarks/impact_validation.py); a change that
began before the start is flagged instead (assessment.change_before_start).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

YEAR_WEEKS = 365.25 / 7


@dataclass(frozen=True)
class Signal:
    """A vital sign: the per-answer value whose mean it is (in `unit`), which way is better (+1 higher, -1
    lower, 0 neither), the change that matters to an owner (`scale`, the mixture's spread in
    analysis.impact.sequential), the answers a side needs to be judged, and its weight in the weighted Holm
    over the signals (NPS and impersonal complaints, the owner's question, weigh more)."""

    name: str
    label: str  # as a sentence names it: "NPS", "complaints of impersonal service"
    unit: str  # "points", "%", "per 100", "a week"
    better: int
    scale: float
    min_answers: int
    weight: float = 1.0


SIGNALS = (
    Signal("nps", "NPS", "points", +1, 10.0, 30, weight=3.0),
    Signal("impersonal", "complaints of impersonal service", "per 100", -1, 5.0, 20, weight=3.0),
    Signal("negative", "negative comments", "per 100", -1, 10.0, 20),
    Signal("csat", "satisfied customers (CSAT)", "%", +1, 10.0, 30),
    Signal("ces", "customers who found it easy (CES)", "%", +1, 10.0, 30),
    Signal("volume", "responses", "a week", 0, 0.2, 4),  # scale: a 20% change; min_answers: weeks a side
)
SIGNAL_NAMES = tuple(signal.name for signal in SIGNALS)


@dataclass(frozen=True)
class Weekly:
    """One signal's weekly series over the weeks with answers: week numbers (0 is the rollout's first week),
    sums, sums of squares and counts of the per-answer values. For the volume: the week's items as the sum,
    and the days of the week that the data cover as the count, so that a partial week counts in part."""

    weeks: Any
    sums: Any
    squares: Any
    counts: Any

    def between(self, first: int, last: int) -> Weekly:
        """The weeks in [first, last)."""
        keep = (self.weeks >= first) & (self.weeks < last)
        return Weekly(self.weeks[keep], self.sums[keep], self.squares[keep], self.counts[keep])

    @property
    def n(self) -> float:
        return float(self.counts.sum())

    @property
    def mean(self) -> float | None:
        return float(self.sums.sum() / self.counts.sum()) if self.counts.sum() > 0 else None


def weekly_signals(weekly: pl.DataFrame, covered_days: pl.DataFrame) -> dict[str, Weekly]:
    """Every signal's Weekly from weekly totals (windows.weekly_totals: `week` and each measure's _total,
    _squares and _count, with `responses`), over the weeks where it has answers. The volume's counts are the
    weeks' covered days (`covered_days`: week, days) over 7."""
    series = {}
    for name in SIGNAL_NAMES:
        if name == "volume":
            continue
        rows = weekly.filter(pl.col(f"{name}_count") > 0)
        series[name] = Weekly(
            rows["week"].to_numpy(),
            *(rows[f"{name}_{part}"].to_numpy().astype(float) for part in ("total", "squares", "count")),
        )
    volume = weekly.select("week", "responses").join(covered_days, on="week").filter(pl.col("days") > 0)
    items = volume["responses"].to_numpy().astype(float)
    # per week: its items over the share of it covered (a mean per full week), weighted by that share; the
    # volume's variance is Poisson's (answer_variance), so its squares are not used
    series["volume"] = Weekly(volume["week"].to_numpy(), items, items**2, volume["days"].to_numpy() / 7)
    return series


# --- the fit -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Periods:
    """The weeks a fit uses, counted from the start: before [first, 0), in force [0, ended) and after the
    rollout ended [ended, last) (ended == last when it did not end, or the data stop first)."""

    first: int
    ended: int
    last: int


@dataclass(frozen=True)
class Fit:
    """A signal's fitted change while the rollout is in force (`change`, its variance and degrees of freedom)
    and after it ended (`after_end`, None when it did not), the level before, and what the design needs to
    say how the variance would shrink with more weeks."""

    before: float
    change: float
    variance: float
    degrees_of_freedom: float
    after_end: float | None
    after_end_variance: float | None
    n_before: float
    n_during: float
    weeks_during: int
    dispersion: float
    information: Any  # the fit's X'WX: with the dispersion, the variance of a change with more weeks
    adjusted_for: tuple[str, ...]  # "the yearly cycle", "<channel>"

    def variance_with(self, extra_weeks: int, weekly_weight: float) -> float:
        """The change's variance if `extra_weeks` more weeks in force came, each weighing `weekly_weight`
        (answers a week), like the weeks so far (no season or comparison shift)."""
        if extra_weeks <= 0:
            return self.variance
        row = np.zeros(self.information.shape[0])
        row[0], row[1] = 1.0, 1.0
        information = self.information + extra_weeks * weekly_weight * np.outer(row, row)
        return float(self.dispersion * np.linalg.inv(information)[1, 1])


def fit_signal(
    name: str,
    series: Weekly,
    periods: Periods,
    comparison: Weekly | None = None,
    comparison_name: str = "",
    yearly: bool = False,
) -> Fit | None:
    """The signal's change, fitted on its weekly series in `periods` (against `comparison`, the same signal
    in a channel no rollout touched, when given: see fit_rows); None without answers on both sides, or with
    too few weeks for the fit."""
    data = series.between(periods.first, periods.last)
    if data.n <= 0:
        return None
    other = comparison.between(periods.first, periods.last) if comparison is not None else None
    rows = fit_rows(name, data, other, periods, yearly)
    if rows is None:
        return None
    design, means, weights, floor, has_end = rows
    if len(means) <= design.shape[1]:
        return None
    weighted = design * weights[:, None]
    information = design.T @ weighted
    if np.linalg.matrix_rank(information) < design.shape[1]:
        return None
    inverse = np.linalg.inv(information)
    params = inverse @ (weighted.T @ means)
    residual = means - design @ params
    degrees = float(len(means) - design.shape[1])
    dispersion = max(float((weights * residual**2).sum()) / degrees, floor)
    cycle = yearly or (other is not None and spans_a_year(other))
    adjusted_for = (["the yearly cycle"] if cycle else []) + ([comparison_name] if other is not None else [])
    own_before = data.between(periods.first, 0)
    return Fit(
        before=own_before.mean if own_before.mean is not None else float(params[0]),
        change=float(params[1]),
        variance=float(dispersion * inverse[1, 1]),
        degrees_of_freedom=degrees,
        after_end=float(params[2]) if has_end else None,
        after_end_variance=float(dispersion * inverse[2, 2]) if has_end else None,
        n_before=own_before.n,
        n_during=data.between(0, periods.ended).n,
        weeks_during=int(((data.weeks >= 0) & (data.weeks < periods.ended)).sum()),
        dispersion=dispersion,
        information=information,
        adjusted_for=tuple(adjusted_for),
    )


def fit_rows(
    name: str, data: Weekly, comparison: Weekly | None, periods: Periods, yearly: bool
) -> tuple[Any, Any, Any, float, bool] | None:
    """What the fit regresses: the design (a level, in force, after an end when there are such weeks, and
    the cycle's sine and cosine when fitted), the weeks' values, their weights, the variance floor of a unit
    weight, and whether there is an end. Alone: the weeks' means weighted by answers, the floor one answer's
    variance around its week's mean. Against a comparison that spans a year: both channels' weeks together,
    the comparison's with a level of its own and nothing else but the yearly cycle that both share (a
    comparative time series: the cycle is learnt from both, on many answers, where a week-by-week difference
    would double every week's noise: in benchmarks/impact_validation.py a 20-point drop at 45 answers a week
    was found in 35% of 300 runs against the difference, 84% against the comparison's own cycle, 91% of 200
    runs with the shared one), its answers weighted by the ratio of the two channels' answer variances.
    Against a shorter one: the weeks both have, the difference of their means, weighted by
    1 / (1 / n + r / m) (n and m answers, r the comparison's answer variance over the channel's), so that a
    unit weight has the channel's answer variance again. None without weeks before and in force."""
    floor = answer_variance(name, data)
    weeks, means, weights = data.weeks, data.sums / data.counts, data.counts
    shared_cycle = comparison is not None and spans_a_year(comparison)
    if comparison is not None and not shared_cycle:
        weeks, means, weights = weekly_differences(name, data, comparison, floor)
    during = (weeks >= 0) & (weeks < periods.ended)
    if not during.any() or not (weeks < 0).any():
        return None
    has_end = bool((weeks >= periods.ended).any())
    design = period_design(weeks, periods, has_end, yearly or shared_cycle)
    if not shared_cycle or comparison is None:
        return design, means, weights, floor, has_end
    other = period_design(comparison.weeks, periods, has_end, True)
    other[:, : 3 if has_end else 2] = 0.0  # the comparison: no level change, only the cycle
    level = np.concatenate([np.zeros(len(weeks)), np.ones(len(comparison.weeks))])
    stacked = np.column_stack([np.vstack([design, other]), level])
    spread = answer_variance(name, comparison)
    ratio = floor / spread if spread > 0 else 1.0
    values = np.concatenate([means, comparison.sums / comparison.counts])
    return stacked, values, np.concatenate([weights, comparison.counts * ratio]), floor, has_end


def period_design(weeks: Any, periods: Periods, has_end: bool, cycle: bool) -> Any:
    """Columns: a level, in force, after the end (when `has_end`), and the yearly sine and cosine (`cycle`)."""
    columns = [np.ones(len(weeks)), ((weeks >= 0) & (weeks < periods.ended)).astype(float)]
    if has_end:
        columns.append((weeks >= periods.ended).astype(float))
    if cycle:
        angle = 2 * np.pi * weeks / YEAR_WEEKS
        columns += [np.sin(angle), np.cos(angle)]
    return np.column_stack(columns)


def weekly_differences(name: str, data: Weekly, comparison: Weekly, floor: float) -> tuple[Any, Any, Any]:
    """The weeks both channels have, the differences of their means and their weights (fit_rows)."""
    shared, here, there = np.intersect1d(data.weeks, comparison.weeks, return_indices=True)
    ratio = answer_variance(name, comparison) / floor if floor > 0 else 1.0
    n, m = data.counts[here], comparison.counts[there]
    difference = data.sums[here] / n - comparison.sums[there] / m
    return shared, difference, 1 / (1 / n + ratio / m)


def spans_a_year(series: Weekly) -> bool:
    """Whether the weeks with answers span a year (from which a yearly cycle can be told from a level)."""
    return len(series.weeks) >= 2 and series.weeks.max() - series.weeks.min() + 1 >= YEAR_WEEKS


def answer_variance(name: str, data: Weekly) -> float:
    """The variance of one answer around its week's mean (pooled over the weeks): what the weeks' means
    would spread by if weeks did not swing; for the volume, Poisson's (the mean count a week)."""
    if name == "volume":
        return data.mean or 0.0
    spread = float((data.squares - data.sums**2 / data.counts).sum())
    degrees = data.n - len(data.weeks)
    return max(spread, 0.0) / degrees if degrees > 0 else 0.0
